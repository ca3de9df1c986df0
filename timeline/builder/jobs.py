"""What a build makes: its outputs as jobs that share no fragment (the views and anniversaries,
the page, the news feeds, each archive page), done on one core or shared with a second, each
output put as soon as it is made, and none made again that the memo says is made and the
folder still holds."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from functools import partial

from timeline.builder import second_core
from timeline.builder.memo import NOTHING_MADE, Made, Memo
from timeline.builder.outputs import Folder, Gated, Outputs, Prefixed, holds, holds_one
from timeline.errors import BuildStopped
from timeline.files import Stamp
from timeline.model import History, Timeline, event_path
from timeline.model.languages import in_language
from timeline.render import channel, embed, feeds, formats, html, ical, jsonfeed, news, opml, own_pages, pages
from timeline.render.fragments import Key, lent
from timeline.render.pieces import Content, Pieces


def render_into(
    outputs: Outputs,
    timeline: Timeline,
    history: History,
    today: date | None,
    memo: Memo,
    *,
    parallel: bool = False,
    first: Callable[[], None] | None = None,
    keep: bool = True,
    stop: Callable[[], bool] = lambda: False,
    with_own_pages: bool = True,
) -> None:
    """Make every output and put it into `outputs`, skipping those the memo says are made and
    `outputs` still holds; `first` is done before any output is put. With `parallel`, a second
    core (see timeline.builder.second_core) makes some of them and puts them itself once `first` is done
    here; the bytes are the same. Without `keep`, what the second core made is not handed
    back to the memo: a build that ends the process (`timeline build`) has no use for it.
    Between outputs, BuildStopped is raised once `stop()` says so (a second core is stopped).
    Without `with_own_pages`, the events' own pages and calendars are left to be made when
    asked for (timeline.render.own_pages).

    The renderers reuse the fragments the memo remembers (timeline.render.fragments)."""
    with lent(memo):
        _render_into(outputs, timeline, history, today, memo, parallel, first, keep, stop, with_own_pages)
    for language in timeline.languages[1:]:
        _render_language(outputs, timeline, history, today, memo, language, stop, with_own_pages)


def _render_language(
    outputs: Outputs,
    timeline: Timeline,
    history: History,
    today: date | None,
    memo: Memo,
    language: str,
    stop: Callable[[], bool],
    with_own_pages: bool,
) -> None:
    """Every output of the timeline as published in another of its languages, under its folder
    (`vi/`), from that language's history, with that language's memo (on one core: a second
    language is half the work of a cold build, not worth a fork of its own)."""
    projected = in_language(timeline, language)
    spoken = memo.in_language(language)
    spoken.within(settings(projected))
    with lent(spoken):
        _render_into(
            Prefixed(outputs, f"{language}/"),
            projected,
            history.in_language(language),
            today,
            spoken,
            False,
            None,
            True,
            stop,
            with_own_pages,
        )


def settings(timeline: Timeline) -> tuple[object, ...]:
    """Every setting of the timeline's header: what every fragment is made under. The events
    and the articles are not settings: a fragment's key names the events it is made from, and
    an article reaches a renderer only through its events' sources."""
    return tuple(getattr(timeline, name) for name in _SETTINGS)


_SETTINGS = tuple(field.name for field in fields(Timeline) if field.name not in ("events", "articles"))


def _render_into(
    outputs: Outputs,
    timeline: Timeline,
    history: History,
    today: date | None,
    memo: Memo,
    parallel: bool,
    first: Callable[[], None] | None,
    keep: bool,
    stop: Callable[[], bool],
    with_own_pages: bool,
) -> None:
    jobs = _jobs(timeline, history, today, memo, stop, with_own_pages)
    if not (parallel and second_core.available()):
        try:
            if first is not None:
                first()
            for job in jobs:
                unless_stopped(stop)
                job(outputs)
        finally:
            outputs.settle()  # nothing is left being put when a build ends, even in failure
        return
    mark = memo.mark()
    gate = second_core.Gate()
    # Each job goes to whichever core is free, so that neither waits long for the other.
    shares = second_core.Shares(len(jobs))

    def here() -> None:
        if first is not None:
            first()
        gate.open()
        for number in shares.take():
            unless_stopped(stop)
            jobs[number](outputs)

    def there() -> tuple[object, Made]:
        # Done here instead when the worker failed: then this process asks as itself, and the
        # jobs it did already are remembered.
        if shares.in_worker:
            memo.in_worker()
        # Its outputs wait for `first` (the history written), its rendering does not.
        gated = Gated(outputs, gate.wait)
        for number in shares.for_worker():
            jobs[number](gated)
        gated.settle()
        return gated.handover(), memo.made_since(mark) if keep else NOTHING_MADE

    try:
        _, (handed, made) = second_core.both(here, there)
    finally:
        gate.close()
        shares.close()
        outputs.settle()  # this process's outputs, put while the worker did its part
    outputs.take(handed)
    memo.adopt(made)


