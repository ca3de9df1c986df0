"""Serving: wrk against `timeline serve` and against nginx serving the same feeds/ on loopback.

Both serve the Atom feed of a 1,000-event timeline; wrk runs with one thread and 32
connections for 5 seconds, once for 200 responses and once with If-None-Match for 304s.
Needs Debian's wrk and nginx (nginx-light); says so if they are missing.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import generate

ROOT = Path(__file__).resolve().parent.parent
WRK = ["-t1", "-c32", "-d5s"]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(port: int) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/timeline.atom")
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                return str(response.getheader("etag"))
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered on port {port}")


def _wrk(port: int, etag: str | None) -> tuple[float, int]:
    headers = ["-H", f"If-None-Match: {etag}"] if etag else []
    out = subprocess.run(
        ["wrk", *WRK, *headers, f"http://127.0.0.1:{port}/timeline.atom"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|Socket errors:.*?)(\d+)", out))
    return rate, errors


def measure(code: Path = ROOT, count: int = 1000) -> tuple[float, float, float, float]:
    """Requests a second for 200s and 304s, from `timeline serve` of the checkout `code` and from
    nginx, on one folder built from a timeline of `count` events."""
    environment = {**os.environ, "PYTHONPATH": str(code)}
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as name:
        folder = Path(name)
        source = generate.write(folder / "events.yaml", count)
        build = [sys.executable, "-m", "timeline", "build", "-s", str(source), "-o", str(folder / "feeds")]
        subprocess.run(build, check=True, capture_output=True, env=environment)
        ours_port, nginx_port = _free_port(), _free_port()
        ours = subprocess.Popen(
            [sys.executable, "-m", "timeline", "serve", "-s", str(source), "-o", str(folder / "feeds"),
             "--port", str(ours_port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment,
        )  # fmt: skip
        site = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
        site = site.replace("listen 80;", f"listen 127.0.0.1:{nginx_port};").replace(
            "/srv/timeline/feeds", str(folder / "feeds")
        )
        config = folder / "nginx.conf"
        config.write_text(
            f"user root;\nworker_processes 1;\ndaemon off;\npid {folder}/nginx.pid;\n"
            f"error_log {folder}/error.log;\nevents {{}}\nhttp {{\naccess_log off;\n{site}\n}}\n",
            encoding="utf-8",
        )
        nginx = subprocess.Popen(["nginx", "-c", str(config), "-p", str(folder)], stderr=subprocess.DEVNULL)
        try:
            rates = []
            for port in (ours_port, nginx_port):
                etag = _wait(port)
                rates += [_wrk(port, None)[0], _wrk(port, etag)[0]]
            return rates[0], rates[1], rates[2], rates[3]
        finally:
            ours.terminate()
            nginx.terminate()
            ours.wait(timeout=20)
            nginx.wait(timeout=20)


def table() -> str:
    for program in ("wrk", "nginx"):
        if shutil.which(program) is None and not Path(f"/usr/sbin/{program}").exists():
            return f"{program} is not installed: apt-get install wrk nginx-light"
    ours_ok, ours_nm, nginx_ok, nginx_nm = measure()
    rows = ["| server | 200 req/s | 304 req/s |", "|---|---:|---:|"]
    rows.append(f"| timeline serve (uvicorn) | {ours_ok:,.0f} | {ours_nm:,.0f} |")
    rows.append(f"| nginx 1 worker | {nginx_ok:,.0f} | {nginx_nm:,.0f} |")
    rows.append(f"| ours / nginx | {ours_ok / nginx_ok:.0%} | {ours_nm / nginx_nm:.0%} |")
    return "\n".join(rows)
