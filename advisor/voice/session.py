"""A hands-free conversation: microphone frames in, the advisor's events out, one question after another.

    session = VoiceSession(advisor, session_id)
    session.feed(frame)                  # 16 kHz float32, as it is captured (any thread)
    event = session.next_event(0.1)      # listening, speech, partial, heard, sources, delta, audio, ...
    session.played(seq)                  # the browser finished playing audio chunk `seq`
    session.close()

Three things happen while the user speaks, so that little is left when they stop: voice activity finds
the speech and its end (turns.py); Whisper recognises the utterance so far every `partial_every_ms`
(shown as it settles, agreement.py); and at the first pause the whole utterance is recognised, exactly
as an uploaded recording would be, and the prompt that question would get is read into the model ahead
(Advisor.read_ahead). When the pause becomes the end of the turn, the turn runs through the same
`Advisor.turn` as every other (given what was heard); if the user went on speaking instead, the
read-ahead is simply not used. Speech over the reply that is not the reply's own echo (echo.py) stops
it at once; only the part the user heard is kept in the conversation, marked as interrupted
(playback.py, reply.py).
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from advisor.asr.audio import SAMPLE_RATE
from advisor.asr.base import ASRError, Transcription
from advisor.dialogue.advisor import Advisor
from advisor.voice import memory
from advisor.voice.agreement import LocalAgreement, join_text
from advisor.voice.buffer import SampleBuffer
from advisor.voice.echo import EchoPath
from advisor.voice.reply import Reply
from advisor.voice.turns import TurnTaker
from advisor.voice.vad_stream import StreamingVad

PRE_ROLL_S = 0.3  # kept before the first voiced window, so the first consonant is not clipped
MAX_QUEUED_FRAMES = 2000  # about a minute of 30 ms frames; beyond that the oldest are dropped
MAX_QUEUED_EVENTS = 2000
READ_AHEAD_AFTER_S = 1.5  # speech heard before a partial transcript is worth reading ahead


@dataclass(frozen=True)
class VoiceEvent:
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Utterance:
    start: int  # stream position of its first sample (pre-roll included)
    agreement: LocalAgreement = field(default_factory=LocalAgreement)
    decoded_to: int = 0  # stream position the latest recognition covered
    final: Future[Transcription] | None = None
    final_to: int = 0  # stream position the final recognition covers
    # The language Whisper found in the first second or two: later decodes of the utterance are told it
    # instead of detecting it again (detection costs an encoder pass as long as the decode's own).
    language: str | None = None


class VoiceSession:
    def __init__(
        self,
        advisor: Advisor,
        session_id: str | None = None,
        kbs: list[str] | None = None,
        domain: str | None = None,
        language_hint: str = "",
        speak: bool = True,
    ) -> None:
        self.advisor, self.session_id, self.kbs, self.domain = advisor, session_id, kbs, domain
        self.language_hint, self.speak = language_hint, speak
        self.settings = advisor.settings.voice
        memory.limit_arenas()
        s = self.settings
        self._taker = TurnTaker(s.speech_threshold, s.pause_ms, s.end_of_turn_ms, s.barge_in_ms)
        self._vad = StreamingVad()
        self._audio = SampleBuffer(int((s.max_utterance_s + 2) * SAMPLE_RATE))
        self._frames: queue.Queue[tuple[np.ndarray, float] | None] = queue.Queue(MAX_QUEUED_FRAMES)
        self._events: queue.Queue[VoiceEvent] = queue.Queue(MAX_QUEUED_EVENTS)
        # One recognition at a time, and only the newest waits: a partial never delays the final one.
        self._job: tuple[np.ndarray, str | None, bool, Future[Transcription], float] | None = None
        self._job_ready = threading.Condition()
        self._recognising = False
        self._to_read: str | None = None  # the newest question to read ahead
        self._last_read = ""
        self._reading = threading.Condition()
        self._utterance: _Utterance | None = None
        self._echo_path = EchoPath()  # the same speakers and microphone all conversation long
        self._reply: Reply | None = None
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._opened = time.monotonic()
        self._processed = 0  # stream position the voice activity has reached
        for target, name in (
            (self._listen, "voice-listen"),
            (self._recognise, "voice-asr"),
            (self._read, "voice-read"),
        ):
            threading.Thread(target=target, name=name, daemon=True).start()
        self.emit("listening")

    # -- the front end's side ----------------------------------------------------------------------------
    def feed(self, samples: np.ndarray) -> None:
        if self._closed.is_set() or not len(samples):
            return
        frame = np.clip(np.asarray(samples, dtype=np.float32).reshape(-1), -1.0, 1.0)
        try:
            self._frames.put_nowait((frame, time.monotonic()))
        except queue.Full:  # the listener has fallen a minute behind: drop the oldest audio, not the newest
            with contextlib.suppress(queue.Empty):
                self._frames.get_nowait()
            with contextlib.suppress(queue.Full):
                self._frames.put_nowait((frame, time.monotonic()))

    def played(self, seq: int) -> None:
        reply = self._reply
        if reply is not None:
            reply.audio.played(seq)

    def next_event(self, timeout: float) -> VoiceEvent | None:
        try:
            return self._events.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        reply = self._reply
        if reply is not None and reply.active():
            reply.interrupt("stopped")
        self._frames.put(None)
        for condition in (self._job_ready, self._reading):
            with condition:
                condition.notify_all()
        self.emit("closed")

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def emit(self, kind: str, **data: Any) -> None:
        try:
            self._events.put_nowait(VoiceEvent(kind, data))
        except queue.Full:  # nobody is reading: keep the conversation going, drop what is only shown
            if kind not in ("partial", "delta"):
                with contextlib.suppress(queue.Empty, queue.Full):
                    self._events.get_nowait()
                    self._events.put_nowait(VoiceEvent(kind, data))

    # -- listening: voice activity, window by window ------------------------------------------------------
    def _listen(self) -> None:
        limit = self.settings.max_conversation_s
        while not self._closed.is_set():
            try:
                item = self._frames.get(timeout=0.2)
            except queue.Empty:
                item = None
            if time.monotonic() - self._opened > limit:
                self.emit("notice", level="info", message=self._text("conversation_ended"))
                self.close()
                return
            if item is None:
                continue
            frame, arrived = item
            self._audio.append(frame, arrived)
            for probability in self._vad.feed(frame):
                self._processed += 512
                self._window(probability, self._processed)

    def _window(self, probability: float, end: int) -> None:
        reply = self._reply
        interrupting = reply is not None and reply.active()
        mark = self._taker.window(probability, end, interrupting)
        utterance = self._utterance
        if mark is None:
            if utterance is None or not self._taker.speaking:
                return
            if end - utterance.start > self.settings.max_utterance_s * SAMPLE_RATE:
                self._taker.reset()  # a question this long is cut here and answered
                self._utterance = None
                self._end_of_turn(utterance, end)
            else:
                self._maybe_partial(utterance, end)
            return
        if mark.kind == "speech":
            start = max(self._audio.start, mark.sample - int(PRE_ROLL_S * SAMPLE_RATE))
            # The reply's last words come back a moment after it has finished playing, too.
            audible = reply is not None and (interrupting or reply.audio.audible())
            if audible and self._echo(mark.sample, end):
                self._taker.reset()  # the reply coming back through the speakers: not the user
                return
            onset = self._audio.arrival(mark.sample)
            if interrupting and reply is not None and not reply.interrupt("barge_in", onset=onset):
                # They had heard none of the reply: they were not done, so this goes on their question.
                start = max(self._audio.start, min(start, reply.utterance_start))
            self._utterance = _Utterance(start, decoded_to=start)
            self.emit("speech")
        elif utterance is None:
            return
        elif mark.kind == "pause":
            # Recognise the whole utterance now, and read its prompt ahead: the end of the turn may
            # be only a few hundred milliseconds away.
            utterance.final, utterance.final_to = self._request(utterance, end), end
            if self.settings.read_ahead != "off":
                utterance.final.add_done_callback(self._read_ahead)
        elif mark.kind == "resume":
            utterance.final = None  # the user went on: that recognition is of a part of the question
        elif mark.kind == "end":
            self._utterance = None
            self._end_of_turn(utterance, mark.sample)

    def _maybe_partial(self, utterance: _Utterance, end: int) -> None:
        step = self.settings.partial_every_ms * SAMPLE_RATE // 1000
        voiced = self._taker.silent_run == 0  # a partial begun in a pause would hold up the final reading
        if voiced and end - utterance.decoded_to >= step and not self._recognising and self._job is None:
            utterance.decoded_to = end
            future = self._request(utterance, end, draft=True)
            future.add_done_callback(lambda done: self._partial(utterance, done))

    def _partial(self, utterance: _Utterance, done: Future[Transcription]) -> None:
        if done.cancelled() or done.exception() is not None:
            return
        heard = done.result()
        if utterance.language is None and heard.language_probability >= 0.8 and heard.speech_s >= 1.0:
            utterance.language = heard.language
        if self._utterance is not utterance:
            return
        if self.settings.read_ahead == "speaking" and heard.speech_s >= READ_AHEAD_AFTER_S:
            self._read_ahead(done)  # passages and most of the prompt are usually settled by now
        settled, tentative = utterance.agreement.update(heard.text)
        self.emit("partial", text=join_text(settled, tentative), settled=settled, tentative=tentative)

    def _echo(self, onset: int, end: int) -> bool:
        """Whether the speech just heard is the reply's own audio coming back into the microphone."""
        reply = self._reply
        if reply is None or not reply.audio.chunks:
            return False
        heard = self._audio.slice(onset, end)
        heard_at = self._audio.arrival(end - 1) - len(heard) / SAMPLE_RATE
        return self._echo_path.check(heard, heard_at, reply.audio.reference)

    def _end_of_turn(self, utterance: _Utterance, last_voiced: int) -> None:
        final = utterance.final
        if final is None or utterance.final_to < last_voiced:
            final = self._request(utterance, self._processed)
        previous = self._reply
        first_seq = previous.audio.first_seq + len(previous.audio.chunks) if previous is not None else 0
        self._reply = Reply(
            self, final, utterance.start, self._audio.arrival(max(last_voiced - 1, 0)), first_seq
        )
        # How far the listener runs behind the microphone: the end of the turn is decided this late.
        self._reply.timings["listen_lag_ms"] = (
            time.monotonic() - self._audio.arrival(self._processed - 1)
        ) * 1000
        self._reply.start()

    def _read_ahead(self, done: Future[Transcription]) -> None:
        """Hand the question heard so far to the reader (a partial while speaking, the whole at a pause)."""
        if done.cancelled() or done.exception() is not None or self._closed.is_set():
            return
        with self._reading:
            self._to_read = done.result().text
            self._reading.notify()

    def _read(self) -> None:
        """Read the prompt of the newest question heard into the model (Advisor.read_ahead): the turn that
        follows waits for the model's lock, then reuses what it holds. Only the newest waits its turn."""
        while not self._closed.is_set():
            with self._reading:
                while self._to_read is None and not self._closed.is_set():
                    self._reading.wait(0.5)
                question, self._to_read = self._to_read, None
            if question and question != self._last_read:
                self._last_read = question
                with contextlib.suppress(Exception):  # only ever a head start: the turn reads what it needs
                    self.advisor.read_ahead(question, self.session_id, self.kbs, self.domain)

    # -- recognition, one decode at a time --------------------------------------------------------------------
    def _request(self, utterance: _Utterance, end: int, draft: bool = False) -> Future[Transcription]:
        future: Future[Transcription] = Future()
        with self._job_ready:
            if self._job is not None:
                self._job[3].cancel()  # a newer question for the recogniser replaces the one still waiting
            job = (
                self._audio.slice(utterance.start, end),
                utterance.language,
                draft,
                future,
                time.monotonic(),
            )
            self._job = job
            self._job_ready.notify()
        return future

    def _recognise(self) -> None:
        while True:
            with self._job_ready:
                while self._job is None and not self._closed.is_set():
                    self._job_ready.wait(0.5)
                if self._job is None:
                    return
                (audio, language, draft, future, asked), self._job = self._job, None
                self._recognising = True
            try:
                if not future.set_running_or_notify_cancel():
                    continue
                waited = (time.monotonic() - asked) * 1000  # behind a draft that was already running
                heard = self.advisor.stages.asr.get().transcribe_timed(audio, language, draft)
                heard.timings_ms["waited"] = waited
                future.set_result(heard)
            except ASRError as exc:
                future.set_exception(exc)
            except Exception as exc:  # a broken engine: this question is lost, the conversation goes on
                future.set_exception(exc)
            finally:
                self._recognising = False

    def _text(self, key: str, **values: str) -> str:
        language = "zh" if (self.language_hint or "zh").startswith("zh") else "en"
        return self.advisor.prompts.text(language, key, **values)
