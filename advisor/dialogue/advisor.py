"""One turn of the advisor, as a generator of events: safety, retrieval, a grounded streamed answer.

The turn depends on small pieces, each replaceable: a retriever, a LangChain chat model, the
conversation store, the prompt book. Heavy parts load on first use, once. The steps live beside it:
inputs.py (voice, picture), replies.py (fixed replies), generate.py (the model's checked answer or
quotes), record.py (the turn's state, its history and its record).
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Generator, Iterator
from pathlib import Path

from langchain_core.language_models import BaseChatModel

from advisor.config import Settings
from advisor.dialogue import safety
from advisor.dialogue.answerable import Answerability, Passage, judge
from advisor.dialogue.followup import standalone_query
from advisor.dialogue.generate import answer_messages, generate
from advisor.dialogue.history import ConversationStore
from advisor.dialogue.inputs import read_image, transcribe
from advisor.dialogue.prompts import PromptBook, build_messages, load_prompts
from advisor.dialogue.record import TurnRecord, finish, previous_queries, recent_history
from advisor.dialogue.replies import (
    MAX_QUESTION_CHARS,
    image_question,
    image_said,
    no_knowledge,
    not_answerable,
    not_covered,
    too_long,
    whole,
)
from advisor.events import (
    Event,
    Notice,
    Sentence,
    Source,
    Sources,
    TextDelta,
    Transcript,
    TurnControl,
    TurnEnd,
)
from advisor.knowledge.library import KnowledgeLibrary, StorageError
from advisor.knowledge.retriever import HybridRetriever, RetrievedChunk
from advisor.knowledge.text import clean_text, detect_language
from advisor.llm import LLMUnavailable
from advisor.stages import Stages

__all__ = ["MAX_QUESTION_CHARS", "Advisor"]


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
        heard: Transcript | None = None,
    ) -> Iterator[Event]:
        """One turn. `audio` is a spoken question (file path or bytes) for the ASR stage, or `heard` one
        already recognised as it was spoken (the conversation mode); `image` an uploaded picture (path
        or bytes) for the vision stage. `speak`: each checked sentence is also spoken as it completes
        (AudioChunk events). `control`: another thread may stop or silence it."""
        events = self._turn(question, session_id, kbs, domain, image, language_hint, audio, heard)
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
        heard: Transcript | None = None,
    ) -> Iterator[Event]:
        """The pipeline: read the input, refuse what must be refused, retrieve, then answer from the
        passages (or say why not). Each step that ends the turn finishes it itself."""
        self.turns_started += 1
        turn = TurnRecord(session_id)
        image_text = yield from self._read_input(turn, question, domain, image, language_hint, audio, heard)
        if image_text is None:
            return
        assessment = safety.assess(turn.question)
        if assessment.crisis or assessment.asks_wrongdoing or assessment.injection:
            # No retrieval, no model: a fixed, reviewed reply, every time.
            turn.query, turn.domain = turn.question, domain or "general"
            turn.text = "\n\n".join(assessment.notices(turn.language))
            yield from whole(turn.text, turn.language)
            yield from finish(self.conversations, turn)
            return
        if not (yield from self._retrieve(turn, kbs, domain, image_text)):
            return
        preface = "\n\n".join(assessment.notices(turn.language))
        if preface:
            preface += "\n\n"
            yield from whole(preface, turn.language)
        if (yield from self._cannot_answer(turn, preface, image_text)):
            return
        yield from self._answer(turn, preface, image_text)

    def _read_input(
        self,
        turn: TurnRecord,
        question: str,
        domain: str | None,
        image: Path | bytes | None,
        language_hint: str,
        audio: Path | bytes | None,
        heard: Transcript | None = None,
    ) -> Generator[Event, None, str | None]:
        """The question heard, typed and pictured, on `turn`; returns the picture's text ('' without
        one), or None when the turn has ended here (nothing heard, nothing read, nothing asked)."""
        if audio is not None:
            said = yield from transcribe(self.stages, audio, language_hint, turn)
            if said is None:
                yield from finish(self.conversations, turn, keep=False)
                return None
            question = f"{said} {question}".strip()  # the spoken question first, then what was typed
        elif heard is not None:
            yield heard
            question = f"{heard.text} {question}".strip()
        question = clean_text(question).strip()
        language = detect_language(question) if question else (language_hint or "zh")
        turn.question, turn.language = question, language
        image_text = ""
        if image is not None:
            read = yield from read_image(self.settings, self.stages, image, question, language, turn)
            if read is None:
                turn.query, turn.domain = question, domain or "general"
                yield from finish(self.conversations, turn)
                return None
            image_text = read
            if not question:
                question = image_question(language)
        if len(question) > MAX_QUESTION_CHARS:
            question = question[:MAX_QUESTION_CHARS]
            yield too_long(language)
        turn.question = question
        if not question:
            # Not kept, and no timings: there was no turn to speak of.
            message = self.prompts.text(language, "empty_question")
            yield TextDelta(message)
            yield TurnEnd(message, language, domain or "general", False, (), {}, turn.session_id or "")
            return None
        return image_text

    def _retrieve(
        self, turn: TurnRecord, kbs: list[str] | None, domain: str | None, image_text: str
    ) -> Generator[Event, None, bool]:
        """The passages on the question's topic, as a Sources event and on `turn`; False when the
        store failed (the turn has then ended, with a reply that says so)."""
        language = turn.language
        turn.query = standalone_query(turn.question, previous_queries(self.conversations, turn.session_id))
        if image_text:
            turn.query = f"{turn.query} {image_text[:300]}"
        if not self.library.names():
            yield no_knowledge(language)
        t = time.perf_counter()
        domains = [domain] if domain and domain != "general" else None
        try:
            results = self.retriever.retrieve(turn.query, self.settings.retrieval.top_k, kbs, domains)
        except StorageError as exc:  # a full or read-only data dir: say so, keep the app serving
            turn.domain = domain or "general"
            turn.text = self.prompts.text(language, "storage_error", reason=str(exc))
            yield Notice("error", turn.text)
            yield from whole(turn.text, language)
            yield from finish(self.conversations, turn, keep=False)  # the store is what failed
            return False
        turn.timings["retrieval_ms"] = (time.perf_counter() - t) * 1000
        relevant = [r for r in results if self._relevant(r, language)] if results else []
        turn.domain = domain or (results[0].domain if relevant else "general") or "general"
        if relevant:
            turn.sources = tuple(
                Source(i, r.kb, r.source, r.doc_key, r.title, r.text, r.score)
                for i, r in enumerate(results[: self.settings.retrieval.llm_sources], start=1)
            )
        yield Sources(turn.sources, turn.query, turn.domain)
        return True

    def _cannot_answer(self, turn: TurnRecord, preface: str, image_text: str) -> Generator[Event, None, bool]:
        """Say so, and finish, when no passage is on the topic or none holds the answer; False otherwise."""
        language = turn.language
        if not turn.sources:
            message = not_covered(self.prompts, language)
        else:
            passages = [Passage(s.title, s.text) for s in turn.sources]
            verdict = Answerability(True) if image_text else judge(turn.query, passages)
            if verdict.answerable:
                return False
            # On the topic, but no passage holds the answer: say so, and what they do hold, instead of
            # letting the model (or a quote) answer as if they did.
            message = not_answerable(self.prompts, verdict, language)
            note = safety.disclaimer(turn.domain, language)
            message += f"\n\n{note}" if note else ""
            turn.fallback = f"not answerable: {', '.join(verdict.missing)}"
        turn.text = preface + message
        yield from whole(message, language)
        yield from finish(self.conversations, turn)
        return True

    def _answer(self, turn: TurnRecord, preface: str, image_text: str) -> Iterator[Event]:
        """The model's answer from the passages (what the picture says first), with the domain's
        disclaimer, and the turn finished."""
        language = turn.language
        if image_text:
            said = image_said(self.prompts, image_text, language)
            preface += said
            yield from whole(said, language)
        history = recent_history(self.conversations, turn.session_id)
        body = yield from generate(self.settings, self.prompts, self.llm, turn, history, preface, image_text)
        turn.text = preface + body
        note = safety.disclaimer(turn.domain, language)
        if note and note not in turn.text:
            turn.text += "\n\n" + note
            yield TextDelta("\n\n" + note)
            yield Sentence(note, language)
        yield from finish(self.conversations, turn)

    def read_ahead(
        self,
        question: str,
        session_id: str | None = None,
        kbs: list[str] | None = None,
        domain: str | None = None,
    ) -> bool:
        """Read the prompt `question` would get into the model now, without answering, so that the
        turn asked with it soon after only generates (llama.cpp reuses the prompt it holds; a question
        that changed at its end reuses what is still the same). For a question recognised while the user
        is still pausing. True when a prompt was read; nothing is kept and nothing is said."""
        try:
            prefill = getattr(self.llm(), "prefill", None)
        except LLMUnavailable:
            return False
        question = clean_text(question).strip()[:MAX_QUESTION_CHARS]
        if not callable(prefill) or not question:
            return False
        turn = TurnRecord(session_id, question=question, language=detect_language(question))
        assessment = safety.assess(question)
        if assessment.crisis or assessment.asks_wrongdoing or assessment.injection:
            return False  # a fixed reply: no prompt to read
        retrieved = self._retrieve(turn, kbs, domain, "")
        with contextlib.suppress(StopIteration):
            while True:
                next(retrieved)  # the same retrieval as the turn's; its events are the turn's to give
        if not turn.sources:
            return False
        if not judge(turn.query, [Passage(s.title, s.text) for s in turn.sources]).answerable:
            return False
        history = recent_history(self.conversations, session_id)
        with contextlib.suppress(LLMUnavailable):
            prefill(answer_messages(self.settings, self.prompts, turn, history))
            return True
        return False

    def _relevant(self, result: RetrievedChunk, language: str) -> bool:
        r = self.settings.retrieval
        if result.similarity is None:
            return False  # a BM25-only match on common words is not evidence the topic is covered
        bonus = r.other_language_bonus if result.language != language else 0.0
        floor = r.min_similarity_zh if language == "zh" else r.min_similarity_en
        return result.similarity + bonus >= floor
