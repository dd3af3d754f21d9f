"""One reply of a conversation: wait for what was heard, run the turn, send its audio, and when the user
talks over it, stop it and keep in the conversation only what they heard.

Runs in its own thread. The turn is the same `Advisor.turn` every front end runs (given the transcript);
this only turns its events into the conversation's and keeps the bookkeeping a cut-off reply needs.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import CancelledError, Future
from typing import TYPE_CHECKING, Any

from advisor.asr.base import ASRError, NoSpeech, Transcription
from advisor.events import AudioChunk, Notice, Sources, TextDelta, TurnControl, TurnEnd
from advisor.voice import memory
from advisor.voice.playback import ReplyAudio

if TYPE_CHECKING:
    from advisor.voice.session import VoiceSession


class Reply:
    def __init__(
        self,
        session: VoiceSession,
        heard: Future[Transcription],
        utterance_start: int,
        last_voice_at: float,
        first_seq: int = 0,
    ) -> None:
        self.session, self.heard, self.utterance_start = session, heard, utterance_start
        self.last_voice_at = last_voice_at  # when the last voiced frame of the question arrived
        self.audio = ReplyAudio(first_seq=first_seq)
        self.control = TurnControl()
        self.question, self.language = "", session.language_hint or "zh"
        self.sources: list[dict[str, Any]] = []
        self.domain = "general"
        self.saved = 0  # messages the conversation held before this turn
        self.timings: dict[str, float] = {}
        self.interrupted = ""  # barge_in | stopped
        self.heard_text = ""  # what the user heard of it, when interrupted
        self._done = threading.Event()
        self._kept = False
        self._lock = threading.Lock()

    def start(self) -> None:
        threading.Thread(target=self._run, name="voice-reply", daemon=True).start()

    def active(self) -> bool:
        """Being prepared, spoken, or still playing in the browser."""
        return not self.interrupted and (not self._done.is_set() or self.audio.playing())

    def interrupt(self, reason: str, onset: float | None = None) -> bool:
        """Stop the reply now (its audio in the browser too); False when the user had heard none of it,
        so the speech that cut in continues their question rather than asking a new one."""
        with self._lock:
            if self.interrupted:
                return True
            now = time.monotonic()
            self.interrupted = reason
            self.control.stop.set()
            self.heard_text = self.audio.heard(now)
            data: dict[str, Any] = {"reason": reason}
            if onset is not None:
                data["after_onset_ms"] = round((now - onset) * 1000, 1)
                self.timings["barge_in_ms"] = data["after_onset_ms"]
            if self.audio.chunks:  # nothing to stop before the first audio: the turn just ends unsaid
                self.session.emit("stop_audio", **data)
            if self._done.is_set():
                self._keep_heard()
            return bool(self.heard_text)

    # -- the reply's thread --------------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._answer()
        finally:
            with self._lock:
                self._done.set()
                if self.interrupted:
                    self._keep_heard()
            memory.give_back()  # the turn's buffers are free now; a long conversation stays flat

    def _answer(self) -> None:
        session = self.session
        try:
            transcription = self.heard.result()
        except NoSpeech:  # noise, a cough, a word Whisper could not make out: nothing is invented
            session.emit("listening")
            return
        except CancelledError:  # the user went on speaking: their longer question replaced this one
            return
        except ASRError as exc:
            session.emit("error", message=session._text("voice_failed", reason=exc.message(self.language)))
            return
        except Exception as exc:
            session.emit("error", message=session._text("voice_failed", reason=type(exc).__name__))
            return
        if self.interrupted:
            return
        transcript = transcription.transcript
        self.question, self.language = transcript.text, transcript.language
        self.timings["heard_after_ms"] = (time.monotonic() - self.last_voice_at) * 1000
        self.timings["asr_final_ms"] = transcription.timings_ms.get("total", 0.0)
        self.timings["asr_waited_ms"] = transcription.timings_ms.get("waited", 0.0)
        session.emit("heard", text=transcript.text, language=transcript.language)
        store, sid = session.advisor.conversations, session.session_id
        self.saved = len(store.messages(sid)) if sid and store.exists(sid) else 0
        turn = session.advisor.turn(
            session_id=sid,
            kbs=session.kbs,
            domain=session.domain,
            language_hint=transcript.language,
            speak=session.speak,
            control=self.control,
            heard=transcript,
        )
        end = None
        for event in turn:
            if self.interrupted:
                break
            if isinstance(event, AudioChunk):
                seq = self.audio.add(event)
                if seq == self.audio.first_seq:
                    self.timings["voice_to_voice_ms"] = (time.monotonic() - self.last_voice_at) * 1000
                session.emit(
                    "audio", seq=seq, sample_rate=event.sample_rate, sentence=event.sentence, pcm=event.audio
                )
            elif isinstance(event, Sources):
                self.domain = event.domain
                self.sources = [s.as_dict() for s in event.items]
                session.emit("sources", items=self.sources, domain=event.domain)
            elif isinstance(event, TextDelta):
                session.emit("delta", text=event.text, replace=event.replace)
            elif isinstance(event, Notice):
                session.emit("notice", level=event.level, message=event.message)
            elif isinstance(event, TurnEnd):
                end = event
        if end is not None and not self.interrupted:
            self.timings.update({k: v for k, v in end.timings_ms.items() if k.endswith("_ms")})
            session.emit(
                "turn_end",
                answer=end.answer,
                interrupted=False,
                session_id=end.session_id,
                timings=self.timings,
            )

    def _keep_heard(self) -> None:
        """The conversation keeps what the user heard of the reply, marked as interrupted. Call under
        `_lock` once the turn has ended."""
        if self._kept or not self.question:
            return
        self._kept = True
        session = self.session
        store, sid = session.advisor.conversations, session.session_id
        marker = session.advisor.prompts.text(self.language, "voice_interrupted")
        answer = f"{self.heard_text} {marker}".strip() if self.heard_text else marker
        if sid and store.exists(sid):
            if len(store.messages(sid)) > self.saved:  # the turn had finished and kept the whole answer
                store.amend_last_answer(sid, answer, {"interrupted": True})
            elif self.heard_text:
                extra = {
                    "query": self.question,
                    "language": self.language,
                    "domain": self.domain,
                    "sources": self.sources,
                    "interrupted": True,
                }
                store.append_turn(sid, self.question, answer, extra)
        session.emit(
            "turn_end", answer=answer, interrupted=True, session_id=sid or "", timings=dict(self.timings)
        )
