"""The format registry: every output has a format, and every place that lists formats reads it."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import ROOT
from tests.render.test_render import features_with_history
from timeline.builder.publish import render_all
from timeline.render import formats
from timeline.serve import filters


def test_every_output_of_a_build_has_a_registered_format() -> None:
    for name in render_all(*features_with_history()):
        assert formats.media_type(name).endswith("; charset=utf-8"), name


def test_a_name_with_no_registered_format_is_refused_not_skipped() -> None:
    with pytest.raises(ValueError, match=r"picture.png: no output format has this suffix"):
        formats.media_type("picture.png")


def test_each_view_is_published_in_every_view_format() -> None:
    names = set(render_all(*features_with_history()))
    for view in ("timeline", "tags/range", "tags/precision"):
        assert {f"{view}.{f.suffix}" for f in formats.VIEW_FORMATS} <= names


def test_filters_are_offered_in_exactly_the_view_formats() -> None:
    assert filters.FORMATS == tuple(f.suffix for f in formats.VIEW_FORMATS) == ("atom", "rss", "json", "ics")


def test_nginx_serves_each_format_with_the_registrys_media_type() -> None:
    conf = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    block = re.search(r"types \{(.*?)\}", conf, re.DOTALL)
    assert block is not None
    pairs = [line.split() for line in block[1].strip().rstrip(";").split(";\n")]
    declared = {suffix: kind for kind, suffix in pairs}
    assert declared == {f.suffix: f.media_type.split(";")[0] for f in formats.FORMATS}
    charset_types = re.search(r"charset_types (.*?);", conf)
    assert charset_types is not None
    served = {f.media_type.split(";")[0] for f in formats.FORMATS}
    to_browsers = {kind.split(";")[0] for kind in formats.FOR_BROWSERS.values()}
    assert set(charset_types[1].split()) == (served | to_browsers) - {"text/html"}
    inner = re.search(r"location \^~ /as-xml/ \{.*?types \{\s*(\S+) (\w+) (\w+);", conf, re.DOTALL)
    assert inner is not None  # the feeds as sent to a browser, as the daemon sends them
    assert {inner[2]: inner[1], inner[3]: inner[1]} == {
        f.suffix: f.for_browsers.split(";")[0] for f in formats.FORMATS if f.for_browsers
    }


def test_the_page_links_and_lists_the_whole_timeline_in_every_view_format() -> None:
    timeline, history = features_with_history()
    page = render_all(timeline, history)["index.html"].decode()
    webcal = "webcal://" + timeline.base_url.split("://", 1)[1]
    for output in formats.VIEW_FORMATS:
        url = timeline.url(f"timeline.{output.suffix}")
        title = html.escape(f"{timeline.title} ({output.short})")
        assert f'<link rel="alternate" type="{output.essence}" title="{title}" ' in page
        assert f'href="{url}"' in page
        if output.calendar:
            assert (
                f'<a href="{webcal}timeline.{output.suffix}">{output.title.capitalize()} (subscribe)</a>'
                in page
            )
        else:
            assert f'<a href="{url}">{output.title}</a>' in page


def test_the_opml_and_the_pages_tag_links_name_the_outlined_format() -> None:
    timeline, history = features_with_history()
    made = render_all(timeline, history)
    outline, page = made["timeline.opml"].decode(), made["index.html"].decode()
    suffix = formats.OUTLINED.suffix
    assert f'xmlUrl="{timeline.url(f"tags/range.{suffix}")}"' in outline
    assert f'href="{timeline.url(f"tags/range.{suffix}")}">#range</a>' in page
    assert [f.suffix for f in formats.FORMATS if f.outlined] == [suffix]


def test_the_registry_says_which_formats_are_feeds_and_only_those_are_told_to_hubs() -> None:
    from tests.conftest import MINIMAL, event_yaml
    from timeline.daemon import websub
    from timeline.source.load import parse

    assert tuple(f.suffix for f in formats.FEEDS) == ("atom", "rss", "json")
    timeline = parse(MINIMAL + event_yaml("one"))
    written = [f"timeline.{f.suffix}" for f in formats.FORMATS]
    assert websub.topics(timeline, written) == [timeline.url(f"timeline.{f.suffix}") for f in formats.FEEDS]
