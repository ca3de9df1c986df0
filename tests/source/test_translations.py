"""Several languages: the header lists them, an event gives its words in the others, each
marked as a translation; every mistake is said where it is."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from tests.conftest import MINIMAL, event_yaml
from timeline.errors import ValidationError
from timeline.history import content_hash
from timeline.model import Translation
from timeline.model.languages import in_language
from timeline.source import quick_event
from timeline.source.load import parse

HEADER = MINIMAL.replace("title: Test timeline\n", "title: Test timeline\nlanguages: [en, vi]\n")
TRANSLATED = event_yaml("one", title="IOM opens an office", summary="It opens.").replace(
    "    sources:",
    "    translations:\n"
    '      vi: {by: "machine translation, not reviewed", title: IOM mở văn phòng, summary: IOM mở.}\n'
    "    sources:",
)


def _problems(text: str) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        parse(text.encode(), "events.yaml")
    return [str(problem) for problem in caught.value.problems]


def test_an_event_gives_its_words_in_another_language_marked_by_whom() -> None:
    timeline = parse((HEADER + TRANSLATED).encode(), "events.yaml")
    assert timeline.language == "en" and timeline.languages == ("en", "vi")
    (event,) = timeline.events
    assert event.translations == (
        Translation("vi", "machine translation, not reviewed", "IOM mở văn phòng", "IOM mở.", None),
    )


def test_the_fast_reader_reads_translations_as_the_loader_does_or_leaves_them_to_it() -> None:
    (full,) = parse((HEADER + TRANSLATED).encode(), "events.yaml").events
    fast = quick_event.read_many(
        [TRANSLATED], ZoneInfo("UTC"), {"a.txt": full.sources[0].article}, ("en", "vi")
    )
    assert fast == [full] and fast[0] is not None and fast[0].translations == full.translations
    # A language the header does not list: left to the loader, which says where.
    assert quick_event.read_many(
        [TRANSLATED], ZoneInfo("UTC"), {"a.txt": full.sources[0].article}, ("en",)
    ) == [None]


@pytest.mark.parametrize(
    ("header", "translation", "said"),
    [
        (
            MINIMAL,
            "vi: {by: me, title: Tiêu đề}",
            'events[0].translations.vi: "vi" is not one of the timeline\'s other languages (the header '
            "lists no other language); add it to `languages` in the header, or remove this translation",
        ),
        (HEADER, "en: {by: me, title: A title}", 'events[0].translations.en: "en" is the default language'),
        (HEADER, "vi: {title: Tiêu đề}", 'events[0].translations.vi: missing required key "by"'),
        (
            HEADER,
            "vi: {by: me}",
            "events[0].translations.vi: gives no words: give the title, summary or date_note",
        ),
        (HEADER, "vi: {by: me, titel: Tiêu đề}", 'events[0].translations.vi.titel: unknown key "titel"'),
    ],
)
def test_a_wrong_translation_is_said_where_it_is(header: str, translation: str, said: str) -> None:
    text = header + event_yaml("one").replace(
        "    sources:", f"    translations:\n      {translation}\n    sources:"
    )
    problems = _problems(text)
    assert len(problems) == 1 and said in problems[0], problems
    assert problems[0].startswith("events.yaml:")


@pytest.mark.parametrize(
    ("languages", "said"),
    [
        ("[en, vi, en]", 'languages[2]: "en" is listed twice; keep one'),
        ("[vi, en]", 'languages: begins with "vi" but `language` is "en"'),
        ("[en, not a tag]", "languages[1]: "),
    ],
)
def test_a_wrong_list_of_languages_is_said_where_it_is(languages: str, said: str) -> None:
    header = MINIMAL.replace(
        "title: Test timeline\n", f"title: Test timeline\nlanguage: en\nlanguages: {languages}\n"
    )
    problems = _problems(header + event_yaml("one"))
    assert any(said in problem for problem in problems), problems


def test_the_default_language_is_the_first_listed_when_language_is_not_given() -> None:
    header = MINIMAL.replace("title: Test timeline\n", "title: Test timeline\nlanguages: [vi, en]\n")
    timeline = parse((header + event_yaml("one")).encode(), "events.yaml")
    assert timeline.language == "vi" and timeline.languages == ("vi", "en")


def test_each_language_is_a_timeline_of_its_own_words_dates_and_address() -> None:
    timeline = parse((HEADER + TRANSLATED + event_yaml("two", date="2011-12-05")).encode(), "events.yaml")
    english = in_language(timeline, "en")
    assert [e.title for e in english.events] == ["IOM opens an office", "A title"]
    assert all(not e.translations for e in english.events)
    vietnamese = in_language(timeline, "vi")
    assert vietnamese.language == "vi" and vietnamese.base_url == "https://example.org/t/vi/"
    # Its words where it gives them, the default language's where it does not; dates by CLDR.
    assert [e.title for e in vietnamese.events] == ["IOM mở văn phòng", "A title"]
    assert [e.date.label() for e in vietnamese.events] == ["2011", "5 tháng 12, 2011"]
    # One event in every language: the same entry id and calendar UID; each feed its own id.
    assert vietnamese.tag_uri("one") == english.tag_uri("one")
    assert vietnamese.own_tag_uri("timeline") != english.own_tag_uri("timeline")


def test_a_translation_leaves_the_default_languages_content_hash_as_it_was() -> None:
    plain = parse(
        (HEADER + event_yaml("one", title="IOM opens an office", summary="It opens.")).encode(), "x"
    )
    translated = parse((HEADER + TRANSLATED).encode(), "x")
    assert content_hash(in_language(translated, "en").events[0]) == content_hash(plain.events[0])
    assert content_hash(in_language(translated, "vi").events[0]) != content_hash(
        in_language(plain, "vi").events[0]
    )


def test_the_timelines_title_and_description_in_another_language_and_its_mistakes() -> None:
    header = HEADER.replace(
        "events:\n",
        "translations:\n  vi: {by: a person, title: Dòng thời gian, description: Về IOM.}\nevents:\n",
    )
    timeline = parse((header + event_yaml("one")).encode(), "events.yaml")
    vietnamese, english = in_language(timeline, "vi"), in_language(timeline, "en")
    assert (vietnamese.title, vietnamese.description) == ("Dòng thời gian", "Về IOM.")
    assert (english.title, english.description) == ("Test timeline", "Test timeline")
    assert not vietnamese.translations and not english.translations
    wrong = HEADER.replace("events:\n", "translations:\n  fr: {by: a person, title: Chronologie}\nevents:\n")
    (said,) = _problems(wrong + event_yaml("one"))
    assert 'translations.fr: "fr" is not one of the timeline\'s other languages' in said
    empty = HEADER.replace("events:\n", "translations:\n  vi: {by: a person}\nevents:\n")
    (said,) = _problems(empty + event_yaml("one"))
    assert "translations.vi: gives no words: give the title or description in that language" in said
