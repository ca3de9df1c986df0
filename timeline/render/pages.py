"""Each event's own page (events/<id>.html) and the pages by period (years/<year>.html, and
years/<year>-<month>.html for a year too full for one page), which the timeline page leads to.

Written here rather than as templates: there is a page for every event, and Jinja2's per-call
overhead was two thirds of the cost of the old page that held them all. Every user string is
escaped and isolated in a <bdi> (a right-to-left override in a title must not reverse the text
after it). Links between pages are relative, so that the site reads the same wherever it is put
(behind the daemon, nginx or a file:// folder); what is addressed from outside is absolute.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from itertools import groupby

from timeline.model import (
    Certainty,
    Event,
    Geo,
    Image,
    Precision,
    Revision,
    Status,
    Timeline,
    degrees,
    event_index,
    event_path,
    remembered,
)
from timeline.model.languages import Words, day_in, language_name, words
from timeline.render import event_links, prose
from timeline.render.formats import VIEW_FORMATS

PERIOD_LIMIT = 200  # events on one period page: a year with more is shown month by month
STYLE = "style.css"
_TRAIL = " \u203a "  # between the links of a page's trail
# The pages other than the timeline's own run no script and load nothing but the style sheet.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data: https: http:; base-uri 'none'; "
    "form-action 'none'"
)


@dataclass(frozen=True)
class Period:
    """The events of one page by period, in the timeline's order."""

    name: str  # "2011", or "2011-12" for a month of a year split by month: years/<name>.html
    label: str  # "2011", "December 2011"
    places: tuple[int, ...]  # the events' places in timeline.events
    months: tuple[Period, ...] = ()  # a split year's months; its own places are its year-only events

    @property
    def path(self) -> str:
        return f"years/{self.name}.html"

    @property
    def size(self) -> int:
        """Its events and its months'."""
        return len(self.places) + sum(len(month.places) for month in self.months)


def periods(timeline: Timeline) -> tuple[Period, ...]:
    """The pages by period, oldest first: one a year, and one a month besides in a year of more
    than PERIOD_LIMIT events (the year's page then lists its months and its year-only events).
    Worked out once a timeline: the timeline's page and the builder's jobs both ask."""
    return remembered(timeline, "_periods", _periods)


def _periods(timeline: Timeline) -> tuple[Period, ...]:
    events = timeline.events
    found = []
    start = 0
    for year, same in groupby(event_index(timeline).years):
        count = len(list(same))
        places = range(start, start + count)
        start += count
        name = f"{year:04d}"
        if count <= PERIOD_LIMIT:
            found.append(Period(name, name, tuple(places)))
            continue
        whole_year = tuple(p for p in places if events[p].date.precision is Precision.YEAR)
        by_month = [p for p in places if events[p].date.precision is not Precision.YEAR]
        months = tuple(
            Period(f"{name}-{month:02d}", f"{calendar.month_name[month]} {name}", tuple(within))
            for month, within in groupby(by_month, key=lambda p: events[p].date.start.month)
        )
        found.append(Period(name, name, whole_year, months))
    return tuple(found)


def event_page(event: Event, timeline: Timeline, period: Period, year: Period | None = None) -> bytes:
    """The event's own page: its date, status, summary, place, the note on its date, its tags and
    every source with its quote, under a trail back to its period (`year`: the year a month
    belongs to) and the timeline."""
    up = "../"
    say = words(timeline.language)
    crumbs = [f'<a href="{up}index.html"><bdi>{escape(timeline.title)}</bdi></a>']
    if year is not None:
        crumbs.append(f'<a href="{up}{year.path}">{escape(year.label)}</a>')
    crumbs.append(f'<a href="{up}{period.path}">{escape(period.label)}</a>')
    title = f"{prose.isolated(event.headline())} · {prose.isolated(timeline.title)}"
    data = f'<script type="application/ld+json">\n{event_links.json_ld(event, timeline)}\n</script>\n'
    data += event_links.open_graph(event, timeline)
    head = page_head(timeline, title, event.summary, timeline.event_url(event.id), up, data)
    body = article(event, timeline, up, own_page=True)
    trail = say("Where this is")
    return (
        f"{head}<body>\n"
        f'<nav class="crumbs" aria-label="{trail}">{_TRAIL.join(crumbs)}</nav>\n'
        f"<main>\n{body}\n{_add_to_calendar(event, timeline)}</main>\n{footer(timeline)}"
    ).encode()


def calendar_path(event_id: str) -> str:
    """Where the calendar of the one event is, beside its page."""
    return f"events/{event_id}.ics"


