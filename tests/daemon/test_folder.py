"""Several timelines in one daemon (`timeline serve --folder`): each under its own path as if
served alone, a list of them and one OPML at the root, one /healthz for all; one that breaks
keeps its last good outputs while the others go on; folders come and go while it runs."""

from __future__ import annotations

import shutil
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest

from tests.conftest import MINIMAL, copy_shipped, event_yaml
from tests.daemons import Daemon, start

pytestmark = pytest.mark.slow


def _timeline(folder: Path, name: str, events: str, title: str = "") -> Path:
    (folder / name).mkdir(exist_ok=True)
    header = MINIMAL.replace("https://example.org/t/", f"https://example.org/{name}/")
    header = header.replace("example.org,2026", f"{name}.example.org,2026")
    header = header.replace("Test timeline", title or f"The {name} timeline")
    source = folder / name / "events.yaml"
    source.write_text(header + events, encoding="utf-8")
    return source


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    timelines = tmp_path / "timelines"
    timelines.mkdir()
    (timelines / "iom-viet-nam").mkdir()
    copy_shipped(timelines / "iom-viet-nam")
    _timeline(timelines, "alpha", event_yaml("one") + event_yaml("two", date="2012"))
    _timeline(timelines, "beta", event_yaml("three", date="2013-05"))
    return timelines


@pytest.fixture
def daemon(folder: Path) -> Iterator[Daemon]:
    running = start(folder / "unused.yaml", folder / "unused", "--folder", str(folder))
    running.wait_for(lambda: running.request("/healthz").status == 200, what="every timeline built")
    yield running
    running.stop()


def _states(daemon: Daemon) -> dict[str, tuple[str, str | None]]:
    report = daemon.request("/healthz").json()["timelines"]
    return {name: (t["status"], t["last_build"] and t["last_build"]["result"]) for name, t in report.items()}


def test_each_timeline_is_served_under_its_name_as_its_own_folder_holds_it(
    folder: Path, daemon: Daemon
) -> None:
    assert _states(daemon) == {name: ("ok", "ok") for name in ("alpha", "beta", "iom-viet-nam")}
    for name in ("alpha", "beta", "iom-viet-nam"):
        for output in ("timeline.atom", "timeline.ics", "index.html", "embed.html", "feed.xsl"):
            answer = daemon.request(f"/{name}/{output}")
            assert answer.status == 200, (name, output)
            assert answer.body == (folder / name / "feeds" / output).read_bytes()
        # The page at the timeline's own root, its relative links resolved under its path.
        assert daemon.request(f"/{name}/").body == (folder / name / "feeds" / "index.html").read_bytes()
        moved = daemon.request(f"/{name}")
        assert moved.status == 301 and moved.headers["location"] == f"/{name}/"
    shipped = feedparser.parse(daemon.request("/iom-viet-nam/timeline.atom").body)
    assert not shipped.bozo and len(shipped.entries) == 14
    # Filters and the timeline's own /healthz, as from a daemon of it alone.
    filtered = feedparser.parse(daemon.request("/iom-viet-nam/timeline.atom?from=2011").body)
    assert 0 < len(filtered.entries) < 14
    assert daemon.request("/alpha/healthz").json()["serving"]["events"] == 2
    assert daemon.request("/nothing/timeline.atom").status == 404
    assert daemon.request("/alpha/../beta/timeline.atom").status in (400, 404)


def test_the_root_lists_every_timeline_with_its_feeds_and_one_opml_of_them_all(daemon: Daemon) -> None:
    page = daemon.request("/")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    text = page.body.decode()
    for name, title in (("alpha", "The alpha timeline"), ("iom-viet-nam", "IOM and Viet Nam: a timeline")):
        assert f'<a href="{name}/">{title}</a>' in text
        assert f'href="{name}/timeline.atom"' in text and f'href="{name}/timeline.ics"' in text
    outline = ET.fromstring(daemon.request("/timelines.opml").body)
    feeds = [o.attrib["xmlUrl"] for o in outline.iter("outline")]
    assert feeds == [
        "https://example.org/alpha/timeline.atom",
        "https://example.org/beta/timeline.atom",
        "http://127.0.0.1:8000/timeline.atom",  # the shipped timeline's base_url, as its header says
    ]
    again = daemon.request("/", headers={"If-None-Match": page.headers["etag"]})
    assert again.status == 304


def test_a_timeline_that_breaks_keeps_serving_its_last_good_outputs_while_the_others_go_on(
    folder: Path, daemon: Daemon
) -> None:
    before = daemon.request("/beta/timeline.atom")
    (folder / "beta" / "events.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    daemon.wait_for(lambda: _states(daemon)["beta"] == ("stale", "failed"), what="beta's failed build")
    _timeline(folder, "alpha", event_yaml("one", title="Edited in alpha") + event_yaml("two", date="2012"))
    daemon.wait_for(
        lambda: b"Edited in alpha" in daemon.request("/alpha/timeline.atom").body, what="alpha's edit"
    )
    after = daemon.request("/beta/timeline.atom")
    assert (
        after.status == 200 and after.body == before.body and after.headers["etag"] == before.headers["etag"]
    )
    health = daemon.request("/healthz")
    assert health.status == 200 and health.json()["status"] == "degraded"
    assert "beta: " in daemon.log() and "events.yaml" in daemon.log()
    _timeline(folder, "beta", event_yaml("three", date="2013-05", title="Mended"))
    daemon.wait_for(lambda: b"Mended" in daemon.request("/beta/timeline.atom").body, what="beta mended")
    assert daemon.request("/healthz").json()["status"] == "ok"


def test_timelines_added_or_taken_out_while_it_runs_are_served_or_no_longer(
    folder: Path, daemon: Daemon
) -> None:
    _timeline(folder, "gamma", event_yaml("four", date="2014"), title="Gamma arrives")
    daemon.wait_for(lambda: daemon.request("/gamma/timeline.atom").status == 200, what="gamma served")
    daemon.wait_for(lambda: b"Gamma arrives" in daemon.request("/").body, what="gamma listed")
    shutil.rmtree(folder / "alpha")
    daemon.wait_for(lambda: "alpha" not in daemon.request("/healthz").json()["timelines"], what="alpha gone")
    assert set(daemon.request("/healthz").json()["timelines"]) == {"beta", "gamma", "iom-viet-nam"}
    assert daemon.request("/alpha/timeline.atom").status == 404
    assert b"alpha/" not in daemon.request("/").body
    # A folder whose name cannot be an address is said once, not at every tick.
    _timeline(folder, "Not An Address", event_yaml("five"))
    daemon.wait_for(lambda: "Not An Address: skipped" in daemon.log(), what="the misnamed folder said")
    time.sleep(1)  # ten ticks
    assert daemon.log().count("Not An Address: skipped") == 1
