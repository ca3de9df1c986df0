"""Faults: a builder killed at any moment, a folder that cannot be written, and a load of readers
while the source is edited. Whatever happens, every file on disk and every response is whole."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import icalendar
import pytest
from lxml import etree, html

from bench import generate
from tests.conftest import MINIMAL, T0, event_yaml
from tests.daemons import start
from timeline import history
from timeline.builder.publish import build
from timeline.files import folders_locked
from timeline.render.html import LATEST

pytestmark = pytest.mark.slow
ATOM = "{http://www.w3.org/2005/Atom}"


def version(word: str, count: int = 300) -> str:
    return MINIMAL + "".join(
        event_yaml(f"e{i}", title=f"{word} {i}", date=f"{1900 + i % 120}-0{1 + i % 9}-1{i % 10}")
        for i in range(count)
    )


def titles_in(out: Path) -> dict[str, list[str]]:
    """Every output's event titles, read by a strict parser: a torn file fails here."""
    found = {
        "timeline.json": [
            i["_timeline"]["title"] for i in json.loads((out / "timeline.json").read_bytes())["items"]
        ],
        "timeline.atom": [
            e.findtext(f"{ATOM}title").split(": ", 1)[1]
            for e in etree.fromstring((out / "timeline.atom").read_bytes()).iter(f"{ATOM}entry")
        ],
        "timeline.rss": [
            i.findtext("title").split(": ", 1)[1]
            for i in etree.fromstring((out / "timeline.rss").read_bytes()).iter("item")
        ],
        "timeline.ics": [
            str(e["SUMMARY"])
            for e in icalendar.Calendar.from_ical((out / "timeline.ics").read_bytes()).walk("VEVENT")
        ],
        "index.html": [
            a.text_content()
            for a in html.fromstring((out / "index.html").read_bytes()).xpath("//article//h3/a")
        ],
    }
    for page in sorted((out / "archive").glob("*.atom")):  # each page is a file of its own
        entries = etree.fromstring(page.read_bytes()).iter(f"{ATOM}entry")
        found[f"archive/{page.name}"] = [e.findtext(f"{ATOM}title").split(": ", 1)[1] for e in entries]
    for page in sorted((out / "years").glob("*.html")):
        found[f"years/{page.name}"] = [
            a.text_content() for a in html.fromstring(page.read_bytes()).xpath("//article//h3/a")
        ]
    for page in sorted((out / "events").glob("*.html")):
        found[f"events/{page.name}"] = [
            h.text_content() for h in html.fromstring(page.read_bytes()).xpath("//h1")
        ]
    return found


# The subscription feeds and each archive page hold 100 entries, the timeline's page the latest
# events, each event's page one; the calendar all 300 events.
EXPECTED = {"timeline.json": 100, "timeline.atom": 100, "timeline.rss": 100, "index.html": LATEST}


