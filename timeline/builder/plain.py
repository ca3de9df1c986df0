"""The plain build: what a build does, in the order it does it, with no accelerator.

Read this first. `TIMELINE_PLAIN=1` runs it (for `timeline build` and the daemon alike); the
daemon's builder (publish.py) composes the same steps with what makes them fast (the reloader,
the fragment memo, the second core, the remembered folder), and tests/builder/test_accelerators.py
holds the two to the same bytes for every file.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from timeline.builder import record, steps
from timeline.builder.jobs import render_into, unless_stopped
from timeline.builder.memo import Forgetful
from timeline.builder.outputs import Collected, Folder
from timeline.builder.result import BuildResult
from timeline.history import store, tracking
from timeline.model import reviewed_only
from timeline.source import quotes
from timeline.source.load import parse, read, text_of


def build(
    source: Path,
    out: Path,
    *,
    now: datetime | None = None,
    today: date | None = None,
    check_articles: bool = True,
    stop: Callable[[], bool] = lambda: False,
) -> BuildResult:
    """Build `out` from `source`: every output written whole, and only if its bytes changed."""
    # 1. Load: every problem at once, every quote checked against its article, before anything
    # is written. Drafts are checked with the rest and left out of the outputs.
    data = read(source)
    whole = parse(data, str(source))
    articles = quotes.check(whole, source, lambda: text_of(data, str(source))) if check_articles else None
    timeline = reviewed_only(whole)
    # 2. The history: what changed since the last build, and when.
    history_file = store.history_path(source)
    previous = store.read(history_file)
    now = now or datetime.now(UTC)
    history = tracking.update(previous, timeline, now)
    today = today or now.astimezone(ZoneInfo(timeline.timezone)).date()
    # 3. Render every output: pure functions of the timeline and the history.
    rendered = Collected()
    render_into(rendered, timeline, history, today, Forgetful())
    # 4. Write: the history first (stopped after it, the next build makes the same bytes), then
    # each output whole. Builds of one folder take turns: what a build finds half written there
    # was left by one that was killed.
    folder = Folder(out)
    with steps.publishing(out, history_file):
        if history is not previous:
            steps.write_history(history_file, history)
        for name, content in rendered.files.items():
            unless_stopped(stop)
            folder.put(name, content)
        folder.settle()
        # 5. Remove what no build makes any more.
        steps.remove_outputs_no_longer_made(out, record.named(out) or (), folder.stamps)
    # 6. Record what was made from what, last: the daemon serves only a complete build's outputs.
    made_from = record.digest(data)
    events = len(timeline.events)
    record.write(
        source, out, history_file, today, timeline.timezone, events, folder.stamps, made_from, articles
    )
    written = tuple(sorted(folder.written))
    return BuildResult(timeline, history, tuple(sorted(folder.stamps)), written, articles=articles)
