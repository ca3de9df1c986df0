"""A real `timeline serve` in a subprocess on a free loopback port, for the tests that need one."""

from __future__ import annotations

import http.client
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Daemon:
    """A running daemon; `stop()` sends SIGTERM and returns its exit code."""

    source: Path
    out: Path
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    _stopped: bool = field(default=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, path: str, method: str = "GET", headers: dict[str, str] | None = None) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, headers=headers or {})
            response = connection.getresponse()
            return Response(
                response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
            )
        finally:
            connection.close()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, condition: Callable[[], bool], seconds: float = 15, what: str = "condition") -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                raise AssertionError(
                    f"daemon exited with {self.process.returncode} while waiting for {what}:\n{self.log()}"
                )
            time.sleep(0.05)
        raise AssertionError(f"timed out after {seconds}s waiting for {what}:\n{self.log()}")

    def signal(self, signum: signal.Signals) -> None:
        self.process.send_signal(signum)

    def stop(self) -> int:
        if not self._stopped:
            self._stopped = True
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                raise
        return int(self.process.returncode)


def start(
    source: Path,
    out: Path,
    *extra: str,
    wait: bool = True,
    open_files: tuple[int, int] | None = None,
    port: int | None = None,
) -> Daemon:
    """`open_files`: the (soft, hard) limit on the daemon's file descriptors, as `ulimit -Sn`
    and `ulimit -Hn` would set them; `port`: where it listens (default: a free one)."""
    port = port or free_port()
    log_path = source.parent / f"daemon-{port}.log"
    command = [
        sys.executable, "-m", "timeline", "serve",
        "--source", str(source), "--out", str(out),
        "--port", str(port), "--watch-interval", "0.1", *extra,
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            preexec_fn=(lambda: resource.setrlimit(resource.RLIMIT_NOFILE, open_files))
            if open_files
            else None,
        )
    daemon = Daemon(source, out, port, process, log_path)
    if wait:
        daemon.wait_for(lambda: _answers(daemon), what="the server to answer")
    return daemon


def _answers(daemon: Daemon) -> bool:
    try:
        return daemon.request("/healthz").status in (200, 503)
    except OSError:
        return False
