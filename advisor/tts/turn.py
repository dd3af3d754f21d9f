"""One composition of a turn and its speech, for every front end (the page, the CLI, the benchmarks).

The turn runs in a worker thread; each checked Sentence goes to the SentenceSpeaker as it arrives, which
synthesises it in a thread of its own. So sentence 1 is spoken while the model writes sentence 2, and its
audio reaches the reader even while the turn is blocked (the model reading its prompt).
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Iterable, Iterator

from advisor.events import AudioChunk, Event, Sentence, TurnControl, TurnEnd
from advisor.tts.speaker import Item, SentenceSpeaker

POLL_S = 0.05  # how often the reader looks for ready audio and for a stop while nothing arrives
_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class _AfterItsSentence:
    """Holds a sentence's audio until its Sentence event has been yielded: the turn thread queues the
    event before it asks for speech, but a fast voice can finish before the reader has taken the event."""

    def __init__(self) -> None:
        self.shown: set[str] = set()
        self._held: deque[Item] = deque()

    def release(self, items: Iterable[Item]) -> list[Item]:
        self._held.extend(items)
        out = []
        while self._held and (
            not isinstance(self._held[0], AudioChunk) or self._held[0].sentence in self.shown
        ):
            out.append(self._held.popleft())
        return out

    def rest(self) -> list[Item]:
        out, self._held = list(self._held), deque()
        return out


def with_speech(
    events: Iterable[Event], speaker: SentenceSpeaker | None, control: TurnControl | None = None
) -> Iterator[Event]:
    """The turn's events with AudioChunks (and speech warnings) woven in as soon as they are ready; the
    rest of the audio comes before TurnEnd. `control.stop` (set from another thread) or closing this
    generator ends the turn at its next event and stops speech; `control.silence` stops speech only.
    An exception in the turn is raised here. `speaker=None`: the same, without speech."""
    control = control or TurnControl()
    out: queue.Queue[object] = queue.Queue()
    abandoned = threading.Event()  # the reader has gone: the turn ends at its next event

    def produce() -> None:
        iterator = iter(events)
        try:
            for event in iterator:
                if control.stop.is_set() or abandoned.is_set():
                    break
                out.put(event)
                if speaker is not None and isinstance(event, Sentence) and not control.silence.is_set():
                    speaker.say(event)
        except BaseException as exc:
            out.put(_Failed(exc))
        finally:
            close = getattr(iterator, "close", None)
            if callable(close):
                close()  # a generator's close stops the model's stream too
            if speaker is not None:
                speaker.close()
            out.put(_DONE)

    threading.Thread(target=produce, name="advisor-turn", daemon=True).start()
    end: TurnEnd | None = None
    turn_done = False
    ordered = _AfterItsSentence()
    try:
        while not (turn_done and (speaker is None or speaker.join(0))):
            if control.stop.is_set():
                return
            if speaker is not None and control.silence.is_set():
                speaker.stop()
            try:
                item = out.get(timeout=POLL_S)
            except queue.Empty:
                item = None
            if item is _DONE:
                turn_done = True
            elif isinstance(item, _Failed):
                raise item.error
            elif isinstance(item, TurnEnd):
                end = item  # after the audio, so a reader that stops at TurnEnd has all of it
            elif item is not None:
                if isinstance(item, Sentence):
                    ordered.shown.add(item.text)
                yield item  # type: ignore[misc]
            if speaker is not None:
                yield from ordered.release(speaker.ready())
        if speaker is not None:
            yield from ordered.release(speaker.ready())
            yield from ordered.rest()
        if end is not None:
            yield end
    finally:
        abandoned.set()
        if speaker is not None:
            speaker.stop()
