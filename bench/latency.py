"""As a reader sees it: how long a saved edit takes to be served, how long the daemon takes to
start, how large the timeline's page is and how long headless Chromium takes to load it.

    .venv/bin/python -m bench.latency --events 10000
    .venv/bin/python -m bench.latency --events 10000 --against /tmp/old   # another checkout too
    .venv/bin/python -m bench.latency --events 100000 --styles generator --rounds 1

Each code tree (this one, and with --against a checkout of another commit, run with its own
`timeline` package on PYTHONPATH) is measured in turns, round by round, on the same files:

- *cold build*: `python -m timeline build` in a fresh process, into an empty folder, no history;
- *start*: `python -m timeline serve` (watch interval 0.2 s) on an empty folder until
  `/healthz` answers 200;
- *edit* and *removal*: the events file saved with one title edited (one event removed), until
  `GET /timeline.atom`, asked every 5 ms over one connection, has a new ETag; then saved back;
- *page*: `/index.html`'s size, and `chromium --headless --dump-dom` of it against the same of
  an empty page (a fresh profile each, in turns).

Prints a table of medians with the load average before and after. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from bench import generate, worker

ROOT = Path(__file__).resolve().parent.parent
WATCH = "0.2"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(code: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(code)}


def _fresh(top: Path, name: str, original: Path) -> Path:
    """A new folder holding only the events file: no outputs, no history."""
    folder = top / name
    folder.mkdir()
    shutil.copy(original, folder / "events.yaml")
    return folder


def cold_build(code: Path, folder: Path) -> float:
    command = [sys.executable, "-m", "timeline", "build", "-s", "events.yaml", "-o", "feeds"]
    started = time.perf_counter()
    subprocess.run(command, cwd=folder, env=_environment(code), check=True, capture_output=True)
    return time.perf_counter() - started


class Served:
    """A daemon on an empty folder, from its start until it is stopped."""

    def __init__(self, code: Path, folder: Path) -> None:
        self.folder, self.port = folder, _free_port()
        command = [sys.executable, "-m", "timeline", "serve", "-s", "events.yaml", "-o", "feeds",
                   "--port", str(self.port), "--watch-interval", WATCH]  # fmt: skip
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command, cwd=folder, env=_environment(code), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.start_up = self._until_healthy()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def _until_healthy(self) -> float:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                response = connection.getresponse()
                response.read()
                connection.close()
                if response.status == 200:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(0.005)
        raise RuntimeError("the daemon did not start")

    def get(self, path: str) -> tuple[str, bytes]:
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        return str(response.getheader("etag")), response.read()

    def until_served(self, text: str) -> float:
        """Save `text` as the events file; the seconds until the Atom feed's ETag changes.

        Saved two seconds after the last change, as a person would: two changes within one
        second make the second's files a second newer than the clock (HTTP dates have whole
        seconds, see timeline.builder.outputs), and the daemon waits for that second to come."""
        time.sleep(2)
        before, _ = self.get("/timeline.atom")
        saved = time.perf_counter()
        (self.folder / "events.yaml").write_text(text, encoding="utf-8")
        while time.perf_counter() - saved < 120:
            etag, _ = self.get("/timeline.atom")
            if etag != before:
                return time.perf_counter() - saved
            time.sleep(0.005)
        raise RuntimeError("the edit was never served")

    def stop(self) -> None:
        self.connection.close()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


def _load_time(browser: str, url: str, profile: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
        capture_output=True,
        check=True,
        timeout=300,
    )
    return time.perf_counter() - started


def measure(
    codes: dict[str, Path], count: int, style: str, rounds: int, root: Path
) -> dict[str, dict[str, list[float]]]:
    """Each code tree's figures, round by round in turns, in folders under `root` that are left
    for the caller to delete once every style is measured: this disk discards the blocks of
    deleted files, and deleting 100,000 files slowed the file creation that came next fivefold."""
    browser = shutil.which("chromium")
    found: dict[str, dict[str, list[float]]] = {name: {} for name in codes}
    top = root / style
    top.mkdir()
    worker.prepare(top, count, style)
    original = top / "original.yaml"
    texts = {
        kind: (top / f"{kind}.yaml").read_text(encoding="utf-8") for kind in ("original", "edited", "removed")
    }
    for number in range(rounds):
        for label, code in codes.items():
            times = found[label]
            times.setdefault("cold build", []).append(
                cold_build(code, _fresh(top, f"{label}-b{number}", original))
            )
            served = Served(code, _fresh(top, f"{label}-d{number}", original))
            try:
                times.setdefault("start", []).append(served.start_up)
                times.setdefault("edit", []).append(served.until_served(texts["edited"]))
                served.until_served(texts["original"])
                times.setdefault("removal", []).append(served.until_served(texts["removed"]))
                served.until_served(texts["original"])
                _, page = served.get("/index.html")
                times.setdefault("page bytes", []).append(float(len(page)))
                if browser is not None:
                    url = f"http://127.0.0.1:{served.port}/index.html"
                    empty = "data:text/html,<!doctype html><title>empty</title>"
                    profile = top / f"profile-{label}-{number}"
                    times.setdefault("chromium, page", []).append(_load_time(browser, url, profile))
                    times.setdefault("chromium, empty", []).append(_load_time(browser, empty, profile))
            finally:
                served.stop()
        print(f"round {number + 1} of {rounds} done", file=sys.stderr, flush=True)
    return found


def table(found: dict[str, dict[str, list[float]]], count: int, style: str, loads: tuple[str, str]) -> str:
    rows = [
        f"| {count:,} events, {style} style | " + " | ".join(found) + " |",
        "|---|" + "---:|" * len(found),
    ]

    def cells(what: str, show: str) -> str:
        return " | ".join(
            show.format(median(times[what])) if what in times else "" for times in found.values()
        )

    for what in ("cold build", "start", "edit", "removal"):
        rows.append(f"| {what} (s) | {cells(what, '{:.3f}')} |")
    rows.append(
        "| start - cold build (s) | "
        + " | ".join(f"{median(t['start']) - median(t['cold build']):.3f}" for t in found.values())
        + " |"
    )
    rows.append(f"| index.html (bytes) | {cells('page bytes', '{:,.0f}')} |")
    if all("chromium, page" in times for times in found.values()):
        rows.append(
            "| Chromium: index.html / an empty page | "
            + " | ".join(
                f"{median(t['chromium, page']) / median(t['chromium, empty']):.2f}x" for t in found.values()
            )
            + " |"
        )
        rows.append(f"| Chromium, index.html (s) | {cells('chromium, page', '{:.3f}')} |")
    runs = "; ".join(
        f"{label}: edit " + ", ".join(f"{t:.3f}" for t in times["edit"]) for label, times in found.items()
    )
    return (
        "\n".join(rows) + f"\n\nMedians. Each edit: {runs}. Load average {loads[0]} before, {loads[1]} after."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument(
        "--styles",
        default=",".join(generate.STYLES),
        help="comma-separated, of " + ", ".join(generate.STYLES),
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", type=Path, help="another checkout, measured in turns with this one")
    args = parser.parse_args()
    codes = {"this checkout": ROOT}
    if args.against:
        codes = {f"{args.against.name}": args.against.resolve(), **codes}
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as root:
        for style in args.styles.split(","):
            before = os.getloadavg()[0]
            found = measure(codes, args.events, style, args.rounds, Path(root))
            after = os.getloadavg()[0]
            print(table(found, args.events, style, (f"{before:.2f}", f"{after:.2f}")) + "\n", flush=True)


if __name__ == "__main__":
    main()
