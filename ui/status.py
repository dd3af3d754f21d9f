"""The Status panel: which backend and model each part runs on, and whether it is ready."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from advisor.dialogue.advisor import Advisor
from ui.i18n import t
from ui.modalities import Modalities
from ui.render import plain


@dataclass(frozen=True)
class Row:
    component: str  # i18n key
    backend: str
    model: str
    state: str  # ready | lazy | off
    detail: str = ""  # why it is off, or (ready) what happened to it
    build: str = ""  # the instruction sets a native engine was built for


def rows(advisor: Advisor, modalities: Modalities) -> list[Row]:
    s = advisor.settings
    out: list[Row] = []
    # The language model: loaded on first use (or warm-up); a load failure is remembered by the advisor.
    loaded, llm_error = advisor.llm_status()
    backend = s.llm.backend
    model = s.llm.model or ("Qwen2.5-0.5B-Instruct GGUF (packaged)" if backend == "llamacpp" else "")
    if backend == "openai" and s.llm.base_url:
        model = f"{s.llm.model or '?'} @ {s.llm.base_url}"
    if loaded is not None:  # what actually runs, which a caller may have passed in
        backend = str(getattr(loaded, "_llm_type", "") or type(loaded).__name__)
        path = str(getattr(loaded, "model_path", "") or "")
        model = Path(path).name if path else str(getattr(loaded, "model_name", "") or model)
    state = "off" if llm_error else "ready" if loaded is not None else "lazy"
    detail, build = llm_error, ""
    health = getattr(loaded, "health", None)
    if callable(health):  # a supervised worker: crashes, restarts and the build's instruction sets
        state, build, detail = health()
    out.append(Row("comp_llm", backend, model, state, detail, build))
    library = advisor.library
    embedder_loaded = library.embedder_loaded
    out.append(
        Row(
            "comp_embeddings",
            s.embeddings.backend,
            s.embeddings.model or "multilingual-e5-small (packaged)",
            "ready" if embedder_loaded else "lazy",
        )
    )
    out.append(Row("comp_store", "chroma", s.store.url or "", "ready"))
    for st in modalities.status():
        state, detail = ("ready" if st.ready else "lazy" if st.available else "off"), st.detail
        if st.name == "tts" and st.available and shutil.which("ffmpeg") is None:
            state, detail = (
                "off",
                "ffmpeg is not installed; the page needs it to stream speech (apt-get install ffmpeg)",
            )
        out.append(Row(f"comp_{st.name}", st.backend, st.model or "(default)", state, detail))
    return out


def kb_summary(advisor: Advisor) -> tuple[int, int, int]:
    library = advisor.library
    names = library.names()
    docs = chunks = 0
    for name in names:
        d, c = library.catalog.kb_stats(name)
        docs, chunks = docs + d, chunks + c
    return len(names), docs, chunks


def _state(row: Row, lang: str) -> str:
    if row.state == "ready":
        notes = [t(lang, "llm_build", sets=row.build)] if row.build else []
        if row.detail and row.component == "comp_llm":
            notes.append(t(lang, "llm_restarted", reason=row.detail))
        text = t(lang, "state_ready")
        return f"{text} ({plain('; '.join(notes)[:300], keep_lines=False)})" if notes else text
    if row.state == "lazy":
        return t(lang, "state_lazy")
    return t(lang, "state_off", reason=plain(row.detail[:300], keep_lines=False))


def status_markdown(advisor: Advisor, modalities: Modalities, lang: str) -> str:
    header = [t(lang, k) for k in ("col_component", "col_backend", "col_model", "col_state")]
    lines = ["| " + " | ".join(header) + " |", "|---|---|---|---|"]
    for row in rows(advisor, modalities):
        model = row.model
        if row.component == "comp_store" and not model:
            model = t(lang, "store_embedded")
        cells = [
            t(lang, row.component),
            plain(row.backend, keep_lines=False),
            plain(model, keep_lines=False),
            _state(row, lang),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    n, docs, chunks = kb_summary(advisor)
    lines.append("")
    lines.append(t(lang, "kbs_summary", n=n, docs=docs, chunks=chunks))
    return "\n".join(lines)
