"""The timeline page, index.html: Jinja2 with autoescaping (the only module that imports it)."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace
from itertools import groupby

from jinja2 import Environment, PackageLoader, Template, select_autoescape
from markupsafe import Markup

from timeline.memo import Memo
from timeline.model import Certainty, Event, History, Status, Timeline
from timeline.render import axis, prose
from timeline.render.channel import views
from timeline.render.pieces import Content, Pieces

PAGE = "index.html"
_SLOT = Markup("\x00")  # where an article goes

_environment = Environment(
    loader=PackageLoader("timeline", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def key(timeline: Timeline, history: History) -> Hashable:
    """Everything the page shows: it need not be made again while this stays the same."""
    versions = tuple(history.get(event.id).version for event in timeline.events)
    return ("page", replace(timeline, events=()), versions, history.newest_change())


def render(timeline: Timeline, history: History, memo: Memo | None = None) -> dict[str, Content]:
    """The page: the axis, how to subscribe, and every event under its year, oldest first.

    Its articles are remembered one by one in `memo`."""
    memo = memo or Memo()
    article = _environment.get_template("event.html.j2")
    helpers = _helpers(timeline)
    base = timeline.base_url

    def one(event: Event) -> bytes:
        revision = history.get(event.id)
        # The content hash covers every field of the event; the site the rest.
        key = ("article", event.id, revision.content_hash, base)
        # Rendered from escaped parts only, by the autoescaping template; remembered as UTF-8
        # (half the memory of Python's text for Vietnamese) and joined as is.
        return memo.get(key, lambda: _render_shared(article, {"event": event, **helpers}).encode())

    articles: list[bytes] = []
    years = []
    for year, events in groupby(timeline.events, key=lambda e: e.date.first_day().year):
        made = [one(event) for event in events]
        articles += made
        years.append((year, [_SLOT] * len(made)))
    webcal = "webcal://" + timeline.base_url.split("://", 1)[1]
    tags = [view.tag for view in views(timeline) if view.tag]
    page = _environment.get_template("timeline.html.j2").render(
        timeline=timeline,
        years=years,
        # Built by axis.svg from escaped parts only.
        axis=Markup(axis.svg(timeline)),
        updated=history.newest_change(),
        webcal=webcal,
        tags=tags,
    )
    # The page is rendered with a slot for each article, then the articles' bytes go into the
    # slots: a page of 100,000 events is never held as Python text.
    around = page.encode().split(_SLOT.encode())
    assert len(around) == len(articles) + 1  # NUL cannot be in the page: the loader refuses it
    return {PAGE: Pieces(part for pair in zip(around, [*articles, b""], strict=True) for part in pair)}


def _render_shared(template: Template, context: dict[str, object]) -> str:
    """What template.render(**context) gives, a third faster: the context is used as it is,
    not merged with the environment's globals (the article template uses none of them)."""
    return "".join(template.root_render_func(template.new_context(context, shared=True))).rstrip("\n")


def _helpers(timeline: Timeline) -> dict[str, object]:
    return {
        "timeline": timeline,
        "source_name": prose.source_name,
        "date_json": prose.date_json,
        "Certainty": Certainty,
        "Status": Status,
    }