def test_a_builder_killed_at_random_moments_never_leaves_a_torn_or_mixed_file(tmp_path: Path) -> None:
    source, out = tmp_path / "events.yaml", tmp_path / "feeds"
    source.write_text(version("Alpha"), encoding="utf-8")
    command = [sys.executable, "-m", "timeline", "build", "--source", str(source), "--out", str(out)]
    started = time.monotonic()
    subprocess.run(command, check=True, capture_output=True)
    duration = time.monotonic() - started
    rng = random.Random(20261123)
    kills = 0
    round_number = 0
    # Until 50 builds were killed while running, however fast this machine is at the moment.
    while kills < 50 and round_number < 1000:
        round_number += 1
        word = ("Alpha", "Beta")[round_number % 2]
        source.write_text(version(word), encoding="utf-8")
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.05) * duration)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        process.wait()
        for name, titles in titles_in(out).items():
            words = Counter(title.split()[0] for title in titles)
            expected = (
                100
                if name.startswith("archive/")
                else 1
                if name.startswith("events/")
                else EXPECTED.get(name, 300)
            )
            if name.startswith("years/"):  # 300 events over 120 years
                expected = sum(1 for i in range(300) if f"{1900 + i % 120}.html" == name[6:])
            assert len(words) == 1 and sum(words.values()) == expected, (round_number, name, words)
        history.read(source.with_name("events.history.json"))  # whole, never torn
    assert kills == 50, f"only {kills} builds of {round_number} were killed while running"
    # Once a build completes, everything is consistent again.
    subprocess.run(command, check=True, capture_output=True)
    last = ("Alpha", "Beta")[round_number % 2]
    complete = titles_in(out)
    assert {tuple(sorted(set(t.split()[0] for t in titles))) for titles in complete.values()} == {(last,)}
    assert sum(1 for name in complete if name.startswith("events/")) == 300
    check = subprocess.run([*command, "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_temporary_files_of_killed_builds_are_removed_by_the_next_build_whatever_their_age(
    write_events: Callable[[str], Path],
) -> None:
    source = write_events(event_yaml("one"))
    out = source.parent / "feeds"
    build(source, out, now=T0)
    leftovers = [out / ".timeline.atom.abc.tmp", out / "tags" / ".x.rss.def.tmp"]
    history = source.parent / ".events.history.json.ghi.tmp"
    for path in (*leftovers, history):
        path.parent.mkdir(exist_ok=True)
        path.write_text("half", encoding="utf-8")  # just now: a build killed a moment ago
    mine = source.parent / ".editor-swap.tmp"  # not ours: never touched
    mine.write_text("", encoding="utf-8")
    build(source, out, now=T0 + timedelta(days=1))
    assert [path.exists() for path in (*leftovers, history, mine)] == [False, False, False, True]


def test_a_build_waits_for_one_under_way_in_the_same_folder_and_leaves_its_files_alone(
    write_events: Callable[[str], Path],
) -> None:
    source = write_events(event_yaml("one"))
    out = source.parent / "feeds"
    build(source, out, now=T0)
    in_progress = out / ".timeline.atom.abc.tmp"
    other = threading.Thread(target=build, args=(source, out), kwargs={"now": T0 + timedelta(days=1)})
    with folders_locked(out, source.parent):  # a build under way, as another process's would be
        in_progress.write_text("being written", encoding="utf-8")
        other.start()
        time.sleep(0.3)
        assert in_progress.exists() and other.is_alive()
        in_progress.rename(out / "timeline.atom")
    other.join(timeout=30)
    assert not other.is_alive()


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_builds_killed_again_and_again_leave_no_temporary_file_after_the_next(tmp_path: Path) -> None:
    source = tmp_path / "events.yaml"
    source.write_text(generate.timeline(100), encoding="utf-8")
    out = tmp_path / "feeds"
    command = [sys.executable, "-m", "timeline", "build", "-s", str(source), "-o", str(out)]
    for cycle in range(4):
        # Killed by the kernel at a write: its temporary files stay where they were.
        strace = ["strace", "-f", "-o", "/dev/null", "-e", "trace=writev"]
        inject = f"inject=writev:signal=SIGKILL:when={10 + 10 * cycle}"
        subprocess.run([*strace, "-e", inject, *command], capture_output=True)
    assert list(tmp_path.rglob(".*.tmp")), "the killed builds left temporary files behind"
    subprocess.run(command, check=True, capture_output=True)
    assert not list(tmp_path.rglob(".*.tmp"))


def test_the_daemon_survives_an_unwritable_output_folder_and_recovers(
    tmp_path: Path, write_events: Callable[[str], Path]
) -> None:
    source = write_events(event_yaml("one"))
    daemon = start(source, tmp_path / "feeds")
    try:
        served = daemon.request("/timeline.atom")
        # A real fault, not a mock: tags/ becomes a file, so writing tags/x.* fails (root ignores chmod).
        (tmp_path / "feeds" / "tags").write_text("in the way", encoding="utf-8")
        write_events(
            event_yaml("one", title="Changed") + event_yaml("two", title="Tagged") + "    tags: [x]\n"
        )
        daemon.wait_for(lambda: daemon.request("/healthz").json()["stale"], what="the failed publish")
        report = daemon.request("/healthz").json()
        assert (
            "cannot write (Not a directory); the outputs not yet written are untouched"
            in report["last_build"]["errors"][0]
        )
        assert daemon.request("/timeline.atom").status == 200
        assert daemon.request("/timeline.atom").headers["etag"] == served.headers["etag"]
        (tmp_path / "feeds" / "tags").unlink()
        # The daemon retries a failed write by itself, ten seconds later.
        daemon.wait_for(
            lambda: not daemon.request("/healthz").json()["stale"], seconds=30, what="the recovery"
        )
        # Said once the build is done, which is after its outputs are served.
        daemon.wait_for(lambda: "build (retrying the failed write)" in daemon.log(), what="the retry's line")
        assert b"Tagged" in daemon.request("/timeline.atom").body
        assert daemon.request("/tags/x.atom").status == 200
    finally:
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.log()


def test_under_load_while_the_source_changes_every_response_is_whole(
    tmp_path: Path, write_events: Callable[[str], Path]
) -> None:
    source = tmp_path / "events.yaml"
    source.write_text(version("Alpha", 50), encoding="utf-8")
    daemon = start(source, tmp_path / "feeds")
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    stop = threading.Event()

    def reader(path: str) -> None:
        for _ in range(600):
            response = daemon.request(path)
            statuses[response.status] += 1
            if response.status != 200:
                failures.append(f"{path}: {response.status}")
                continue
            digest = hashlib.sha256(response.body).hexdigest()[:32]
            if response.headers["etag"] != f'"{digest}"':
                failures.append(f"{path}: body does not match its ETag")
            if path.endswith(".json"):
                json.loads(response.body)  # never half a file
            elif path.endswith(".ics"):
                icalendar.Calendar.from_ical(response.body)
            else:
                etree.fromstring(response.body)

    def editor() -> None:
        round_number = 0
        while not stop.is_set():  # edits for as long as the readers read
            source.write_text(
                version(("Beta", "Gamma")[round_number % 2], 50 + round_number % 7), encoding="utf-8"
            )
            round_number += 1
            stop.wait(0.15)

    paths = ("/timeline.atom", "/timeline.json", "/timeline.rss", "/timeline.ics")
    readers = [threading.Thread(target=reader, args=(p,)) for p in paths]
    threads = [*readers, threading.Thread(target=editor)]
    try:
        for thread in threads:
            thread.start()
        for thread in readers:
            thread.join(timeout=120)
    finally:
        stop.set()
        assert daemon.stop() == 0
    assert failures == []
    assert sum(statuses.values()) == 2400 and set(statuses) == {200}
    assert daemon.log().count("build (events file changed)") >= 3


def test_the_daemon_makes_a_large_rebuild_in_its_build_thread_while_it_serves(tmp_path: Path) -> None:
    """Every title of 1,200 events changes: the rebuild runs in the daemon's build thread (in
    one process: no fork beside the server's thread) while the server answers readers."""
    source, out = tmp_path / "events.yaml", tmp_path / "feeds"
    source.write_text(version("Alpha", count=1200), encoding="utf-8")
    daemon = start(source, out)
    answered: Counter[int] = Counter()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            answered[daemon.request("/timeline.atom").status] += 1

    readers = [threading.Thread(target=read) for _ in range(2)]
    try:
        for reader in readers:
            reader.start()
        source.write_text(version("Beta", count=1200), encoding="utf-8")
        daemon.wait_for(lambda: b"Beta 1199" in daemon.request("/index.html").body, seconds=60, what="Beta")
        assert all(title.startswith("Beta") for title in titles_in(out)["archive/1.atom"])
    finally:
        done.set()
        for reader in readers:
            reader.join()
        assert daemon.stop() == 0
    assert set(answered) == {200} and answered[200] > 10
    assert "Traceback" not in daemon.log()
