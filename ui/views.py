"""What the page shows that depends on the interface language and on live data: choices, badges, tables."""

from __future__ import annotations

import pandas as pd

from advisor.dialogue.advisor import Advisor
from ui.i18n import t
from ui.kb import KnowledgeAdmin
from ui.render import plain

DOC_COLUMNS = ("col_key", "col_title", "col_language", "col_domain", "col_chunks")


class Views:
    def __init__(self, advisor: Advisor, admin: KnowledgeAdmin) -> None:
        self.book = advisor.prompts
        self.store = advisor.conversations
        self.admin = admin

    @property
    def advisors(self) -> tuple[str, ...]:
        return ("general", *self.book.domains)

    def advisor_choices(self, lang: str) -> list[tuple[str, str]]:
        general = self.book.persona("general", lang).name + t(lang, "advisor_general_suffix")
        return [(general, "general")] + [(self.book.persona(d, lang).name, d) for d in self.book.domains]

    def advisor_names(self, lang: str) -> dict[str, str]:
        return {d: self.book.persona(d, lang).name for d in self.advisors}

    def badge(self, domain: str | None, lang: str) -> str:
        """Which advisor answers, in a line above the chat."""
        persona = self.book.persona(domain or "general", lang)
        name, description = plain(persona.name, False), plain(persona.description, False)
        return t(lang, "answering", name=name, description=description)

    def conversation_choices(self, lang: str, owner: str | None) -> list[tuple[str, str]]:
        """The owner's conversations, newest first; nobody's when the request has no owner."""
        if owner is None:
            return []
        return [(s.title or t(lang, "untitled"), s.id) for s in self.store.sessions(owner)]

    def documents(self, kb: str | None, lang: str) -> pd.DataFrame:
        return pd.DataFrame(self.admin.documents(kb), columns=[t(lang, k) for k in DOC_COLUMNS])
