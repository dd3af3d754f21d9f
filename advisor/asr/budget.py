"""How many tokens a Whisper reading may write, so that a reading that runs away ends soon.

Speech cut off mid-word, or a reply's echo, can make Whisper repeat one character up to its limit and
then retry at five temperatures: a draft was measured at 8 s and a final reading at 29.5 s while the
conversation waited. Quick Chinese is 5-6 syllables a second, most of them one token, English about 4
tokens a second: a draft (only shown) gets a tight budget and one pass, the reading that is answered
three times the room. The budget must also fit Whisper's 448-token context beside the prompt (the hint
words and the initial prompt, each cut to 223 tokens), or the engine refuses the request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

CONTEXT = 448  # Whisper's text context
PROMPT_PART_MAX = CONTEXT // 2 - 1  # each prompt part is cut to this
SPECIAL = 8  # start-of-previous, start-of-transcript, language, task, timestamps, and a margin
MIN_ROOM = 32  # below this a budget would cut real speech: none is set
WINDOW_S = 30.0  # a longer clip is read window by window, each with the last window's text as prompt

DRAFT = (16, 12)  # (base, per second of speech)
READING = (32, 20)


def draft_tokens(seconds: float) -> int:
    return DRAFT[0] + int(DRAFT[1] * seconds)


def reading_tokens(seconds: float) -> int:
    return READING[0] + int(READING[1] * seconds)


def fitted(
    max_tokens: int | None, seconds: float, prompts: Iterable[str | None], count: Callable[[str], int]
) -> int | None:
    """`max_tokens` cut to what fits beside `prompts` (counted by `count`), or None for no budget: none
    was asked, the clip spans several windows (each window's prompt is the text before it), or too
    little room is left."""
    if max_tokens is None or seconds > WINDOW_S:
        return None
    used = SPECIAL + sum(min(count(p), PROMPT_PART_MAX) for p in prompts if p)
    room = CONTEXT - used
    return min(max_tokens, room) if room >= MIN_ROOM else None
