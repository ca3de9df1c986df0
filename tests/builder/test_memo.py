"""The memo: fragments are made once, kept while builds ask for them, and forgotten after."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from pathlib import Path

from timeline.builder.memo import Memo
from timeline.render.fragments import Key


def counting(calls: list[str], name: str, make: Callable[[], str] | None = None) -> Callable[[], str]:
    def made() -> str:
        calls.append(name)
        return make() if make else name

    return made


def test_a_fragment_is_made_once_per_key_within_and_across_builds() -> None:
    memo, calls = Memo(), list[str]()
    assert memo.get("a", counting(calls, "a")) == "a"
    assert memo.get("a", counting(calls, "a")) == "a"
    memo.next_build()
    assert memo.get("a", counting(calls, "a")) == "a"
    assert calls == ["a"]


def test_a_fragment_no_build_asked_for_is_forgotten() -> None:
    memo, calls = Memo(), list[str]()
    memo.get("a", counting(calls, "a"))
    memo.next_build()
    memo.next_build()
    memo.get("a", counting(calls, "a"))
    assert calls == ["a", "a"]


def test_a_failed_build_forgets_nothing_the_build_before_it_used() -> None:
    memo, calls = Memo(), list[str]()
    memo.get("a", counting(calls, "a"))
    memo.next_build()
    memo.get("b", counting(calls, "b"))  # the failed build got this far, then a bad file stopped it
    memo.keep_all()
    memo.next_build()
    memo.get("a", counting(calls, "a"))
    memo.get("b", counting(calls, "b"))
    assert calls == ["a", "b"]


def test_reusing_a_fragment_whole_keeps_its_parts_for_the_build_that_changes_one() -> None:
    """A calendar reused from memory still holds its events' VEVENTs: editing one event must not
    make the others again, however many unchanged builds came in between."""
    memo, calls = Memo(), list[str]()

    def calendar(edited: str) -> Callable[[], str]:
        return counting(
            calls,
            "calendar",
            lambda: memo.get("one", counting(calls, "one")) + memo.get(edited, counting(calls, edited)),
        )

    memo.get(("calendar", "two"), calendar("two"))
    for _ in range(3):  # unchanged builds: the calendar comes whole from memory
        memo.next_build()
        memo.get(("calendar", "two"), calendar("two"))
    memo.next_build()
    assert memo.get(("calendar", "2"), calendar("2")) == "one2"
    assert calls == ["calendar", "one", "two", "calendar", "2"]


def test_fragments_made_by_a_worker_are_adopted_with_their_text_and_tuple_parts_only() -> None:
    """Text and tuples of plain values (the axis's lanes) pickle fast; objects (feed entries)
    cost more to hand back than to make again when their fragment changes."""
    worker, calls = Memo(), list[str]()
    mark = worker.mark()

    def page() -> str:
        entry = worker.get("entry", lambda: ["an object"])
        lanes = worker.get("lanes", lambda: ((0, 1.0), (1, 2.0)))
        return worker.get("article", counting(calls, "article")) + entry[0] * len(lanes)

    worker.get("page", counting(calls, "page", page))
    items, parts, kept = worker.made_since(mark)
    assert [key for key, _ in items] == ["lanes", "article", "page"]
    assert parts == {"page": ([], ["lanes", "article"])} and kept == []

    here = Memo()
    here.adopt((items, parts, kept))
    assert here.get("page", counting(calls, "page again")) == "articlean objectan object"
    here.next_build()
    here.get("page", counting(calls, "page again"))
    here.next_build()  # the page changes: its article is still remembered
    assert here.get("article", counting(calls, "article again")) == "article"
    assert calls == ["page", "article"]


def test_fragments_a_worker_reused_are_not_handed_back_and_stay_remembered_here(tmp_path: Path) -> None:
    """After an edit, a worker remakes the page but reuses all but one of its articles: the
    parent has those already (they were its own before the fork), so only their keys travel."""
    here, calls = Memo(), list[str]()

    def page(edited: str) -> str:
        return "".join(here.get(name, counting(calls, name)) for name in ("one", "two", edited))

    here.get(("page", "three"), lambda: page("three"))
    here.next_build()
    mark = here.mark()
    pid = os.fork()
    if pid == 0:  # the worker: it hands back through a file, as the pipe would
        here.get(("page", "four"), lambda: page("four"))
        (tmp_path / "made").write_bytes(pickle.dumps(here.made_since(mark)))
        os._exit(0)
    os.waitpid(pid, 0)
    items, parts, kept = pickle.loads((tmp_path / "made").read_bytes())
    assert [key for key, _ in items] == ["four", ("page", "four")]
    assert len(kept) == 2  # "one" and "two", by their places in the last build
    here.adopt((items, parts, kept))
    here.next_build()  # another edit: the articles the worker reused are still remembered here
    here.get(("page", "five"), lambda: page("five"))
    assert calls == ["one", "two", "three", "five"]


def test_fragments_adopted_while_making_another_are_kept_with_it() -> None:
    """A forked worker's fragments, adopted while the whole build is being made, are parts of
    the build: an unchanged rebuild that reuses the build keeps them for the next edit."""
    worker, calls = Memo(), list[str]()
    mark = worker.mark()
    worker.get("archive page", counting(calls, "archive page"))
    made = worker.made_since(mark)

    here = Memo()

    def build() -> str:
        here.adopt(made)
        return "built"

    here.get("build", build)
    here.next_build()
    here.get("build", counting(calls, "build again"))  # unchanged: reused whole
    here.next_build()
    here.get("archive page", counting(calls, "archive page again"))
    assert calls == ["archive page"]


def runs_made(memo: Memo, keys: list[int]) -> tuple[list[str], list[int]]:
    """Memo.in_runs over `keys`, and which keys it made."""
    made: list[int] = []

    def make(place: int) -> str:
        made.append(keys[place])
        return f"<{keys[place]}>"

    return memo.in_runs("items", keys, make), made


def test_items_in_runs_come_out_as_if_made_one_by_one() -> None:
    keys = list(range(1000))
    items, made = runs_made(Memo(), keys)
    assert items == [f"<{key}>" for key in keys]
    assert made == keys
    assert runs_made(Memo(), [])[0] == []


def test_after_an_edit_an_insertion_or_a_removal_only_the_runs_it_touches_are_made_again() -> None:
    """However many unchanged builds came in between: a large calendar's edit makes dozens of
    VEVENTs again, not thousands."""
    memo = Memo()
    keys = list(range(1000))
    runs_made(memo, keys)
    for _ in range(3):
        memo.next_build()
        assert runs_made(memo, keys)[1] == []
    edited = [*keys[:500], -500, *keys[501:]]
    inserted = [*keys[:700], 100_000, *keys[700:]]
    removed = keys[:300] + keys[301:]
    for changed, new in ((edited, -500), (inserted, 100_000), (removed, None)):
        memo.next_build()
        items, made = runs_made(memo, changed)
        assert items == [f"<{key}>" for key in changed]
        assert new is None or new in made
        assert 0 < len(made) < 100  # the run around the change, about 32 items
        assert made == changed[changed.index(made[0]) : changed.index(made[0]) + len(made)]
        memo.next_build()
        assert len(runs_made(memo, keys)[1]) < 100  # back again: around the change only


def test_a_key_that_hashes_once_names_the_same_fragment_as_its_tuple() -> None:
    memo, calls = Memo(), list[str]()
    key = Key(("view", 1, ("a", 2)))
    assert hash(key) == hash(("view", 1, ("a", 2))) == hash(key)
    assert memo.get(key, counting(calls, "made")) == memo.get(("view", 1, ("a", 2)), counting(calls, "again"))
    assert calls == ["made"]
    sent = pickle.loads(pickle.dumps(key))  # to another process, whose str hashes differ
    assert sent == key and "_hash" not in vars(sent)


def test_what_a_build_made_under_other_settings_is_never_reused() -> None:
    memo = Memo()
    memo.within(("settings", "one"))
    assert memo.get("k", lambda: "made under one") == "made under one"
    memo.next_build()
    memo.within(("settings", "two"))
    assert memo.get("k", lambda: "made under two") == "made under two"
    memo.next_build()
    memo.within(("settings", "two"))
    assert memo.get("k", lambda: "made again") == "made under two"


def test_no_fragment_key_names_a_setting_of_the_header(tmp_path: Path) -> None:
    """The builder scopes every fragment by the whole header (Memo.within): a key that named a
    setting too would be a second place to keep in step, one that can forget one."""
    from tests.conftest import FEATURES, T0
    from timeline.builder.publish import Publisher
    from timeline.source.load import load

    asked: list[object] = []

    class Recording(Memo):
        def get(self, key: object, make: Callable[[], object], valid: object = None) -> object:  # type: ignore[override]
            asked.append(key)
            return super().get(key, make, valid)  # type: ignore[arg-type]

    source = tmp_path / "events.yaml"
    source.write_text(FEATURES.read_text(encoding="utf-8"), encoding="utf-8")
    publisher = Publisher(source, tmp_path / "feeds")
    publisher.memo = Recording()
    publisher.build(now=T0)
    timeline = load(source)
    settings = [
        timeline.base_url,
        timeline.id_authority,
        timeline.id_domain,
        timeline.description,
        timeline.author.name,
    ]
    assert len(asked) > 100
    for key in asked:
        shown = repr(key)
        assert not [setting for setting in settings if setting in shown], shown[:300]
