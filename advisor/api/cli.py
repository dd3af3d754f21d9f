"""`advisor api` (the API alone) and `advisor keys create|list|revoke`: wired in with `register(app)`."""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from advisor.api.auth import KeyStore
from advisor.config import get_settings

console = Console()


def register(app: typer.Typer) -> None:
    keys = typer.Typer(
        help="API keys for the OpenAI-compatible API: create, list, revoke. API 密钥管理。",
        no_args_is_help=True,
    )
    app.add_typer(keys, name="keys")

    @app.command("api")
    def api(
        host: Annotated[str | None, typer.Option(help="Address to listen on (default [api] host).")] = None,
        port: Annotated[int | None, typer.Option(help="Port (default [api] port, 7861).")] = None,
    ) -> None:
        """Serve the OpenAI-compatible API alone at http://HOST:PORT/v1. 单独提供 OpenAI 兼容接口。

        `advisor serve` also serves it, at /v1 beside the page. Keys are required on any address but
        loopback (advisor keys create)."""
        from advisor.api.app import serve_api

        serve_api(get_settings(), host, port)

    @keys.command("create")
    def create(
        name: Annotated[str, typer.Option(help="What the key is for, to recognise it later.")] = "",
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Make a key. It is printed once and stored only as a hash. 创建密钥（只显示一次）。"""
        info, key = _store().create(name)
        if as_json:
            sys.stdout.write(json.dumps({"id": info.id, "name": info.name, "key": key}) + "\n")
            return
        console.print(f"[bold]{key}[/bold]", highlight=False)
        console.print(
            f"[dim]id {info.id}. Keep it now: it is not shown again. 请立即保存：此密钥不会再次显示。[/dim]"
        )

    @keys.command("list")
    def list_keys(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
        """List the keys (their first characters only). 列出密钥。"""
        rows = _store().list()
        if as_json:
            sys.stdout.write(json.dumps([r.__dict__ for r in rows]) + "\n")
            return
        if not rows:
            console.print("No API keys yet: advisor keys create. 还没有密钥。")
            return
        table = Table("id", "name", "key", "created", "state")
        for r in rows:
            state = "active" if r.active else f"revoked {_when(r.revoked or 0)}"
            table.add_row(r.id, r.name, r.shown, _when(r.created), state)
        console.print(table)

    @keys.command("revoke")
    def revoke(which: Annotated[str, typer.Argument(help="The key's id (or its name).")]) -> None:
        """Revoke a key: requests with it are refused from now on. 撤销密钥。"""
        try:
            info = _store().revoke(which)
        except KeyError as exc:
            Console(stderr=True).print(f"[red]error:[/red] {exc.args[0]}")
            raise typer.Exit(1) from None
        console.print(f"Revoked {info.id} {info.name}. 已撤销。")


def _store() -> KeyStore:
    return KeyStore.in_data_dir(get_settings().ensure_data_dir())


def _when(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp))
