"""A loopback OpenSearch-API server for tests: osmem-server (PyPI), started and stopped here.

No OpenSearch distribution installs on the test machines; osmem-server is an in-memory
server speaking the OpenSearch REST API. It is started on 127.0.0.1 (a free port), awaited
on `_cluster/health`, and stopped by its PID. Its BM25 ignores the index's similarity
settings (docs/scaling.md): tests compare answers, never raw cluster scores.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

STARTUP_SECONDS = 30.0


class ServerFailed(RuntimeError):
    """osmem-server did not start or did not become healthy."""


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_cluster/health", timeout=2) as response:
            return json.loads(response.read()).get("status") in ("green", "yellow")
    except (OSError, urllib.error.URLError, ValueError):
        return False


@contextmanager
def osmem_server() -> Iterator[str]:
    """Yield the URL of a running osmem-server on 127.0.0.1; stop it by PID afterwards.

    Raises ImportError when osmem-server is not installed (callers skip).
    """
    from osmem_server import resolve_binary

    args = [resolve_binary(), "--addr", "127.0.0.1:0", "--no-stdin-watch", "--no-ja"]
    # --parent-pid: the server also exits if this test process dies without cleaning up.
    args += ["--parent-pid", str(os.getpid())]
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        announced = json.loads(process.stdout.readline() or "{}")
        url = announced.get("url")
        if not isinstance(url, str) or not url.startswith("http://127.0.0.1:"):
            raise ServerFailed(f"osmem-server announced no loopback URL: {announced}")
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise ServerFailed("osmem-server did not become healthy")
            time.sleep(0.05)
        yield url
    finally:
        _stop(process.pid, process)


def _stop(pid: int, process: subprocess.Popen[str]) -> None:
    """Stop the server by its PID: SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is None:
        os.kill(pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
            process.wait()
    if process.stdout is not None:
        process.stdout.close()
