"""Requests to other servers: a fediverse actor's document fetched, an activity or a WebSub ping
posted. Each has TIMEOUT_SECONDS in all (an answer sent a byte every few seconds is cut off), no
redirect is followed, a document is read up to MAX_DOCUMENT bytes, and an address is refused
that the daemon should not be made to reach (see allowed())."""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import json
import socket
import threading
from typing import Any
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 10.0
MAX_DOCUMENT = 1 << 20  # an actor document is a few kilobytes
USER_AGENT = "timeline (a timeline's feeds and fediverse actor)"


class Refused(ValueError):
    """An address the daemon does not reach, or an answer it does not take: why, in words."""


def allowed(url: str, private: bool) -> None:
    """Refused unless `url` is http(s) to a host whose every address is public, or, with
    `private`, any address: a daemon served on this machine's loopback (the tests, a trial)
    talks to its neighbours; a public one is never made to reach into its own network by what a
    stranger posts to its inbox."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(f"{url[:200]} is not an http(s) address")
    if private:
        return
    try:
        found = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as error:
        raise Refused(f"{parts.hostname} cannot be resolved ({error})") from None
    for *_, address in found:
        if not ipaddress.ip_address(address[0]).is_global:
            raise Refused(f"{parts.hostname} is not a public address")


def on_this_machine(url: str) -> bool:
    """Whether `url`'s host is this machine or its private network (a loopback or private
    address, or localhost): a timeline published there talks to its neighbours (see allowed)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False  # a name: published for the world


def get_json(url: str, accept: str, private: bool) -> Any:
    """The JSON document at `url`, asked for as `accept`."""
    allowed(url, private)
    try:
        status, body = _request("GET", url, None, {"Accept": accept})
    except (OSError, http.client.HTTPException) as error:  # refused, unreachable, timed out, no HTTP
        raise Refused(f"{url[:200]} could not be read ({type(error).__name__})") from None
    if status != 200:
        raise Refused(f"{url[:200]} answered {status}")
    try:
        return json.loads(body)
    except ValueError:
        raise Refused(f"{url[:200]} answered with no JSON") from None


def post(
    url: str, body: bytes, headers: dict[str, str], private: bool = True, timeout: float = TIMEOUT_SECONDS
) -> int:
    """POST `body` to `url` and return the status, within `timeout` seconds in all."""
    allowed(url, private)
    return _request("POST", url, body, headers, timeout)[0]


def _request(
    method: str, url: str, body: bytes | None, headers: dict[str, str], timeout: float = TIMEOUT_SECONDS
) -> tuple[int, bytes]:
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname or "", parts.port, timeout=timeout)
    cut_off = threading.Timer(timeout, _cut_off, (connection,))
    cut_off.start()
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target, body, {"User-Agent": USER_AGENT, **headers})
        response = connection.getresponse()
        data = response.read(MAX_DOCUMENT + 1)
        if len(data) > MAX_DOCUMENT:
            raise Refused(f"{url[:200]} answered with more than {MAX_DOCUMENT} bytes")
        return int(response.status), data
    finally:
        cut_off.cancel()
        connection.close()


def _cut_off(connection: http.client.HTTPConnection) -> None:
    """End a request that has run out of time: a read waiting on the socket returns at once."""
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):  # closed already
            sock.shutdown(socket.SHUT_RDWR)
