"""LLM backends as LangChain chat models, chosen by name from `settings.llm.backend`."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from advisor.config import Settings
from advisor.llm.base import LLMUnavailable, stream_text
from advisor.registry import Registry

LLMS: Registry[BaseChatModel] = Registry("llm")


@LLMS.register("llamacpp")
def _llamacpp(settings: Settings) -> BaseChatModel:
    from advisor.llm.llamacpp import LlamaCppChatModel
    from advisor.models import QWEN_05B, ModelIntegrityError, ModelMissing, assemble, requantized

    path = settings.llm.model
    if not path:
        try:
            packaged = assemble(QWEN_05B, settings.data_dir / "models")
        except (ModelMissing, ModelIntegrityError) as exc:
            raise LLMUnavailable(str(exc)) from exc
        fast = settings.llm.requantize
        path = str(requantized(packaged, fast) if fast else packaged)
    return LlamaCppChatModel(
        model_path=path, n_ctx=settings.llm.context_tokens, n_threads=settings.llm.threads
    )


@LLMS.register("openai")
def _openai(settings: Settings) -> BaseChatModel:
    from advisor.llm.openai_compat import create_openai_chat

    return create_openai_chat(settings.llm)


@LLMS.register("transformers")
def _transformers(settings: Settings) -> BaseChatModel:
    from advisor.llm.transformers_backend import create_transformers_chat

    return create_transformers_chat(settings.llm)


def create_llm(settings: Settings) -> BaseChatModel:
    return LLMS.create(settings.llm.backend, settings)


__all__ = ["LLMS", "LLMUnavailable", "create_llm", "stream_text"]
