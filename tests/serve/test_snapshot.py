"""What the daemon serves after a build: the bytes the build wrote, taken as they are rather than
read back, the rest kept from the snapshot before; gzip made once, on the first request for it."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import T0, event_yaml
from timeline.builder.publish import Publisher
from timeline.serve import snapshot
from timeline.serve.snapshot import Representation, Snapshot


def test_an_edit_is_served_from_the_bytes_the_build_wrote_without_reading_them_back(
    write_events: Callable[[str], Path],
) -> None:
    source = write_events(event_yaml("one") + event_yaml("two", date="2012"))
    out = source.parent / "feeds"
    publisher = Publisher(source, out)
    first = publisher.build(now=T0)
    before = Snapshot.from_folder(out, first.files, made=first.made, stamps=first.stamps)
    write_events(event_yaml("one", title="Edited") + event_yaml("two", date="2012"))
    edited = publisher.build(now=T0 + timedelta(hours=1))
    assert set(edited.made) == set(edited.written)
    assert "events/one.html" in edited.made and "events/two.html" not in edited.made
    after = Snapshot.from_folder(
        out, edited.files, previous=before, made=edited.made, changed=edited.written, stamps=edited.stamps
    )
    on_disk = {name: (out / name).read_bytes() for name in edited.files}
    for name in edited.written:
        # Taken as the build made it, hashed when first asked for: the file is never read.
        assert not after.files["/" + name].loaded and after.files["/" + name].known_etag is None
        (out / name).unlink()
        assert after.files["/" + name].body == on_disk[name], name
        assert after.files["/" + name].loaded and after.files["/" + name].known_etag is not None
    for name in edited.files:
        assert after.files["/" + name].body == on_disk[name], name
    # What the edit did not touch is the very representation served before, gzip and all.
    assert after.files["/events/two.html"] is before.files["/events/two.html"]
    assert after.files["/events/one.html"] is not before.files["/events/one.html"]


def test_a_build_hands_over_only_the_outputs_clients_asked_for_the_rest_are_read_when_asked(
    write_events: Callable[[str], Path],
) -> None:
    # At 100,000 events a build writes 2 GB, most of it pages nobody asks for: not held.
    source = write_events(event_yaml("one") + event_yaml("two", date="2012"))
    out = source.parent / "feeds"
    publisher = Publisher(source, out)
    first = publisher.build(now=T0, hand_over=Snapshot().asked_for)
    assert first.made == {}
    before = Snapshot.from_folder(out, first.files, made=first.made, stamps=first.stamps)
    assert before.files["/timeline.atom"].body and before.asked_for("timeline.atom")
    assert not before.asked_for("timeline.ics") and not before.asked_for("no-such-output")
    write_events(event_yaml("one", title="Edited") + event_yaml("two", date="2012"))
    edited = publisher.build(now=T0 + timedelta(hours=1), hand_over=before.asked_for)
    assert "timeline.ics" in edited.written and set(edited.made) == {"timeline.atom"}
    after = Snapshot.from_folder(
        out, edited.files, previous=before, made=edited.made, changed=edited.written, stamps=edited.stamps
    )
    for name in edited.files:
        assert after.files["/" + name].body == (out / name).read_bytes(), name


def test_a_file_the_build_did_not_hand_over_is_read_when_first_asked_for(tmp_path: Path) -> None:
    (tmp_path / "timeline.atom").write_bytes(b"<feed/>" * 100)
    served = Snapshot.from_folder(tmp_path, ["timeline.atom"]).files["/timeline.atom"]
    assert not served.loaded and served.known_etag is None and served.size == 700
    assert served.body == b"<feed/>" * 100
    assert served.loaded and served.known_etag == served.etag


def test_a_symlink_put_in_place_of_a_file_not_read_yet_is_never_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"not for the web" * 100)
    (tmp_path / "feeds").mkdir()
    page = tmp_path / "feeds" / "index.html"
    page.write_bytes(b"<p>page</p>" * 100)
    served = Snapshot.from_folder(tmp_path / "feeds", ["index.html"]).files["/index.html"]
    page.unlink()
    page.symlink_to(secret)
    with pytest.raises(OSError):
        served.load()


def test_gzip_is_made_on_the_first_request_for_it_then_kept(tmp_path: Path) -> None:
    body = b"<entry>same words again</entry>\n" * 500
    served = Representation.of(body, "application/atom+xml; charset=utf-8", T0)
    assert not served.gzip_ready  # nothing compressed by a build
    packed = served.gzip_body()
    assert served.gzip_ready and served.gzip_body() is packed
    assert gzip.decompress(packed) == body
    # A pure function of the body: the same bytes for the same input, so its ETag holds.
    assert packed == gzip.compress(body, compresslevel=snapshot.GZIP_LEVEL, mtime=0)
    assert served.gzip_etag == served.etag[:-1] + '-gzip"'


def test_a_small_body_is_never_compressed() -> None:
    served = Representation.of(b"{}", "application/feed+json; charset=utf-8", T0)
    assert served.gzip_etag is None and served.gzip_body() is None and served.gzip_ready


def test_told_what_a_build_changed_the_snapshot_looks_at_nothing_else(tmp_path: Path) -> None:
    for name in ("a.html", "b.html"):
        (tmp_path / name).write_bytes(name.encode() * 100)
    before = Snapshot.from_folder(tmp_path, ["a.html", "b.html"])
    (tmp_path / "b.html").unlink()  # not looked at: the build said only a.html changed
    (tmp_path / "a.html").write_bytes(b"new" * 100)
    after = Snapshot.from_folder(tmp_path, ["a.html", "b.html"], previous=before, changed={"a.html"})
    assert after.files["/b.html"] is before.files["/b.html"]
    assert after.files["/a.html"].body == b"new" * 100
    # Without it (the daemon's first build, or the first after one that failed), all are looked at.
    assert "/b.html" not in Snapshot.from_folder(tmp_path, ["a.html", "b.html"], previous=before).files


def test_a_build_that_makes_other_outputs_serves_exactly_those(tmp_path: Path) -> None:
    for name in ("a.html", "b.html", "c.html"):
        (tmp_path / name).write_bytes(name.encode() * 100)
    before = Snapshot.from_folder(tmp_path, ["a.html", "b.html"])
    after = Snapshot.from_folder(tmp_path, ["c.html", "a.html"], previous=before, changed={"c.html"})
    assert list(after.files) == ["/a.html", "/c.html"]
    assert after.files["/a.html"] is before.files["/a.html"]
    assert after.files["/c.html"].body == b"c.html" * 100
