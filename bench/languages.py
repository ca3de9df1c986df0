"""What a timeline's second language costs the daemon's builder (issue 33): a cold build, then
edits of one title, with `languages: [en, vi]`, another checkout and this one side by side.

    git worktree add /tmp/prev cc56724
    .venv/bin/python -m bench.languages --against /tmp/prev

Each build runs in a fresh process with its checkout's `timeline` on PYTHONPATH, in turns round
by round, outputs on a tmpfs; every event falls back to the default language's words (no
translation), so the other language is a whole second site. Prints the table with the load
average before and after. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import median

from bench import worker

ROOT = Path(__file__).resolve().parent.parent
TMPFS = Path("/dev/shm")

# Run in the measured checkout: a cold build with the daemon's builder, then `edits` edits of one
# title, each timed in process; the times as JSON.
_MEASURE = """
import json, sys, time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from timeline.builder.publish import Publisher
folder, edits = Path(sys.argv[1]), int(sys.argv[2])
source = folder / "events.yaml"
text = source.read_text(encoding="utf-8")
publisher = Publisher(source, folder / "feeds", check_articles=False)
start = datetime(2026, 12, 1, tzinfo=UTC)
began = time.perf_counter()
publisher.build(now=start)
times = [time.perf_counter() - began]
at = text.index("title: ", len(text) // 2) + len("title: ")
for number in range(edits):
    text = text[:at] + "X" + text[at:]
    source.write_text(text, encoding="utf-8")
    began = time.perf_counter()
    publisher.build(now=start + timedelta(hours=number + 1))
    times.append(time.perf_counter() - began)
import timeline
print(json.dumps([*times, timeline.__file__]))
"""


def measure(code: Path, text: str, edits: int) -> list[float]:
    with tempfile.TemporaryDirectory(dir=TMPFS) as name:
        folder = Path(name)
        (folder / "events.yaml").write_text(text, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(code)}
        # Run from the folder: `python -c` puts the working directory first on the path.
        done = subprocess.run(
            [sys.executable, "-c", _MEASURE, str(folder), str(edits)],
            cwd=folder, env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        *times, package = json.loads(done.stdout)
        assert package.startswith(str(code)), f"{package} is not {code}'s"
        return [float(time) for time in times]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--against", type=Path, required=True, help="another checkout")
    args = parser.parse_args()
    codes = {args.against.name: args.against.resolve(), "this checkout": ROOT}
    with tempfile.TemporaryDirectory(dir=TMPFS) as name:
        worker.prepare(Path(name), args.events)
        text = (Path(name) / "original.yaml").read_text(encoding="utf-8")
    text = text.replace("\nlanguage: en\n", "\nlanguage: en\nlanguages: [en, vi]\n", 1)
    assert "languages: [en, vi]" in text
    before = os.getloadavg()[0]
    cold: dict[str, list[float]] = {label: [] for label in codes}
    edit: dict[str, list[float]] = {label: [] for label in codes}
    for _ in range(args.rounds):
        for label, code in codes.items():
            times = measure(code, text, args.edits)
            cold[label].append(times[0])
            edit[label] += times[1:]
    print(f"| {args.events:,} events, languages: [en, vi] | cold build | an edit (median) |")
    print("|---|---|---|")
    for label in codes:
        print(f"| {label} | {median(cold[label]):.2f} s | {median(edit[label]):.2f} s |")
    print(
        f"\nMedians of {args.rounds} rounds in turns ({args.edits} edits a round). "
        f"Load average {before:.2f} before, {os.getloadavg()[0]:.2f} after."
    )


if __name__ == "__main__":
    main()
