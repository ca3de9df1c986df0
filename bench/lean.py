"""How lean a build and the daemon are, measured from outside (issue 32): the issue's table, the
checkout it was filed at and this one side by side in one run.

    git worktree add /tmp/old 35350b8
    .venv/bin/python -m bench.lean --against /tmp/old
    .venv/bin/python -m bench.lean --against /tmp/old --rounds 1 --large 20000   # a quick look

Every figure is of a fresh process started from here, each code tree run with its own `timeline`
package on PYTHONPATH, in turns round by round, on the same files:

- *Hugo / ours*: a like-for-like Hugo site (Debian's hugo 0.111) writing, from the same events,
  a page and an .ics file an event (a content file an event, as a Hugo user keeps them), an RSS
  feed of the newest 100 and a calendar of all, against a cold `timeline build` into an empty
  folder; on this disk and with both writing to a tmpfs.
- *ours vs the obvious script* (bench/naive_baseline.py: PyYAML, feedgen, icalendar, 4 files),
  on a quiet machine and with a process keeping one core busy.
- *CPU*: user + system time of a cold build and every process it started, with the
  accelerators and with TIMELINE_PLAIN=1.
- *peak PSS*: the largest sum of the proportional set sizes of a cold build's processes at
  --large events (sampled every 20 ms), ours and the script's.
- *daemon after an edit*: `timeline serve` at --large events, started on an empty folder, a title
  edited, its resident memory (and PSS) 10 s after the edit was served.
- *save to served*: the daemon at --events events, an edit (a removal) saved until the Atom
  feed's ETag changes (bench/latency.py).
- *spread*: the slowest over the fastest cold build across the three ways of writing the file
  (bench/generate.py's styles), outputs on a tmpfs.
- *wrk*: `/timeline.atom` from the daemon against nginx (1 worker, deploy/nginx.conf) on the
  same folder, wrk -t2 -c50 for 5 s, 200s and 304s (If-None-Match).

Prints the table with the load average before and after. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from statistics import median

import yaml

from bench import generate, hugo, latency, serving, worker

ROOT = Path(__file__).resolve().parent.parent
TMPFS = Path("/dev/shm")
SAMPLE_SECONDS = 0.02

Row = tuple[str, dict[str, str], str]  # what, the figure by code tree, the goal


# -- Measuring a process tree from outside ---------------------------------------------------


def _tree(pid: int) -> list[int]:
    """`pid` and every process descended from it, as /proc says now."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending += [int(child) for child in children.read().split()]
    return found


def _memory_mb(pids: list[int], field: str) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
    return total / 1024


class Ran:
    """A command run to its end: wall seconds, CPU seconds of it and all it started, peak PSS."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str], *, sample: bool = False) -> None:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self.peak_pss = 0.0
        while sample and process.poll() is None:
            self.peak_pss = max(self.peak_pss, _memory_mb(_tree(process.pid), "Pss"))
            time.sleep(SAMPLE_SECONDS)
        _, errors = process.communicate()
        self.wall = time.perf_counter() - started
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed in {cwd}: {errors.decode()[-2000:]}")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _env(code: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(code), **extra}


def _fresh(top: Path, source: Path) -> Path:
    """A new folder under `top` holding only the events file."""
    folder = Path(tempfile.mkdtemp(dir=top))
    shutil.copy(source, folder / "events.yaml")
    return folder


def cold_build(code: Path, top: Path, source: Path, *, sample: bool = False, **extra: str) -> Ran:
    command = [sys.executable, "-m", "timeline", "build", "-s", "events.yaml", "-o", "feeds"]
    return Ran(command, _fresh(top, source), _env(code, **extra), sample=sample)


def naive_build(top: Path, source: Path, *, sample: bool = False) -> Ran:
    command = [sys.executable, "-m", "bench.naive_baseline", "events.yaml", "feeds"]
    folder = _fresh(top, source)
    return Ran(command, folder, {**os.environ, "PYTHONPATH": str(ROOT)}, sample=sample)


@contextlib.contextmanager
def one_core_busy() -> Iterator[None]:
    """A process spinning on one of the two cores, as another tenant's job would."""
    # It ends when the bench does, however the bench ends (a killed bench leaves no spinner).
    spin = "import os\nparent = os.getppid()\nwhile os.getppid() == parent: pass"
    spinner = subprocess.Popen([sys.executable, "-c", spin])
    try:
        time.sleep(0.5)
        yield
    finally:
        spinner.kill()
        spinner.wait()


