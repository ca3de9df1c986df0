"""Real clients read every output: newsboat and sfeed the feeds, calcurse and khal the calendar.

Each test is skipped, with the reason shown, when its program is not installed; `scripts/test`
installs them from Debian's packages where it can (it always does in CI).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import GOLDEN, ROOT, copy_shipped
from tests.daemons import start
from tests.interop.clients import KHAL_CONFIG, program, run
from timeline.builder.publish import build
from timeline.model.languages import in_language
from timeline.source.load import load

pytestmark = pytest.mark.interop
FEEDS = ROOT / "feeds"
SHIPPED = load(ROOT / "events.yaml")


# -- feed readers -----------------------------------------------------------------------------


def newsboat_items(feed: Path, workdir: Path, reloads: int = 2) -> list[tuple[str, str]]:
    """Subscribe newsboat to `feed`, reload it `reloads` times; the (guid, title) of each item it keeps."""
    newsboat = program("newsboat")
    (workdir / "urls").write_text(f"file://{feed}\n", encoding="utf-8")
    (workdir / "config").write_text("", encoding="utf-8")
    for _ in range(reloads):
        run(newsboat, "-u", "urls", "-c", "cache.db", "-C", "config", "-x", "reload", cwd=workdir)
    with sqlite3.connect(workdir / "cache.db") as cache:
        return sorted(cache.execute("SELECT guid, title FROM rss_item"))


@pytest.mark.parametrize("name", ["timeline.atom", "timeline.rss"])
def test_newsboat_shows_every_event_once_with_its_title_after_two_reloads(name: str, tmp_path: Path) -> None:
    items = newsboat_items(FEEDS / name, tmp_path)
    expected = sorted((SHIPPED.tag_uri(e.id), f"{e.date_label()}: {e.title}") for e in SHIPPED.events)
    assert items == expected


@pytest.mark.parametrize("name", ["timeline.atom", "timeline.rss"])
def test_newsboat_keeps_hostile_titles_as_text(name: str, tmp_path: Path) -> None:
    titles = [title for _, title in newsboat_items(GOLDEN / name, tmp_path, reloads=1)]
    assert "6 December 2011: <script>alert(1)</script> ]]> & </title>" in titles
    assert len(titles) == 12


XML_FEEDS = sorted(
    p for folder in (FEEDS, GOLDEN) for p in folder.rglob("*") if p.suffix in (".atom", ".rss")
)


@pytest.mark.parametrize("feed", XML_FEEDS, ids=[str(p.relative_to(ROOT)) for p in XML_FEEDS])
def test_sfeed_parses_every_item(feed: Path) -> None:
    sfeed = program("sfeed")
    data = feed.read_bytes()
    rows = subprocess.run([sfeed], input=data, capture_output=True, check=True, timeout=60).stdout
    lines = rows.decode("utf-8").splitlines()
    entry_count = data.count(b"<entry>") + data.count(b"<item>")
    assert len(lines) == entry_count
    for line in lines:
        fields = line.split("\t")
        # sfeed's TSV: timestamp, title, link, content, content-type, id, author, enclosure, category
        assert (
            fields[0].isdigit()
            and fields[1]
            and fields[2].startswith("http")
            and fields[5].startswith("tag:")
        )


# -- calendars --------------------------------------------------------------------------------


def calcurse_import(calendar: Path, workdir: Path) -> str:
    calcurse = program("calcurse")
    return run(calcurse, "-D", str(workdir), "-C", str(workdir), "--import", str(calendar)).stdout


def calcurse_day(workdir: Path, day: str) -> list[str]:
    calcurse = program("calcurse")
    out = run(calcurse, "-D", str(workdir), "-C", str(workdir), "-Q", "--from", day, "--to", day).stdout
    return sorted(line.strip(" *") for line in out.splitlines()[1:] if line.strip())


def test_calcurse_imports_the_shipped_calendar_with_nothing_skipped(tmp_path: Path) -> None:
    report = calcurse_import(FEEDS / "timeline.ics", tmp_path)
    assert f"0 apps / {len(SHIPPED.events)} events / 0 todos / 0 skipped" in report


def test_calcurse_puts_the_5_to_7_december_session_on_exactly_those_days(tmp_path: Path) -> None:
    calcurse_import(FEEDS / "timeline.ics", tmp_path)
    session = "100th session of the IOM Council"
    assert session not in calcurse_day(tmp_path, "12/04/2011")
    for day in ("12/05/2011", "12/06/2011", "12/07/2011"):
        assert session in calcurse_day(tmp_path, day)
    assert session not in calcurse_day(tmp_path, "12/08/2011")


def test_calcurse_shows_a_year_event_over_the_whole_year_labelled_with_it(tmp_path: Path) -> None:
    calcurse_import(FEEDS / "timeline.ics", tmp_path)
    for day in ("01/01/1987", "07/15/1987", "12/31/1987"):
        assert "IOM begins working in Vietnam (1987)" in calcurse_day(tmp_path, day)
    assert "IOM begins working in Vietnam (1987)" not in calcurse_day(tmp_path, "01/01/1988")


def test_calcurse_imports_every_feature_with_nothing_skipped(tmp_path: Path) -> None:
    report = calcurse_import(GOLDEN / "timeline.ics", tmp_path)
    assert "/ 0 skipped" in report, report


def khal_import(calendar: Path, workdir: Path) -> Path:
    khal = program("khal")
    (workdir / "cal").mkdir()
    config = workdir / "config"
    config.write_text(KHAL_CONFIG.format(path=workdir / "cal"), encoding="utf-8")
    result = run(khal, "-c", str(config), "import", "--batch", "-a", "timeline", str(calendar))
    assert "error" not in (result.stdout + result.stderr).lower(), result.stderr
    return config


def khal_day(config: Path, day: str) -> list[str]:
    out = run("khal", "-c", str(config), "list", "--format", "{title}", "--day-format", "", day, "1d").stdout
    return sorted(line for line in out.splitlines() if line.strip())


def test_khal_imports_every_event_and_places_the_session_on_its_three_days(tmp_path: Path) -> None:
    config = khal_import(FEEDS / "timeline.ics", tmp_path)
    assert len(list((tmp_path / "cal").glob("*.ics"))) == len(SHIPPED.events)
    session = "100th session of the IOM Council"
    assert session not in khal_day(config, "2011-12-04")
    for day in ("2011-12-05", "2011-12-06", "2011-12-07"):
        assert session in khal_day(config, day)
    assert session not in khal_day(config, "2011-12-08")


def test_khal_imports_timed_events_in_their_zones(tmp_path: Path) -> None:
    config = khal_import(GOLDEN / "timeline.ics", tmp_path)
    out = run(
        "khal", "-c", str(config), "list", "--format", "{start-time}-{end-time} {title}", "2011-12-06", "1d"
    ).stdout
    assert "13:00-16:30 An afternoon in Geneva" in out  # 14:00-17:30 in Zurich (UTC+1) is 13:00-16:30 UTC


# -- the same in Vietnamese ---------------------------------------------------------------------

VIETNAMESE = in_language(SHIPPED, "vi")
SESSION_VI = next(e.title for e in VIETNAMESE.events if e.id == "iom-council-100th-session")


@pytest.mark.parametrize("name", ["timeline.atom", "timeline.rss"])
def test_newsboat_shows_every_event_once_with_its_vietnamese_title(name: str, tmp_path: Path) -> None:
    items = newsboat_items(FEEDS / "vi" / name, tmp_path)
    expected = sorted((VIETNAMESE.tag_uri(e.id), f"{e.date_label()}: {e.title}") for e in VIETNAMESE.events)
    assert items == expected
    assert (
        "tag:timeline.example.org,2026:iom-present-in-vietnam",
        "1987: IOM bắt đầu hoạt động tại Việt Nam",
    ) in items


def test_calcurse_imports_the_vietnamese_calendar_and_shows_its_titles_on_their_days(tmp_path: Path) -> None:
    report = calcurse_import(FEEDS / "vi" / "timeline.ics", tmp_path)
    assert f"0 apps / {len(SHIPPED.events)} events / 0 todos / 0 skipped" in report
    for day in ("12/05/2011", "12/07/2011"):
        assert any(line.startswith(SESSION_VI) for line in calcurse_day(tmp_path, day)), calcurse_day(
            tmp_path, day
        )
    assert not any(line.startswith(SESSION_VI) for line in calcurse_day(tmp_path, "12/08/2011"))


def test_khal_imports_the_vietnamese_calendar_and_shows_its_titles_on_their_days(tmp_path: Path) -> None:
    config = khal_import(FEEDS / "vi" / "timeline.ics", tmp_path)
    assert len(list((tmp_path / "cal").glob("*.ics"))) == len(SHIPPED.events)
    for day in ("2011-12-05", "2011-12-06", "2011-12-07"):
        assert any(title.startswith(SESSION_VI) for title in khal_day(config, day))
    assert not any(title.startswith(SESSION_VI) for title in khal_day(config, "2011-12-08"))


# -- over HTTP, from the daemon ---------------------------------------------------------------


def newsboat_over_http(url: str, workdir: Path) -> list[tuple[str, str]]:
    newsboat = program("newsboat")
    (workdir / "urls").write_text(f"{url}\n", encoding="utf-8")
    (workdir / "config").write_text("", encoding="utf-8")
    run(newsboat, "-u", "urls", "-c", "cache.db", "-C", "config", "-x", "reload", cwd=workdir)
    with sqlite3.connect(workdir / "cache.db") as cache:
        return sorted(cache.execute("SELECT guid, title FROM rss_item"))


@pytest.mark.parametrize("name", ["timeline.atom", "timeline.rss"])
def test_newsboat_subscribed_over_http_gets_each_event_once_and_exactly_one_new_item_per_new_event(
    name: str, tmp_path: Path
) -> None:
    program("newsboat")
    site = tmp_path / "site"
    site.mkdir()
    copy_shipped(site)
    daemon = start(site / "events.yaml", site / "feeds")
    try:
        reader = tmp_path / "reader"
        reader.mkdir()
        url = f"{daemon.url}/{name}"
        first = newsboat_over_http(url, reader)
        assert len(first) == len(SHIPPED.events)
        assert newsboat_over_http(url, reader) == first  # a second reload adds nothing

        text = (site / "events.yaml").read_text(encoding="utf-8")
        (site / "events.yaml").write_text(
            text
            + "  - id: added-in-test\n    title: Added in the test\n    summary: s\n    date: 2012-01-15\n"
            "    sources: [{article: 000_0cb45dfbd2d15e76.txt, quote: 'Placing high importance on its "
            "relations with IOM, Vietnam is looking to working more closely with the Organization'}]\n",
            encoding="utf-8",
        )
        daemon.wait_for(lambda: b"added-in-test" in daemon.request(f"/{name}").body, what="the new event")
        after = newsboat_over_http(url, reader)
        assert sorted(set(after) - set(first)) == [
            (SHIPPED.tag_uri("added-in-test"), "15 January 2012: Added in the test")
        ]
        assert len(after) == len(first) + 1
    finally:
        assert daemon.stop() == 0


# -- libical ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def libical_check(tmp_path_factory: pytest.TempPathFactory) -> str:
    """tests/interop/libical/check.c, built against Debian's libical-dev."""
    compiler, pkg_config = shutil.which("gcc"), shutil.which("pkg-config")
    if compiler is None or pkg_config is None:
        pytest.skip("gcc and pkg-config are needed to build the libical check")
    flags = subprocess.run(
        [pkg_config, "--cflags", "--libs", "libical"], capture_output=True, text=True, check=False
    )
    if flags.returncode != 0:
        pytest.skip("libical-dev is not installed (scripts/test installs it as root)")
    binary = tmp_path_factory.mktemp("libical") / "check"
    source = Path(__file__).parent / "libical" / "check.c"
    run(compiler, "-Wall", "-Werror", "-o", str(binary), str(source), *flags.stdout.split())
    return str(binary)


