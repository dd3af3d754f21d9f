"""Sentence streaming: each sentence is synthesised in a background thread as soon as it is complete.

    speaker = SentenceSpeaker(voices)
    speaker.say("First sentence.", "en")      # returns at once; synthesis starts in the background
    ...                                        # the LLM goes on writing the next sentence meanwhile
    for item in speaker.ready(): ...           # AudioChunks (and Notices) finished so far, in order
    for item in speaker.finish(): ...          # no more sentences: the rest, blocking until done
    speaker.stop()                             # interrupt: drop what is queued, stop synthesis promptly

`advisor.tts.turn.with_speech` does this for a turn's event stream. A voice that fails falls back to
espeak-ng, and then to a short silence with a warning Notice: speech never raises into the turn.
"""

from __future__ import annotations

import contextlib
import itertools
import queue
import threading
import wave
from collections.abc import Iterable, Iterator
from pathlib import Path

from advisor.events import AudioChunk, Notice, Sentence
from advisor.tts.base import Synthesizer, resample_pcm16, silence
from advisor.tts.normalize import detect_language, speech_segments
from advisor.tts.voices import VoiceSet, base_language

_END = object()
Item = AudioChunk | Notice


class SentenceSpeaker:
    def __init__(self, voices: VoiceSet, sample_rate: int | None = 22050) -> None:
        """`sample_rate`: every chunk is resampled to it (one rate for a player); None keeps each voice's."""
        self.voices = voices
        self.sample_rate = sample_rate
        self.notices: list[Notice] = []
        self.voices_used: list[str] = []  # synthesizer names, in the order they spoke
        self._input: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._output: queue.Queue[object] = queue.Queue()
        self._stopped = threading.Event()
        self._closed = False
        self._finished = False
        self._broken: set[str] = set()
        self._warned: set[str] = set()
        self._thread = threading.Thread(target=self._run, daemon=True, name="tts-speaker")
        self._thread.start()

    # -- input -----------------------------------------------------------------------------------------

    def say(self, text: str | Sentence, language: str = "") -> None:
        """Queue a completed sentence; returns at once."""
        if isinstance(text, Sentence):
            language = text.language or language
            text = text.text
        if self._closed or self._stopped.is_set() or not text.strip():
            return
        self._input.put((text, base_language(language or detect_language(text))))

    def close(self) -> None:
        """No more sentences; what is queued is still spoken."""
        if not self._closed:
            self._closed = True
            self._input.put(None)

    def stop(self) -> None:
        """Interrupt: queued sentences are dropped and the sentence being spoken stops at its next chunk."""
        self._stopped.set()
        self._closed = True
        with contextlib.suppress(queue.Empty):
            while True:
                self._input.get_nowait()
        self._input.put(None)

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the background thread to end; True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # -- output ----------------------------------------------------------------------------------------

    def ready(self) -> list[Item]:
        """What has been synthesised so far and not yet taken, without waiting."""
        return list(self.take(block=False))

    def finish(self, timeout: float | None = None) -> Iterator[Item]:
        """Close the input and yield everything left, in order, as it is synthesised."""
        self.close()
        yield from self.take(block=True, timeout=timeout)

    def speak(self, sentences: Iterable[str | Sentence], language: str = "") -> Iterator[AudioChunk]:
        """Queue all `sentences` and yield their audio; warnings are kept in `self.notices`."""
        for sentence in sentences:
            self.say(sentence, language)
        for item in self.finish():
            if isinstance(item, AudioChunk):
                yield item

    def take(self, block: bool = True, timeout: float | None = None) -> Iterator[Item]:
        """Items in order as they are ready, without closing the input; ends when the speaker is done,
        stopped, or (block=False) nothing more is ready, or (with a timeout) nothing came in time."""
        while not self._finished and not self._stopped.is_set():
            try:
                item = self._output.get(block=block, timeout=timeout if block else None)
            except queue.Empty:
                return
            if item is _END:
                self._finished = True
                return
            if not self._stopped.is_set():
                yield item  # type: ignore[misc]

    # -- background ------------------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stopped.is_set():
                request = self._input.get()
                if request is None or self._stopped.is_set():
                    break
                self._speak_sentence(*request)
        except Exception as exc:  # never let the thread die silently: the reader would wait forever
            self._warn(f"speech stopped: {type(exc).__name__}: {exc}")
        finally:
            self._output.put(_END)

    def _speak_sentence(self, text: str, language: str) -> None:
        try:
            segments = speech_segments(text, language)
        except Exception as exc:  # a normaliser bug must not silence the sentence
            self._warn(f"text normalisation failed ({exc}); reading the raw text")
            segments = [(text, language)]
        for segment, segment_language in segments:
            if self._stopped.is_set():
                return
            self._speak_segment(segment, segment_language, text)

    def _speak_segment(self, segment: str, language: str, sentence: str) -> None:
        candidates: list[Synthesizer] = []
        for getter in (self.voices.voice, self.voices.fallback):
            try:
                voice = getter(language)
            except Exception as exc:
                self._warn(f"{language} voice unavailable: {exc}")
                continue
            if voice is not None and voice.name not in self._broken:
                candidates.append(voice)
        for index, voice in enumerate(candidates):
            produced = False
            try:
                chunks = voice.synthesize(segment, language)
                try:
                    for chunk in chunks:
                        if self._stopped.is_set():
                            return
                        if not produced:
                            self.voices_used.append(voice.name)
                        produced = True
                        self._emit(chunk, sentence)
                finally:
                    close = getattr(chunks, "close", None)
                    if callable(close):
                        close()
                if produced or not segment.strip():
                    return
                raise RuntimeError("the voice returned no audio")
            except Exception as exc:
                self._broken.add(voice.name)
                following = candidates[index + 1].name if index + 1 < len(candidates) else ""
                self._warn(
                    f"voice {voice.name} failed ({exc})"
                    + (f"; using {following}" if following and not produced else "")
                )
                if produced:
                    return  # do not say the start of the sentence twice
        if not self._stopped.is_set():
            self._warn("speech is unavailable for part of the answer; the text is complete")
            self._emit(silence(0.3, self.sample_rate or 22050), sentence)

    def _emit(self, chunk: AudioChunk, sentence: str) -> None:
        audio, rate = chunk.audio, chunk.sample_rate
        if self.sample_rate and rate != self.sample_rate:
            audio, rate = resample_pcm16(audio, rate, self.sample_rate), self.sample_rate
        self._output.put(AudioChunk(audio, rate, sentence))

    def _warn(self, message: str) -> None:
        if message in self._warned:
            return
        self._warned.add(message)
        notice = Notice("warning", message)
        self.notices.append(notice)
        self._output.put(notice)


def write_wav(chunks: Iterable[AudioChunk], path: str | Path, sample_rate: int | None = None) -> float:
    """Write 16-bit mono PCM chunks to a WAV file (resampled to one rate); returns its length in seconds."""
    path = Path(path)
    iterator = iter(chunks)
    first = next(iterator, None)
    rate = sample_rate or (first.sample_rate if first else 22050)
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = 0
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        for chunk in itertools.chain([first] if first else [], iterator):
            audio = resample_pcm16(chunk.audio, chunk.sample_rate, rate)
            handle.writeframes(audio)
            frames += len(audio) // 2
    return frames / float(rate)
