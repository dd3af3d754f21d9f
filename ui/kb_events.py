"""The Knowledge bases tab's behaviour: every action answers in the note above the upload box and
refreshes the tab (and the chat's "search in" choices); long ones report progress."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gradio as gr

from ui.i18n import t
from ui.kb import KBError, KnowledgeAdmin
from ui.layout import Page
from ui.views import Views

log = logging.getLogger(__name__)

STAGES = {"copying", "reading", "chunking", "embedding"}  # progress stages with a label of their own
KB_WRITES: dict[str, Any] = {"concurrency_id": "kb", "concurrency_limit": 1}  # one change at a time


def progress_reporter(progress: gr.Progress, lang: str) -> Callable[[str, int, int], None]:
    def report(stage: str, done: int, total: int) -> None:
        progress((done, max(total, 1)), desc=t(lang, f"stage_{stage}") if stage in STAGES else stage)

    return report


class KnowledgeEvents:
    def __init__(self, admin: KnowledgeAdmin, views: Views) -> None:
        self.admin, self.views = admin, views

    def refresh(self, kb: str | None, lang: str) -> list[Any]:
        """The tab for `kb` (or none): its choices, statistics, documents; the chat's KB choices."""
        names = self.admin.names()
        kb = kb if kb in names else None
        keys = [row[0] for row in self.admin.documents(kb)]
        return [
            gr.update(choices=names, value=kb),
            self.admin.stats(kb, lang),
            self.views.documents(kb, lang),
            gr.update(choices=keys, value=None),
            gr.update(choices=names),
        ]

    def _act(self, action: Callable[[], str], kb: str | None, lang: str) -> list[Any]:
        try:
            note = action()
        except KBError as exc:
            note = f"❌ {exc}"
        except Exception:
            log.exception("a knowledge-base action failed")
            note = f"❌ {t(lang, 'err_internal')}"
        return [note, *self.refresh(kb, lang)]

    def create(self, name: str, lang: str) -> list[Any]:
        out = self._act(lambda: self.admin.create(name, lang), name.strip(), lang)
        return [*out, gr.skip() if out[0].startswith("❌") else ""]

    def upload(
        self,
        kb: str | None,
        files: list[str] | None,
        lang: str,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio's way to ask for a progress bar
    ) -> list[Any]:
        report = progress_reporter(progress, lang)
        return [*self._act(lambda: self.admin.upload(kb, files or [], lang, report), kb, lang), None]

    def delete_document(self, kb: str | None, key: str | None, lang: str) -> list[Any]:
        return self._act(lambda: self.admin.delete_document(kb, key, lang), kb, lang)

    def rebuild(self, kb: str | None, lang: str, progress: gr.Progress = gr.Progress()) -> list[Any]:  # noqa: B008
        report = progress_reporter(progress, lang)
        return self._act(lambda: self.admin.rebuild(kb, lang, report), kb, lang)

    def ask_delete(self, kb: str | None, lang: str) -> tuple[Any, Any, str]:
        if not kb or kb not in self.admin.names():
            return gr.update(visible=False), gr.skip(), f"❌ {t(lang, 'kb_pick')}"
        return gr.update(visible=True), gr.update(value=t(lang, "kb_confirm_delete_kb", kb=kb)), ""

    def delete(self, kb: str | None, lang: str) -> list[Any]:
        return [gr.update(visible=False), *self._act(lambda: self.admin.delete(kb, lang), kb, lang)]

    def wire(self, page: Page) -> None:
        p = page
        view = [p.kb_select, p.kb_stats, p.kb_docs, p.kb_doc, p.kb_filter]
        p.kb_select.change(self.refresh, [p.kb_select, p.lang], view, api_name="kb_view")
        p.kb_tab.select(self.refresh, [p.kb_select, p.lang], view, api_visibility="private")
        p.kb_create.click(
            self.create, [p.kb_new, p.lang], [p.kb_note, *view, p.kb_new], api_name="kb_create", **KB_WRITES
        )
        p.kb_upload.click(
            self.upload,
            [p.kb_select, p.kb_files, p.lang],
            [p.kb_note, *view, p.kb_files],
            api_name="kb_upload",
            **KB_WRITES,
        )
        p.kb_delete_doc.click(
            self.delete_document,
            [p.kb_select, p.kb_doc, p.lang],
            [p.kb_note, *view],
            api_name="kb_delete_document",
            **KB_WRITES,
        )
        p.kb_rebuild.click(
            self.rebuild, [p.kb_select, p.lang], [p.kb_note, *view], api_name="kb_rebuild", **KB_WRITES
        )
        p.kb_delete.click(
            self.ask_delete,
            [p.kb_select, p.lang],
            [p.confirm_kb_row, p.confirm_kb_btn, p.kb_note],
            api_visibility="private",
        )
        p.cancel_kb_btn.click(
            lambda: gr.update(visible=False), None, p.confirm_kb_row, api_visibility="private"
        )
        p.confirm_kb_btn.click(
            self.delete,
            [p.kb_select, p.lang],
            [p.confirm_kb_row, p.kb_note, *view],
            api_name="kb_delete",
            **KB_WRITES,
        )
