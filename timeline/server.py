"""HTTP: a plain ASGI app answering from the in-memory snapshot, run by uvicorn (the only
module that imports it). Only GET and HEAD; only the paths the snapshot holds; nothing else."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from timeline import filters
from timeline.filters import FilterError
from timeline.snapshot import Representation
from timeline.status import Status

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("timeline.server")

# Filtered outputs kept in memory between publishes, by their bytes (body and gzip): at 5,000
# events a filter that selects everything is a calendar of megabytes, and anyone may ask for
# hundreds of distinct ones.
FILTER_CACHE_BYTES = 64 * 1024 * 1024
# The outputs are public: a web page on any origin (a browser-based reader, a widget showing the
# JSON Feed) may read every answer, and the ETag it needs to ask again conditionally.
_CORS = [(b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", b"ETag")]
# On every answer: never sniffed into another type, never framed, no referrer beyond the origin.
# (The page's own policy, naming its style and script, is in the page: see render/html.py.)
_HARDENING = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]
# The answer to a CORS preflight: a page elsewhere may ask again conditionally.
_PREFLIGHT = [
    (b"allow", b"GET, HEAD, OPTIONS"),
    (b"access-control-allow-methods", b"GET, HEAD"),
    (b"access-control-allow-headers", b"If-None-Match, If-Modified-Since"),
    (b"access-control-max-age", b"86400"),
]
_LOOPBACK = ("127.0.0.1", "::1")
_FORWARDED = (b"forwarded", b"x-forwarded-for", b"x-real-ip")


class App:
    """The ASGI application. `status.snapshot` is swapped by the builder; each request reads it once."""

    def __init__(self, status: Status, cache_seconds: int) -> None:
        self.status = status
        self.cache_control = f"public, max-age={max(cache_seconds, 1)}"
        self._cache: dict[tuple[str, str], Representation] = {}  # oldest first
        self._cache_bytes = 0
        self._cache_model: object = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method = scope["method"]
        if method == "OPTIONS":
            await _send(send, 204, b"", b"text/plain; charset=utf-8", _PREFLIGHT, head=True)
            return
        if method not in ("GET", "HEAD"):
            await _plain(send, 405, "only GET and HEAD are allowed\n", [(b"allow", b"GET, HEAD, OPTIONS")])
            return
        path = scope["path"]
        if path == "/healthz":
            await self._health(send, method, _on_this_machine(scope))
            return
        snapshot = self.status.snapshot
        representation = snapshot.files.get(path)
        if representation is None and path == "/":
            representation = snapshot.files.get("/index.html")
        if representation is None:
            await _plain(send, 404, "not found\n", [], head=method == "HEAD")
            return
        query = scope.get("query_string", b"").decode("latin-1")
        if query and representation.media_type != "text/html; charset=utf-8":
            try:
                representation = await self._filtered(path, query, representation)
            except FilterError as error:
                await _plain(send, 400, f"{error}\n", [], head=method == "HEAD")
                return
        await self._file(send, method, _headers(scope), representation)

    async def _filtered(self, path: str, query: str, full: Representation) -> Representation:
        """The output at `path` filtered by `query`, rendered once per filter and publish."""
        extension = path.rsplit(".", 1)[-1]
        model = self.status.model
        if not path.startswith("/timeline.") or extension not in filters.FORMATS or model is None:
            raise FilterError(
                "filters apply to /timeline.atom, /timeline.rss, /timeline.json and /timeline.ics"
            )
        chosen = filters.parse(query, model[0])
        if self._cache_model is not model:  # a new publish: every filtered output may have changed
            self._cache.clear()
            self._cache_bytes = 0
            self._cache_model = model
        key = (extension, chosen.canonical)
        cached = self._cache.pop(key, None)
        if cached is None:
            # Off the event loop: rendering a large timeline takes a while.
            body = await asyncio.to_thread(filters.render, model[0], model[1], chosen, extension)
            cached = Representation.of(body, full.media_type, full.last_modified)
            if self._cache_model is not model:
                return cached  # published meanwhile: not for the new cache
            self._cache_bytes += _size(cached)
        self._cache[key] = cached  # the most recently asked last
        while self._cache_bytes > FILTER_CACHE_BYTES:
            self._cache_bytes -= _size(self._cache.pop(next(iter(self._cache))))
        return cached

    async def _file(self, send: Send, method: str, headers: dict[bytes, bytes], rep: Representation) -> None:
        use_gzip = rep.gzip_body is not None and _accepts_gzip(headers.get(b"accept-encoding", b""))
        body, etag = (rep.gzip_body, rep.gzip_etag) if use_gzip else (rep.body, rep.etag)
        assert body is not None and etag is not None
        common = [
            (b"etag", etag.encode()),
            (b"last-modified", rep.http_date.encode()),
            (b"cache-control", self.cache_control.encode()),
            (b"vary", b"Accept-Encoding"),
            *_CORS,
            *_HARDENING,
        ]
        if _not_modified(headers, etag, rep.last_modified):
            await send({"type": "http.response.start", "status": 304, "headers": common})
            await send({"type": "http.response.body", "body": b""})
            return
        response = [
            (b"content-type", rep.media_type.encode()),
            (b"content-length", str(len(body)).encode()),
            *common,
        ]
        if use_gzip:
            response.append((b"content-encoding", b"gzip"))
        await send({"type": "http.response.start", "status": 200, "headers": response})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})

    async def _health(self, send: Send, method: str, details: bool) -> None:
        report = self.status.report(details=details)
        body = (json.dumps(report, indent=2) + "\n").encode()
        code = 200 if report["serving"]["files"] else 503
        await _send(
            send, code, body, b"application/json", [(b"cache-control", b"no-store")], method == "HEAD"
        )


def _size(representation: Representation) -> int:
    return len(representation.body) + len(representation.gzip_body or b"")


def _on_this_machine(scope: Scope) -> bool:
    """Whether the client is on this machine and not a proxy's client: /healthz then shows its
    details (paths, error texts, every file's ETag), which are nobody else's business."""
    client = scope.get("client")
    if not client or client[0] not in _LOOPBACK:
        return False
    return not any(name in _FORWARDED for name, _ in scope["headers"])


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {name.lower(): value for name, value in scope["headers"]}


def _accepts_gzip(accept_encoding: bytes) -> bool:
    """RFC 9110 section 12.5.3: gzip if it is named with a weight above 0, or, not named, if
    "*" is; a coding's other parameters ("gzip;level=9;q=0") do not hide its weight."""
    weights: dict[str, float] = {}
    for item in accept_encoding.decode("latin-1").lower().split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = 0.0  # a weight we cannot read: do not guess that it allows gzip
        if coding in ("gzip", "x-gzip", "*"):
            weights[coding] = min(weights.get(coding, weight), weight)
    named = [w for c, w in weights.items() if c != "*"]
    if named:
        return min(named) > 0
    return weights.get("*", 0.0) > 0


def _not_modified(headers: dict[bytes, bytes], etag: str, last_modified: datetime) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match decides when present; If-Modified-Since only without it."""
    if_none_match = headers.get(b"if-none-match")
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.decode("latin-1").split(",")]
        return "*" in tags or etag in tags
    if_modified_since = headers.get(b"if-modified-since")
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since.decode("latin-1"))
    except (TypeError, ValueError, IndexError, OverflowError):  # not a date, or one no clock has
        return False
    if since.tzinfo is None:
        return False
    return last_modified <= since


async def _plain(
    send: Send, status: int, text: str, extra: list[tuple[bytes, bytes]], head: bool = False
) -> None:
    await _send(send, status, text.encode(), b"text/plain; charset=utf-8", extra, head)


async def _send(
    send: Send, status: int, body: bytes, media_type: bytes, extra: list[tuple[bytes, bytes]], head: bool
) -> None:
    """A small answer made on the spot (errors, /healthz): not cached, no validators."""
    headers = [
        (b"content-type", media_type),
        (b"content-length", str(len(body)).encode()),
        *_CORS,
        *_HARDENING,
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def run(app: App, host: str, port: int, log_config: dict[str, Any], access_log: bool = False) -> None:
    """Serve `app` until SIGINT or SIGTERM; returns after a graceful shutdown."""
    import uvicorn

    descriptors = raise_descriptor_limit()

    class Limited(_protocol_class()):  # type: ignore[misc]
        most_connections = max(16, min(descriptors - DESCRIPTORS_KEPT, MAX_CONNECTIONS))

    log.info(
        "at most %d connections at once (of %d file descriptors); idle ones are closed first",
        Limited.most_connections,
        descriptors,
    )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=Limited,
        loop="auto",
        lifespan="on",
        log_config=log_config,
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=5,
        # A line per request costs more than answering it; off unless asked for.
        access_log=access_log,
    )
    uvicorn.Server(config).run()


# -- connections: the limits uvicorn's httptools protocol does not set ------------------------

MAX_HEAD_BYTES = 64 * 1024  # a request line and headers together; more is answered 431
HEAD_SECONDS = 15.0  # from connecting, or from a request's first byte, until its head is in
LINGER_SECONDS = 2.0  # after a refusal, reading and dropping what the client still sends
MAX_CONNECTIONS = 16_384
DESCRIPTORS_KEPT = 256  # for builds (outputs, the history, a worker's pipes) and the watcher


def raise_descriptor_limit() -> int:
    """Raise the soft limit on open files to the hard one (systemd's default soft limit is
    1,024); the soft limit now in force."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 1 << 20)
    if soft != resource.RLIM_INFINITY and soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
    return int(soft if soft != resource.RLIM_INFINITY else 1 << 20)


def _protocol_class() -> type[Any]:
    """uvicorn's httptools protocol with the limits it lacks, each refusal an answer the client
    can read: at most `most_connections` at once (a new one closes the connection idle the
    longest, or is answered 503 if none is idle), a request's head within MAX_HEAD_BYTES (431)
    and HEAD_SECONDS, no HTTP/0.9 (400), and a bad request after good ones on the same
    connection answered once the good ones are (uvicorn closed the connection at once)."""
    import time

    import httptools
    from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

    class Protocol(HttpToolsProtocol):
        most_connections = MAX_CONNECTIONS

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            self._idle_since = time.monotonic()
            self._head_bytes = 0
            self._reading_head = True
            self._refusal: bytes | None = None
            if len(self.connections) >= self.most_connections and not self._close_the_longest_idle():
                super().connection_made(transport)
                self._refuse(503, "too many connections; try again shortly\n")
                return
            super().connection_made(transport)
            self._arm(HEAD_SECONDS)

        def _close_the_longest_idle(self) -> bool:
            idle = [c for c in self.connections if isinstance(c, Protocol) and not c._answering()]
            if not idle:
                return False
            min(idle, key=lambda c: c._idle_since).transport.close()
            return True

        def _answering(self) -> bool:
            return self.cycle is not None and not self.cycle.response_complete

        def _arm(self, seconds: float) -> None:
            self._unset_keepalive_if_required()
            self.timeout_keep_alive_task = self.loop.call_later(seconds, self.timeout_keep_alive_handler)

        def data_received(self, data: bytes) -> None:
            if self._refusal is not None or self.transport.is_closing():
                return  # refused: the rest is not read
            if self._reading_head:
                self._head_bytes += len(data)
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserUpgrade:
                self._refuse(400, "upgrades are not supported\n")
            except httptools.HttpParserError:
                self._refuse(400, "not a valid HTTP/1.1 request\n")
            else:
                if self._reading_head and self._head_bytes > MAX_HEAD_BYTES:
                    self._refuse(431, f"the request's head is over {MAX_HEAD_BYTES} bytes\n")

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm(HEAD_SECONDS)

        def on_headers_complete(self) -> None:
            self._reading_head, self._head_bytes = False, 0
            if self.parser.get_http_version() not in ("1.0", "1.1"):
                self._refuse(400, "HTTP/1.0 or 1.1 only\n")
                return
            if self._refusal is None:
                self._unset_keepalive_if_required()  # answering now: no deadline
                super().on_headers_complete()

        def on_body(self, body: bytes) -> None:
            if self._refusal is None:
                super().on_body(body)

        def on_message_complete(self) -> None:
            self._reading_head = True
            if self._refusal is None:
                super().on_message_complete()

        def on_response_complete(self) -> None:
            self._idle_since = time.monotonic()
            super().on_response_complete()
            if self._refusal is not None and not self.pipeline and not self._answering():
                self._send_refusal()

        def _refuse(self, status: int, reason: str) -> None:
            """Answer `status` and close, once every request read before it is answered."""
            body = reason.encode()
            self._refusal = b"".join(
                [
                    STATUS_LINE[status],
                    b"content-type: text/plain; charset=utf-8\r\n",
                    b"content-length: " + str(len(body)).encode() + b"\r\n",
                    b"x-content-type-options: nosniff\r\n",
                    b"connection: close\r\n\r\n",
                    body,
                ]
            )
            if not self.pipeline and not self._answering():
                self._send_refusal()

        def _send_refusal(self) -> None:
            # Then what the client still sends is read and dropped for a moment before closing
            # (a "lingering close"): closing with unread data would reset the connection, and
            # the client, still sending, would never read the answer.
            if self._refusal is not None and not self.transport.is_closing():
                self.transport.write(self._refusal)
                if self.transport.can_write_eof():
                    self.transport.write_eof()
                self._arm(LINGER_SECONDS)

    return Protocol
