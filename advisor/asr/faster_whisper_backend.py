"""faster-whisper (CTranslate2): the default engine. The packaged Whisper base, int8, two CPU threads.

`settings.asr.model` may instead name any faster-whisper model ("small", "large-v3", a Hugging Face id,
fetched by faster-whisper when the machine is online) or the path of a CTranslate2 model folder.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from advisor.asr.audio import SAMPLE_RATE
from advisor.asr.base import ASRUnavailable
from advisor.asr.budget import fitted
from advisor.asr.packaged import WHISPER_BASE, assemble_folder
from advisor.asr.pipeline import Engine, Segment, WhisperTranscriber
from advisor.models import ModelIntegrityError, ModelMissing

BEAM_SIZE = 5


def _device() -> tuple[str, str]:
    import ctranslate2

    if ctranslate2.get_cuda_device_count() > 0:
        return "cuda", "float16"
    return "cpu", "int8"


def _reusing_model(model: str, device: str, compute_type: str, threads: int) -> Any:
    """A WhisperModel that remembers its last encoder output.

    The encoder pass over a 30 s window is about half of a short question's recognition time on two
    cores, and faster-whisper runs it twice when the language is not given: once to detect the language,
    once more to decode. Detection here encodes the first window exactly as decoding will cut it, so
    decoding finds the same features and reuses the output instead of encoding again.
    """
    from faster_whisper import WhisperModel

    class ReusingWhisperModel(WhisperModel):
        last: tuple[np.ndarray, Any] | None = None

        def encode(self, features: np.ndarray) -> Any:
            if self.last is not None and np.array_equal(self.last[0], features):
                return self.last[1]
            output = super().encode(features)
            self.last = (features.copy(), output)
            return output

    return ReusingWhisperModel(
        model, device=device, compute_type=compute_type, cpu_threads=threads, num_workers=1
    )


class FasterWhisperEngine:
    def __init__(self, model: str, device: str, compute_type: str, threads: int) -> None:
        self.model_name = model
        self.model = _reusing_model(model, device, compute_type, threads)

    def detect(self, audio: Any) -> dict[str, float]:
        from faster_whisper.audio import pad_or_trim

        features = self.model.feature_extractor(np.asarray(audio, dtype=np.float32))
        # The first window as transcribe() cuts it: its last frame is dropped, then padded to 30 s.
        window = self.model.feature_extractor.nb_max_frames
        first = pad_or_trim(features[:, : min(window, features.shape[-1] - 1)])
        results = self.model.model.detect_language(self.model.encode(first))[0]
        return {str(token)[2:-2]: float(p) for token, p in results}

    def decode(
        self,
        audio: Any,
        language: str,
        prompt: str | None,
        hotwords: str | None = None,
        beams: int = BEAM_SIZE,
        max_tokens: int | None = None,
        retries: bool = True,
    ) -> list[Segment]:
        seconds = len(audio) / SAMPLE_RATE
        budget: dict[str, Any] = {} if retries else {"temperature": 0.0}
        if (tokens := fitted(max_tokens, seconds, (hotwords, prompt), self._count)) is not None:
            budget["max_new_tokens"] = tokens
        segments, _ = self.model.transcribe(
            np.asarray(audio, dtype=np.float32),
            language=language,
            task="transcribe",
            beam_size=beams,
            initial_prompt=prompt,
            hotwords=hotwords,  # placed before the prompt in every window's context
            vad_filter=False,  # our VAD already trimmed it
            condition_on_previous_text=True,
            **budget,
        )
        try:
            return [Segment(s.text, float(s.no_speech_prob), float(s.avg_logprob)) for s in segments]
        finally:
            self.model.last = None  # the next clip is different audio; free the window

    def _count(self, text: str) -> int:
        return len(self.model.hf_tokenizer.encode(" " + text.strip(), add_special_tokens=False).ids)


class FasterWhisperTranscriber(WhisperTranscriber):
    name = "faster-whisper"

    def _model_ref(self) -> str:
        if self.settings.model:
            return self.settings.model
        try:
            return str(assemble_folder(WHISPER_BASE, self.models_dir))
        except (ModelMissing, ModelIntegrityError) as exc:
            raise ASRUnavailable(str(exc), "语音识别模型缺失或已损坏，请重新安装") from exc

    def _threads(self) -> int:
        return self.settings.threads

    def engine_key(self) -> tuple[object, ...]:
        # The packaged model is keyed by its hash: the same weights, whichever data folder holds them.
        return (self.name, self.settings.model or WHISPER_BASE.sha256, self._threads())

    def load_engine(self) -> Engine:
        device, compute_type = _device()
        return FasterWhisperEngine(self._model_ref(), device, compute_type, self._threads())
