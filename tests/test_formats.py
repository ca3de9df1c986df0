"""The format registry: every output has a format, and every place that lists formats reads it."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT
from tests.test_render import features_with_history
from timeline.build.publish import render_all
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
    assert set(charset_types[1].split()) == {f.media_type.split(";")[0] for f in formats.FORMATS} - {
        "text/html"
    }
