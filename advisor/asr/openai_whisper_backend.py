"""openai-whisper (PyTorch): the reference implementation, and what a GPU user may prefer.

With no model configured it runs the same packaged Whisper base as the default engine: the CTranslate2
weights are converted once into an openai-whisper checkpoint under `<data_dir>/models/`. In
`settings.asr.model` it also takes an official name ("small", "large-v3": downloaded by openai-whisper
into ~/.cache/whisper when online), a checkpoint path (.pt), or a CTranslate2 folder (converted too).
Audio is passed as a float32 array, so the `ffmpeg` program is never needed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from advisor.asr.audio import SAMPLE_RATE
from advisor.asr.base import ASRUnavailable
from advisor.asr.budget import fitted
from advisor.asr.convert import alignment_heads, convert_ct2_folder
from advisor.asr.packaged import WHISPER_BASE, assemble_folder
from advisor.asr.pipeline import Engine, Segment, WhisperTranscriber
from advisor.models import ModelIntegrityError, ModelMissing

# openai-whisper's own transcribe() defaults: greedy decoding with temperature fallback. Its beam search
# (the CLI's --beam_size 5) took 3.5 times as long on two cores here, and on bench/asr.py's 28 clips
# changed the words of 3 (Chinese CER 15.2% with beams, 16.4% greedy; English WER the same).
BEAM_SIZE: int | None = None


class OpenAIWhisperEngine:
    def __init__(self, model: str, threads: int, heads: list[tuple[int, int]] | None = None) -> None:
        import torch
        import whisper

        self.model_name = model
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        if self.device == "cpu" and torch.get_num_threads() > threads:
            torch.set_num_threads(threads)
        self.model = whisper.load_model(model, device=self.device)
        if heads:  # word-timing heads: a local checkpoint does not carry them
            dims = self.model.dims
            mask = torch.zeros(dims.n_text_layer, dims.n_text_head, dtype=torch.bool)
            for layer, head in heads:
                mask[layer, head] = True
            self.model.register_buffer("alignment_heads", mask.to_sparse(), persistent=False)
        self.last: tuple[Any, Any] | None = None  # the encoder's last input and output
        self._remember_last_encoding()

    def _remember_last_encoding(self) -> None:
        """The encoder pass over a 30 s window is most of a short clip's time, and language detection
        and decoding (and each temperature fallback) would each run it: the encoder remembers its last
        input and output, and detection cuts the first window exactly as transcribe() will."""
        import torch

        encoder = self.model.encoder
        forward = encoder.forward

        def remembering(mel: Any) -> Any:
            if self.last is not None and self.last[0].shape == mel.shape and torch.equal(self.last[0], mel):
                return self.last[1]
            output = forward(mel)
            self.last = (mel.detach().clone(), output)
            return output

        encoder.forward = remembering

    def detect(self, audio: Any) -> dict[str, float]:
        import torch
        import whisper
        from whisper.audio import N_FRAMES, N_SAMPLES

        # The first window as transcribe() cuts it: 30 s of silence appended, the frames of the audio
        # kept, then padded with zeros to 30 s.
        mel = whisper.log_mel_spectrogram(
            np.asarray(audio, dtype=np.float32), self.model.dims.n_mels, padding=N_SAMPLES
        )
        frames = min(N_FRAMES, mel.shape[-1] - N_FRAMES)
        dtype = torch.float16 if self.device == "cuda" else torch.float32
        window = whisper.pad_or_trim(mel[:, :frames], N_FRAMES).to(self.device).to(dtype)
        with torch.inference_mode():
            _, probabilities = self.model.detect_language(window)
        return {str(code): float(p) for code, p in dict(probabilities).items()}

    def _count(self, text: str) -> int:
        from whisper.tokenizer import get_tokenizer

        tokenizer = get_tokenizer(self.model.is_multilingual, num_languages=self.model.num_languages)
        return len(tokenizer.encode(" " + text.strip()))

    def decode(
        self,
        audio: Any,
        language: str,
        prompt: str | None,
        hotwords: str | None = None,
        beams: int = 5,
        max_tokens: int | None = None,
        retries: bool = True,
    ) -> list[Segment]:
        import whisper

        if hotwords:  # no hotwords option here: the words lead the prompt, carried to every window
            prompt = f"{hotwords}。{prompt or ''}"
        budget: dict[str, Any] = {} if retries else {"temperature": 0.0}
        if (tokens := fitted(max_tokens, len(audio) / SAMPLE_RATE, (prompt,), self._count)) is not None:
            budget["sample_len"] = tokens

        try:
            result = whisper.transcribe(
                self.model,
                np.asarray(audio, dtype=np.float32),
                language=language,
                task="transcribe",
                beam_size=BEAM_SIZE if beams > 1 else None,  # None: greedy
                initial_prompt=prompt,
                carry_initial_prompt=prompt is not None,
                condition_on_previous_text=True,
                fp16=self.device == "cuda",
                verbose=None,  # no printing, no progress bar
                **budget,
            )
        finally:
            self.last = None  # the next clip is different audio; free the window
        return [
            Segment(str(s["text"]), float(s["no_speech_prob"]), float(s["avg_logprob"]))
            for s in result["segments"]
        ]


class OpenAIWhisperTranscriber(WhisperTranscriber):
    name = "openai-whisper"

    def _threads(self) -> int:
        return self.settings.threads

    def engine_key(self) -> tuple[object, ...]:
        return (self.name, self.settings.model or WHISPER_BASE.sha256, self._threads())

    def _checkpoint(self) -> tuple[str, list[tuple[int, int]]]:
        """A checkpoint path or official model name for whisper.load_model, and its alignment heads."""
        ref = self.settings.model
        if not ref:
            try:
                folder = assemble_folder(WHISPER_BASE, self.models_dir)
            except (ModelMissing, ModelIntegrityError) as exc:
                raise ASRUnavailable(str(exc), "语音识别模型缺失或已损坏，请重新安装") from exc
            target = self.models_dir / "whisper-base-openai.pt"
            return str(convert_ct2_folder(folder, target)), alignment_heads(folder)
        path = Path(ref).expanduser()
        if path.is_dir() and (path / "model.bin").is_file():
            tag = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
            target = self.models_dir / f"{path.name}-{tag}-openai.pt"
            try:
                return str(convert_ct2_folder(path, target)), alignment_heads(path)
            except ModelIntegrityError as exc:
                raise ASRUnavailable(
                    f"{path} cannot be converted for openai-whisper: {exc}",
                    "该模型无法转换为 openai-whisper 格式",
                ) from exc
        return str(path) if path.is_file() else ref, []

    def load_engine(self) -> Engine:
        checkpoint, heads = self._checkpoint()
        return OpenAIWhisperEngine(checkpoint, self._threads(), heads)
