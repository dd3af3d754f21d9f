"""One turn of the advisor, as a generator of events: safety, retrieval, a grounded streamed answer.

The turn depends on small pieces, each replaceable: a retriever, a LangChain chat model, the
conversation store, the prompt book. Heavy parts load on first use, once.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.language_models import BaseChatModel

from advisor.config import Settings
from advisor.dialogue import safety
from advisor.dialogue.answerable import Answerability, Passage, judge
from advisor.dialogue.attribution import attribute
from advisor.dialogue.context import focus_passages
from advisor.dialogue.extractive import extractive_answer
from advisor.dialogue.followup import standalone_query
from advisor.dialogue.history import ConversationStore
from advisor.dialogue.prompts import PromptBook, build_messages, load_prompts
from advisor.dialogue.screen import AnswerScreen
from advisor.dialogue.sentences import SentenceSplitter, split_sentences
from advisor.events import (
    Event,
    ImageText,
    Notice,
    Sentence,
    Source,
    Sources,
    TextDelta,
    TurnControl,
    TurnEnd,
)
from advisor.knowledge.chunking import estimate_tokens
from advisor.knowledge.library import KnowledgeLibrary, StorageError
from advisor.knowledge.retriever import HybridRetriever, RetrievedChunk
from advisor.knowledge.text import clean_text, detect_language
from advisor.llm import LLMCrashed, LLMUnavailable, stream_text
from advisor.stages import Stages

MAX_QUESTION_CHARS = 2000
FIRST_CLAUSE_CHARS = 10
HISTORY_TOKENS = 400  # recent turns the model sees; older ones only cost prefill time
_CITATION = re.compile(r"\[(\d{1,2})\]")


@dataclass
class _Answer:
    """What a turn has produced so far."""

    text: str = ""
    grounded: bool = False
    citations: list[int] = field(default_factory=list)
    fallback: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)


class Advisor:
    def __init__(
        self,
        settings: Settings,
        library: KnowledgeLibrary | None = None,
        llm: BaseChatModel | None = None,
        conversations: ConversationStore | None = None,
    ) -> None:
        self.settings = settings
        self.library = library or KnowledgeLibrary(settings)
        self.retriever = HybridRetriever(self.library)
        self.conversations = conversations or ConversationStore(
            settings.ensure_data_dir() / "conversations.sqlite3"
        )
        self.prompts: PromptBook = load_prompts(settings.prompts_dir)
        self.stages = Stages(settings, self.library, llm)  # every model a turn runs on, built once
        self.turns_started = 0  # warm-up stops reading prompts ahead once people are asking

    def llm(self) -> BaseChatModel:
        """The chat model, loaded on first use; a load failure is remembered and raised as LLMUnavailable."""
        return self.stages.llm.get()

    def warm_up(self) -> None:
        """Load the models a turn needs, so the first question is not the slow one."""
        self.library.embedder.embed_query("warm up")
        self.library.bm25.search("warm up", 1)
        with contextlib.suppress(LLMUnavailable):
            model = self.llm()
            prefill = getattr(model, "prefill", None)
            if callable(prefill):
                # Read every advisor's system prompt now, in each language (llama.cpp saves each
                # one's state), so no first question pays for it; the general advisor's first. A
                # question that arrives meanwhile goes first: the rest are read on first use.
                domains = ["general", *(d for d in self.prompts.domains if d != "general")]
                for domain in domains:
                    for language in ("zh", "en"):
                        if self.turns_started and domain != "general":
                            return
                        persona = self.prompts.persona(domain, language)
                        prefill(build_messages(self.prompts, persona, language, "", [], [])[:1])

    # -- one turn --------------------------------------------------------------------------------------
    def turn(
        self,
        question: str = "",
        session_id: str | None = None,
        kbs: list[str] | None = None,
        domain: str | None = None,
        image: Path | bytes | None = None,
        language_hint: str = "",
        audio: Path | bytes | None = None,
        speak: bool = False,
        control: TurnControl | None = None,
    ) -> Iterator[Event]:
        """One turn. `audio` is a spoken question (file path or bytes) for the ASR stage; `image` an
        uploaded picture (path or bytes) for the vision stage. `speak`: each checked sentence is also
        spoken as it completes (AudioChunk events). `control`: another thread may stop or silence it."""
        events = self._turn(question, session_id, kbs, domain, image, language_hint, audio)
        if not speak and control is None:
            return events
        from advisor.tts import SentenceSpeaker, TTSError, with_speech

        speaker = None
        if speak:
            try:
                speaker = SentenceSpeaker(self.stages.tts.get())
            except TTSError as exc:  # the answer still comes, in text
                events = itertools.chain([Notice("warning", str(exc))], events)
        return with_speech(events, speaker, control)

    def _turn(
        self,
        question: str,
        session_id: str | None,
        kbs: list[str] | None,
        domain: str | None,
        image: Path | bytes | None,
        language_hint: str,
        audio: Path | bytes | None,
    ) -> Iterator[Event]:
        started = time.perf_counter()
        self.turns_started += 1
        answer = _Answer()
        if audio is not None:
            heard = yield from self._transcribe(audio, language_hint, started, answer)
            if heard is None:
                return
            question = f"{heard} {question}".strip()
        question = clean_text(question).strip()
        language = detect_language(question) if question else (language_hint or "zh")
        image_text = ""
        if image is not None:
            read = yield from self._read_image(image, question, language, answer)
            if read is None:
                yield from self._finish(
                    question, question, language, domain or "general", answer, (), session_id, started
                )
                return
            image_text = read
            if not question:
                question = _text(language, "图片上写的是什么意思？", "What does this image say?")
        if len(question) > MAX_QUESTION_CHARS:
            question = question[:MAX_QUESTION_CHARS]
            yield Notice(
                "warning",
                _text(
                    language,
                    "问题太长，只读取了前2000个字。",
                    "The question was long; only its first 2,000 characters were read.",
                ),
            )
        if not question:
            message = self.prompts.text(language, "empty_question")
            yield TextDelta(message)
            yield TurnEnd(message, language, domain or "general", False, (), {}, session_id or "")
            return

        previous = self._previous_queries(session_id)
        assessment = safety.assess(question)
        if assessment.crisis or assessment.asks_wrongdoing or assessment.injection:
            # No retrieval, no model: a fixed, reviewed reply, every time.
            answer.text = "\n\n".join(assessment.notices(language))
            yield from self._speak_whole(answer.text, language)
            yield from self._finish(
                question, question, language, domain or "general", answer, (), session_id, started
            )
            return

        query = standalone_query(question, previous)
        if image_text:
            query = f"{query} {image_text[:300]}"
        if not self.library.names():
            yield Notice(
                "error",
                _text(
                    language,
                    "还没有知识库：请先运行 advisor kb init。",
                    "There are no knowledge bases yet: run advisor kb init.",
                ),
            )
        t = time.perf_counter()
        domains = [domain] if domain and domain != "general" else None
        try:
            results = self.retriever.retrieve(query, self.settings.retrieval.top_k, kbs, domains)
        except StorageError as exc:  # a full or read-only data dir: say so, keep the app serving
            answer.text = self.prompts.text(language, "storage_error", reason=str(exc))
            yield Notice("error", answer.text)
            yield from self._speak_whole(answer.text, language)
            yield from self._finish(question, query, language, domain or "general", answer, (), None, started)
            return
        answer.timings["retrieval_ms"] = (time.perf_counter() - t) * 1000
        relevant = [r for r in results if self._relevant(r, language)] if results else []
        answering_domain = domain or (results[0].domain if relevant else "general") or "general"
        sources = (
            tuple(
                Source(i, r.kb, r.source, r.doc_key, r.title, r.text, r.score)
                for i, r in enumerate(results[: self.settings.retrieval.llm_sources], start=1)
            )
            if relevant
            else ()
        )
        yield Sources(sources, query, answering_domain)

        preface = "\n\n".join(assessment.notices(language))
        if preface:
            preface += "\n\n"
            yield TextDelta(preface)
            yield from (Sentence(s, language) for s in split_sentences(preface))
        if not sources:
            covered = "、".join(
                self.prompts.persona(d, "zh").description.split("：")[0] for d in self.prompts.domains
            )
            if language == "en":
                covered = "; ".join(
                    self.prompts.persona(d, "en").description.split(":")[0] for d in self.prompts.domains
                )
            message = self.prompts.text(language, "not_covered", domains=covered)
            answer.text = preface + message
            yield TextDelta(message)
            yield from (Sentence(s, language) for s in split_sentences(message))
            yield from self._finish(
                question, query, language, answering_domain, answer, sources, session_id, started
            )
            return

        verdict = (
            Answerability(True) if image_text else judge(query, [Passage(s.title, s.text) for s in sources])
        )
        if not verdict.answerable:
            # On the topic, but no passage holds the answer: say so, and what they do hold, instead of
            # letting the model (or a quote) answer as if they did.
            message = self._not_answerable(verdict, language)
            note = safety.disclaimer(answering_domain, language)
            message += f"\n\n{note}" if note else ""
            answer.text = preface + message
            answer.fallback = f"not answerable: {', '.join(verdict.missing)}"
            yield TextDelta(message)
            yield from (Sentence(s, language) for s in split_sentences(message))
            yield from self._finish(
                question, query, language, answering_domain, answer, sources, session_id, started
            )
            return

        if image_text:
            said = self.prompts.text(language, "image_said", text=_excerpt(image_text)) + "\n\n"
            preface += said
            yield TextDelta(said)
            yield from (Sentence(s, language) for s in split_sentences(said))
        body = yield from self._generate(
            question, language, answering_domain, sources, session_id, answer, preface, image_text, query
        )
        answer.text = preface + body
        note = safety.disclaimer(answering_domain, language)
        if note and note not in answer.text:
            answer.text += "\n\n" + note
            yield TextDelta("\n\n" + note)
            yield Sentence(note, language)
        yield from self._finish(
            question, query, language, answering_domain, answer, sources, session_id, started
        )

    def _generate(
        self,
        question: str,
        language: str,
        domain: str,
        sources: tuple[Source, ...],
        session_id: str | None,
        answer: _Answer,
        preface: str,
        image_text: str = "",
        query: str = "",
    ) -> Generator[Event, None, str]:
        """Stream the model's answer sentence by sentence through the guard; fall back to quoting."""
        texts = [s.text for s in sources] + ([image_text] if image_text else [])
        persona = self.prompts.persona(domain, language)
        # The model reads only the sentences that bear on the question (prompt reading dominates the
        # time to first token); the guard still checks against the whole passages.
        budget = self.settings.retrieval.context_tokens
        passages = [s.text for s in sources]
        focused = focus_passages(query or question, passages, budget) if budget else passages
        messages = build_messages(
            self.prompts,
            persona,
            language,
            question,
            [(s.n, s.title, text) for s, text in zip(sources, focused, strict=False) if text],
            self._history(session_id),
            image_text,
        )
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
            stream = stream_text(self.llm(), messages)
            try:
                for piece in stream:
                    if not streamed:
                        now = time.perf_counter()
                        answer.timings["first_token_ms"] = (now - t) * 1000
                        answer.timings["first_token_at_ms"] = (
                            now - answer.started
                        ) * 1000  # since the turn began
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
            yield Notice("warning", self.prompts.text(language, "llm_crashed"))
        except LLMUnavailable as exc:
            failure = f"llm unavailable: {exc}"
            yield Notice("warning", self.prompts.text(language, "llm_unavailable", reason=str(exc)))
        except Exception as exc:  # a broken stream: never repeat it, quote the sources instead
            failure = f"stream failed: {type(exc).__name__}: {exc}"
            if streamed:
                yield Notice("warning", self.prompts.text(language, "stream_failed"))
            else:
                yield Notice(
                    "warning", self.prompts.text(language, "llm_unavailable", reason=self._explain(exc))
                )
        answer.timings["llm_ms"] = (time.perf_counter() - t) * 1000
        if not failure:
            if screen.dropped:  # the failing sentences go; the supported ones stand
                streamed = screen.cleaned(streamed)
                yield TextDelta(preface + streamed, replace=True)
            answer.citations = _citations(streamed, len(sources))
            if not answer.citations:
                # Small models often forget the markers: cite the passages the sentences were taken from
                # (the passages only: the image text is no source, and [n+1] would cite nothing).
                answer.citations = attribute(streamed, texts[: len(sources)], query or question)
                if answer.citations:
                    markers = " " + "".join(f"[{n}]" for n in answer.citations)
                    streamed = streamed.rstrip() + markers
                    yield TextDelta(markers)
            answer.grounded = bool(answer.citations)
            if answer.grounded:
                return streamed.strip()
            # The small model sometimes restates the question (or the picture) instead of the passages:
            # an answer that draws on no passage is replaced by quotes of those that do.
            failure = "the answer cites no source"
        answer.fallback = failure
        quoted, used = extractive_answer(question, list(sources))
        other = {s.n for s in sources if detect_language(s.text) != language}
        intro = self.prompts.text(language, "extractive_intro")
        if other & set(used):
            intro += self.prompts.text(language, "other_language_note")
        body = f"{intro}\n{quoted}"
        yield TextDelta(preface + body, replace=True)
        yield from (Sentence(s, language) for s in split_sentences(body))
        answer.citations = used
        answer.grounded = bool(used)
        return body

    def _transcribe(
        self, audio: Path | bytes, language_hint: str, started: float, answer: _Answer
    ) -> Generator[Event, None, str | None]:
        """The spoken question as a Transcript event; None when the turn ends here with a clear message."""
        from advisor.asr import ASRError, ASRUnavailable

        try:
            heard = self.stages.asr.get().transcribe_timed(audio)
            transcript = heard.transcript
            # Stage timings of the voice turn: decoding and voice detection, then recognition.
            stages = heard.timings_ms
            answer.timings["audio_decode_ms"] = stages.get("decode", 0.0) + stages.get("vad", 0.0)
            answer.timings["asr_ms"] = (
                stages.get("detect", 0.0) + stages.get("asr", 0.0) + stages.get("text", 0.0)
            )
        except ASRError as exc:
            if isinstance(exc, ASRUnavailable):
                self.stages.asr.fail(str(exc))  # not retried per turn; the status panel says why
            language = language_hint or "en"
            message = exc.message_zh if language == "zh" else exc.message_en
            yield Notice("error", message)
            yield TextDelta(message)
            timings = {"total_ms": round((time.perf_counter() - started) * 1000, 1)}
            yield TurnEnd(message, language, "general", False, (), timings)
            return None
        yield transcript
        return str(transcript.text)

    def _read_image(
        self, image: Path | bytes, question: str, language: str, answer: _Answer
    ) -> Generator[Event, None, str | None]:
        """The image's text as an ImageText event; None when the turn should end here (with a reply)."""
        from advisor.vision import VisionError, limits_message, load_image, load_image_file

        t = time.perf_counter()
        try:
            picture = (
                load_image(image, self.settings.vision)
                if isinstance(image, bytes)
                else load_image_file(image, self.settings.vision)
            )
            reader = self.stages.vision.get()
            reader_with_notices = getattr(reader, "read_with_notices", None)
            if callable(reader_with_notices):
                read, problems = reader_with_notices(picture, question or None)
                for problem in problems:
                    yield Notice("warning", problem.message(language))
            else:
                read = reader.read(picture, question or None)
        except VisionError as exc:
            message = exc.message(language)
            yield Notice("error", message)
            if question:
                return ""  # the question still gets its answer, without the picture
            answer.text = message
            yield TextDelta(message)
            return None
        answer.timings["vision_ms"] = (time.perf_counter() - t) * 1000
        yield ImageText(read.text, read.description)
        combined = "\n".join(part for part in (read.text, read.description) if part.strip())
        if not combined.strip():
            answer.text = limits_message(language, no_text=True)
            yield from self._speak_whole(answer.text, language)
            return None
        return combined

    def _explain(self, exc: Exception) -> str:
        if self.settings.llm.backend == "openai":
            from advisor.llm.openai_compat import explain

            return explain(exc, self.settings.llm)
        return f"{type(exc).__name__}: {exc}"

    def _not_answerable(self, verdict: Answerability, language: str) -> str:
        """'The documents cover X but do not say Y', in the user's language."""
        if language == "zh":
            covered = "、".join(f"《{t}》" for t in verdict.covered) or "相关内容"
            missing = "、".join(f"“{m}”" for m in verdict.missing)
        else:
            covered = ", ".join(f"“{t}”" for t in verdict.covered) or "related topics"
            missing = ", ".join(f"“{m}”" for m in verdict.missing)
        template = "no_value" if verdict.reason == "no_value" else "not_answerable"
        return self.prompts.text(language, template, covered=covered, missing=missing)

    def _speak_whole(self, text: str, language: str) -> Iterator[Event]:
        yield TextDelta(text)
        yield from (Sentence(s, language) for s in split_sentences(text))

    def _relevant(self, result: RetrievedChunk, language: str) -> bool:
        r = self.settings.retrieval
        if result.similarity is None:
            return False  # a BM25-only match on common words is not evidence the topic is covered
        bonus = r.other_language_bonus if result.language != language else 0.0
        floor = r.min_similarity_zh if language == "zh" else r.min_similarity_en
        return result.similarity + bonus >= floor

    def _previous_queries(self, session_id: str | None) -> list[str]:
        if not session_id or not self.conversations.exists(session_id):
            return []
        return [
            m.extra.get("query", "") for m in self.conversations.messages(session_id) if m.role == "assistant"
        ]

    def _history(self, session_id: str | None) -> list[tuple[str, str]]:
        """The most recent turns that fit the token budget, oldest first."""
        if not session_id or not self.conversations.exists(session_id):
            return []
        kept: list[tuple[str, str]] = []
        budget = HISTORY_TOKENS
        for message in reversed(self.conversations.messages(session_id)):
            cost = estimate_tokens(message.content)
            if cost > budget:
                break
            budget -= cost
            kept.append((message.role, message.content))
        kept.reverse()
        if kept and kept[0][0] == "assistant":
            kept = kept[1:]  # start on a question
        return kept

    def _finish(
        self,
        question: str,
        query: str,
        language: str,
        domain: str,
        answer: _Answer,
        sources: tuple[Source, ...],
        session_id: str | None,
        started: float,
    ) -> Iterator[Event]:
        answer.timings["total_ms"] = (time.perf_counter() - started) * 1000
        timings = {k: round(v, 1) for k, v in answer.timings.items()}
        if session_id and self.conversations.exists(session_id):
            self.conversations.append_turn(
                session_id,
                question,
                answer.text,
                {
                    "query": query,
                    "language": language,
                    "domain": domain,
                    "grounded": answer.grounded,
                    "sources": [s.as_dict() for s in sources],
                    "fallback": answer.fallback,
                    "timings": timings,  # stage by stage: asr_ms, retrieval_ms, first_token_ms, ...
                },
            )
        yield TurnEnd(
            answer.text,
            language,
            domain,
            answer.grounded,
            tuple(answer.citations),
            timings,
            session_id or "",
            answer.fallback,
        )


def _whole_words(text: str) -> int:
    """Where the last whole word of `text` ends: a Latin word still being written is held back."""
    end = len(text)
    while end and text[end - 1].isascii() and text[end - 1].isalpha():
        end -= 1
    return end


def _citations(text: str, count: int) -> list[int]:
    return sorted({int(n) for n in _CITATION.findall(text) if 1 <= int(n) <= count})


def _excerpt(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def _text(language: str, zh: str, en: str) -> str:
    return zh if language == "zh" else en