def unless_stopped(stop: Callable[[], bool]) -> None:
    if stop():
        raise BuildStopped("the build stopped before all outputs were made: the daemon is stopping")


def _jobs(
    timeline: Timeline,
    history: History,
    today: date | None,
    memo: Memo,
    stop: Callable[[], bool],
    with_own_pages: bool,
) -> list[Callable[[Outputs], None]]:
    """The outputs to make, in groups that share no fragment with each other, the largest first
    (the second core starts on the first while this one writes the history)."""
    archive = channel.archive_pages(timeline, history)
    periods = _period_parts(timeline, history, with_own_pages)
    return [
        # All views and then the anniversaries: a tag's calendar and feeds reuse the VEVENTs and
        # entries of the whole, and an anniversary was made with its event's VEVENT.
        partial(_render_calendars, timeline=timeline, history=history, memo=memo, stop=stop),
        partial(_render_page, timeline=timeline, history=history, memo=memo),
        partial(_render_news, timeline=timeline, history=history, today=today, memo=memo),
        *(partial(_render_archive, page=page, memo=memo) for page in archive),
        *(partial(_render_period, part=part, memo=memo) for part in periods),
        partial(_render_removed, timeline=timeline, history=history, memo=memo),
    ]


@dataclass(frozen=True)
class _PeriodPart:
    """One page by period with its events' own pages, and what they show besides the events."""

    timeline: Timeline
    history: History
    period: pages.Period
    year: pages.Period | None  # the year a month belongs to
    before: pages.Period | None
    after: pages.Period | None
    with_own_pages: bool  # its events' own pages and calendars too (else made when asked for)

    @property
    def key(self) -> Key:
        every = self.history.versions_of(self.timeline.events)
        versions = tuple(every[place] for place in self.period.places)
        around = tuple((p.name, p.label) if p else None for p in (self.year, self.before, self.after))
        months = tuple((month.name, month.label, len(month.places)) for month in self.period.months)
        # The VTIMEZONEs of the events' own calendars cover the timeline's years.
        years = ical.timezone_years(self.timeline)
        return Key(("period", self.period.name, years, around, months, versions, self.with_own_pages))

    def render(self) -> dict[str, Content]:
        timeline, period, events = self.timeline, self.period, self.timeline.events
        made: dict[str, Content] = {}
        for place in period.places if self.with_own_pages else ():
            made.update(own_pages.outputs(timeline, self.history, own_pages.Place(place, period, self.year)))
        listed = [pages.article(events[place], timeline, "../").encode() for place in period.places]
        page = pages.period_page(period, timeline, listed, self.before, self.after, self.year)
        made[period.path] = Pieces(page)
        return made


def _period_parts(timeline: Timeline, history: History, with_own_pages: bool) -> list[_PeriodPart]:
    """Each page by period (a year, or a month of a split year) with its neighbours, and with
    its events' own pages unless those are made when asked for."""
    years = pages.periods(timeline)
    parts = []
    for number, year in enumerate(years):
        before = years[number - 1] if number else None
        after = years[number + 1] if number + 1 < len(years) else None
        parts.append(_PeriodPart(timeline, history, year, None, before, after, with_own_pages))
        months = year.months
        for at, month in enumerate(months):
            earlier = months[at - 1] if at else None
            later = months[at + 1] if at + 1 < len(months) else None
            parts.append(_PeriodPart(timeline, history, month, year, earlier, later, with_own_pages))
    return parts


def _render_removed(outputs: Outputs, *, timeline: Timeline, history: History, memo: Memo) -> None:
    """The pages of the events removed, until they are forgotten."""
    removed = history.removed()
    key = ("removed pages", tuple(r.version for r in removed))

    def make() -> dict[str, Content]:
        return {event_path(r.event_id): pages.removed_page(r, timeline) for r in removed}

    _publish(outputs, memo, key, make)


def _render_period(outputs: Outputs, *, part: _PeriodPart, memo: Memo) -> None:
    # Made again only when one of its events (or a neighbour's name) changed; the event pages
    # whose bytes stay the same are not written again. Its page stands for its events' pages,
    # written with it: a page deleted by hand comes back with the next change to its period
    # or the next `timeline build`, which compares every byte.
    _publish(outputs, memo, part.key, part.render, valid=partial(holds_one, outputs, name=part.period.path))


def _publish(
    outputs: Outputs,
    memo: Memo,
    key: Hashable,
    make: Callable[[], Mapping[str, Content]],
    valid: Callable[[dict[str, Stamp | None]], bool] | None = None,
) -> None:
    """Put what `make` makes, unless the memo knows it under `key` and `outputs` still holds it
    (`valid` says, by default holds())."""

    def put() -> dict[str, Stamp | None]:
        return {name: outputs.put(name, data) for name, data in make().items()}

    memo.get(key, put, valid=valid or partial(holds, outputs))


