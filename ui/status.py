"""The Status panel: which backend and model each part runs on, and whether it is ready."""

from __future__ import annotations

import shutil
from dataclasses import replace

from advisor.dialogue.advisor import Advisor
from advisor.stages import StageStatus
from ui.i18n import t
from ui.render import plain


def rows(advisor: Advisor) -> list[StageStatus]:
    """The advisor's report on each stage; speech is off on the page without ffmpeg."""
    out = []
    for st in advisor.stages.status():
        if st.name == "tts" and st.state != "off" and shutil.which("ffmpeg") is None:
            reason = "ffmpeg is not installed; the page needs it to stream speech (apt-get install ffmpeg)"
            st = replace(st, state="off", detail=reason)
        out.append(st)
    return out


def kb_summary(advisor: Advisor) -> tuple[int, int, int]:
    library = advisor.library
    names = library.names()
    docs = chunks = 0
    for name in names:
        d, c = library.catalog.kb_stats(name)
        docs, chunks = docs + d, chunks + c
    return len(names), docs, chunks


def _state(row: StageStatus, lang: str) -> str:
    if row.state == "ready":
        notes = [t(lang, "llm_build", sets=row.build)] if row.build else []
        if row.detail and row.name == "llm":
            notes.append(t(lang, "llm_restarted", reason=row.detail))
        text = t(lang, "state_ready")
        return f"{text} ({plain('; '.join(notes)[:300], keep_lines=False)})" if notes else text
    if row.state == "lazy":
        return t(lang, "state_lazy")
    return t(lang, "state_off", reason=plain(row.detail[:300], keep_lines=False))


def status_markdown(advisor: Advisor, lang: str) -> str:
    header = [t(lang, k) for k in ("col_component", "col_backend", "col_model", "col_state")]
    lines = ["| " + " | ".join(header) + " |", "|---|---|---|---|"]
    for row in rows(advisor):
        model = row.model or (t(lang, "store_embedded") if row.name == "store" else "(default)")
        cells = [
            t(lang, f"comp_{row.name}"),
            plain(row.backend, keep_lines=False),
            plain(model, keep_lines=False),
            _state(row, lang),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    n, docs, chunks = kb_summary(advisor)
    lines.append("")
    lines.append(t(lang, "kbs_summary", n=n, docs=docs, chunks=chunks))
    return "\n".join(lines)
