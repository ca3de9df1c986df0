"""Real readers and calendars subscribed to a running daemon while the timeline changes under
them: an event added, one edited, one removed, put back and edited again.

After each step every client polls again. None may hold an entry twice, none may see an entry
rewritten whose own event did not change, and no entry of the changes feed may ever change.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import copy_shipped
from tests.daemons import Daemon, start
from tests.interop.clients import Newsboat, Rss2email, SubscribedKhal, program

pytestmark = [pytest.mark.interop, pytest.mark.slow]

ADDED = """\
  - id: added-in-test
    title: Added in the test
    summary: A new event.
    date: 2012-01-15
    sources: [{article: 000_0cb45dfbd2d15e76.txt, quote: "It officially became an IOM Member State in 2007."}]
"""
GROWTH = "rural-urban-migration-2011"
GROWTH_TITLE = "Rapid growth draws Vietnamese from the countryside to the cities"


def _block(text: str, event_id: str) -> str:
    """The event's item in the events list, from its `- id:` line to the next item's."""
    match = re.search(rf"^  - id: {event_id}\n.*?(?=^  - id: |\Z)", text, re.DOTALL | re.MULTILINE)
    assert match is not None, event_id
    return match.group(0)


def steps(shipped: str) -> list[tuple[str, Callable[[str], str], frozenset[str]]]:
    """(what, the edit, the events whose entries it changes)."""
    growth = _block(shipped, GROWTH)
    return [
        ("an event added", lambda t: t.rstrip("\n") + "\n\n" + ADDED, frozenset({"added-in-test"})),
        (
            "a title edited",
            lambda t: t.replace("title: IOM begins working in Vietnam", "title: IOM starts work in Vietnam"),
            frozenset({"iom-present-in-vietnam"}),
        ),
        ("an event removed", lambda t: t.replace(growth, ""), frozenset({GROWTH})),
        ("the event put back", lambda t: t.rstrip("\n") + "\n\n" + growth, frozenset({GROWTH})),
        (
            "the event edited again",
            lambda t: t.replace(
                growth, growth.replace("tags: [migration-data]", "tags: [migration-data, cities]")
            ),
            frozenset({GROWTH}),
        ),
    ]


def _event_of(entry_id: str) -> str:
    specific = entry_id.split(":", 2)[2]
    return specific.split("/")[1] if specific.startswith("changes/") else specific


def _save(daemon: Daemon, text: str) -> None:
    """Save the events file and wait until the daemon serves the new changes feed."""
    before = daemon.request("/changes.atom").headers["etag"]
    daemon.source.write_text(text, encoding="utf-8")
    daemon.wait_for(lambda: daemon.request("/changes.atom").headers["etag"] != before, what="the rebuild")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    copy_shipped(site, history=True)
    return site


@pytest.mark.parametrize("feed", ["timeline.atom", "timeline.rss", "changes.atom"])
def test_newsboat_and_rss2email_see_each_entry_once_and_no_entry_rewritten(
    feed: str, site: Path, tmp_path: Path
) -> None:
    program("newsboat")
    program("r2e")
    daemon = start(site / "events.yaml", site / "feeds")
    try:
        url = f"{daemon.url}/{feed}"
        newsboat = Newsboat(tmp_path / "newsboat", url)
        rss2email = Rss2email(tmp_path / "rss2email", (url,))
        stored = newsboat.reload()
        first_seen = dict(stored)
        assert sorted(entry_id for _, entry_id, _ in rss2email.run()) == sorted(stored)  # a mail an entry
        text = (site / "events.yaml").read_text(encoding="utf-8")
        changes_made: dict[str, int] = {}
        for what, edit, changed in steps(text):
            text = edit(text)
            _save(daemon, text)
            now = newsboat.reload()
            for guid, item in stored.items():
                if "changes/" in guid:
                    assert now[guid] == first_seen[guid], f"{what}: newsboat's {guid} was rewritten"
                elif _event_of(guid) not in changed:
                    assert now[guid] == item, f"{what}: newsboat's {guid} changed, its event did not"
            new = set(now) - set(stored)
            assert {_event_of(guid) for guid in new} <= changed, what
            if feed == "changes.atom":
                assert len(new) == len(changed), f"{what}: one change entry a change"
            first_seen.update((guid, now[guid]) for guid in new)
            for event in changed:
                changes_made[event] = changes_made.get(event, 0) + 1
            stored = now

            mails = rss2email.run()
            counted = Counter(entry_id for _, entry_id, _ in mails)
            for entry_id, count in counted.items():
                # A change entry is mailed once; an event's entry once, and at most once more a change.
                most = 1 if "changes/" in entry_id else 1 + changes_made.get(_event_of(entry_id), 0)
                assert count <= most, f"{what}: rss2email mailed {entry_id} {count} times"
            assert set(counted) == set(now), what
        if feed == "changes.atom":
            subjects = [subject for _, _, subject in mails]
            assert f"Removed: December 2011 (inferred): {GROWTH_TITLE}" in subjects
            assert "Added: 1987: IOM begins working in Vietnam" in subjects  # as it was then
    finally:
        assert daemon.stop() == 0


def test_khal_subscribed_through_vdirsyncer_sees_the_removed_event_cancelled_with_its_label(
    site: Path, tmp_path: Path
) -> None:
    daemon = start(site / "events.yaml", site / "feeds")
    try:
        khal = SubscribedKhal(tmp_path / "khal", f"{daemon.url}/timeline.ics")
        khal.sync()
        label = f"{GROWTH_TITLE} (December 2011)"
        assert label in khal.day("2011-12-15")
        text = (site / "events.yaml").read_text(encoding="utf-8")
        walk = steps(text)
        for _, edit, _ in walk[:3]:  # added, edited, removed
            text = edit(text)
            _save(daemon, text)
            khal.sync()
        assert f"CANCELLED {label}" in khal.day("2011-12-15")
        assert "IOM starts work in Vietnam (1987)" in khal.day("1987-06-01")
        text = walk[3][1](text)  # put back
        _save(daemon, text)
        khal.sync()
        assert label in khal.day("2011-12-15")
        assert f"CANCELLED {label}" not in khal.day("2011-12-15")
    finally:
        assert daemon.stop() == 0
