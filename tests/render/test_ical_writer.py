"""The calendar's events are written directly for speed; here icalendar is the oracle. Every
VEVENT must be byte for byte what icalendar itself writes for the same properties, and must
parse back through icalendar to the same values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import FEATURES, ROOT, T0
from tests.render.test_properties import documents
from timeline import history
from timeline.model import Event, History, Precision, Revision, Timeline
from timeline.model.languages import words
from timeline.render import prose
from timeline.render.ical import vevent
from timeline.source.load import load, parse

STATUS = {"confirmed": "CONFIRMED", "planned": "TENTATIVE", "cancelled": "CANCELLED"}


def reference(event: Event, revision: Revision, timeline: Timeline) -> bytes:
    """The same VEVENT built with icalendar's object model."""
    component = icalendar.Event()
    component.add("uid", f"{event.id}@{timeline.id_domain}")
    component.add("dtstamp", revision.last_changed)
    component.add("created", revision.first_published)
    component.add("last-modified", revision.last_changed)
    component.add("sequence", revision.sequence)
    component.add("transp", "TRANSPARENT")
    if event.date.precision is Precision.TIME:
        component.add("dtstart", event.date.start)
        if event.date.end is not None:
            component.add("dtend", event.date.end)
    else:
        component.add("dtstart", event.date.first_day())
        component.add("dtend", event.date.day_after())
    summary = event.title
    if event.date.precision in (Precision.YEAR, Precision.MONTH):
        summary += f" ({event.date.label()})"
    component.add("summary", summary)
    component.add("description", prose.text(event, words(timeline.language)))
    if event.location:
        component.add("location", event.location)
    if event.geo:
        component.add("geo", (event.geo.lat, event.geo.lon))
    if event.image:
        component.add("image", event.image.url, parameters={"VALUE": "URI"})
    if event.tags:
        component.add("categories", list(event.tags))
    component.add("status", STATUS[event.status.value])
    component.add("url", timeline.event_url(event.id))
    return bytes(component.to_ical())


def check(timeline: Timeline, revisions: History) -> None:
    for event in timeline.events:
        revision = revisions.get(event.id)
        say = words(timeline.language)
        ours = vevent(event, revision, timeline.base_url, timeline.id_domain, say).encode()
        assert ours == reference(event, revision, timeline), event.id
        parsed: Any = icalendar.Event.from_ical(ours)
        assert str(parsed["SUMMARY"]).startswith(event.title)
        described = prose.text(event, say).replace("\r\n", "\n").replace("\r", "\n")
        assert str(parsed["DESCRIPTION"]) == described


def test_every_feature_is_written_as_icalendar_writes_it() -> None:
    timeline = load(FEATURES)
    check(timeline, history.update(History(), timeline, T0))


def test_the_shipped_events_are_written_as_icalendar_writes_them() -> None:
    timeline = load(ROOT / "events.yaml")
    check(timeline, history.read(ROOT / "events.history.json"))


def without_backslash_n(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\\N", "N")
    if isinstance(value, dict):
        return {key: without_backslash_n(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_backslash_n(item) for item in value]
    return value


@settings(max_examples=80, deadline=None)
@given(documents(), st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)))
def test_any_generated_event_is_written_as_icalendar_writes_it(
    document: dict[str, Any], now: datetime
) -> None:
    # icalendar reads a literal backslash-N in text as a line break; we keep the user's text.
    timeline = parse(yaml.safe_dump(without_backslash_n(document), allow_unicode=True))
    revisions = history.update(History(), timeline, now.replace(tzinfo=UTC))
    revisions = history.update(revisions, timeline, now.replace(tzinfo=UTC) + timedelta(days=1))
    check(timeline, revisions)


def test_a_backslash_the_user_wrote_stays_a_backslash() -> None:
    from tests.conftest import MINIMAL, event_yaml

    timeline = parse(MINIMAL + event_yaml("one", title='"C:\\\\New folder"'))
    revision = history.update(History(), timeline, T0).get("one")
    say = words(timeline.language)
    written = vevent(timeline.events[0], revision, timeline.base_url, timeline.id_domain, say)
    assert "SUMMARY:C:\\\\New folder (2011)\r\n" in written
    assert str(icalendar.Event.from_ical(written)["SUMMARY"]) == "C:\\New folder (2011)"
