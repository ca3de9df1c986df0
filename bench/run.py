"""The benchmark: ours against the naive baseline, size by size, and the server against nginx.

    .venv/bin/python -m bench.run                      # 100, 1,000 and 10,000 events
    .venv/bin/python -m bench.run --sizes 100000       # the large archive (minutes)
    .venv/bin/python -m bench.run --serve              # wrk against timeline serve and nginx
    .venv/bin/python -m bench.run --styles 10000       # the same events in each YAML style

Prints tables; BENCHMARKS.md records a run. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def rounds(count: int) -> int:
    """Cold builds of `timeline build` and of the baseline taken in turns: five up to 10,000
    events (this machine's spells make one round in five a third slower), three beyond (the
    baseline takes a minute a round)."""
    return 5 if count <= 10_000 else 3


def measure(tool: str, count: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"bench-{tool}-{count}-") as folder:
        # The synthetic files are made by a process of their own, so that neither their memory
        # nor their making counts in the measured process.
        _step("prepare", count, folder)
        return _step(tool, count, folder)


def _step(step: str, count: int, folder: str, *style: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "bench.worker", step, str(count), folder, *style],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return dict(json.loads(result.stdout)) if result.stdout else {}  # `prepare` says nothing


def side_by_side(count: int) -> tuple[dict[str, Any], list[float]]:
    """Cold builds of `timeline build` and of the baseline in turns, each in a fresh process:
    this machine's speed drifts by a third within minutes, and taken in turns both meet the
    same spells. The one-shot build's medians and memory, and the baseline's times."""
    with tempfile.TemporaryDirectory(prefix=f"bench-cold-{count}-") as folder:
        _step("prepare", count, folder)
        ours, theirs = [], []
        for _ in range(rounds(count)):
            ours.append(_step("oneshot", count, folder))
            theirs.append(_step("baseline-cold", count, folder)["cold"])
    once = {
        "cold": median(run["cold"] for run in ours),
        "colds": [run["cold"] for run in ours],
        "cold_peak_rss_mb": max(run["cold_peak_rss_mb"] for run in ours),
        "worker_peak_rss_mb": max(run["worker_peak_rss_mb"] for run in ours),
    }
    return once, theirs


def build_table(sizes: list[int]) -> str:
    rows = [
        "| events | scenario | ours (s) | naive baseline (s) | baseline / ours | ours cold / ours |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    memory = [
        "| events | ours, cold build (MB) | ours, all scenarios (MB) | ours' forked worker (MB) "
        "| `timeline build` (MB) | its worker (MB) | baseline peak RSS (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    parts = ["parse", "history", "atom+rss", "json", "calendars", "archive pages", "anniversaries", "page"]
    share = [
        "| events | " + " | ".join(parts) + " | one core, total (s) |",
        "|---:|" + "---:|" * (len(parts) + 1),
    ]
    for count in sizes:
        ours, base = measure("ours", count), measure("baseline", count)
        once, theirs = side_by_side(count)
        per_round = ", ".join(f"{b / o:.1f}x" for o, b in zip(once["colds"], theirs, strict=True))
        rows.append(
            f"| {count:,} | cold, `timeline build`, in turns with the baseline | {once['cold']:.3f} "
            f"| {median(theirs):.3f} | {median(theirs) / once['cold']:.1f}x ({per_round}) | |"
        )
        for scenario in ("cold", "unchanged", "edit_one", "remove_one"):
            ratio = base[scenario] / ours[scenario] if ours[scenario] else float("inf")
            own = ours["cold"] / ours[scenario] if ours[scenario] else float("inf")
            rows.append(
                f"| {count:,} | {scenario} | {ours[scenario]:.3f} | {base[scenario]:.3f} | {ratio:.1f}x "
                f"| {own:.1f}x |"
            )
        rows.append(
            f"| {count:,} | watch tick (nothing changed) | {ours['watch_tick'] * 1000:.3f} ms | | | |"
        )
        memory.append(
            f"| {count:,} | {ours['cold_peak_rss_mb']:.0f} | {ours['peak_rss_mb']:.0f} "
            f"| {ours['worker_peak_rss_mb']:.0f} | {once['cold_peak_rss_mb']:.0f} "
            f"| {once['worker_peak_rss_mb']:.0f} | {base['peak_rss_mb']:.0f} |"
        )
        total = sum(ours["shares"].values())
        cells = " | ".join(f"{100 * ours['shares'].get(part, 0.0) / total:.0f}%" for part in parts)
        share.append(f"| {count:,} | {cells} | {total:.2f} |")
        print(f"measured {count:,} events", file=sys.stderr, flush=True)
    note = (
        "Times are medians. The first row: cold builds of `timeline build` and of the baseline, "
        "5 each (3 at 100,000 events) taken in turns, each in a fresh process (in brackets, round "
        "by round). The other rows: "
        "each cold build of up to 3 (from nothing), each other scenario of 5 (3 at 100,000 events; "
        "the baseline 3, and 1 at 100,000 events), ours and the baseline each in a process of its own."
    )
    return "\n\n".join(["\n".join(table) for table in (rows, memory, share)] + [note])


def styles_table(count: int, rounds: int = 5) -> str:
    """Cold `timeline build`s of the same events written in each style (bench/generate.py), and
    the naive baseline's of each, in turns, each build in a fresh process."""
    import os

    from bench.generate import STYLES

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix=f"bench-styles-{count}-") as top:
        folders = {style: str(Path(top) / style) for style in STYLES}
        for style, folder in folders.items():
            Path(folder).mkdir()
            _step("prepare", count, folder, style)
        colds: dict[str, list[float]] = {style: [] for style in STYLES}
        naive: dict[str, list[float]] = {style: [] for style in STYLES}
        for _ in range(rounds):
            for style, folder in folders.items():
                colds[style].append(_step("oneshot", count, folder)["cold"])
                naive[style].append(_step("baseline-cold", count, folder)["cold"])
    base = median(colds["generator"])
    rows = [
        f"| {count:,} events, cold `timeline build` | median (s) | / generator style | naive baseline (s) "
        "| naive / ours | each round, ours (s) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for style in STYLES:
        ours, theirs = median(colds[style]), median(naive[style])
        each = ", ".join(f"{t:.2f}" for t in colds[style])
        rows.append(
            f"| {style} | {ours:.3f} | {ours / base:.2f}x | {theirs:.3f} | {theirs / ours:.2f}x | {each} |"
        )
    return (
        "\n".join(rows)
        + f"\n\nMedians of {rounds} rounds in turns. Load average {load:.2f} before, "
        + f"{os.getloadavg()[0]:.2f} after."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", type=lambda text: [int(n) for n in text.split(",")], default=[100, 1000, 10000]
    )
    parser.add_argument("--serve", action="store_true", help="benchmark serving instead of building")
    parser.add_argument(
        "--styles", type=int, metavar="EVENTS", help="cold builds of EVENTS events in each YAML style"
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds of --styles")
    args = parser.parse_args()
    if args.styles:
        print(styles_table(args.styles, args.rounds))
    elif args.serve:
        from bench.serving import table

        print(table())
    else:
        print(build_table(args.sizes))


if __name__ == "__main__":
    main()
