"""The timeline page, index.html: Jinja2 with autoescaping (the only module that imports it)."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Hashable
from functools import cache
from itertools import groupby

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from timeline.model import History, Timeline
from timeline.model.languages import day_in, words
from timeline.render import axis, feeds, pages
from timeline.render.channel import views
from timeline.render.formats import OUTLINED, VIEW_FORMATS, subscriptions
from timeline.render.fragments import Key
from timeline.render.ical import ANNIVERSARIES
from timeline.render.opml import OPML
from timeline.render.pieces import Content

PAGE = "index.html"


@cache
def _in_language(language: str) -> Environment:
    """The templates with their words in `language` (timeline.render.words), through Jinja2's
    i18n extension: `_()`, `ngettext()` and `{% trans %}`, their values escaped. An environment
    a language: a template is compiled for the gettext it is given."""
    environment = Environment(
        loader=PackageLoader("timeline", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_gettext_translations(words(language).translations, newstyle=True)  # type: ignore[attr-defined]
    return environment


_environment = _in_language("en")  # the templates' own text, as written


def _content_security_policy() -> str:
    """The page's policy: nothing but the site's style sheet and the page's own inline script
    (by its hash), so that nothing a user string might smuggle in can run or load."""
    source = _environment.loader.get_source(_environment, "timeline.html.j2")[0]  # type: ignore[union-attr]
    match = re.search("<script>(.*?)</script>", source, re.DOTALL)
    assert match is not None and "{" + "{" not in match[1]  # static, so hashed once
    script = base64.b64encode(hashlib.sha256(match[1].encode()).digest()).decode()
    return pages.CONTENT_SECURITY_POLICY.replace("; img-src", f"; script-src 'sha256-{script}'; img-src")


CONTENT_SECURITY_POLICY = _content_security_policy()


def key(timeline: Timeline, history: History) -> Hashable:
    """Everything the page shows: it need not be made again while this stays the same."""
    versions = history.versions_of(timeline.events)
    return Key(("page", versions, history.newest_change()))


def render(timeline: Timeline, history: History) -> dict[str, Content]:
    """The timeline's page and the style sheet every page uses. The page stays small at any
    size: the axis, how to subscribe, the latest events, and a way into every year (the pages
    by period, timeline.render.pages); each event has a page of its own."""
    events = timeline.events
    found = pages.periods(timeline)
    newest = range(len(events) - 1, max(len(events) - 1 - LATEST, -1), -1)
    latest = [pages.article(events[place], timeline, "") for place in newest]
    decades = [
        (decade, [(period.name, period.size) for period in within])
        for decade, within in groupby(found, key=lambda period: int(period.name) // 10 * 10)
    ]
    alternates = [(f.essence, f.short, timeline.url(f"timeline.{f.suffix}")) for f in VIEW_FORMATS]
    say = words(timeline.language)
    subscribe = subscriptions("timeline", timeline.url, lambda name: pages.webcal(timeline, name), say)
    subscribe += [
        (say("Anniversaries"), pages.webcal(timeline, ANNIVERSARIES)),
        (say("What changed"), timeline.url("changes.atom")),
        (say("On this day"), timeline.url("on-this-day.atom")),
        (say("All feeds (OPML)"), timeline.url(OPML)),
    ]
    tags = [view.tag for view in views(timeline) if view.tag]
    page = (
        _in_language(timeline.language)
        .get_template("timeline.html.j2")
        .render(
            timeline=timeline,
            latest=[Markup(made) for made in latest],  # escaped by pages.article
            decades=decades,
            # Built by axis.svg from escaped parts only.
            axis=Markup(axis.svg(timeline)),
            updated=history.newest_change(),
            updated_label=day_in(timeline, history.newest_change()),
            alternates=alternates,
            translations=pages.in_languages(timeline, "index.html"),
            subscribe=subscribe,
            tags=tags,
            tag_feed_suffix=OUTLINED.suffix,
            style=pages.STYLE,
            calendar_url=timeline.url("timeline.ics"),
            webcal_url=pages.webcal(timeline, "timeline.ics"),
            feed_url=timeline.url(f"timeline.{OUTLINED.suffix}"),
            opml_url=timeline.url(OPML),
            content_security_policy=CONTENT_SECURITY_POLICY,
        )
    )
    return {PAGE: page.encode(), pages.STYLE: _STYLE, feeds.STYLESHEET: _feed_style(timeline.language)}


LATEST = 10  # events the timeline's page shows, newest first
_STYLE = _environment.loader.get_source(_environment, pages.STYLE)[0].encode()  # type: ignore[union-attr]


@cache
def _feed_style(language: str) -> bytes:
    """The style sheet a browser shows a feed with, its words in `language`: made once."""
    return _in_language(language).get_template(feeds.STYLESHEET).render().encode()
