"""The time axis at the top of the timeline page: inline SVG drawn to scale at build time.

Every event is a mark linking to its entry: a dot for a day or a time, a bar for a month, a year
or a range, hollow and dashed when the date is inferred or approximate. Marks are packed into
lanes so that none overlap; labels are drawn only where a lane has room for them; past the last
lane, marks in the same stretch of the axis are gathered into one "+N" cluster. So it reads the
same with three events or thousands.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from html import escape
from itertools import groupby
from operator import itemgetter

from timeline.model import Certainty, Event, Precision, Status, Timeline, event_index, event_path
from timeline.model.languages import words
from timeline.render.fragments import Key, fragment
from timeline.render.prose import isolated

WIDTH = 1000
MARGIN = 24
LANE_HEIGHT = 16
AXIS_HEIGHT = 30
MAX_LANES = 10
LABEL_CHAR = 6.2  # average width of a character of the 11px label font
MAX_LABELS = 60  # beyond this many events, labels would be noise: tooltips and the list remain
CLUSTER_WIDTH = 24
_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)


@dataclass(frozen=True)
class _Mark:
    event: Event
    x1: float
    x2: float
    lane: int
    label: str | None
    label_at: str = "right"  # right of the mark, inside a wide bar, or left of the mark


def svg(timeline: Timeline) -> str:
    """The axis as an <svg> element; every text in it is escaped.

    The lanes are a fragment (see timeline.render.fragments) of the dates they were packed
    from (and the titles, while labels are drawn): an edit that moves no date draws the marks
    again, nothing more."""
    events = timeline.events  # in chronological order, the first first
    if not events:
        return ""
    spans = event_index(timeline).spans
    first = spans[0][0].year
    last = max(map(itemgetter(1), spans))
    end_year = last.year if (last.month, last.day) == (1, 1) else last.year + 1
    start, end = date(first, 1, 1), date(max(end_year, first + 1), 1, 1)
    span = (end - start).days

    def x(day: date) -> float:
        return MARGIN + (day - start).days / span * (WIDTH - 2 * MARGIN)

    with_labels = len(events) <= MAX_LABELS
    key = Key(("axis", start, end, spans, tuple(e.title for e in events) if with_labels else None))
    layout = fragment(key, lambda: _pack(events, spans, x, with_labels))
    marks = [
        _Mark(events[index], x1, x2, lane, label, place) for index, x1, x2, lane, label, place in layout[0]
    ]
    clusters = [
        (
            x1,
            len(members),
            ", ".join(f"{events[i].date.label()}: {isolated(events[i].title)}" for i in members[:20]),
        )
        for x1, members in layout[1]
    ]
    lanes = max((m.lane for m in marks), default=0) + 1 + (1 if clusters else 0)
    height = lanes * LANE_HEIGHT + AXIS_HEIGHT + 8
    axis_y = lanes * LANE_HEIGHT + 8
    drawn = words(timeline.language).plural(
        "{count} event from {first} to {last}, drawn to scale",
        "{count} events from {first} to {last}, drawn to scale",
        len(events), first=first, last=end.year - 1,
    )  # fmt: skip
    out = [
        f'<svg class="axis" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="axis-title" preserveAspectRatio="xMinYMin meet">',
        f'<title id="axis-title">{drawn}</title>',
        f'<line class="axis-line" x1="{MARGIN}" y1="{axis_y}" x2="{WIDTH - MARGIN}" y2="{axis_y}"/>',
    ]
    step = _step(end.year - first)
    for year in range(first - first % step + (step if first % step else 0), end.year + 1, step):
        tick = x(date(year, 1, 1))
        out.append(
            f'<line class="tick" x1="{tick:.1f}" y1="{axis_y}" x2="{tick:.1f}" y2="{axis_y + 5}"/>'
            f'<text class="tick-label" x="{tick:.1f}" y="{axis_y + 18}">{year}</text>'
        )
    for mark in marks:
        out.append(_mark(mark, timeline))
    for x1, count, names in clusters:
        cy = (lanes - 1) * LANE_HEIGHT + 12
        out.append(
            f'<g class="cluster"><title>{escape(names)}</title>'
            f'<rect x="{x1:.1f}" y="{cy - 7}" width="{CLUSTER_WIDTH}" height="14" rx="7"/>'
            f'<text x="{x1 + CLUSTER_WIDTH / 2:.1f}" y="{cy + 4}">+{count}</text></g>'
        )
    out.append("</svg>")
    return "\n".join(out)


_Placement = tuple[int, float, float, int, str | None, str]  # event, x1, x2, lane, label, where


def _pack(
    events: tuple[Event, ...],
    spans: tuple[tuple[date, date], ...],
    scale: Callable[[date], float],
    with_labels: bool,
) -> tuple[list[_Placement], list[tuple[float, list[int]]]]:
    """Lanes for every mark (labels only while they fit), then clusters for what is left over;
    events by their place in `events`, each spanning its `spans`."""
    lane_ends: list[float] = []
    marks: list[_Placement] = []
    overflow: dict[int, list[int]] = {}
    # Where each mark starts: never decreasing, since the events are in order of their first day.
    starts = list(map(scale, map(itemgetter(0), spans)))
    lowest = 0.0  # where the first lane to end does, once every lane is there
    index = 0
    while index < len(events):
        x1 = starts[index]
        if x1 < lowest and not with_labels:
            # No lane is free until `lowest`: every event up to there goes to its cluster at
            # once, as most events of a large timeline do.
            free = bisect.bisect_left(starts, lowest, index)
            for bucket, places in groupby(
                range(index, free), key=lambda at: int(starts[at] // CLUSTER_WIDTH)
            ):
                overflow.setdefault(bucket, []).extend(places)
            index = free
            continue
        placed = _placement(
            events[index].title, x1, max(scale(spans[index][1]), x1 + 8), lane_ends, with_labels
        )
        if placed is None:
            overflow.setdefault(int(x1 // CLUSTER_WIDTH), []).append(index)
        else:
            marks.append((index, *placed))
            if len(lane_ends) == MAX_LANES:
                lowest = min(lane_ends)
        index += 1
    clusters = [(float(bucket * CLUSTER_WIDTH), members) for bucket, members in sorted(overflow.items())]
    return marks, clusters


def _placement(
    title: str, x1: float, x2: float, lane_ends: list[float], with_labels: bool
) -> tuple[float, float, int, str | None, str] | None:
    """A mark from x1 to x2 put in the first lane with room for it (and its label, where labels
    are drawn), which it then fills to its reach; None if no lane has room."""
    # Where a label can go, best first: inside a bar wide enough, to the right, to the left.
    options: list[tuple[str | None, str, float, float]] = []  # label, place, lane must end by, reach
    if with_labels:
        width = len(title) * LABEL_CHAR + 10
        if x2 - x1 >= width + 6:
            options.append((title, "inside", x1, x2 + 4))
        if x2 + width <= WIDTH:
            options.append((title, "right", x1, x2 + width))
        if x1 - width >= 0:
            options.append((title, "left", x1 - width, x2 + 4))
    options.append((None, "right", x1, x2 + 4))
    for label, place, start, reach in options:
        lane = _free_lane(lane_ends, start)
        if lane is None and len(lane_ends) < MAX_LANES:
            lane = len(lane_ends)
            lane_ends.append(0.0)
        if lane is not None:
            lane_ends[lane] = reach
            return x1, x2, lane, label, place
    return None


def _free_lane(lane_ends: list[float], start: float) -> int | None:
    """The first lane free from `start` on."""
    for lane, lane_end in enumerate(lane_ends):
        if lane_end <= start:
            return lane
    return None


def _mark(mark: _Mark, timeline: Timeline) -> str:
    event = mark.event
    classes = ["mark"]
    if event.certainty is not Certainty.STATED:
        classes.append("inferred")
    if event.status is Status.PLANNED:
        classes.append("planned")
    if event.status is Status.CANCELLED:
        classes.append("cancelled")
    cy = mark.lane * LANE_HEIGHT + 12
    tooltip = escape(f"{event.date_label()}: {isolated(event.title)}")
    if event.date.precision in (Precision.DAY, Precision.TIME) and not event.date.is_range:
        shape = f'<circle cx="{mark.x1 + 4:.1f}" cy="{cy}" r="4.5"/>'
    else:
        shape = f'<rect x="{mark.x1:.1f}" y="{cy - 4}" width="{mark.x2 - mark.x1:.1f}" height="8" rx="4"/>'
    label = ""
    if mark.label:
        if mark.label_at == "inside":
            where = f'x="{mark.x1 + 6:.1f}" class="inside"'
        elif mark.label_at == "left":
            where = f'x="{mark.x1 - 5:.1f}" text-anchor="end"'
        else:
            where = f'x="{mark.x2 + 5:.1f}"'
        label = f'<text {where} y="{cy + 4}">{escape(isolated(mark.label))}</text>'
    href = escape(event_path(event.id))  # the axis is on the timeline's page, at the top
    return f'<a href="{href}" class="{" ".join(classes)}"><title>{tooltip}</title>{shape}{label}</a>'


def _step(years: int) -> int:
    """Years between tick labels: no more than about a dozen labels."""
    return next((step for step in _STEPS if years / step <= 12), _STEPS[-1])
