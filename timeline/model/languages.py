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

The outputs' own words (a heading, "inferred", how to subscribe), as opposed to the events',
are English as the code writes them, and in another language from its gettext catalog,
timeline/locale/<language>.po, read with Babel (words()). A language without a catalog, or a
text its catalog does not give, is said in English; tests/render/test_words.py holds every
shipped catalog to every text the code and the templates say. In the code, `say =
words(timeline.language)`, then `say("Sources")`, `say("{count} events", count=n)` and
`say.plural("Source", "Sources", n)`; a text kept to be said later is `marked("Atom feed")`.
Babel's extractor finds them all by those names (KEYWORDS): never inside an f-string.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache, partial
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from timeline.model.events import Certainty, Event, EventDate, Precision, Timeline
from timeline.model.kept import kept, remembered

# CLDR skeletons by precision: a year, a month of a year, a day.
_SKELETON = {Precision.YEAR: "y", Precision.MONTH: "yMMMM", Precision.DAY: "yMMMMd", Precision.TIME: "yMMMMd"}


@dataclass(frozen=True)
class DateIn(EventDate):
    """An event's date as another language writes it (see label())."""

    language: str = "en"

    def label(self) -> str:
        return self._label

    def certainty_word(self, certainty: Certainty) -> str:
        say = words(self.language)
        return say("inferred") if certainty is Certainty.INFERRED else say("approximate")

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
    # Each event's projection kept on it: the reloader hands an unchanged event on to the next
    # build as it is, and its projection with it (its date's label is Babel's work).
    kept_as = f"_in_{language}_from_{timeline.language}"
    translate = partial(_translated, language=language, default=timeline.language)
    events = tuple(remembered(event, kept_as, translate) for event in timeline.events)
    given = next((t for t in timeline.translations if t.language == language), None)
    return replace(
        timeline,
        events=events,
        language=language,
        base_url=f"{timeline.base_url}{language}/",
        title=given.title or timeline.title if given else timeline.title,
        description=given.description or timeline.description if given else timeline.description,
        translations=(),
    )


def _translated(event: Event, language: str, default: str) -> Event:
    given = next((t for t in event.translations if t.language == language), None)
    when = DateIn(event.date.start, event.date.precision, event.date.end, language)
    if given is None:
        return replace(event, date=when, translations=(), words_in=default)
    whole = given.title and given.summary and (given.date_note or not event.date_note)
    return replace(
        event,
        date=when,
        title=given.title or event.title,
        summary=given.summary or event.summary,
        date_note=given.date_note or event.date_note,
        translations=(),
        words_in=None if whole else default,
    )


LOCALE = Path(__file__).resolve().parent.parent / "locale"
# What Babel's extractor looks for: say(text), say.plural(singular, plural, count); `_` in the
# templates (Jinja2's i18n extension).
KEYWORDS = {
    "say": None,
    "plural": (1, 2),
    "marked": None,
    "marked_plural": (1, 2),
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
}


class Words:
    """The outputs' words in one language."""

    def __init__(self, language: str, translations: gettext.NullTranslations) -> None:
        self.language = language
        self.translations = translations

    def __call__(self, text: str, **values: object) -> str:
        said = self.translations.gettext(text)
        return said.format(**values) if values else said

    def plural(self, singular: str, plural: str, n: int, **values: object) -> str:
        """The text for `n` of something ("1 event", "2 events"): `{count}` in it is `n` (as
        `values` writes it, if it does: "1,200")."""
        return self.translations.ngettext(singular, plural, n).format(**{"count": n, **values})


@cache
def words(language: str) -> Words:
    """The outputs' words in `language` (a BCP 47 tag, as the timeline's header gives it)."""
    path = LOCALE / f"{language}.po"
    if not path.is_file():
        return Words(language, gettext.NullTranslations())
    with path.open("rb") as file:
        catalog = read_po(file)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Words(language, gettext.GNUTranslations(compiled))


def marked(text: str) -> str:
    """`text`, as it is: a word kept in the code (a format's name) and said later, in the
    outputs' language, by say(); marked so that the extractor finds it."""
    return text


def marked_plural(singular: str, plural: str) -> tuple[str, str]:
    """A text for one and for many (see Words.plural), kept to be said later: as marked()."""
    return singular, plural


def language_name(language: str, in_language: str) -> str:
    """The name of `language` as `in_language` writes it, from CLDR: "Tiếng Anh" for en in vi."""
    try:
        return (
            Locale.parse(language.replace("-", "_")).get_display_name(in_language.replace("-", "_"))
            or language
        )
    except (ValueError, LookupError):  # a tag CLDR does not know: as written
        return language


def languages_with_words() -> tuple[str, ...]:
    """The languages a catalog is shipped for, besides English, which the code is written in."""
    return tuple(sorted(path.stem for path in LOCALE.glob("*.po")))
