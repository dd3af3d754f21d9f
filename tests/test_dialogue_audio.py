"""A spoken question through the whole turn: the real packaged Whisper hears it, the advisor answers."""

from __future__ import annotations

import io
import wave
from pathlib import Path

from advisor.config import Settings
from advisor.dialogue.advisor import Advisor
from advisor.events import Notice, Sources, Transcript, TurnEnd
from advisor.knowledge.library import KnowledgeLibrary
from advisor.llm.fake import ScriptedChatModel

CLIPS = Path(__file__).resolve().parent / "data" / "asr" / "zh"


def test_a_spoken_chinese_question_is_transcribed_and_answered(
    shipped: KnowledgeLibrary, tmp_path: Path
) -> None:
    llm = ScriptedChatModel(replies=["成年人每天睡7到9小时。[1]"])
    advisor = Advisor(Settings(data_dir=tmp_path / "app"), library=shipped, llm=llm)
    events = list(advisor.turn("", audio=CLIPS / "04.ogg"))
    heard = next(e for e in events if isinstance(e, Transcript))
    assert heard.language == "zh" and "睡" in heard.text
    assert any(isinstance(e, Sources) and e.items for e in events)
    end = events[-1]
    assert isinstance(end, TurnEnd) and end.language == "zh" and end.answer


def test_silence_is_no_speech_not_invented_text(shipped: KnowledgeLibrary, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\0\0" * 16000 * 3)
    llm = ScriptedChatModel(replies=["x"])
    advisor = Advisor(Settings(data_dir=tmp_path / "app"), library=shipped, llm=llm)
    events = list(advisor.turn("", audio=buffer.getvalue(), language_hint="en"))
    assert any(isinstance(e, Notice) and e.level == "error" for e in events)
    end = events[-1]
    assert isinstance(end, TurnEnd) and "speech" in end.answer.lower() and not llm.seen


def test_spoken_reply_starts_on_the_first_sentence_and_is_intelligible(
    shipped: KnowledgeLibrary, tmp_path: Path
) -> None:
    """Each checked sentence is synthesised on its own, in order; the audio reads back through our ASR.
    (How early the first audio starts against a real model is measured in bench/tts.py, not asserted.)"""
    from advisor.asr import create_asr
    from advisor.events import AudioChunk, Sentence
    from advisor.tts import SentenceSpeaker, create_tts, with_speech, write_wav

    settings = Settings(data_dir=tmp_path / "app")
    llm = ScriptedChatModel(
        replies=["Adults should eat less than 5 g of salt a day. [1] Cut down on processed food."]
    )
    advisor = Advisor(settings, library=shipped, llm=llm)
    speaker = SentenceSpeaker(create_tts(settings))
    events = list(with_speech(advisor.turn("How much salt should adults eat per day?"), speaker))
    sentences = [e.text for e in events if isinstance(e, Sentence)]
    chunks = [e for e in events if isinstance(e, AudioChunk)]
    spoken = list(dict.fromkeys(c.sentence for c in chunks))
    assert len(spoken) >= 2, "each sentence is synthesised on its own, as soon as it is complete"
    assert "5" in spoken[0] or "five" in spoken[0].lower(), (spoken, sentences)
    wav = tmp_path / "reply.wav"
    assert write_wav(chunks, wav) > 1.0
    heard = create_asr(settings).transcribe(wav).text.lower()
    assert "less than 5" in heard and "processed food" in heard, heard
