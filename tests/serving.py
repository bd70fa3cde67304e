"""`ficpress serve` as a real process on a free loopback port, for tests and benchmarks.

Standard library only, so that `benchmarks/serve.py` can use it without the test extra.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY_ATTEMPTS = 400
READY_PAUSE = 0.05


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(slots=True)
class Server:
    """A running server and, once it has stopped, what it printed (when captured)."""

    port: int
    base: str
    pid: int = 0
    """The server's process id."""
    first_reply: bytes = b""
    output: bytes = b""


@contextmanager
def serving(
    folder: Path,
    *,
    capture: bool = False,
    stop_timeout: float = 60,
    ready_attempts: int = READY_ATTEMPTS,
    options: tuple[str, ...] = (),
) -> Iterator[Server]:
    """Start `python -m builder serve` over `folder` (with more command-line `options`), wait
    until `/opds` answers (a folder of 300 stories needs more `ready_attempts`), stop it
    after."""
    port = free_port()
    command = [sys.executable, "-m", "builder", "serve", "--manuscripts", str(folder), *options]
    # A file, not a pipe: nobody reads a pipe until the end, and a server whose log fills
    # one (64 KiB, a thousand requests) blocks on its next line.
    log = tempfile.TemporaryFile() if capture else None  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        stdout=log if log is not None else subprocess.DEVNULL,
        stderr=subprocess.STDOUT if capture else subprocess.DEVNULL,
    )
    server = Server(port, f"http://127.0.0.1:{port}", process.pid)
    try:
        for _ in range(ready_attempts):
            try:
                with urllib.request.urlopen(f"{server.base}/opds", timeout=5) as reply:
                    server.first_reply = reply.read()
                break
            except OSError:
                time.sleep(READY_PAUSE)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=stop_timeout)
        if log is not None:
            log.seek(0)
            server.output = log.read()
            log.close()
