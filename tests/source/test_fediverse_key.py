"""`fediverse: {account: NAME}` in the header: the account the daemon is followed as from
Mastodon and the fediverse; each mistake said where it is written, with what to write."""

from __future__ import annotations

import pytest

from tests.conftest import MINIMAL, event_yaml
from timeline.errors import ValidationError
from timeline.source.load import parse

EVENTS = event_yaml("one")


def _with(header: str) -> str:
    return MINIMAL.replace("events:\n", header + "events:\n") + EVENTS


def test_the_header_names_the_account_and_its_picture() -> None:
    assert parse(_with("fediverse: {account: iom_vietnam}\n")).fediverse_account == "iom_vietnam"
    assert parse(MINIMAL + EVENTS).fediverse_account is None  # not followable unless asked
    pictured = parse(_with("fediverse: {account: iom, icon: https://example.org/iom.png}\n"))
    assert (pictured.fediverse_account, pictured.fediverse_icon) == ("iom", "https://example.org/iom.png")


@pytest.mark.parametrize(
    ("header", "said"),
    [
        (
            "fediverse: {account: IOM Viet Nam}\n",
            'events.yaml:6:22: fediverse.account: "IOM Viet Nam" is not an account name; use up to 30 '
            'lowercase letters, digits and underscores, like "iom_vietnam"',
        ),
        (
            "fediverse: {account: iom, icon: iom.png}\n",
            'events.yaml:6:33: fediverse.icon: "iom.png" is not an absolute http(s) URL',
        ),
        (
            "fediverse: {acount: iom}\n",
            'events.yaml:6:13: fediverse.acount: unknown key "acount"; did you mean "account"?',
        ),
        (
            "fediverse: iom\n",
            "events.yaml:6:12: fediverse: expected the fediverse account (a mapping of keys to values), "
            'got "iom"',
        ),
    ],
)
def test_a_mistake_is_said_where_it_is_written(header: str, said: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse(_with(header), "events.yaml")
    assert [str(problem) for problem in caught.value.problems] == [said]
