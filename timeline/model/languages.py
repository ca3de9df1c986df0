"""A timeline in each of its languages: the events' words in that language, its dates as that
language writes them, its own address.

A timeline with `languages: [en, vi]` is published once per language; each is a *projection*
of the one timeline (in_language), which the history, the renderers and the builder take as
they take a timeline of one language: nothing downstream knows of translations. The default
language's projection is the timeline without them, so that adding or editing a translation
never changes a byte (nor a timestamp) of the default language's outputs.

Dates in other languages come from CLDR through Babel (the default language keeps the labels
it has always had, so that no existing output changes): "5 tháng 12, 2011",
"tháng 12 năm 2011", and ranges by CLDR's interval formats.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import partial

from babel.dates import format_date, format_interval, format_skeleton

from timeline.model.events import Event, EventDate, Precision, Timeline
from timeline.model.kept import kept, remembered

# CLDR skeletons by precision: a year, a month of a year, a day.
_SKELETON = {Precision.YEAR: "y", Precision.MONTH: "yMMMM", Precision.DAY: "yMMMMd", Precision.TIME: "yMMMMd"}


@dataclass(frozen=True)
class DateIn(EventDate):
    """An event's date as another language writes it (see label())."""

    language: str = "en"

    def label(self) -> str:
        return self._label

    @kept
    def _label(self) -> str:
        locale = self.language.replace("-", "_")
        start, end = self.start, self.end
        if end is None or end == start:
            return _point(start, self.precision, locale)
        if isinstance(start, datetime) and isinstance(end, datetime):
            if start.date() == end.date():
                day = format_date(start.date(), "long", locale=locale)
                return f"{day}, {start:%H:%M}–{end:%H:%M} {end.tzname()}"
            return f"{_point(start, self.precision, locale)} – {_point(end, self.precision, locale)}"
        return format_interval(start, end, _SKELETON[self.precision], locale=locale)


def day_in(timeline: Timeline, day: date) -> str:
    """A day as the timeline's own words write it ("7 December 2026"; in another of its
    languages, as CLDR writes it there, as its events' dates are)."""
    if timeline.language == timeline.default_language:
        return day.strftime("%-d %B %Y")
    return format_date(day, "long", locale=timeline.language.replace("-", "_"))


def _point(value: date, precision: Precision, locale: str) -> str:
    if precision is Precision.DAY or precision is Precision.TIME:
        day = format_date(value if not isinstance(value, datetime) else value.date(), "long", locale=locale)
        if isinstance(value, datetime):
            return f"{day}, {value:%H:%M} {value.tzname()}"
        return day
    return format_skeleton(_SKELETON[precision], value, locale=locale)


def in_language(timeline: Timeline, language: str) -> Timeline:
    """The timeline as published in `language`, one of its languages: without translations,
    each event's words in that language where it gives them (the default language's where it
    does not), its address under the default one's: `<base_url><language>/`. Made once a
    timeline and language (the history and the renderers both ask)."""
    return remembered(timeline, f"_in_language_{language}", partial(_projected, language=language))


def _projected(timeline: Timeline, language: str) -> Timeline:
    if language == timeline.language:
        if not timeline.translations and not any(event.translations for event in timeline.events):
            return timeline
        events = tuple(replace(e, translations=()) if e.translations else e for e in timeline.events)
        return replace(timeline, events=events, translations=())
    if language not in timeline.languages:
        raise ValueError(f"{language} is not one of the timeline's languages")
    events = tuple(_translated(event, language) for event in timeline.events)
    words = next((t for t in timeline.translations if t.language == language), None)
    return replace(
        timeline,
        events=events,
        language=language,
        base_url=f"{timeline.base_url}{language}/",
        title=words.title or timeline.title if words else timeline.title,
        description=words.description or timeline.description if words else timeline.description,
        translations=(),
    )


def _translated(event: Event, language: str) -> Event:
    words = next((t for t in event.translations if t.language == language), None)
    when = DateIn(event.date.start, event.date.precision, event.date.end, language)
    if words is None:
        return replace(event, date=when, translations=())
    return replace(
        event,
        date=when,
        title=words.title or event.title,
        summary=words.summary or event.summary,
        date_note=words.date_note or event.date_note,
        translations=(),
    )
