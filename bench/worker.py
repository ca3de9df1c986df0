"""One benchmark run in a fresh process: a scenario sequence for one tool and one size, as JSON.

Run by bench/run.py; each run is its own process so that its peak memory is its own.
"""

from __future__ import annotations

import json
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from bench import generate


def _timed(action: Any) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def run(tool: str, count: int, folder: Path) -> dict[str, Any]:
    source = folder / "events.yaml"
    out = folder / "feeds"
    shutil.rmtree(out, ignore_errors=True)
    source.with_name("events.history.json").unlink(missing_ok=True)
    generate.write(source, count)
    text = source.read_text(encoding="utf-8")
    edited = text.replace("  - id: event-000007\n    title: ", "  - id: event-000007\n    title: Edited ", 1)
    start = text.index("  - id: event-000011\n")
    removed = text[:start] + text[text.index("  - id: event-000012\n") :]

    if tool == "baseline":
        from bench import naive_baseline

        def build() -> None:
            naive_baseline.build(source, out)
    else:
        from timeline.publish import Publisher

        publisher = Publisher(source, out)

        def build() -> None:
            publisher.build()

    results: dict[str, Any] = {"cold": _timed(build)}
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results["unchanged"] = _timed(build)
    if tool != "baseline":
        from timeline.watch import SourceWatcher

        watcher = SourceWatcher(source)
        watcher.seen()
        ticks = 1000
        results["watch_tick"] = _timed(lambda: [watcher.changed() for _ in range(ticks)]) / ticks
    source.write_text(edited, encoding="utf-8")
    results["edit_one"] = _timed(build)
    source.write_text(removed, encoding="utf-8")
    results["remove_one"] = _timed(build)
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results["bytes"] = {p.name: p.stat().st_size for p in out.iterdir() if p.is_file()}
    return results


if __name__ == "__main__":
    tool, count, folder = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    folder.mkdir(parents=True, exist_ok=True)
    json.dump(run(tool, count, folder), sys.stdout)
