"""The answer screen: each sentence of the model's answer is checked as it completes, and only the
supported ones are kept.

One invented figure used to throw the whole answer away for quoted passages; now the sentence that
fails is dropped and the rest stands. The answer is replaced by quotes only when nothing supported is
left, or when the model keeps failing (then the rest of its answer is not worth reading).
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Sequence
from pathlib import Path

from advisor import citations
from advisor.dialogue import safety
from advisor.dialogue.claims import ClaimCheck
from advisor.dialogue.guard import check_answer

MAX_DROPPED = 3  # more failing sentences than this and the model is not answering from the sources
REPEATED = "says again what it said"
SAME_RATIO = 0.75  # how alike two sentences are to count as one said twice
MAX_REPEATS = 2  # a small model that says the same thing twice more is in a loop: stop reading it
# The prompt's own section labels: an answer that writes them is echoing its input, not answering.
_LAYOUT = re.compile(r"\[(Sources|Question)\]|【(资料|问题)】")
_PLAIN = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")
_WORDS = re.compile(r"[\w\u3400-\u9fff]")


_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{5,}")
_TEMPLATES = Path(__file__).resolve().parents[2] / "prompts" / "answer.toml"


@functools.cache
def _template_words() -> frozenset[str]:
    """Words of the shared answer rules and templates: ordinary words an answer may use."""
    try:
        return frozenset(w.lower() for w in _LATIN_WORD.findall(_TEMPLATES.read_text(encoding="utf-8")))
    except OSError:
        return frozenset()


def private_words(instructions: str, *public: str) -> frozenset[str]:
    """Words of the system prompt that no public text (sources, question, the shared rules) has: the
    operator's own configuration. An answer that says one repeats its instructions, not the sources."""
    seen = {w.lower() for text in public for w in _LATIN_WORD.findall(text)} | _template_words()
    return frozenset(w.lower() for w in _LATIN_WORD.findall(instructions)) - seen


class AnswerScreen:
    def __init__(
        self,
        question: str,
        passages: Sequence[str],
        titles: Sequence[str],
        extra: str = "",
        instructions: str = "",
    ) -> None:
        """`passages` are what [1], [2], ... cite; their titles and `extra` (a picture's text) also
        support a name or a figure, but are not citable. `instructions` is the system prompt: an
        answer must not repeat what only it says."""
        self.count = len(passages)
        self.evidence = [f"《{t}》\n{p}" if t else p for p, t in zip(passages, titles, strict=False)]
        if extra:
            self.evidence.append(extra)
        self.private = private_words(instructions, question, *self.evidence)
        self.claims = ClaimCheck(question, list(passages))
        self.question = _plain(question)
        self.titles = [_plain(t) for t in titles if t]
        self.said: list[str] = []  # every sentence so far, reduced to its words
        self.repeats = 0
        self.kept: list[str] = []
        self.dropped: list[tuple[str, str]] = []  # (sentence, why)

    def why_not(self, sentence: str) -> str:
        """Why a sentence cannot be shown as fact, or '' when it can."""
        cited = citations.numbers(sentence)
        if any(n < 1 or n > self.count for n in cited):
            return f"cites a source that does not exist: {sentence!r}"
        said = safety.verdict(sentence)
        if said:
            return f"a diagnosis, dose or trade instruction: {said!r}"
        bare = citations.strip(sentence)
        if _LAYOUT.search(bare):
            return f"repeats the prompt's layout: {sentence!r}"
        plain = _plain(bare)
        if len(plain) >= 6 and any(_same(plain, earlier) for earlier in self.said):
            return f"{REPEATED}: {sentence!r}"
        if any(_same(plain, title) for title in self.titles):
            return f"names a source and says nothing: {sentence!r}"
        if _same(plain, self.question) and not set(_DIGITS.findall(plain)) - set(
            _DIGITS.findall(self.question)
        ):
            return f"restates the question: {sentence!r}"
        leaked = sorted({w.lower() for w in _LATIN_WORD.findall(bare)} & self.private)
        if leaked:
            return f"repeats its instructions: {', '.join(leaked)}"
        result = check_answer(bare, self.evidence)
        if not result.supported:
            return f"unsupported: {', '.join(result.unsupported)}"
        wrong = self.claims.misattributed(bare)
        if wrong:
            return f"said of something else in the sources: {', '.join(wrong)}"
        return ""

    def leaks(self, text: str) -> bool:
        """Whether `text` has a word that only the instructions have."""
        return bool(self.private) and any(w.lower() in self.private for w in _LATIN_WORD.findall(text))

    def accept(self, sentence: str) -> bool:
        """Check one sentence; True when it is kept (and may be shown and spoken)."""
        why = self.why_not(sentence)
        self.said.append(_plain(citations.strip(sentence)))
        if why:
            self.dropped.append((sentence, why))
            # A repeat is no failure of grounding: the answer so far stands.
            self.repeats += why.startswith(REPEATED)
            return False
        self.kept.append(sentence)
        return True

    @property
    def gave_up(self) -> bool:
        return len(self.dropped) - self.repeats > MAX_DROPPED

    @property
    def looping(self) -> bool:
        """The model keeps saying what it already said: the rest of its answer adds nothing."""
        return self.repeats >= MAX_REPEATS

    @property
    def failure(self) -> str:
        """Why the answer as a whole cannot stand ('' when it can): nothing of substance was kept."""
        if not self.kept and not self.dropped:
            return ""  # nothing was said: the caller knows what that means
        if not any(_substantive(s) for s in self.kept):
            return self.dropped[0][1] if self.dropped else "nothing but citation markers"
        if len(self.dropped) == self.repeats:
            return ""
        if self.gave_up or not any(_substantive(s) for s in self.kept):
            return self.dropped[0][1]
        return ""

    def cleaned(self, streamed: str) -> str:
        """The streamed answer with the dropped sentences taken out."""
        text = streamed
        for sentence, _ in self.dropped:
            text = text.replace(sentence, "", 1)
        text = re.sub(r"[ \t]{2,}", " ", text)
        return re.sub(r"\n{3,}", "\n\n", text).strip()


def _plain(text: str) -> str:
    return _PLAIN.sub("", text).lower()


def _same(a: str, b: str) -> bool:
    """One sentence says the other again, give or take a connective (因此, "So,") or a word."""
    return bool(a and b) and difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= SAME_RATIO


def _substantive(sentence: str) -> bool:
    """A sentence that says something: words left once its [n] markers are taken out."""
    bare = citations.strip(sentence)
    return bool(_WORDS.search(bare)) and len(bare.strip()) > 3
