"""Publishing a built folder to an S3-compatible bucket (`timeline publish --to s3://BUCKET/PREFIX`).

boto3 finds the endpoint and the keys where every S3 tool does: `AWS_ENDPOINT_URL` for any
S3-compatible store, `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, or
a profile. What the bucket holds is known from a small state object the last publish wrote
beside the outputs (`.timeline-published.json`: each object's SHA-256 and headers), so a publish
uploads only the outputs whose bytes or headers changed, without listing or downloading the
bucket, then deletes what the build no longer makes (timeline.bucket.plan says in which order).
Before it touches anything it marks what it is about to touch as pending, so that a publish
stopped anywhere is finished by the next one.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from timeline.bucket.plan import Entry, Plan, State, entry, plan
from timeline.builder import record
from timeline.errors import PublishError, TimelineError
from timeline.files import folders_locked

STATE_NAME = ".timeline-published.json"
_DELETE_AT_ONCE = 1000  # S3's limit for one DeleteObjects request


@dataclass(frozen=True)
class Target:
    """A bucket and the prefix the outputs go under ("" or ending in "/")."""

    bucket: str
    prefix: str = ""

    @classmethod
    def parse(cls, address: str) -> Target:
        """`s3://BUCKET` or `s3://BUCKET/PREFIX`; TimelineError for anything else."""
        parts = urlsplit(address)
        if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
            raise TimelineError(f"{address}: write the bucket as s3://BUCKET or s3://BUCKET/PREFIX")
        prefix = parts.path.strip("/")
        return cls(parts.netloc, f"{prefix}/" if prefix else "")

    def key(self, name: str) -> str:
        return self.prefix + name

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


@dataclass(frozen=True)
class Published:
    """What a publish sent: the objects uploaded (in order) and deleted, and how many it left."""

    uploaded: tuple[str, ...]
    deleted: tuple[str, ...]
    unchanged: int


def publish(out: Path, target: Target, *, max_age: int, client: Any = None) -> Published:
    """Make the bucket hold the last complete build in `out`; PublishError if the bucket cannot
    be reached or refuses, TimelineError if there is no complete build to publish."""
    names = record.outputs(out)
    if names is None:
        raise TimelineError(f"{out} holds no complete build to publish; run `timeline build` first")
    s3 = client if client is not None else _client()
    with folders_locked(out), _said_of(target):  # builds of the folder wait: what is hashed is sent
        local = {name: entry(name, _sha256(out / name), max_age) for name in names}
        state = _read_state(s3, target)
        steps = plan(local, state)
        if not steps.empty:
            _write_state(s3, target, state.interrupted_at(steps))
            _upload(s3, target, out, steps, local)
            _delete(s3, target, steps.deletions)
            _write_state(s3, target, State(local))
    return Published(steps.uploads, steps.deletions, steps.unchanged)


def _client() -> Any:
    try:
        import boto3
    except ImportError:  # pragma: no cover - boto3 is an optional dependency
        raise TimelineError("publishing to a bucket needs boto3: pip install 'timeline-feeds[s3]'") from None
    return boto3.client("s3")


def _sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _read_state(s3: Any, target: Target) -> State:
    try:
        answer = s3.get_object(Bucket=target.bucket, Key=target.key(STATE_NAME))
    except s3.exceptions.NoSuchKey:
        return State()  # a first publish: everything goes up
    return State.from_json(answer["Body"].read())


def _write_state(s3: Any, target: Target, state: State) -> None:
    s3.put_object(
        Bucket=target.bucket,
        Key=target.key(STATE_NAME),
        Body=state.to_json(),
        ContentType="application/json",
        CacheControl="no-store",
    )


def _upload(s3: Any, target: Target, out: Path, steps: Plan, local: dict[str, Entry]) -> None:
    for name in steps.uploads:
        sent = local[name]
        s3.put_object(
            Bucket=target.bucket,
            Key=target.key(name),
            Body=(out / name).read_bytes(),
            ContentType=sent.media_type,
            CacheControl=sent.cache_control,
        )


def _delete(s3: Any, target: Target, names: tuple[str, ...]) -> None:
    for at in range(0, len(names), _DELETE_AT_ONCE):
        batch = [{"Key": target.key(name)} for name in names[at : at + _DELETE_AT_ONCE]]
        answer = s3.delete_objects(Bucket=target.bucket, Delete={"Objects": batch, "Quiet": True})
        if answer.get("Errors"):
            first = answer["Errors"][0]
            raise PublishError(f"{target}: cannot delete {first.get('Key')} ({first.get('Message')})")


@contextlib.contextmanager
def _said_of(target: Target) -> Iterator[None]:
    """What boto3 raises, as a PublishError that says where and what to do."""
    try:
        yield
    except Exception as error:
        if isinstance(error, TimelineError) or not type(error).__module__.startswith(("botocore", "boto3")):
            raise
        raise PublishError(
            f"cannot publish to {target} ({_reason(error)}); what was not sent is sent by the next "
            "publish. Check AWS_ENDPOINT_URL, the keys (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and "
            "that the bucket exists."
        ) from None


def _reason(error: Exception) -> str:
    """The S3 error's code and message where it has one ("NoSuchBucket: ..."), else the error."""
    answer = getattr(error, "response", None)
    problem = answer.get("Error", {}) if isinstance(answer, dict) else {}
    return f"{problem['Code']}: {problem.get('Message')}" if problem.get("Code") else str(error)
