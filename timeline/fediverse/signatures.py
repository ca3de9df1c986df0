"""HTTP Signatures as the fediverse signs its requests (draft-cavage-http-signatures-12, what
Mastodon sends and checks, and Fedify too): the request target, host, date, body digest and type,
signed with the actor's RSA key (RSASSA-PKCS1-v1_5 with SHA-256, timeline.fediverse.keys). Every
activity the timeline sends is signed with sign(); every one its inbox takes is checked with
verify() before it is read."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

from timeline.fediverse.keys import KeyPair, NotAKey, signed_by

# What a signature must cover: without the date a request could be replayed for ever, without the
# digest its body changed. A GET has no body to digest.
SIGNED = ("(request-target)", "host", "date", "digest", "content-type")
_REQUIRED = frozenset(("(request-target)", "host", "date"))
# How far a request's date may be from our clock (Mastodon's own window: an hour ahead, 12 behind).
AHEAD, BEHIND = timedelta(hours=1), timedelta(hours=12)
_PARAMETER = re.compile(r'\s*([A-Za-z]+)\s*=\s*"([^"]*)"\s*(?:,|$)')


class SignatureError(ValueError):
    """Why a request's signature is refused: said to the sender as a 401."""


@dataclass(frozen=True)
class Signature:
    """A Signature header, read."""

    key_id: str
    headers: tuple[str, ...]
    value: bytes


def digest(body: bytes) -> str:
    """The Digest header of `body`: "SHA-256=<base64>"."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def signing_string(method: str, target: str, headers: Mapping[str, str], names: tuple[str, ...]) -> str:
    """What is signed: each named header as `name: value` on a line, `(request-target)` the
    method in lowercase and the path with its query. `headers` by lowercase name."""
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
        elif name in headers:
            lines.append(f"{name}: {headers[name].strip()}")
        else:
            raise SignatureError(f"the signature covers {name}, which the request does not have")
    return "\n".join(lines)


def sign(
    key: KeyPair,
    key_id: str,
    method: str,
    url: str,
    body: bytes | None = None,
    now: datetime | None = None,
    content_type: str = "application/activity+json",
) -> dict[str, str]:
    """The headers that sign a request to `url`: Host, Date, and for a body its Digest and type,
    then the Signature over them."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"host": parts.netloc, "date": format_datetime((now or datetime.now(UTC)), usegmt=True)}
    if body is not None:
        headers |= {"digest": digest(body), "content-type": content_type}
    names = tuple(name for name in SIGNED if name == "(request-target)" or name in headers)
    signed = key.sign(signing_string(method, target, headers, names).encode())
    value = base64.b64encode(signed).decode("ascii")
    signature = f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",signature="{value}"'
    return {name.title(): text for name, text in headers.items()} | {"Signature": signature}


def parse(header: str) -> Signature:
    """A Signature header's key, the headers it covers and the signature itself."""
    found = dict((name.lower(), value) for name, value in _PARAMETER.findall(header))
    if "keyid" not in found or "signature" not in found:
        raise SignatureError("the Signature header names no keyId or no signature")
    if found.get("algorithm", "rsa-sha256") not in ("rsa-sha256", "hs2019"):
        raise SignatureError(
            f"the algorithm {found['algorithm']!r} is not one this server checks (rsa-sha256)"
        )
    try:
        value = base64.b64decode(found["signature"], validate=True)
    except ValueError:
        raise SignatureError("the signature is not base64") from None
    names = tuple(found.get("headers", "date").lower().split())
    return Signature(found["keyid"], names, value)


def verify(
    signature: Signature,
    public_key_pem: str,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes | None,
    now: datetime | None = None,
) -> None:
    """Raise SignatureError unless `signature` (parse()'s) signs this request with the key:
    covering its target, host and date (and the digest of a body, which must match), dated
    within the window around `now`. `headers` by lowercase name."""
    missing = _REQUIRED - set(signature.headers)
    if body is not None and "digest" not in signature.headers:
        missing |= {"digest"}
    if missing:
        raise SignatureError(f"the signature does not cover {', '.join(sorted(missing))}")
    if body is not None and headers.get("digest", "").strip() != digest(body):
        raise SignatureError("the Digest header is not that of the body")
    _within_window(headers.get("date", ""), now or datetime.now(UTC))
    text = signing_string(method, target, headers, signature.headers).encode()
    try:
        if not signed_by(public_key_pem, signature.value, text):
            raise SignatureError("the signature does not match the request and the sender's key")
    except NotAKey as error:
        raise SignatureError(f"the sender's public key: {error}") from None


def _within_window(date: str, now: datetime) -> None:
    try:
        when = parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError, OverflowError):
        raise SignatureError("the request has no Date a clock can read") from None
    if when.tzinfo is None or not (now - BEHIND <= when <= now + AHEAD):
        raise SignatureError(f"the request's Date, {date}, is too far from this server's clock")
