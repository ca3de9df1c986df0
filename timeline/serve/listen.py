"""Listening: uvicorn (the only module that imports it) running the ASGI app of timeline.serve.server,
with the limits its httptools protocol does not set, so that no client can exhaust the daemon's
descriptors or memory or take another client's answer with it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import httptools
import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from timeline.serve.server import EVERY_ANSWER, App

log = logging.getLogger("timeline.serve.server")


def run(app: App, host: str, port: int, log_config: dict[str, Any], access_log: bool = False) -> None:
    """Serve `app` until SIGINT or SIGTERM; returns after a graceful shutdown."""
    descriptors = raise_descriptor_limit()

    class Limited(Protocol):
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


class Protocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits it lacks, each refusal an answer the client
    can read: at most `most_connections` at once (a new one closes the connection idle the
    longest, or is answered 503 if none is idle), a request's head within MAX_HEAD_BYTES (431)
    and HEAD_SECONDS, no HTTP/0.9 (400), and a bad request after good ones on the same
    connection answered once the good ones are (uvicorn closed the connection at once)."""

    most_connections = MAX_CONNECTIONS
    _sweeping: asyncio.AbstractEventLoop | None = None  # the loop the sweep runs in

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        # Since when no request is being answered: the next one's head must be in within
        # HEAD_SECONDS of it (checked once a second for all: a timer set and cancelled each
        # request was a large part of a 304's time).
        self._idle_since: float | None = self.loop.time()
        self._head_bytes = 0
        self._reading_head = True
        self._refusal: bytes | None = None
        self._parsed_head = 0  # of the request being parsed: its URL and headers
        if Protocol._sweeping is not self.loop:
            Protocol._sweeping = self.loop
            self.loop.call_later(1.0, self._sweep, self.loop)
        if len(self.connections) >= self.most_connections and not self._close_the_longest_idle():
            super().connection_made(transport)
            self._refuse(503, "too many connections; try again shortly\n")
            return
        super().connection_made(transport)

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        """Every second: close the connections idle for HEAD_SECONDS with no request in
        (silent, or sending a head too slowly), and those done lingering after a refusal."""
        overdue = loop.time() - HEAD_SECONDS
        for connection in list(self.connections):
            if isinstance(connection, Protocol) and (connection._idle_since or overdue) < overdue:
                connection.transport.close()
        loop.call_later(1.0, self._sweep, loop)

    def _close_the_longest_idle(self) -> bool:
        idle = [c for c in self.connections if isinstance(c, Protocol) and not c._answering()]
        if not idle:
            return False
        min(idle, key=lambda c: c._idle_since or 0.0).transport.close()
        return True

    def _answering(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def data_received(self, data: bytes) -> None:
        if self._refusal is not None or self.transport.is_closing():
            return  # refused: the rest is not read
        self._unset_keepalive_if_required()  # as uvicorn does: data came
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
        self._parsed_head = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        # Counted as parsed, too: a head that came in one piece is read whole before the
        # count of what was received is looked at.
        self._count_head(len(name) + len(value) + 4)
        if self._refusal is None:
            super().on_header(name, value)

    def _count_head(self, size: int) -> None:
        self._parsed_head += size
        if self._parsed_head > MAX_HEAD_BYTES and self._refusal is None:
            self._refuse(431, f"the request's head is over {MAX_HEAD_BYTES} bytes\n")

    def on_headers_complete(self) -> None:
        self._reading_head, self._head_bytes, self._idle_since = False, 0, None
        if self.parser.get_http_version() not in ("1.0", "1.1"):
            self._refuse(400, "HTTP/1.0 or 1.1 only\n")
            return
        if self._refusal is None:
            super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if self._refusal is None:
            super().on_body(body)

    def on_message_complete(self) -> None:
        self._reading_head = True
        if self._refusal is None:
            super().on_message_complete()

    def on_response_complete(self) -> None:
        self._idle_since = self.loop.time()
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
                *(name + b": " + value + b"\r\n" for name, value in EVERY_ANSWER),
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
            self._idle_since = self.loop.time() - HEAD_SECONDS + LINGER_SECONDS  # swept then