def webcal(timeline: Timeline, path: str) -> str:
    """The address a calendar app subscribes to: the calendar's, with webcal:// for its scheme."""
    return "webcal://" + timeline.url(path).split("://", 1)[1]


def _add_to_calendar(event: Event, timeline: Timeline) -> str:
    say = words(timeline.language)
    links = [
        (f"{event.id}.ics", say("Download this event (.ics)"), ' download=""'),
        (event_links.google_calendar(event, timeline), say("Add to Google Calendar"), ' rel="noopener"'),
        (event_links.outlook(event, timeline), say("Add to Outlook"), ' rel="noopener"'),
        (webcal(timeline, "timeline.ics"), say("Subscribe to the whole timeline"), ""),
    ]
    items = "".join(f'<li><a href="{escape(url)}"{extra}>{name}</a></li>' for url, name, extra in links)
    heading = say("Add to your calendar")
    return (
        f'<section class="add" aria-labelledby="add-title">\n<h2 id="add-title">{heading}</h2>\n'
        f'<ul class="add-links">{items}</ul>\n</section>\n'
    )


def removed_page(revision: Revision, timeline: Timeline) -> bytes:
    """The page of an event taken out of the timeline, kept while calendars still hear that it was
    cancelled (see Timeline.removed_grace_days): what it was and when it went, so that a link a
    reader kept does not end in an error."""
    up = "../"
    say = words(timeline.language)
    when = day_in(timeline, revision.removed) if revision.removed is not None else ""
    title = say("Removed: {title}", title=prose.isolated(revision.title))
    title += f" · {prose.isolated(timeline.title)}"
    canonical = timeline.event_url(revision.event_id)
    description = say("Removed from {timeline}", timeline=timeline.title)
    head = page_head(timeline, title, description, canonical, up)
    trail, removed = say("Where this is"), say("removed")
    gone = say("This event was removed from the timeline on {day}.", day=when)
    return (
        f"{head}<body>\n"
        f'<nav class="crumbs" aria-label="{trail}"><a href="{up}index.html">'
        f"<bdi>{escape(timeline.title)}</bdi></a></nav>\n"
        f'<main>\n<article class="event removed" id="{escape(revision.event_id)}">\n'
        f'<p class="when">{escape(revision.date.label())}'
        f'<span class="badge cancelled">{removed}</span></p>\n'
        f"<h1><bdi>{escape(revision.title)}</bdi></h1>\n"
        f"<p>{gone}</p>\n</article>\n</main>\n"
        f"{footer(timeline)}"
    ).encode()


def period_page(
    period: Period,
    timeline: Timeline,
    articles: list[bytes],
    before: Period | None,
    after: Period | None,
    year: Period | None = None,
) -> list[bytes]:
    """A period's page in pieces: its events' `articles` (see article(), made with "../"), the
    months of a split year, links to the periods `before` and `after` it; `year` is the year a
    month belongs to."""
    up = "../"
    say = words(timeline.language)
    crumbs = [f'<a href="{up}index.html"><bdi>{escape(timeline.title)}</bdi></a>']
    if year is not None:
        crumbs.append(f'<a href="{year.name}.html">{escape(year.label)}</a>')
    title = f"{period.label} · {prose.isolated(timeline.title)}"
    description = say.plural(
        "{count} event of {timeline} in {period}",
        "{count} events of {timeline} in {period}",
        period.size,
        timeline=timeline.title,
        period=period.label,
    )
    head = page_head(timeline, title, description, timeline.url(period.path), up)
    months = ""
    if period.months:
        links = "".join(
            f'<li><a href="{month.name}.html">{escape(month.label)}</a> '
            f'<span class="count">({len(month.places)})</span></li>'
            for month in period.months
        )
        by_month, whole_year = say("By month"), say("In the year as a whole")
        months = f'<h2>{by_month}</h2>\n<ul class="periods">{links}</ul>\n'
        if period.places:
            months += f"<h2>{whole_year}</h2>\n"
    pager = ""
    for rel, other, arrow in (("prev", before, "← "), ("next", after, "")):
        if other is not None:
            label = f"{arrow}{escape(other.label)}{'' if arrow else ' →'}"
            pager += f'<a rel="{rel}" href="{other.name}.html">{label}</a>'
        else:
            pager += "<span></span>"
    trail, other_periods = say("Where this is"), say("Other periods")
    return [
        (
            f'{head}<body class="h-feed">\n'
            f'<nav class="crumbs" aria-label="{trail}">{_TRAIL.join(crumbs)}</nav>\n'
            f'<main>\n<h1 class="p-name">{escape(period.label)}</h1>\n'
            f'<p class="count">{escape(description)}</p>\n{months}<ol class="events">\n'
        ).encode(),
        *(piece for made in articles for piece in (made, b"\n")),
        f'</ol>\n<nav class="pager" aria-label="{other_periods}">{pager}</nav>\n</main>\n'
        f"{footer(timeline)}".encode(),
    ]


