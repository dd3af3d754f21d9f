"""Personas and answer templates, loaded from the TOML files under prompts/ (data, not code)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from advisor.dialogue.safety import defang

LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Persona:
    domain: str
    name: str
    description: str
    persona: str
    policy: str


@dataclass(frozen=True)
class PromptBook:
    personas: dict[str, dict[str, Persona]]  # domain -> language -> persona
    templates: dict[str, dict[str, str]]  # language -> template name -> text

    def persona(self, domain: str, language: str) -> Persona:
        by_language = self.personas.get(domain) or self.personas["general"]
        return by_language[language]

    def text(self, language: str, template: str, **values: str) -> str:
        return self.templates[language][template].format(**values)

    @property
    def domains(self) -> list[str]:
        return sorted(d for d in self.personas if d != "general")


@lru_cache(maxsize=4)
def load_prompts(folder: Path) -> PromptBook:
    personas: dict[str, dict[str, Persona]] = {}
    for path in sorted(folder.glob("*.toml")):
        if path.stem == "answer":
            continue
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        domain = data.get("domain", path.stem)
        personas[domain] = {
            lang: Persona(domain, **{k: data[lang][k] for k in ("name", "description", "persona", "policy")})
            for lang in LANGUAGES
        }
    templates = tomllib.loads((folder / "answer.toml").read_text(encoding="utf-8"))
    if "general" not in personas:
        raise ValueError(f"{folder} has no general.toml persona")
    return PromptBook(personas, {lang: templates[lang] for lang in LANGUAGES})


def build_messages(
    book: PromptBook,
    persona: Persona,
    language: str,
    question: str,
    sources: list[tuple[int, str, str]],
    history: list[tuple[str, str]],
    image_text: str = "",
) -> list[BaseMessage]:
    """System rules first (unchanged between questions, so llama.cpp reuses its cached prefix),
    then the recent history, then this turn's sources and question."""
    system = book.text(language, "system", name=persona.name, persona=persona.persona, policy=persona.policy)
    # Passages and image text are data: a sentence in them that instructs the model is blanked out.
    blocks = "\n\n".join(
        book.text(language, "source", n=str(n), title=title, text=defang(text)) for n, title, text in sources
    )
    messages: list[BaseMessage] = [SystemMessage(system.strip())]
    for role, content in history:
        messages.append(HumanMessage(content) if role == "user" else AIMessage(content))
    if image_text:
        blocks = book.text(language, "image", text=defang(image_text)) + "\n\n" + blocks
    messages.append(HumanMessage(book.text(language, "user", sources=blocks, question=question)))
    return messages
