"""HTTP: a plain ASGI app answering from the in-memory snapshot, run by uvicorn (the only
module that imports it). Only GET and HEAD; only the paths the snapshot holds; nothing else."""

from __future__ import annotations

import asyncio
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

FILTER_CACHE_SIZE = 256  # distinct filtered outputs kept in memory between publishes
# The outputs are public: a web page on any origin (a browser-based reader, a widget showing the
# JSON Feed) may read every answer, and the ETag it needs to ask again conditionally.
_CORS = [(b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", b"ETag")]


class App:
    """The ASGI application. `status.snapshot` is swapped by the builder; each request reads it once."""

    def __init__(self, status: Status, cache_seconds: int) -> None:
        self.status = status
        self.cache_control = f"public, max-age={max(cache_seconds, 1)}"
        self._cache: dict[tuple[str, str], Representation] = {}
        self._cache_model: object = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            await _plain(send, 405, "only GET and HEAD are allowed\n", [(b"allow", b"GET, HEAD")])
            return
        path = scope["path"]
        if path == "/healthz":
            await self._health(send, method)
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
            self._cache_model = model
        key = (extension, chosen.canonical)
        cached = self._cache.get(key)
        if cached is None:
            # Off the event loop: rendering a large timeline takes a while.
            body = await asyncio.to_thread(filters.render, model[0], model[1], chosen, extension)
            cached = Representation.of(body, full.media_type, full.last_modified)
            if len(self._cache) >= FILTER_CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = cached
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
        ]
        if _not_modified(headers, etag, rep.last_modified):
            await send({"type": "http.response.start", "status": 304, "headers": common})
            await send({"type": "http.response.body", "body": b""})
            return
        response = [
            (b"content-type", rep.media_type.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"x-content-type-options", b"nosniff"),
            *common,
        ]
        if use_gzip:
            response.append((b"content-encoding", b"gzip"))
        await send({"type": "http.response.start", "status": 200, "headers": response})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})

    async def _health(self, send: Send, method: str) -> None:
        report = self.status.report()
        body = (json.dumps(report, indent=2) + "\n").encode()
        code = 200 if report["serving"]["files"] else 503
        await _send(
            send, code, body, b"application/json", [(b"cache-control", b"no-store")], method == "HEAD"
        )


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {name.lower(): value for name, value in scope["headers"]}


def _accepts_gzip(accept_encoding: bytes) -> bool:
    for item in accept_encoding.decode("latin-1").lower().split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip() in ("gzip", "x-gzip", "*"):
            quality = params.strip().removeprefix("q=")
            try:
                return not params or float(quality) > 0
            except ValueError:
                return True
    return False


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
    except (TypeError, ValueError, IndexError):
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
    headers = [(b"content-type", media_type), (b"content-length", str(len(body)).encode()), *_CORS, *extra]
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

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http="httptools",
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
