"""The conversation a client sends, as the turn reads history: a short-lived session in the store.

OpenAI's protocol is stateless: every request carries the whole conversation in `messages`. The turn
reads its history (the recent exchanges, and the earlier questions a follow-up is joined to) from the
conversation store, as the page's and the CLI's turns do; so each request's earlier exchanges are put in
a session of their own (owner `api:<caller>`), the turn is run on it, and the session is deleted after.
Nothing of an API conversation stays on the server.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from advisor.dialogue.history import ConversationStore, UnknownSession


@contextlib.contextmanager
def conversation(
    store: ConversationStore, exchanges: list[tuple[str, str]], caller: str, domain: str
) -> Iterator[str]:
    """A session holding `exchanges` (question, answer), deleted when the block ends."""
    session_id = store.create(title="api", advisor=domain, owner=f"api:{caller}")
    try:
        for question, answer in exchanges:
            # The earlier question stands for the query it retrieved with: a follow-up joins to it.
            store.append_turn(session_id, question, answer, {"query": question})
        yield session_id
    finally:
        with contextlib.suppress(UnknownSession):
            store.delete(session_id)
