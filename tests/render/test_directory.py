"""The root of several timelines: a page listing each with its feeds, and one OPML of them all."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from tests.conftest import event_yaml
from timeline.render import directory
from timeline.source.load import load


def test_each_timeline_is_listed_under_its_folder_with_its_feeds_its_title_escaped(
    write_events: Callable[[str], Path],
) -> None:
    source = write_events(event_yaml("one"))
    source.write_text(
        source.read_text(encoding="utf-8").replace("title: Test timeline", 'title: "Jobs <b>& visas</b>"'),
        encoding="utf-8",
    )
    timeline = load(source)
    made = directory.render([("jobs", timeline), ("later", None)])
    page = made["index.html"].decode()
    assert '<a href="jobs/">Jobs &lt;b&gt;&amp; visas&lt;/b&gt;</a>' in page
    for suffix in ("atom", "rss", "json", "ics"):
        assert f'href="jobs/timeline.{suffix}"' in page
    assert "<h2>later</h2><p>Not built yet" in page  # its first build failed: no title to show
    assert '<link rel="stylesheet" href="jobs/style.css">' in page
    outline = ET.fromstring(made["timelines.opml"])
    (only,) = outline.iter("outline")  # a timeline not built has no feed to list yet
    assert only.attrib == {
        "type": "rss",
        "text": "Jobs <b>& visas</b>",
        "title": "Jobs <b>& visas</b>",
        "xmlUrl": "https://example.org/t/timeline.atom",
        "htmlUrl": "https://example.org/t/",
        "language": "en",
    }


def test_no_timeline_yet_is_an_empty_list_not_an_error() -> None:
    made = directory.render([])
    assert '<ul class="timelines">\n</ul>' in made["index.html"].decode()
    assert list(ET.fromstring(made["timelines.opml"]).iter("outline")) == []
