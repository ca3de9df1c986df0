"""Hugo as the bar: a minimal Hugo site whose templates render an RSS feed and an iCalendar file
from the very events file we build, against a cold `timeline build` of it, in turns.

    .venv/bin/python -m bench.hugo --events 10000

Needs Debian's hugo (apt-get install hugo). What the Hugo site does, so that the comparison is
honest: it reads the events file as a data file (data/events.yaml: YAML parsed by Hugo's Go
library, no validation at all), and renders two outputs of the home page: `index.xml`, an RSS
2.0 channel of the first 100 events with their title, summary and id, and `timeline.ics`, one
VEVENT per event with its UID, SUMMARY, a DTSTART made of the date's digits and DESCRIPTION, no
line folding, no escaping to RFC 5545, no time zones, no exclusive ends, no history (so no
DTSTAMP, SEQUENCE or LAST-MODIFIED that mean anything). It writes 2 files; ours validates every
key, checks nothing is lost, keeps the history, and writes every feed, calendar and page (a
file an event). Each build starts with no output folder and, for Hugo, no cache folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from bench import generate

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """\
baseURL = "https://timeline.example.org/"
disableKinds = ["page", "section", "taxonomy", "term", "sitemap", "robotsTXT", "404"]
[mediaTypes."text/calendar"]
suffixes = ["ics"]
[outputFormats.Calendar]
mediaType = "text/calendar"
baseName = "timeline"
isPlainText = true
[outputs]
home = ["RSS", "Calendar"]
"""

RSS = """\
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>{{ site.Data.events.title }}</title><link>{{ site.BaseURL }}</link>
<description>{{ site.Data.events.description }}</description>
{{ range first 100 site.Data.events.events }}<item><title>{{ .title }}</title>
<guid isPermaLink="false">{{ .id }}</guid><description>{{ .summary }}</description></item>
{{ end }}</channel></rss>
"""

ICS = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//bench//hugo//EN
{{ range site.Data.events.events }}BEGIN:VEVENT
UID:{{ .id }}@timeline.example.org
SUMMARY:{{ .title }}
{{ $d := .date }}{{ if reflect.IsMap $d }}{{ $d = $d.start }}{{ end -}}
DTSTART;VALUE=DATE:{{ replace (printf "%v" $d) "-" "" }}
DESCRIPTION:{{ .summary }}
END:VEVENT
{{ end }}END:VCALENDAR
"""


def site(folder: Path, events: Path) -> Path:
    """The Hugo site in `folder`, reading `events` as its data file."""
    (folder / "data").mkdir(parents=True)
    (folder / "layouts").mkdir()
    (folder / "hugo.toml").write_text(CONFIG, encoding="utf-8")
    shutil.copy(events, folder / "data" / "events.yaml")
    (folder / "layouts" / "index.rss.xml").write_text(RSS, encoding="utf-8")
    (folder / "layouts" / "index.calendar.ics").write_text(ICS, encoding="utf-8")
    return folder


def hugo_build(folder: Path) -> float:
    shutil.rmtree(folder / "public", ignore_errors=True)
    shutil.rmtree(folder / "cache", ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        ["hugo", "--quiet", "-s", str(folder), "-d", "public", "--cacheDir", str(folder / "cache")],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def our_build(folder: Path, number: int) -> float:
    work = folder / f"ours-{number}"
    work.mkdir()
    shutil.copy(folder / "events.yaml", work / "events.yaml")
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "timeline", "build", "-s", "events.yaml", "-o", "feeds"],
        cwd=work,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # this checkout's timeline, wherever it runs
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def table(count: int, rounds: int, styles: list[str]) -> str:
    if shutil.which("hugo") is None:
        return "hugo is not installed: apt-get install hugo"
    rows = [
        f"| {count:,} events | Hugo (s) | `timeline build` (s) | Hugo / ours | each round, Hugo / ours |",
        "|---|---:|---:|---:|---|",
    ]
    before = os.getloadavg()[0]
    # One folder for every style, deleted at the end: this disk discards the blocks of deleted
    # files, and the file creation after a large deletion is several times slower.
    with tempfile.TemporaryDirectory(prefix="bench-hugo-") as name:
        for style in styles:
            folder = Path(name) / style
            folder.mkdir()
            generate.write(folder / "events.yaml", count, style)
            hugo_site = site(folder / "hugo", folder / "events.yaml")
            hugo_build(hugo_site)  # that it builds at all, before anything is timed
            hugos, ours = [], []
            for number in range(rounds):
                hugos.append(hugo_build(hugo_site))
                ours.append(our_build(folder, number))
            each = ", ".join(f"{h / o:.2f}" for h, o in zip(hugos, ours, strict=True))
            rows.append(
                f"| {style} style | {median(hugos):.3f} | {median(ours):.3f} "
                f"| {median(hugos) / median(ours):.2f} | {each} |"
            )
    after = os.getloadavg()[0]
    return (
        "\n".join(rows)
        + f"\n\nMedians of {rounds} rounds in turns. Load average {before:.2f} before, {after:.2f} after."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--styles", default=",".join(generate.STYLES))
    args = parser.parse_args()
    print(table(args.events, args.rounds, args.styles.split(",")))


if __name__ == "__main__":
    main()
