"""LLM backends as LangChain chat models, chosen by name from `settings.llm.backend`."""

from __future__ import annotations

import sys

from langchain_core.language_models import BaseChatModel

from advisor.config import Settings
from advisor.llm.base import LLMCrashed, LLMUnavailable, stream_text
from advisor.registry import Registry

LLMS: Registry[BaseChatModel] = Registry("llm")


@LLMS.register("llamacpp")
def _llamacpp(settings: Settings) -> BaseChatModel:
    from advisor.models import ModelIntegrityError, ModelMissing, assemble, profile_weights, requantized

    path, ftype = settings.llm.model, ""
    if not path:
        packaged, ftype = profile_weights(settings.llm.profile, settings.llm.requantize)
        try:
            path = str(assemble(packaged, settings.data_dir / "models"))
        except (ModelMissing, ModelIntegrityError) as exc:
            raise LLMUnavailable(str(exc)) from exc
    n_ctx, n_threads = settings.llm.context_tokens, settings.llm.threads
    if settings.llm.worker_process:
        from advisor.llm.supervised import SupervisedChatModel

        log = settings.data_dir / "logs" / "llm-worker.log"
        return SupervisedChatModel(
            spec={"model_path": path, "requantize": ftype, "n_ctx": n_ctx, "n_threads": n_threads},
            log_path=str(log),
            on_progress=_say,
        )
    from advisor.llm.llamacpp import LlamaCppChatModel

    path = str(requantized(path, ftype) if ftype else path)
    return LlamaCppChatModel(model_path=path, n_ctx=n_ctx, n_threads=n_threads)


def _say(progress: str) -> None:
    print(f"advisor: {progress}…", file=sys.stderr, flush=True)


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


__all__ = ["LLMS", "LLMCrashed", "LLMUnavailable", "create_llm", "stream_text"]