# -- The like-for-like Hugo site -------------------------------------------------------------

PAGE = """\
<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><main><h1>{{ .Title }}</h1><p><time>{{ .Params.when }}</time></p><p>{{ .Params.summary }}</p>
{{ range .Params.sources }}<blockquote>{{ .quote }}</blockquote><p>{{ .article }}</p>{{ end }}
</main></body></html>
"""
PAGE_ICS = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//bench//hugo//EN
BEGIN:VEVENT
UID:{{ .Params.id }}@timeline.example.org
SUMMARY:{{ .Title }}
DTSTART;VALUE=DATE:{{ replace .Params.when "-" "" }}
DESCRIPTION:{{ .Params.summary }}
END:VEVENT
END:VCALENDAR
"""
EVERY_PAGE = """
[outputs]
home = ["RSS", "Calendar"]
page = ["HTML", "Calendar"]
"""


def hugo_site(folder: Path, source: Path) -> Path:
    """hugo.py's site (an RSS feed and a calendar of the data file), with a content file an
    event whose page Hugo writes as HTML and as an .ics file."""
    site = hugo.site(folder, source)
    config = (site / "hugo.toml").read_text(encoding="utf-8")
    config = config.replace('"page", ', "").split("[outputs]")[0] + EVERY_PAGE
    (site / "hugo.toml").write_text(config, encoding="utf-8")
    (site / "layouts" / "_default").mkdir()
    (site / "layouts" / "_default" / "single.html").write_text(PAGE, encoding="utf-8")
    (site / "layouts" / "_default" / "single.calendar.ics").write_text(PAGE_ICS, encoding="utf-8")
    content = site / "content" / "events"
    content.mkdir(parents=True)
    for event in yaml.load(source.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)["events"]:
        when = event["date"]["start"] if isinstance(event["date"], dict) else event["date"]
        front = {
            "title": event["title"],
            "id": event["id"],
            "when": str(when),
            "summary": event.get("summary", ""),
            "sources": event.get("sources", []),
        }
        (content / f"{event['id']}.md").write_text(json.dumps(front, default=str) + "\n", encoding="utf-8")
    return site


def hugo_build(site: Path, public: Path) -> Ran:
    shutil.rmtree(public, ignore_errors=True)
    shutil.rmtree(site / "cache", ignore_errors=True)
    command = ["hugo", "--quiet", "-s", str(site), "-d", str(public), "--cacheDir", str(site / "cache")]
    return Ran(command, site, dict(os.environ))


# -- The rows --------------------------------------------------------------------------------


def _in_turns(codes: dict[str, Path], rounds: int, measure: Callable[[Path], float]) -> dict[str, float]:
    found: dict[str, list[float]] = {label: [] for label in codes}
    for _ in range(rounds):
        for label, code in codes.items():
            found[label].append(measure(code))
    return {label: median(values) for label, values in found.items()}


def _cells(values: dict[str, float], show: str) -> dict[str, str]:
    return {label: show.format(value) for label, value in values.items()}


def against_hugo(codes: dict[str, Path], source: Path, work: Path, rounds: int) -> list[Row]:
    rows = [_against_hugo(codes, source, work, rounds, "this disk")]
    on_tmpfs = Path(tempfile.mkdtemp(dir=TMPFS))
    try:
        rows.append(_against_hugo(codes, source, on_tmpfs, rounds, "both on a tmpfs"))
    finally:
        shutil.rmtree(on_tmpfs)
    return rows


def _against_hugo(codes: dict[str, Path], source: Path, top: Path, rounds: int, where: str) -> Row:
    site, public = hugo_site(top / "hugo", source), top / "public"
    hugo_build(site, public)  # that it builds at all, before anything is timed

    def ratio(code: Path) -> float:
        theirs = hugo_build(site, public).wall
        return theirs / cold_build(code, top, source).wall

    return (f"cold build, Hugo / ours ({where})", _cells(_in_turns(codes, rounds, ratio), "{:.2f}"), ">= 1.0")


def against_script(codes: dict[str, Path], source: Path, work: Path, rounds: int) -> list[Row]:
    rows: list[Row] = []
    for how, context in (
        ("quiet machine", contextlib.nullcontext),
        ("one core busy elsewhere", one_core_busy),
    ):
        with context():
            ratios = _in_turns(
                codes,
                rounds,
                lambda code: naive_build(work, source).wall / cold_build(code, work, source).wall,
            )
        goal = ">= 3x" if how == "quiet machine" else ">= 1.5x"
        rows.append((f"cold build, the obvious script / ours ({how})", _cells(ratios, "{:.2f}x"), goal))
    return rows


def cpu(codes: dict[str, Path], source: Path, work: Path, rounds: int) -> list[Row]:
    fast = _in_turns(codes, rounds, lambda code: cold_build(code, work, source).cpu)
    plain = _in_turns(codes, rounds, lambda code: cold_build(code, work, source, TIMELINE_PLAIN="1").cpu)
    cells = {label: f"{fast[label]:.1f} s / {plain[label]:.1f} s" for label in codes}
    first = next(iter(codes))
    return [("CPU of a cold build (user + sys), accelerators on / off", cells, f"<= {fast[first] / 2:.1f} s")]


def peak_memory(codes: dict[str, Path], source: Path, work: Path) -> list[Row]:
    ours = {label: cold_build(code, work, source, sample=True).peak_pss for label, code in codes.items()}
    script = naive_build(work, source, sample=True).peak_pss
    cells = _cells(ours, "{:,.0f} MB")
    return [(f"peak PSS of a cold build (the obvious script: {script:,.0f} MB)", cells, "<= 800 MB")]


def daemon_memory(codes: dict[str, Path], top: Path) -> list[Row]:
    edited = (top / "edited.yaml").read_text(encoding="utf-8")
    cells = {}
    for label, code in codes.items():
        served = latency.Served(code, _fresh(top, top / "original.yaml"))
        try:
            served.until_served(edited)
            time.sleep(10)
            pids = _tree(served.process.pid)
            rss, pss = _memory_mb(pids, "Rss"), _memory_mb(pids, "Pss")
        finally:
            served.stop()
        cells[label] = f"{rss:,.0f} MB (PSS {pss:,.0f})"
    return [("the daemon's resident memory after an edit", cells, "<= 1,000 MB")]


def save_to_served(codes: dict[str, Path], top: Path, rounds: int) -> list[Row]:
    texts = {
        kind: (top / f"{kind}.yaml").read_text(encoding="utf-8") for kind in ("original", "edited", "removed")
    }
    found: dict[str, dict[str, list[float]]] = {label: {"edit": [], "removal": []} for label in codes}
    for _ in range(rounds):
        for label, code in codes.items():
            served = latency.Served(code, _fresh(top, top / "original.yaml"))
            try:
                found[label]["edit"].append(served.until_served(texts["edited"]))
                served.until_served(texts["original"])
                found[label]["removal"].append(served.until_served(texts["removed"]))
            finally:
                served.stop()
    cells = {
        label: f"{median(times['edit']):.2f} / {median(times['removal']):.2f} s"
        for label, times in found.items()
    }
    return [("save to served (edit / removal), daemon", cells, "<= 0.3 s")]


def _cold_wall(code: Path, top: Path, source: Path) -> float:
    return cold_build(code, top, source).wall


def spread(codes: dict[str, Path], count: int, rounds: int) -> list[Row]:
    top = Path(tempfile.mkdtemp(dir=TMPFS))
    try:
        sources = {style: generate.write(top / f"{style}.yaml", count, style) for style in generate.STYLES}
        by_style = {
            style: _in_turns(codes, rounds, partial(_cold_wall, top=top, source=source))
            for style, source in sources.items()
        }
    finally:
        shutil.rmtree(top)
    cells = {}
    for label in codes:
        times = [by_style[style][label] for style in generate.STYLES]
        each = " / ".join(f"{t:.2f}" for t in times)
        cells[label] = f"{max(times) / min(times):.2f} ({each} s)"
    return [
        ("spread of cold builds across " + " / ".join(generate.STYLES) + ", on a tmpfs", cells, "<= 1.15")
    ]


def wrk(codes: dict[str, Path]) -> list[Row]:
    if shutil.which("wrk") is None or not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        return [("wrk against nginx", {label: "wrk or nginx missing" for label in codes}, "")]
    serving.WRK[:] = ["-t2", "-c50", "-d5s"]
    cells = {}
    for label, code in codes.items():
        ours_ok, ours_nm, nginx_ok, nginx_nm = serving.measure(code)
        cells[label] = f"{ours_nm / nginx_nm:.0%} / {ours_ok / nginx_ok:.0%}"
    return [("`/timeline.atom` 304s / 200s against nginx (1 worker), wrk -t2 -c50", cells, ">= 50% / >= 80%")]


def table(rows: list[Row], labels: list[str], loads: tuple[float, float], args: argparse.Namespace) -> str:
    lines = [
        f"| {args.events:,} events unless said; {args.large:,} for memory | "
        + " | ".join(labels)
        + " | goal |",
        "|---|" + "---|" * (len(labels) + 1),
    ]
    lines += [
        f"| {what} | " + " | ".join(cells[label] for label in labels) + f" | {goal} |"
        for what, cells, goal in rows
    ]
    return (
        "\n".join(lines)
        + f"\n\nMedians of {args.rounds} rounds in turns (memory: one run). "
        + f"Load average {loads[0]:.2f} before, {loads[1]:.2f} after."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000, help="events for the memory rows")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", type=Path, help="another checkout, measured in turns with this one")
    parser.add_argument("--only", default="", help="comma-separated row groups, e.g. hugo,memory")
    args = parser.parse_args()
    codes = {"this checkout": ROOT}
    if args.against:
        codes = {args.against.name: args.against.resolve(), **codes}
    if shutil.which("hugo") is None:
        sys.exit("hugo is not installed: apt-get install hugo")
    before = os.getloadavg()[0]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-lean-") as name:
        work = Path(name)
        (work / "small").mkdir()
        worker.prepare(work / "small", args.events)
        source = work / "small" / "original.yaml"
        large = Path(tempfile.mkdtemp(dir=TMPFS))  # 2 GB of outputs at 100,000 events: not on this disk
        try:
            worker.prepare(large, args.large)
            groups: dict[str, Callable[[], list[Row]]] = {
                "hugo": lambda: against_hugo(codes, source, work, args.rounds),
                "script": lambda: against_script(codes, source, work, args.rounds),
                "cpu": lambda: cpu(codes, source, work, args.rounds),
                "memory": lambda: (
                    peak_memory(codes, large / "original.yaml", large) + daemon_memory(codes, large)
                ),
                "latency": lambda: save_to_served(codes, work / "small", args.rounds),
                "spread": lambda: spread(codes, args.events, args.rounds),
                "wrk": lambda: wrk(codes),
            }
            for group, measure in groups.items():
                if not args.only or group in args.only.split(","):
                    rows += measure()
                    print(f"{group} done", file=sys.stderr, flush=True)
        finally:
            shutil.rmtree(large)
    print(table(rows, list(codes), (before, os.getloadavg()[0]), args))


if __name__ == "__main__":
    main()