CALENDARS = sorted([*FEEDS.rglob("*.ics"), *GOLDEN.rglob("*.ics")])


@pytest.mark.parametrize("calendar", CALENDARS, ids=[str(p.relative_to(ROOT)) for p in CALENDARS])
def test_libical_parses_the_calendar_with_no_error(libical_check: str, calendar: Path) -> None:
    result = subprocess.run(
        [libical_check, str(calendar)], capture_output=True, text=True, check=False, timeout=60
    )
    vevents = calendar.read_bytes().count(b"BEGIN:VEVENT")
    assert (result.returncode, result.stdout) == (0, f"events {vevents}\nerrors 0\n")


def test_calcurse_imports_one_events_own_calendar_as_its_three_days(tmp_path: Path) -> None:
    report = calcurse_import(FEEDS / "events" / "iom-council-100th-session.ics", tmp_path)
    assert "0 apps / 1 event / 0 todos / 0 skipped" in report
    for day in ("12/05/2011", "12/07/2011"):
        assert "100th session of the IOM Council" in calcurse_day(tmp_path, day)
    assert "100th session of the IOM Council" not in calcurse_day(tmp_path, "12/08/2011")


def test_calcurse_imports_the_anniversaries_as_yearly_events(tmp_path: Path) -> None:
    report = calcurse_import(FEEDS / "anniversaries.ics", tmp_path)
    assert "0 apps / 7 events / 0 todos / 0 skipped" in report
    anniversary = "Anniversary: 100th session of the IOM Council (2011)"
    assert anniversary in calcurse_day(tmp_path, "12/05/2030")
    assert anniversary not in calcurse_day(tmp_path, "12/06/2030")


@pytest.mark.parametrize(
    "name", ["tags/iom-council.ics", "anniversaries.ics", "events/iom-council-100th-session.ics"]
)
def test_khal_imports_the_other_calendars(tmp_path: Path, name: str) -> None:
    config = khal_import(FEEDS / name, tmp_path)
    assert list((tmp_path / "cal").glob("*.ics"))
    assert khal_day(config, "2011-12-05")


@pytest.mark.parametrize("name", ["changes.atom", "tags/iom-council.rss", "on-this-day.atom"])
def test_newsboat_reads_the_other_feeds(name: str, tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    build(copy_shipped(tmp_path, history=True), out, today=date(2026, 12, 5))
    reader = tmp_path / "reader"
    reader.mkdir()
    items = newsboat_items(out / name, reader)
    data = (out / name).read_bytes()
    assert len(items) == data.count(b"<entry>") + data.count(b"<item>") > 0
