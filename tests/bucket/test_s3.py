"""`timeline publish --to s3://...` and `timeline serve --publish-to`, against a real
S3-compatible server (SeaweedFS) on 127.0.0.1: what is read back from the bucket is what the
build made, with its media type and Cache-Control; an edit sends only its few objects, a removal
deletes its own; a publish stopped midway is finished by the next one."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from botocore.exceptions import ClientError

from tests import daemons
from tests.bucket.seaweedfs import BUCKET, S3Server, running
from tests.conftest import copy_shipped
from tests.daemon.test_websub import Hub
from timeline.bucket import s3
from timeline.bucket.plan import ARCHIVE_SECONDS
from timeline.builder import record
from timeline.render.formats import media_type

STATE = s3.STATE_NAME


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with running(tmp_path_factory.mktemp("seaweedfs")) as started:
        yield started


@pytest.fixture
def prefix(request: pytest.FixtureRequest) -> str:
    """A prefix of the bucket for this test alone."""
    return str(request.node.name)[:60]


def timeline(
    server: S3Server, *args: str, cwd: Path, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **server.environment, **(extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "timeline", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def bucket_names(client: Any, prefix: str) -> set[str]:
    names = set()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix + "/"):
        names |= {item["Key"].removeprefix(prefix + "/") for item in page.get("Contents", [])}
    return names


def get(client: Any, prefix: str, name: str) -> dict[str, Any]:
    return client.get_object(Bucket=BUCKET, Key=f"{prefix}/{name}")  # type: ignore[no-any-return]


def test_a_first_publish_puts_every_output_with_its_bytes_type_and_cache_control(
    server: S3Server, prefix: str, tmp_path: Path
) -> None:
    copy_shipped(tmp_path)
    done = timeline(server, "publish", "--to", f"s3://{BUCKET}/{prefix}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    names = record.outputs(tmp_path / "feeds")
    assert names is not None and len(names) > 50
    assert done.stdout.endswith(f"s3://{BUCKET}/{prefix}/: uploaded {len(names)}, deleted 0, 0 unchanged.\n")
    client = server.client()
    assert bucket_names(client, prefix) == set(names) | {STATE}
    for name in names:
        answer = get(client, prefix, name)
        assert answer["Body"].read() == (tmp_path / "feeds" / name).read_bytes(), name
        assert answer["ContentType"] == media_type(name), name
        assert answer["CacheControl"] == "public, max-age=60", name
    # A reader's conditional GET: the bucket answers 304 Not Modified to the ETag it gave.
    etag = get(client, prefix, "timeline.atom")["ETag"]
    with pytest.raises(ClientError) as not_modified:
        client.get_object(Bucket=BUCKET, Key=f"{prefix}/timeline.atom", IfNoneMatch=etag)
    assert not_modified.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    # Published again with nothing changed: nothing is sent.
    again = timeline(server, "publish", "--to", f"s3://{BUCKET}/{prefix}", cwd=tmp_path)
    assert again.stdout.endswith(f"uploaded 0, deleted 0, {len(names)} unchanged.\n"), again.stdout


def test_an_edit_sends_only_its_few_objects_and_a_removal_deletes_its_own(
    server: S3Server, prefix: str, tmp_path: Path
) -> None:
    source = copy_shipped(tmp_path)
    target = f"s3://{BUCKET}/{prefix}"
    assert timeline(server, "publish", "--to", target, cwd=tmp_path).returncode == 0
    client = server.client()
    feed = feedparser.parse(get(client, prefix, "timeline.atom")["Body"].read())
    assert feed.bozo == 0 and len(feed.entries) == 14

    text = source.read_text(encoding="utf-8")
    source.write_text(
        text.replace("title: IOM begins working in Vietnam", "title: IOM begins working in Viet Nam"),
        encoding="utf-8",
    )
    edited = timeline(server, "publish", "--to", target, cwd=tmp_path)
    assert edited.returncode == 0, edited.stderr
    uploaded = int(edited.stdout.rsplit("uploaded ", 1)[1].split(",")[0])
    assert 0 < uploaded < 30, edited.stdout
    feed = feedparser.parse(get(client, prefix, "timeline.atom")["Body"].read())
    assert "1987: IOM begins working in Viet Nam" in [entry.title for entry in feed.entries]

    # Removed: its calendar, its year's page and the feeds of the tag only it had are no longer
    # made, and the bucket no longer holds them (its page stays, saying it was removed).
    made_before = set(record.outputs(tmp_path / "feeds") or ())
    start = text.index("  - id: iom-present-in-vietnam")
    end = text.index("\n  - id: ", start + 1)
    source.write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    removed = timeline(server, "publish", "--to", target, cwd=tmp_path)
    assert removed.returncode == 0, removed.stderr
    gone = made_before - set(record.outputs(tmp_path / "feeds") or ())
    assert {"events/iom-present-in-vietnam.ics", "years/1987.html", "tags/iom-in-vietnam.atom"} <= gone
    assert f", deleted {len(gone)}, " in removed.stdout
    names = bucket_names(client, prefix)
    assert not names & gone and names == set(record.outputs(tmp_path / "feeds") or ()) | {STATE}
    feed = feedparser.parse(get(client, prefix, "timeline.atom")["Body"].read())
    assert not any("IOM begins working" in entry.title for entry in feed.entries)


class Recording:
    """A client that sends everything to the real one and records it, and fails after `fail_after`
    uploads, as a publish cut off midway (a network gone, a process killed) would."""

    def __init__(self, real: Any, fail_after: int | None = None) -> None:
        self.real, self.fail_after = real, fail_after
        self.calls: list[tuple[str, str]] = []
        self.exceptions = real.exceptions

    def put_object(self, **arguments: Any) -> Any:
        uploads = sum(1 for call, key in self.calls if call == "put" and not key.endswith(STATE))
        if (
            self.fail_after is not None
            and uploads == self.fail_after
            and not arguments["Key"].endswith(STATE)
        ):
            raise ConnectionResetError("the network went away")
        self.calls.append(("put", arguments["Key"]))
        return self.real.put_object(**arguments)

    def delete_objects(self, **arguments: Any) -> Any:
        self.calls += [("delete", item["Key"]) for item in arguments["Delete"]["Objects"]]
        return self.real.delete_objects(**arguments)

    def get_object(self, **arguments: Any) -> Any:
        return self.real.get_object(**arguments)


def build(source: Path) -> None:
    command = ["build", "--source", str(source), "--out", str(source.parent / "feeds")]
    done = subprocess.run([sys.executable, "-m", "timeline", *command], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def published(server: S3Server, prefix: str, folder: Path) -> tuple[Path, s3.Target, Path]:
    """The shipped timeline built in `folder` and published under `prefix`: its events file, the
    bucket and the outputs."""
    source = copy_shipped(folder)
    build(source)
    target, out = s3.Target(BUCKET, prefix + "/"), folder / "feeds"
    s3.publish(out, target, max_age=60, client=server.client())
    return source, target, out


def test_pages_go_up_before_the_feeds_that_link_them_and_deletions_come_last(
    server: S3Server, prefix: str, tmp_path: Path
) -> None:
    source, target, out = published(server, prefix, tmp_path)
    there_before = set(record.outputs(out) or ())
    text = source.read_text(encoding="utf-8")
    start = text.index("  - id: iom-present-in-vietnam")
    end = text.index("\n  - id: ", start + 1)
    added = (
        text[start:end]
        .replace("iom-present-in-vietnam", "iom-office-opens")
        .replace("date: 1987", "date: 1988")
    )
    source.write_text(
        text[:start] + added + "\n" + text[end + 1 :], encoding="utf-8"
    )  # one added, one removed
    build(source)
    recording = Recording(server.client())
    sent = s3.publish(out, target, max_age=60, client=recording)
    puts = [key.removeprefix(f"{prefix}/") for call, key in recording.calls if call == "put"]
    assert puts[0] == puts[-1] == STATE and puts[1:-1] == list(sent.uploaded)
    # New objects first (nothing links to them yet), pages before feeds; then the changed pages;
    # then the changed feeds, calendars, the timeline page and the OPML.
    entry_points = (".atom", ".rss", ".json", ".ics", ".opml", "index.html")
    ranks = [2 * (name in there_before) + name.endswith(entry_points) for name in sent.uploaded]
    assert ranks == sorted(ranks) and ranks[0] == 0 and ranks[-1] == 3
    assert "events/iom-office-opens.html" in sent.uploaded and "timeline.atom" in sent.uploaded
    # Deletions once everything is up, then the state.
    calls = [call for call, key in recording.calls if not key.endswith(STATE)]
    assert calls == ["put"] * len(sent.uploaded) + ["delete"] * len(sent.deleted)
    assert "events/iom-present-in-vietnam.ics" in sent.deleted


def test_a_publish_cut_off_midway_is_finished_by_the_next_one(
    server: S3Server, prefix: str, tmp_path: Path
) -> None:
    source, target, out = published(server, prefix, tmp_path)
    client = server.client()
    text = source.read_text(encoding="utf-8")
    retitled = text.replace(
        "title: Vietnam holds observer status in IOM", "title: Viet Nam holds observer status in IOM"
    )
    source.write_text(retitled, encoding="utf-8")
    build(source)
    with pytest.raises(ConnectionResetError):
        s3.publish(out, target, max_age=60, client=Recording(client, fail_after=2))
    # Meanwhile an event is removed: its objects, perhaps never touched by the cut-off publish,
    # go with the next one all the same.
    start = text.index("  - id: iom-present-in-vietnam")
    end = text.index("\n  - id: ", start + 1)
    source.write_text(retitled[:start] + retitled[end + 1 :], encoding="utf-8")
    build(source)
    s3.publish(out, target, max_age=60, client=client)
    names = record.outputs(out) or ()
    assert bucket_names(client, prefix) == set(names) | {STATE}
    for name in names:
        assert get(client, prefix, name)["Body"].read() == (out / name).read_bytes(), name


def test_archive_pages_are_kept_a_week_and_the_rest_as_long_as_asked(
    server: S3Server, prefix: str, tmp_path: Path
) -> None:
    source = copy_shipped(tmp_path)
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("\nevents:\n", "\nfeed_entries: 5\nevents:\n", 1), encoding="utf-8")
    done = timeline(server, "publish", "--to", f"s3://{BUCKET}/{prefix}", "--max-age", "300", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    client = server.client()
    assert get(client, prefix, "archive/1.atom")["CacheControl"] == f"public, max-age={ARCHIVE_SECONDS}"
    assert get(client, prefix, "timeline.atom")["CacheControl"] == "public, max-age=300"


def test_a_bucket_that_cannot_be_reached_or_is_not_there_is_a_clear_error(
    server: S3Server, tmp_path: Path
) -> None:
    copy_shipped(tmp_path)
    gone = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{daemons.free_port()}", "AWS_MAX_ATTEMPTS": "1"}
    done = timeline(server, "publish", "--to", f"s3://{BUCKET}/x", cwd=tmp_path, extra=gone)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: cannot publish to s3://{BUCKET}/x/ ("), done.stderr
    missing = timeline(server, "publish", "--to", "s3://no-such-bucket", cwd=tmp_path)
    assert missing.returncode == 1 and "NoSuchBucket" in missing.stderr and "Traceback" not in missing.stderr
    wrong = timeline(server, "publish", "--to", "https://example.org/", cwd=tmp_path)
    assert (wrong.returncode, wrong.stderr) == (
        1,
        "error: https://example.org/: write the bucket as s3://BUCKET or s3://BUCKET/PREFIX\n",
    )


def test_the_daemon_publishes_each_build_and_tells_the_hub_once_the_bucket_has_it(
    server: S3Server, prefix: str, tmp_path: Path
) -> None:
    client = server.client()
    seen: list[bool] = []  # each time the hub is told: whether the bucket holds the edit

    def fetch() -> None:  # what a hub does when told: fetch the feed from its public address
        seen.append(b"IOM begins working in Viet Nam" in get(client, prefix, "timeline.atom")["Body"].read())

    hub = Hub(on_ping=fetch)
    source = copy_shipped(tmp_path)
    text = source.read_text(encoding="utf-8").replace(
        "\nevents:\n", f"\nwebsub_hubs: [{hub.url}]\nevents:\n", 1
    )
    source.write_text(text, encoding="utf-8")
    os.environ.update(server.environment)
    try:
        daemon = daemons.start(source, tmp_path / "feeds", "--publish-to", f"s3://{BUCKET}/{prefix}")
    finally:
        for name in server.environment:
            os.environ.pop(name)
    try:
        daemon.wait_for(
            lambda: (daemon.request("/healthz").json()["bucket"] or {}).get("result") == "ok",
            what="the first publish",
        )
        hub.wait_for(1)
        source.write_text(
            text.replace("title: IOM begins working in Vietnam", "title: IOM begins working in Viet Nam"),
            encoding="utf-8",
        )
        daemon.wait_for(
            lambda: b"IOM begins working in Viet Nam" in get(client, prefix, "timeline.atom")["Body"].read(),
            what="the edit in the bucket",
        )
        daemon.wait_for(lambda: any(seen), what="the hub told of the edit")
        health = daemon.request("/healthz").json()["bucket"]
        assert (
            health["result"] == "ok"
            and health["target"] == f"s3://{BUCKET}/{prefix}/"
            and health["uploaded"] > 0
        )
    finally:
        daemon.stop()
        hub.close()
    # Every time the hub was told, the bucket already held what it was told of: the pings of the
    # first publish, before the edit, saw the old title; those after, the new one.
    assert seen == sorted(seen) and seen[-1]
    assert bucket_names(client, prefix) == set(record.outputs(tmp_path / "feeds") or ()) | {STATE}