def osm_link(geo: Geo) -> str:
    """The point on OpenStreetMap, marked, at a city's zoom."""
    lat, lon = degrees(geo.lat), degrees(geo.lon)
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=12/{lat}/{lon}"


def _on_the_map(geo: Geo, say: Words) -> str:
    how = ""
    if geo.certainty is not Certainty.STATED:
        how = f' <span class="badge inferred">{certainty_word(geo.certainty, say)}</span>'
    note = f" <bdi>{escape(geo.note)}</bdi>" if geo.note else ""
    on_the_map = say("On the map:")
    return (
        f'<p class="map"><strong>{on_the_map}</strong> <a href="{escape(osm_link(geo))}">'
        f"{degrees(geo.lat)}, {degrees(geo.lon)}</a>{how}{note}</p>"
    )


def _figure(image: Image, say: Words) -> str:
    credit = ""
    if image.credit:
        credit = say("Picture:")
        credit = f"<figcaption>{credit} <bdi>{escape(image.credit)}</bdi></figcaption>"
    return (
        f'<figure><img src="{escape(image.url)}" alt="{escape(image.alt)}" loading="lazy" '
        f'decoding="async">{credit}</figure>'
    )


def article(event: Event, timeline: Timeline, up: str, *, own_page: bool = False) -> str:
    """One event as a page lists it (<li> and <article>, its heading a link to its page, its
    sources folded), or as its own page shows it (own_page: an <h1>, every source open). `up`
    leads from the page it is on to the site's top ("" or "../")."""
    say = words(timeline.language)
    inferred = event.certainty is not Certainty.STATED
    classes = (
        "event" + (" inferred" if inferred else "") + (" planned" if event.status is Status.PLANNED else "")
    )
    classes += " h-entry h-event"  # microformats2: IndieWeb readers and Bridgy Fed read events so
    extras, sources = _extras(event, timeline, say), _sources(event)
    count = len(event.sources)
    identifier = escape(event.id)
    dated = prose.date_json(event.date)
    end = f'<data class="dt-end" value="{escape(dated["end"])}"></data>' if "end" in dated else ""
    when = (
        f'        <p class="when"><time class="dt-start" datetime="{escape(dated["start"])}">'
        f"{escape(event.date.label())}</time>{end}\n{badges(event, say)}        </p>\n"
    )
    # An event not (wholly) translated into the page's language: its words in theirs, said so.
    lang = f' lang="{escape(event.words_in)}"' if event.words_in else ""
    summary = f'        <p class="p-summary"{lang}><bdi>{escape(event.summary)}</bdi></p>\n' + _untranslated(
        event, timeline, say
    )
    if own_page:
        heading = say.plural("Source", "Sources", count)
        # Its address and who publishes it, for a reader of microformats (shown nowhere).
        site, name = escape(timeline.url("")), escape(timeline.title)
        own = (
            f'        <data class="u-url u-uid" value="{escape(timeline.event_url(event.id))}"></data>'
            f'<a class="p-author h-card" href="{site}" hidden>{name}</a>\n'
        )
        return (
            f'<article class="{classes}" id="{identifier}">\n{when}'
            f'        <h1 class="p-name"{lang}><bdi>{escape(event.title)}</bdi></h1>\n'
            f"{own}{summary}{extras}"
            f"        <h2>{heading}</h2>\n{sources}</article>"
        )
    folded = say.plural("Source ({count})", "Sources ({count})", count)
    link = f'<a class="u-url" href="{up}{event_path(identifier)}"><bdi>{escape(event.title)}</bdi></a>'
    return (
        "    <li>\n"
        f'      <article class="{classes}" id="{identifier}">\n{when}'
        f'        <h3 class="p-name"{lang}>{link}</h3>\n'
        f"{summary}"
        f"{extras}        <details>\n"
        f"          <summary>{folded}</summary>\n"
        f"{sources}"
        "        </details>\n"
        "      </article>\n"
        "    </li>"
    )


def _untranslated(event: Event, timeline: Timeline, say: Words) -> str:
    """The note on an event whose words the page's language lacks, shown as written."""
    if not event.words_in:
        return ""
    note = say(
        "Not yet translated: shown as written, in {original}.",
        original=language_name(event.words_in, timeline.language),
    )
    return f'        <p class="untranslated">{escape(note)}</p>\n'


