"""One benchmark run in a fresh process: a scenario sequence for one tool and one size, as JSON.

Run by bench/run.py; each run is its own process so that its peak memory is its own.
"""

from __future__ import annotations

import json
import re
import resource
import shutil
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from statistics import median
from typing import Any

from bench import generate


def _timed(action: Any) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def prepare(folder: Path, count: int, style: str = "generator") -> None:
    """original.yaml, written in `style` (see generate.timeline), and beside it the same with one
    event's title edited and one event removed."""
    source = folder / "original.yaml"
    generate.write(source, count, style)
    text = source.read_text(encoding="utf-8")
    # Found by their id lines, wherever the style puts the items.
    edited = re.sub(r"(- id: event-000007\n *title: \"?)", r"\1Edited ", text, count=1)
    (folder / "edited.yaml").write_text(edited, encoding="utf-8")
    start = re.search(r"^ *- id: event-000011\n", text, re.MULTILINE)
    end = re.search(r"^ *- id: event-000012\n", text, re.MULTILINE)
    assert start is not None and end is not None
    removed = text[: start.start()] + text[end.start() :]
    (folder / "removed.yaml").write_text(removed, encoding="utf-8")


def repeats(tool: str, count: int) -> int:
    """How many times each scenario is measured (the median is reported): this machine's
    timings drift by a third from one run to the next. The baseline's large runs take minutes."""
    return 1 if tool == "baseline" and count > 10_000 else 3 if tool == "baseline" or count > 10_000 else 5


def run(tool: str, count: int, folder: Path) -> dict[str, Any]:
    source = folder / "events.yaml"
    out = folder / "feeds"
    original, edited, removed = folder / "original.yaml", folder / "edited.yaml", folder / "removed.yaml"
    if not removed.exists():
        prepare(folder, count)  # better in a process of its own (bench/run.py does): its memory counts here
    times = repeats(tool, count)

    def fresh() -> None:
        # Set aside, not deleted: this disk discards the blocks of deleted files, and deleting
        # the 20,000 files of 10,000 events' pages slowed the build that came next to a crawl.
        # The run's folder goes, all of it, when the run is over.
        if out.exists():
            out.rename(folder / f"feeds-set-aside-{time.time_ns()}")
        source.with_name("events.history.json").unlink(missing_ok=True)
        shutil.copyfile(original, source)

    if tool in ("oneshot", "baseline-cold"):
        # One cold build, of what `timeline build` runs (no memo kept, so the second core hands
        # nothing back) or of the baseline; bench/run.py alternates the two, round by round.
        make: Callable[[Path, Path], object]
        if tool == "oneshot":
            from timeline.builder.publish import build as one_shot

            make = one_shot
        else:
            from bench.naive_baseline import build as baseline

            make = baseline

        # What a build made outlives the timer, as in the console script, which ends without
        # freeing it (see timeline.cli.main).
        made: list[object] = []
        fresh()
        cold = _timed(lambda: made.append(make(source, out)))
        return {
            "cold": cold,
            "cold_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        }

    def builder() -> Callable[[], object]:
        if tool == "baseline":
            from bench import naive_baseline

            return lambda: naive_baseline.build(source, out)
        from timeline.builder.publish import Publisher

        return Publisher(source, out).build

    colds = []
    for _ in range(min(times, 3)):  # each from nothing: no outputs, no history, a new builder
        fresh()
        build = builder()
        colds.append(_timed(build))
    results: dict[str, Any] = {"cold": median(colds)}
    results["cold_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results["unchanged"] = median(_timed(build) for _ in range(times))
    if tool != "baseline":
        from timeline.daemon.watch import SourceWatcher

        watcher = SourceWatcher(source)
        watcher.seen()
        ticks = 1000
        results["watch_tick"] = _timed(lambda: [watcher.changed() for _ in range(ticks)]) / ticks
    for scenario, changed in (("edit_one", edited), ("remove_one", removed)):
        samples = []
        for _ in range(times):  # the change, measured, then back to the original, not measured
            shutil.copyfile(changed, source)
            samples.append(_timed(build))
            shutil.copyfile(original, source)
            if tool != "baseline":  # which keeps nothing from one build to the next
                build()
        results[scenario] = median(samples)
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The forked worker of a large build (timeline.builder.second_core) is a process of its own.
    results["worker_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if tool != "baseline":
        results["shares"] = shares(source)
    results["bytes"] = {p.name: p.stat().st_size for p in out.iterdir() if p.is_file()}
    results["repeats"] = times
    return results


def shares(source: Path) -> dict[str, float]:
    """Seconds of each part of a cold build done on one core, nothing remembered: where the
    time goes, output by output."""
    from datetime import UTC, datetime

    from timeline import history
    from timeline.builder.memo import Memo
    from timeline.builder.publish import _without_cycle_collection
    from timeline.model import History
    from timeline.render import channel, feeds, html, ical, jsonfeed
    from timeline.render.fragments import lent
    from timeline.source.reload import Reloader

    seconds: dict[str, float] = {}

    def timed(part: str, action: Any) -> Any:
        started = time.perf_counter()
        value = action()
        seconds[part] = seconds.get(part, 0.0) + time.perf_counter() - started
        return value

    with _without_cycle_collection(), lent(Memo()):
        timeline = timed("parse", Reloader(source).load)
        current = timed("history", lambda: history.update(History(), timeline, datetime.now(UTC)))
        timed("history", lambda: history.dumps(current))
        for view in channel.views(timeline):
            selected = view.select(timeline)
            events = timed("atom+rss", partial(channel.events_channel, timeline, current, view, selected))
            timed("atom+rss", partial(feeds.render, events))
            timed("json", partial(jsonfeed.render, events))
            timed("calendars", partial(ical.render, timeline, current, view, selected))
        for page in channel.archive_pages(timeline, current):
            timed("archive pages", partial(feeds.render, page.channel(), ("atom",)))
        timed("anniversaries", lambda: ical.anniversaries(timeline, current))
        timed("page", lambda: html.render(timeline, current))
    return seconds


if __name__ == "__main__":
    tool, count, folder = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    folder.mkdir(parents=True, exist_ok=True)
    if tool == "prepare":
        prepare(folder, count, *sys.argv[4:5])
    else:
        json.dump(run(tool, count, folder), sys.stdout)
