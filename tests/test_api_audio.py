"""Speech in, speech out and embeddings through the official `openai` package against a running server,
on the real packaged models: Whisper base, the Piper English voice, multilingual-e5-small."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from api_server import RunningAPI, scripted_advisor, start_api
from e2e.appserver import KB

pytestmark = pytest.mark.slow
CLIP = Path(__file__).resolve().parent / "data" / "asr" / "zh" / "00.ogg"  # 高考志愿应该怎么填报比较好？


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAPI]:
    advisor = scripted_advisor(tmp_path_factory.mktemp("api-audio"))
    running = start_api(advisor.settings, advisor)
    yield running
    running.stop()


def test_transcription_of_a_real_clip(api: RunningAPI) -> None:
    client = api.client()
    with CLIP.open("rb") as clip:
        plain = client.audio.transcriptions.create(model="whisper-1", file=clip)
    assert "高考" in plain.text and "志愿" in plain.text, plain.text
    verbose = client.audio.transcriptions.create(
        model="whisper-1", file=("q.ogg", CLIP.read_bytes()), response_format="verbose_json", language="zh"
    )
    assert verbose.language == "chinese" and verbose.duration > 1
    assert verbose.segments and verbose.segments[0].text == verbose.text
    text = client.audio.transcriptions.create(
        model="whisper-1", file=("q.ogg", CLIP.read_bytes()), response_format="text"
    )
    assert "高考" in str(text)


def test_speech_is_read_back_by_our_asr(api: RunningAPI, tmp_path: Path) -> None:
    client = api.client()
    sentence = "A library card costs twelve dollars a year."
    with client.audio.speech.with_streaming_response.create(
        model="tts-1", voice="alloy", input=sentence, response_format="wav"
    ) as response:
        assert response.headers["content-type"] == "audio/wav"
        wav = b"".join(response.iter_bytes())
    assert wav[:4] == b"RIFF" and len(wav) > 24_000
    (tmp_path / "reply.wav").write_bytes(wav)
    heard = api.advisor.stages.asr.get().transcribe(tmp_path / "reply.wav", "en")
    words = heard.text.lower()
    assert "library" in words and "card" in words, heard.text
    mp3 = client.audio.speech.create(
        model="tts-1", voice="alloy", input="你好。Hello.", response_format="mp3"
    )
    assert len(mp3.content) > 1000


def test_embeddings_equal_the_knowledge_base(api: RunningAPI) -> None:
    library = api.advisor.library
    name = library.embedder_name
    ids = sorted(library.store.ids(KB, name))[:2]
    rows = library.catalog.chunk_rows(KB, ids)
    texts = [row[2] for row in rows]
    stored = library.catalog.cached_embeddings(name, [hashlib.sha256(t.encode()).hexdigest() for t in texts])
    reply = api.client().embeddings.create(model=name, input=texts)  # the SDK asks for base64
    assert reply.model == name and len(reply.data) == len(texts)
    for text, item in zip(texts, reply.data, strict=True):
        expected = stored[hashlib.sha256(text.encode()).hexdigest()]
        assert np.allclose(np.asarray(item.embedding), expected, atol=1e-6)
    as_floats = api.client().embeddings.create(
        model="advisor-embeddings", input=texts[0], encoding_format="float"
    )
    assert np.allclose(as_floats.data[0].embedding, reply.data[0].embedding, atol=1e-6)
    query = api.client().embeddings.create(model=name, input=texts[0], extra_body={"input_type": "query"})
    assert np.allclose(query.data[0].embedding, library.embedder.embed_query(texts[0]), atol=1e-6)