def badges(event: Event, say: Words) -> str:
    """What the date's line says of the event besides its date: inferred, planned, cancelled."""
    badges = ""
    if event.certainty is not Certainty.STATED:
        badges += f'<span class="badge inferred">{certainty_word(event.certainty, say)}</span>'
    if event.status is Status.PLANNED:
        badges += '<span class="badge planned">' + say("planned") + "</span>"
    if event.status is Status.CANCELLED:
        badges += '<span class="badge cancelled">' + say("cancelled") + "</span>"
    return badges


def certainty_word(certainty: Certainty, say: Words) -> str:
    """How a date or a place not stated by the articles is marked."""
    return say("inferred") if certainty is Certainty.INFERRED else say("approximate")


def _extras(event: Event, timeline: Timeline, say: Words) -> str:
    """What an event may have besides its title and summary: its place, its point on the map,
    the note on its date, its tags, its picture."""
    extras = ""
    if event.location:
        where = say("Where:")
        place = f'<span class="p-location"><bdi>{escape(event.location)}</bdi></span>'
        extras += f'<p class="where"><strong>{where}</strong> {place}</p>'
    if event.geo:
        extras += _on_the_map(event.geo, say)
    if event.date_note:
        note, about = escape(event.date_note), say("About the date:")
        extras += f'<p class="note"><strong>{about}</strong> <bdi>{note}</bdi></p>'
    if event.tags:
        links = "".join(_category(tag, timeline) for tag in event.tags)
        extras += f'<p class="event-tags">{links}</p>'
    if event.image:
        extras += _figure(event.image, say)
    return extras


def _category(tag: str, timeline: Timeline) -> str:
    """A tag, linked to its feed."""
    feed = escape(timeline.url(f"tags/{tag}.atom"))
    return f'<a href="{feed}">#<span class="p-category">{escape(tag)}</span></a>'


def _sources(event: Event) -> str:
    """Each source's quote and the article it is from, linked where the article has an address."""
    sources = ""
    for source in event.sources:
        name = f"<bdi>{escape(prose.source_name(source))}</bdi>"
        if source.article.url:
            name = f'<a href="{escape(source.article.url)}">{name}</a>'
        sources += (
            f"          <blockquote><bdi>{escape(source.quote)}</bdi></blockquote>\n"
            f"          <cite>{name}</cite>\n"
        )
    return sources


def page_head(
    timeline: Timeline, title: str, description: str, canonical: str, up: str, data: str = ""
) -> str:
    opening, alternates = remembered(timeline, "_page_head", _site_head)
    path = canonical.removeprefix(timeline.base_url)
    languages = "".join(
        f'<link rel="alternate" hreflang="{escape(language)}" href="{escape(url)}">\n'
        for language, url in in_languages(timeline, path)
    )
    return (
        f"{opening}<title>{escape(title)}</title>\n"
        f'<meta name="description" content="{escape(description)}">\n'
        f'<link rel="canonical" href="{escape(canonical)}">\n'
        f'<link rel="stylesheet" href="{up}{STYLE}">\n{alternates}{languages}{data}</head>\n'
    )


def in_languages(timeline: Timeline, path: str) -> list[tuple[str, str]]:
    """(language, address) of the page at `path` in each of the timeline's languages, and
    "x-default" for the default one's: none for a timeline of one language."""
    if len(timeline.languages) < 2:
        return []
    found = [(language, timeline.url_in(language, path)) for language in timeline.languages]
    return [*found, ("x-default", found[0][1])]


def _site_head(timeline: Timeline) -> tuple[str, str]:
    """What every page's head says of the site, before its title and after its style sheet:
    made once a timeline, not once a page."""
    opening = (
        f'<!doctype html>\n<html lang="{escape(timeline.language)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
        '<meta name="referrer" content="strict-origin-when-cross-origin">\n'
    )
    words_of = words(timeline.language)  # the formats' short names, marked in the registry
    alternates = "".join(
        f'<link rel="alternate" type="{f.essence}" title="{escape(timeline.title)} ({words_of(f.short)})" '
        f'href="{escape(timeline.url(f"timeline.{f.suffix}"))}">\n'
        for f in VIEW_FORMATS
    )
    return opening, alternates


def footer(timeline: Timeline) -> str:
    """What every page but the timeline's ends with."""
    said = words(timeline.language)(
        "Made with timeline. Every date says how precisely it is known; dates the sources do not "
        "state are marked and explained."
    )
    return f"<footer>\n  <p>{said}</p>\n</footer>\n</body>\n</html>\n"


def escape(text: str) -> str:
    """markupsafe.escape's result as plain text, without making a Markup object for each of a
    million strings at 100,000 events (the tests compare the two)."""
    if _SPECIAL.search(text) is None:
        return text
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


_SPECIAL = re.compile("[&<>'\"]")
