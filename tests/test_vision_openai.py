"""The "openai" vision backend against the scripted fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import pytest
from fake_openai_server import FakeOpenAIServer, closed_port_url, cut, hang, status, stream
from PIL import Image

from advisor.config import Settings, VisionSettings
from advisor.events import ImageText
from advisor.vision import VisionError, create_vision, load_image
from advisor.vision.combined import CombinedReader
from advisor.vision.openai_vision import OpenAIVision
from bench.vision_samples import cjk_font, png, render_text

pytestmark = pytest.mark.slow

CONNECT_S, READ_S = 1.0, 0.5


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


def vision(url: str, **options: object) -> OpenAIVision:
    return OpenAIVision(
        url,
        "test-vlm",
        connect_timeout_s=CONNECT_S,
        read_timeout_s=READ_S,
        **options,  # type: ignore[arg-type]
    )


def photo_with_exif(size: tuple[int, int] = (2400, 1200)) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def sent_image(request: dict) -> tuple[str, bytes]:
    [message] = request["messages"]
    [text, image] = message["content"]
    assert text["type"] == "text" and image["type"] == "image_url"
    url = image["image_url"]["url"]
    prefix = "data:image/jpeg;base64,"
    assert url.startswith(prefix)
    return text["text"], base64.b64decode(url[len(prefix) :])


def test_the_image_goes_as_a_data_url_and_the_answer_is_streamed(server: FakeOpenAIServer) -> None:
    server.add(stream(["A blue ", "rectangle, ", "no text."]))
    image = load_image(photo_with_exif())
    assert vision(server.url).describe(image, "What colour is it?", "en") == "A blue rectangle, no text."
    [request] = server.requests
    assert request["model"] == "test-vlm"
    assert request["stream"] is True
    assert request["temperature"] == 0.0
    assert request["max_tokens"] == request["max_completion_tokens"] == 400
    prompt, jpeg = sent_image(request)
    assert "What colour is it?" in prompt and "instead of guessing" in prompt
    assert b"SecretCam" not in jpeg  # metadata never leaves the machine
    sent = Image.open(io.BytesIO(jpeg))
    assert sent.format == "JPEG" and sent.size == (1536, 768)  # downscaled to max_side


def test_a_chinese_question_gets_a_chinese_prompt(server: FakeOpenAIServer) -> None:
    server.add(stream(["一个蓝色的长方形。"]))
    reader = vision(server.url)
    assert reader.read(load_image(photo_with_exif((300, 200))), "这是什么颜色？") == ImageText(
        text="", description="一个蓝色的长方形。"
    )
    prompt, _ = sent_image(server.requests[0])
    assert "这是什么颜色？" in prompt and "请用简体中文回答" in prompt


def test_overload_is_retried_before_the_first_token(server: FakeOpenAIServer) -> None:
    server.add(status(503), status(429), stream(["ok"]))
    assert vision(server.url).describe(load_image(photo_with_exif((64, 64)))) == "ok"
    assert server.request_count == 3


def test_a_bad_request_is_not_retried_and_is_explained(server: FakeOpenAIServer) -> None:
    server.add(status(400), stream(["never"]))
    with pytest.raises(VisionError) as caught:
        vision(server.url).describe(load_image(photo_with_exif((64, 64))))
    assert "answered 400" in str(caught.value) and "accept images" in str(caught.value)
    assert "400" in caught.value.message("zh")
    assert server.request_count == 1


def test_a_silent_server_times_out_once_without_retrying(server: FakeOpenAIServer) -> None:
    server.add(hang(5), stream(["late"]))
    with pytest.raises(VisionError, match=f"sent nothing for {READ_S:g} s"):
        vision(server.url).describe(load_image(photo_with_exif((64, 64))))
    assert server.request_count == 1


@pytest.mark.parametrize(("chunked", "said"), [(True, "broke off"), (False, "before it was finished")])
def test_an_answer_cut_short_is_an_error_not_a_description(chunked: bool, said: str) -> None:
    # Chunked, the HTTP library sees the body end early; unchunked, the end looks clean and only the
    # missing finish_reason shows the answer was cut.
    image = load_image(photo_with_exif((64, 64)))
    with (
        FakeOpenAIServer(cut(["A blue rec"]), chunked=chunked) as server,
        pytest.raises(VisionError, match=said),
    ):
        vision(server.url).describe(image)


def test_an_empty_answer_is_an_error(server: FakeOpenAIServer) -> None:
    server.add(stream([]))
    with pytest.raises(VisionError, match="empty description"):
        vision(server.url).describe(load_image(photo_with_exif((64, 64))))


def test_nobody_listening() -> None:
    with pytest.raises(VisionError, match="could not connect") as caught:
        vision(closed_port_url()).describe(load_image(photo_with_exif((64, 64))))
    assert "ADVISOR_VISION__BASE_URL" in caught.value.message("zh")


def test_settings_are_required() -> None:
    with pytest.raises(VisionError, match="ADVISOR_VISION__MODEL"):
        OpenAIVision.from_settings(VisionSettings(backend="openai", base_url="http://127.0.0.1:1/v1"))


FONT = cjk_font()


@pytest.mark.skipif(FONT is None, reason="no CJK font: apt-get install fonts-wqy-microhei")
def test_ocr_and_the_endpoint_are_both_used(server: FakeOpenAIServer) -> None:
    assert FONT is not None
    settings = VisionSettings(backend="openai", base_url=server.url, model="test-vlm")
    reader = create_vision(Settings(vision=settings))
    assert isinstance(reader, CombinedReader)
    image = load_image(png(render_text(["保质期18个月", "Best before 2025-06-30"], FONT, 36)))
    server.add(stream(["A white label with a shelf-life notice."]))
    found = reader.read(image)
    assert [("".join(line.split())) for line in found.text.splitlines()] == [
        "保质期18个月",
        "Bestbefore2025-06-30",
    ]
    assert found.description == "A white label with a shelf-life notice."

    # The endpoint fails: the OCR text still comes back, and the caller learns why the description is missing.
    server.add(status(500), status(500), status(500))
    found, problems = reader.read_with_notices(image, "保质期多久？")
    assert found.description == "" and "保质期18个月" in found.text
    [problem] = problems
    assert "answered 500" in str(problem)
    server.add(status(500), status(500), status(500))
    strict = CombinedReader(OpenAIVision.from_settings(settings), strict=True)
    with pytest.raises(VisionError):
        strict.read(image)
