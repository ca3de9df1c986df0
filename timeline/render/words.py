"""The outputs' own words (a heading, "inferred", how to subscribe), as opposed to the events':
English as the code writes them, and in another language from its gettext catalog,
timeline/locale/<language>.po, read with Babel. A language without a catalog, or a text its
catalog does not give, is said in English; tests/render/test_words.py holds every shipped
catalog to every text the code and the templates say.

In the code, `say = words(timeline.language)`, then `say("Sources")`, `say("{count} events",
count=n)` and `say.plural("Source", "Sources", n)`; a text kept to be said later is
`marked("Atom feed")`. Babel's extractor finds them all by those names (KEYWORDS).
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parent.parent / "locale"
# What Babel's extractor looks for: say(text), say.plural(singular, plural, count); `_` in the
# templates (Jinja2's i18n extension).
KEYWORDS = {"say": None, "plural": (1, 2), "marked": None, "_": None, "ngettext": (1, 2)}


class Words:
    """The outputs' words in one language."""

    def __init__(self, language: str, translations: gettext.NullTranslations) -> None:
        self.language = language
        self.translations = translations

    def __call__(self, text: str, **values: object) -> str:
        said = self.translations.gettext(text)
        return said.format(**values) if values else said

    def plural(self, singular: str, plural: str, n: int, **values: object) -> str:
        """The text for `n` of something ("1 event", "2 events"): `{count}` in it is `n` (as
        `values` writes it, if it does: "1,200")."""
        return self.translations.ngettext(singular, plural, n).format(**{"count": n, **values})


@cache
def words(language: str) -> Words:
    """The outputs' words in `language` (a BCP 47 tag, as the timeline's header gives it)."""
    path = LOCALE / f"{language}.po"
    if not path.is_file():
        return Words(language, gettext.NullTranslations())
    with path.open("rb") as file:
        catalog = read_po(file)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Words(language, gettext.GNUTranslations(compiled))


def marked(text: str) -> str:
    """`text`, as it is: a word kept in the code (a format's name) and said later, in the
    outputs' language, by say(); marked so that the extractor finds it."""
    return text


def languages_with_words() -> tuple[str, ...]:
    """The languages a catalog is shipped for, besides English, which the code is written in."""
    return tuple(sorted(path.stem for path in LOCALE.glob("*.po")))
