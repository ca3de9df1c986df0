"""The outputs' own words in each language: every text the code and the templates say is in
every shipped catalog, translated, with the same placeholders; the Vietnamese outputs say none
of the code's English; an event without a translation is shown as written, and its page says so."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import MINIMAL, ROOT, T0, event_yaml
from timeline.builder.publish import render_all
from timeline.history import update
from timeline.model import History
from timeline.model.languages import KEYWORDS, LOCALE, languages_with_words, words
from timeline.source.load import parse

PACKAGE = ROOT / "timeline"
_TEMPLATE_OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "newstyle_gettext": "true"}
Message = str | tuple[str, ...]


def said_in_code() -> dict[Message, str]:
    """Every text the outputs say, with where the code says it first."""
    method_map = [("**/templates/**", "jinja2"), ("**.py", "python")]
    found: dict[Message, str] = {}
    options = {"**/templates/**": _TEMPLATE_OPTIONS}
    for file, line, message, _, _ in extract_from_dir(PACKAGE, method_map, options, KEYWORDS):
        key = tuple(message) if isinstance(message, list | tuple) else message
        found.setdefault(key, f"{file}:{line}")
    return found


def catalog(language: str) -> Catalog:
    with (LOCALE / f"{language}.po").open("rb") as file:
        return read_po(file)


def test_vietnamese_is_shipped() -> None:
    assert languages_with_words() == ("vi",)


@pytest.mark.parametrize("language", languages_with_words())
def test_every_text_the_outputs_say_is_in_the_catalog_and_nothing_else(language: str) -> None:
    said = said_in_code()
    given = {
        message.id if isinstance(message.id, str) else tuple(message.id) for message in catalog(language)
    }
    given.discard("")  # the header
    missing = {message: where for message, where in said.items() if message not in given}
    assert missing == {}, f"add these to timeline/locale/{language}.po"
    assert sorted(map(str, given - said.keys())) == [], f"no longer said: remove from {language}.po"


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{[a-z_$]+\}|%\([a-z_]+\)[sd]", text))


@pytest.mark.parametrize("language", languages_with_words())
def test_every_text_is_translated_with_the_same_placeholders(language: str) -> None:
    read = catalog(language)
    assert read.plural_forms  # Babel knows how the language counts
    assert list(read.check()) == []  # Babel's own checks: Python format strings, plural forms
    for message in read:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        texts = [message.string] if isinstance(message.string, str) else list(message.string or ())
        assert all(texts) and not message.fuzzy, message.id
        for text in texts:
            assert _placeholders(text) == _placeholders(ids[-1]), (message.id, text)


def test_a_language_without_a_catalog_says_every_word_in_english() -> None:
    say = words("fr")
    assert say("Sources:") == "Sources:"
    assert say.plural("Source ({count})", "Sources ({count})", 3) == "Sources (3)"
    assert say.plural("Source ({count})", "Sources ({count})", 1) == "Source (1)"


def test_vietnamese_counts_without_a_plural() -> None:
    say = words("vi")
    assert say.plural("Source ({count})", "Sources ({count})", 1) == "Nguồn (1)"
    assert say.plural("Source ({count})", "Sources ({count})", 3) == "Nguồn (3)"
    assert say("{timeline}: changes", timeline="IOM") == "IOM: các thay đổi"


def test_the_vietnamese_outputs_say_none_of_the_codes_english() -> None:
    """The shipped outputs under feeds/vi/ (kept current by `timeline build --check`), but the
    change log, whose entries keep the words they were first published with."""
    say = words("vi")
    english = [
        message
        for message in said_in_code()
        if isinstance(message, str)
        and " " in message  # a single word may be part of an id ("mou-signing-planned")
        and not _placeholders(message)
        and say(message) != message
    ]
    single = [f">{word}<" for word in ("inferred", "approximate", "planned", "cancelled", "Copy")]
    english += [*single, "(inferred)", "(approximate)"]
    assert len(english) > 50
    shipped = ROOT / "feeds" / "vi"
    for path in shipped.rglob("*"):
        if path.is_dir() or path.name.startswith("changes."):
            continue
        text = path.read_text(encoding="utf-8")
        for message in english:
            assert message not in text, (path.relative_to(shipped), message)


HEADER = MINIMAL.replace("title: Test timeline\n", "title: Test timeline\nlanguages: [en, vi]\n")


def test_an_event_not_translated_is_shown_as_written_and_its_page_says_so() -> None:
    translated = event_yaml("one", title="IOM opens an office", date="1987").replace(
        "    sources:",
        "    translations:\n      vi: {by: a person, title: IOM mở văn phòng, summary: Tóm tắt.}\n"
        "    sources:",
    )
    partly = event_yaml("two", title="A second event", date="1990").replace(
        "    sources:", "    translations:\n      vi: {by: a person, title: Sự kiện thứ hai}\n    sources:"
    )
    untouched = event_yaml("three", title="A third event", date="2011-12-05", summary="Said in English.")
    timeline = parse(HEADER + translated + partly + untouched)
    made = render_all(timeline, update(History(), timeline, T0))
    page = made["vi/events/three.html"].decode()
    assert '<h1 class="p-name" lang="en"><bdi>A third event</bdi></h1>' in page
    assert '<p class="p-summary" lang="en"><bdi>Said in English.</bdi></p>' in page
    assert "Chưa được dịch: hiển thị nguyên văn, bằng Tiếng Anh." in page
    assert '<html lang="vi">' in page and "Nguồn" in page  # the page's own words are Vietnamese
    # A translation that lacks the summary shows the English one: said the same way.
    assert "Chưa được dịch" in made["vi/events/two.html"].decode()
    for whole in (made["vi/events/one.html"], made["events/three.html"], made["events/one.html"]):
        assert b"untranslated" not in whole and b' lang="en"><bdi>' not in whole
    listed = made["vi/years/2011.html"].decode()
    assert '<h3 class="p-name" lang="en">' in listed and "Chưa được dịch" in listed


def test_a_vietnamese_feed_marks_an_inferred_date_in_vietnamese() -> None:
    inferred = event_yaml("one", date="2011").replace(
        "    sources:", "    certainty: inferred\n    date_note: Worked out.\n    sources:"
    )
    timeline = parse(HEADER + inferred)
    made = render_all(timeline, update(History(), timeline, T0))
    assert b"<title>2011 (suy lu\xe1\xba\xadn): A title</title>" in made["vi/timeline.atom"]
    assert b"<title>2011 (inferred): A title</title>" in made["timeline.atom"]


def test_the_catalog_lives_in_the_wheel() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"locale/*.po"' in pyproject
    assert Path(LOCALE / "vi.po").is_file()