def render_unless_unchanged(
    folder: Folder,
    timeline: Timeline,
    history: History,
    today: date,
    memo: Memo,
    parallel: bool,
    first: Callable[[], None],
    keep: bool,
    stop: Callable[[], bool],
    with_own_pages: bool,
) -> None:
    """render_into(), `first` first, unless this very timeline and history were published for
    `today` by the last build and every output is still as it left it: then a rebuild costs a
    stat a file."""

    def render() -> tuple[Timeline, History, dict[str, Stamp]]:
        render_into(
            folder,
            timeline,
            history,
            today,
            memo,
            parallel=parallel,
            first=first,
            keep=keep,
            stop=stop,
            with_own_pages=with_own_pages,
        )
        return timeline, history, dict(folder.stamps)

    def unchanged(built: tuple[Timeline, History, dict[str, Stamp]]) -> bool:
        made_from, with_history, stamps = built
        return made_from is timeline and with_history is history and holds(folder, stamps)

    # Keyed by identity: the reloader and update() hand back the very same objects when nothing
    # changed, and the value holds them, so no other object can have their ids meanwhile.
    memo.get(("build", id(timeline), id(history), today, with_own_pages), render, valid=unchanged)


def _render_view(
    timeline: Timeline, history: History, view: channel.View, selected: Timeline
) -> dict[str, Content]:
    """A view's feeds and calendar: the view formats of the registry."""
    return formats.render_view(formats.ViewToRender(timeline, history, view, selected))


def _render_views(
    outputs: Outputs, *, timeline: Timeline, history: History, memo: Memo, stop: Callable[[], bool]
) -> None:
    """Each view's feeds and calendar: the whole timeline's and each tag's (a stop is heeded
    between views: there are hundreds of them)."""
    views = channel.views(timeline)
    # Everything a view's outputs depend on besides its events and the timeline's settings (the
    # main feed links the last archive page): a view whose events did not change since the last
    # build is not made again.
    years = ical.timezone_years(timeline)
    archive = channel.archive_page_count(timeline, history)
    for view, selected in zip(views, channel.select_each(timeline, views), strict=True):
        removed = tuple(r.version for r in view.removed(history))
        versions = history.versions_of(selected.events)
        key = Key(("view", view, years, archive if view.stem == "timeline" else 0, versions, removed))
        unless_stopped(stop)
        _publish(outputs, memo, key, partial(_render_view, timeline, history, view, selected))


def _render_news(
    outputs: Outputs, *, timeline: Timeline, history: History, today: date | None, memo: Memo
) -> None:
    """The changes feed, the OPML list and, with `today`, the dated outputs."""
    changes = news.changes_channel(timeline, history)
    made = feeds.render(changes, formats=("atom",))
    made.update(jsonfeed.render(changes))
    extra = (("changes", changes.title), ("on-this-day", f"{timeline.title}: on this day"))
    made.update(opml.render(timeline, channel.views(timeline), extra))
    for name, data in made.items():
        outputs.put(name, data)
    if today is not None:
        announced = news.anniversaries_announced(timeline, today)
        version_of = history.versions()
        events = tuple((day, index, version_of[event.id], years) for day, index, event, years in announced)
        key = ("on-this-day", today, events)
        _publish(outputs, memo, key, partial(_render_on_this_day, timeline, today, announced))


def _render_on_this_day(
    timeline: Timeline, today: date, announced: list[news.Anniversary]
) -> dict[str, bytes]:
    on_this_day = news.on_this_day_channel(timeline, today, announced)
    return {**feeds.render(on_this_day), **jsonfeed.render(on_this_day)}


def _render_page(outputs: Outputs, *, timeline: Timeline, history: History, memo: Memo) -> None:
    _publish(outputs, memo, html.key(timeline, history), partial(html.render, timeline, history))
    _publish(outputs, memo, embed.key(timeline, history), partial(embed.render, timeline, history))


def _render_calendars(
    outputs: Outputs, *, timeline: Timeline, history: History, memo: Memo, stop: Callable[[], bool]
) -> None:
    """The views (their feeds and calendars), then the anniversaries."""
    _render_views(outputs, timeline=timeline, history=history, memo=memo, stop=stop)
    key = ical.anniversaries_key(timeline, history)
    _publish(outputs, memo, key, partial(ical.anniversaries, timeline, history))


def _render_archive(outputs: Outputs, *, page: channel.ArchivePage, memo: Memo) -> None:
    # An archive page is rewritten only when one of its entries changed.
    _publish(outputs, memo, page.key, partial(_archive_document, page))


def _archive_document(page: channel.ArchivePage) -> dict[str, bytes]:
    made = page.channel()
    return {**feeds.render(made, ("atom",)), **jsonfeed.render(made)}
