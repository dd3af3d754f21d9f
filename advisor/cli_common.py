"""What every `advisor` subcommand shares: the consoles, a plain failure, a progress bar, the library."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from advisor.config import get_settings

console = Console()
errors = Console(stderr=True)


def open_library():
    from advisor.knowledge.library import KnowledgeLibrary, as_storage_error

    settings = get_settings()
    try:
        return KnowledgeLibrary(settings)
    except Exception as exc:
        problem = as_storage_error(exc, settings.data_dir)  # a full or read-only data dir: say so plainly
        if problem is None:
            raise
        raise fail(str(problem), 3) from exc


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[object]:
    """A rich progress bar on stderr; each stage gets its own bar, shown once it has work."""
    if not enabled or not errors.is_terminal:
        yield lambda stage, done, total: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if total <= 0:
                return
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)
