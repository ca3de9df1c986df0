"""What a publish to a bucket sends, and in which order, worked out from the outputs and the
bucket's last state alone (timeline/bucket/plan.py)."""

from __future__ import annotations

from timeline.bucket.plan import ARCHIVE_SECONDS, Entry, State, entry, plan


def outputs(**content: str) -> dict[str, Entry]:
    """Outputs by name ("events__a_html" is events/a.html), each hashed as its `content`."""
    names = {key: key.replace("__", "/").replace("_", ".") for key in content}
    return {names[key]: entry(names[key], sha, 60) for key, sha in content.items()}


def test_a_first_publish_sends_every_page_before_any_feed() -> None:
    local = outputs(events__a_html="1", timeline_atom="2", index_html="3", style_css="4", timeline_ics="5")
    steps = plan(local, State())
    assert steps.uploads == ("events/a.html", "style.css", "index.html", "timeline.atom", "timeline.ics")
    assert steps.deletions == () and steps.unchanged == 0


def test_nothing_is_sent_when_nothing_changed() -> None:
    local = outputs(events__a_html="1", timeline_atom="2")
    steps = plan(local, State(dict(local)))
    assert steps.empty and steps.unchanged == 2


def test_new_objects_go_first_then_changed_pages_then_changed_feeds_and_deletions_last() -> None:
    before = outputs(
        events__a_html="1", events__b_html="1", index_html="1", timeline_atom="1", tags__x_atom="1"
    )
    after = outputs(
        events__a_html="2", events__c_html="1", index_html="2", timeline_atom="2", tags__y_atom="1"
    )
    steps = plan(after, State(before))
    # events/c.html and tags/y.atom are new: nothing there links to them until index.html and the
    # feed, which change, are sent; they are sent last, and only then is anything deleted.
    assert steps.uploads == ("events/c.html", "tags/y.atom", "events/a.html", "index.html", "timeline.atom")
    assert steps.deletions == ("events/b.html", "tags/x.atom")


def test_each_object_has_its_formats_media_type_and_archive_pages_are_kept_a_week() -> None:
    atom, page, archive = (
        entry("timeline.atom", "s", 60),
        entry("years/2011.html", "s", 60),
        entry("archive/1.atom", "s", 60),
    )
    assert (atom.media_type, atom.cache_control) == (
        "application/atom+xml; charset=utf-8",
        "public, max-age=60",
    )
    assert page.media_type == "text/html; charset=utf-8"
    assert archive.cache_control == f"public, max-age={ARCHIVE_SECONDS}" == "public, max-age=604800"


def test_headers_that_change_are_sent_again_with_the_same_bytes() -> None:
    before = {"timeline.atom": entry("timeline.atom", "s", 60)}
    steps = plan({"timeline.atom": entry("timeline.atom", "s", 300)}, State(before))
    assert steps.uploads == ("timeline.atom",)


def test_an_interrupted_publish_leaves_what_it_touched_pending_and_the_next_one_finishes_it() -> None:
    before = outputs(events__a_html="1", events__b_html="1", timeline_atom="1")
    after = outputs(events__a_html="2", events__c_html="1", timeline_atom="2")
    midway = State(before).interrupted_at(plan(after, State(before)))
    assert midway.pending == {"events/a.html", "events/b.html", "events/c.html", "timeline.atom"}
    assert midway.objects == {}
    # Meanwhile events/c.html was removed again: whether it went up or not, it is deleted.
    later = outputs(events__a_html="2", timeline_atom="2")
    steps = plan(later, midway)
    assert steps.uploads == ("events/a.html", "timeline.atom")
    assert steps.deletions == ("events/b.html", "events/c.html")


def test_the_state_is_read_back_as_written_and_anything_else_reads_as_an_empty_bucket() -> None:
    state = State(outputs(events__a_html="1", timeline_atom="2"), frozenset({"events/b.html"}))
    assert State.from_json(state.to_json()) == state
    for garbage in (b"", b"[]", b'{"objects": 3}', b"\xff", b'{"objects": {"a": [1]}, "pending": []}'):
        assert State.from_json(garbage) == State()
