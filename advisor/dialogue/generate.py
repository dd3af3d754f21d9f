"""The model's answer: streamed sentence by sentence through the answer screen, cited, and replaced by
quotes of the passages when the model fails or draws on none of them."""

from __future__ import annotations

import time
from collections.abc import Callable, Generator

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from advisor import citations
from advisor.config import Settings
from advisor.dialogue.attribution import attribute
from advisor.dialogue.context import focus_passages
from advisor.dialogue.extractive import extractive_answer
from advisor.dialogue.prompts import PromptBook, build_messages
from advisor.dialogue.record import TurnRecord
from advisor.dialogue.screen import AnswerScreen
from advisor.dialogue.sentences import SentenceSplitter, split_sentences
from advisor.events import Event, Notice, Sentence, TextDelta
from advisor.knowledge.text import detect_language
from advisor.llm import LLMCrashed, LLMUnavailable, stream_text

FIRST_CLAUSE_CHARS = 10


def generate(
    settings: Settings,
    prompts: PromptBook,
    llm: Callable[[], BaseChatModel],
    turn: TurnRecord,
    history: list[tuple[str, str]],
    preface: str,
    image_text: str = "",
) -> Generator[Event, None, str]:
    """Stream the model's answer sentence by sentence through the guard; fall back to quoting.

    `llm` is called inside the guarded stream, so a model that cannot load becomes a quoted answer.
    Returns the answer's body (what follows `preface`); citations, grounding and timings go on `turn`.
    """
    question, language, sources, query = turn.question, turn.language, turn.sources, turn.query
    texts = [s.text for s in sources] + ([image_text] if image_text else [])
    messages = answer_messages(settings, prompts, turn, history, image_text)
    streamed, failure = "", ""
    shown, withheld = 0, False  # how much of `streamed` the page has; whether the rest is held back
    screen = AnswerScreen(
        query or question,
        [s.text for s in sources],
        [s.title for s in sources],
        image_text,
        instructions=str(messages[0].content) if messages else "",
    )
    # The first clause goes to speech on its own, so a spoken reply starts before the first
    # sentence is finished; every later piece is a whole sentence.
    splitter = SentenceSplitter(first_clause_chars=FIRST_CLAUSE_CHARS)
    t = time.perf_counter()
    try:
        stream = stream_text(llm(), messages)
        try:
            for piece in stream:
                if not streamed:
                    now = time.perf_counter()
                    turn.timings["first_token_ms"] = (now - t) * 1000
                    turn.timings["first_token_at_ms"] = (now - turn.started) * 1000  # since the turn began
                streamed += piece
                # Shown as it streams, but a word only once it is whole, and nothing more once a
                # word of the instructions appears (that sentence is dropped; the rest replaces it).
                withheld = withheld or screen.leaks(streamed)
                cut = _whole_words(streamed)
                if not withheld and cut > shown:
                    yield TextDelta(streamed[shown:cut])
                    shown = cut
                for sentence in splitter.feed(piece):
                    if screen.accept(sentence):  # only checked sentences are shown as final, and spoken
                        yield Sentence(sentence, language)
                if screen.gave_up or screen.looping:
                    break
        finally:
            close = getattr(stream, "close", None)
            if callable(close):
                close()  # stops generation when the guard stops reading
        if not screen.gave_up:
            for sentence in splitter.flush():
                if screen.accept(sentence):
                    yield Sentence(sentence, language)
        if not (withheld or screen.leaks(streamed)) and shown < len(streamed):
            yield TextDelta(streamed[shown:])
            shown = len(streamed)
        failure = screen.failure
        if not failure and not streamed.strip():
            failure = "the model returned no text"
    except LLMCrashed as exc:  # the worker process died mid-turn; it is being started again
        failure = f"llm crashed: {exc}"
        yield Notice("warning", prompts.text(language, "llm_crashed"))
    except LLMUnavailable as exc:
        failure = f"llm unavailable: {exc}"
        yield Notice("warning", prompts.text(language, "llm_unavailable", reason=str(exc)))
    except Exception as exc:  # a broken stream: never repeat it, quote the sources instead
        failure = f"stream failed: {type(exc).__name__}: {exc}"
        if streamed:
            yield Notice("warning", prompts.text(language, "stream_failed"))
        else:
            yield Notice("warning", prompts.text(language, "llm_unavailable", reason=_explain(settings, exc)))
    turn.timings["llm_ms"] = (time.perf_counter() - t) * 1000
    if not failure:
        if screen.dropped:  # the failing sentences go; the supported ones stand
            streamed = screen.cleaned(streamed)
            yield TextDelta(preface + streamed, replace=True)
        turn.citations = citations.cited(streamed, len(sources))
        if not turn.citations:
            # Small models often forget the markers: cite the passages the sentences were taken from
            # (the passages only: the image text is no source, and [n+1] would cite nothing).
            turn.citations = attribute(streamed, texts[: len(sources)], query or question)
            if turn.citations:
                markers = " " + citations.markers(turn.citations)
                streamed = streamed.rstrip() + markers
                yield TextDelta(markers)
        turn.grounded = bool(turn.citations)
        if turn.grounded:
            return streamed.strip()
        # The small model sometimes restates the question (or the picture) instead of the passages:
        # an answer that draws on no passage is replaced by quotes of those that do.
        failure = "the answer cites no source"
    turn.fallback = failure
    quoted, used = extractive_answer(question, list(sources))
    other = {s.n for s in sources if detect_language(s.text) != language}
    intro = prompts.text(language, "extractive_intro")
    if other & set(used):
        intro += prompts.text(language, "other_language_note")
    body = f"{intro}\n{quoted}"
    yield TextDelta(preface + body, replace=True)
    yield from (Sentence(s, language) for s in split_sentences(body))
    turn.citations = used
    turn.grounded = bool(used)
    return body


def answer_messages(
    settings: Settings,
    prompts: PromptBook,
    turn: TurnRecord,
    history: list[tuple[str, str]],
    image_text: str = "",
) -> list[BaseMessage]:
    """The model's prompt for `turn` (its question, language, domain and sources): the same for the
    answer and for reading it ahead (Advisor.read_ahead), so the read-ahead state is the one reused."""
    sources = turn.sources
    # The model reads only the sentences that bear on the question (prompt reading dominates the
    # time to first token); the guard still checks against the whole passages.
    budget = settings.retrieval.context_tokens
    passages = [s.text for s in sources]
    focused = focus_passages(turn.query or turn.question, passages, budget) if budget else passages
    return build_messages(
        prompts,
        prompts.persona(turn.domain, turn.language),
        turn.language,
        turn.question,
        [(s.n, s.title, text) for s, text in zip(sources, focused, strict=False) if text],
        history,
        image_text,
    )


def _explain(settings: Settings, exc: Exception) -> str:
    """Why the model could not be reached, in words the operator can act on (an API's status, say)."""
    if settings.llm.backend == "openai":
        from advisor.llm.openai_compat import explain

        return explain(exc, settings.llm)
    return f"{type(exc).__name__}: {exc}"


def _whole_words(text: str) -> int:
    """Where the last whole word of `text` ends: a Latin word still being written is held back."""
    end = len(text)
    while end and text[end - 1].isascii() and text[end - 1].isalpha():
        end -= 1
    return end
