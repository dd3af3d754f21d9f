"""The web page in a process of its own, for the load test: `python loadserver.py ROOT` starts the app of
tests/e2e/appserver.py (real embedder, scripted chat model), prints its URL on one line, serves until killed.

A separate process so that the load test measures the server's memory (RSS), not the test's own clients.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/, for e2e.appserver

from e2e.appserver import scripted_server  # noqa: E402

WORD_S = 0.01  # the scripted model's pace per word: each answer takes a little under a second


def main(root: Path) -> None:
    server = scripted_server(root, word_s=WORD_S)
    print(server.url, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
