"""HTTP: a plain ASGI app answering from the in-memory snapshot (timeline.serve.listen runs it). Only
GET, HEAD and OPTIONS; only the paths the snapshot holds; nothing else."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl

from timeline.model import History, Timeline
from timeline.model.languages import in_language
from timeline.render import activitypub, formats, own_pages
from timeline.render.embed import EMBED
from timeline.serve import filters
from timeline.serve.filters import FilterError
from timeline.serve.health import Followable, Health
from timeline.serve.snapshot import Representation

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("timeline.serve.server")

# Filtered outputs kept in memory between publishes, by their bytes (body and gzip): at 5,000
# events a filter that selects everything is a calendar of megabytes, and anyone may ask for
# hundreds of distinct ones.
FILTER_CACHE_BYTES = 64 * 1024 * 1024
# The events' own pages a large timeline's daemon makes when asked for (Snapshot.pages_on_request),
# kept the same way: a page is a few kilobytes, and most are asked for rarely if ever.
PAGE_CACHE_BYTES = 32 * 1024 * 1024
# The fediverse actor's answers kept for a publish: WebFinger, the actor, its outbox and
# followers, and the Notes asked for; any address may be asked for, so the count is bounded.
_ACTOR_CACHE_ENTRIES = 1024
MAX_INBOX_BODY = 256 * 1024  # a post to the fediverse actor's inbox: an activity is a few kilobytes
# What every answer carries, whatever it is (200, 304, an error, a preflight, a refusal by the
# listener; deploy/nginx.conf sends the same, and a test compares them). The outputs are public:
# a web page on any origin (a browser-based reader, a widget showing the JSON Feed) may read
# every answer, and the ETag it needs to ask again conditionally. Never sniffed into another
# type, never framed, no referrer beyond the origin. (The page's own policy, naming its style
# and script, is in the page: see render/html.py.)
EVERY_ANSWER = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", b"ETag"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]
# The one output another site may frame (timeline/render/embed.py): the same list, with framing
# allowed from any origin and nothing else loosened; deploy/nginx.conf says the same of it.
FRAMEABLE = "/" + EMBED
_FRAMED_BY_ANY = b"frame-ancestors *; base-uri 'none'; form-action 'none'"
FRAMEABLE_ANSWER = [
    (name, _FRAMED_BY_ANY if name == b"content-security-policy" else value)
    for name, value in EVERY_ANSWER
    if name != b"x-frame-options"
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

    def __init__(self, status: Health, cache_seconds: int) -> None:
        self.status = status
        self.cache_control = f"public, max-age={max(cache_seconds, 1)}"
        self._cache: dict[tuple[str | None, str, str], Representation] = {}  # oldest first
        self._cache_bytes = 0
        self._cache_model: object = None
        # The fediverse actor's documents of the model published now (see _as_actor).
        self._actor_cache: dict[tuple[str, str, bool, int], tuple[bool, Representation | None]] = {}
        self._actor_model: object = None
        # The events' own pages made when asked for, by path, with the model each is made from.
        self._pages: dict[str, tuple[object, Representation]] = {}  # oldest first
        self._pages_bytes = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method = scope["method"]
        if method == "OPTIONS":
            await small_answer(send, 204, b"", b"text/plain; charset=utf-8", _PREFLIGHT, head=True)
            return
        path = scope["path"]
        followable = self.status.followable
        if method == "POST" and path == "/" + activitypub.INBOX and followable and followable.receive:
            await _inbox(scope, receive, send, followable.receive)
            return
        if method not in ("GET", "HEAD"):
            await plain_answer(
                send, 405, "only GET and HEAD are allowed\n", [(b"allow", b"GET, HEAD, OPTIONS")]
            )
            return
        if path == "/healthz":
            await self._health(send, method, on_this_machine(scope))
            return
        query = scope.get("query_string", b"").decode("latin-1")
        headers = _headers(scope)
        if self.status.followable is not None and self.status.model is not None:
            handled, actor_answer = self._as_actor(path, query, headers.get(b"accept", b""))
            if handled:
                if actor_answer is None:
                    await plain_answer(send, 404, "not found\n", [], head=method == "HEAD")
                else:
                    await self._file(send, method, headers, actor_answer, EVERY_ANSWER, vary=b"Accept")
                return
        representation = await self._representation(path)
        if representation is None:
            await plain_answer(send, 404, "not found\n", [], head=method == "HEAD")
            return
        language, inner = self._site_of(path)
        if query and (inner == FRAMEABLE or representation.media_type != "text/html; charset=utf-8"):
            try:
                representation = await self._filtered(language, inner, query, representation)
            except FilterError as error:
                await plain_answer(send, 400, f"{error}\n", [], head=method == "HEAD")
                return
        answer = FRAMEABLE_ANSWER if inner == FRAMEABLE else EVERY_ANSWER
        # An event's page is its Note too, to a client that asks for ActivityPub (see _as_actor).
        followed = self.status.followable is not None and inner.startswith("/events/")
        await self._file(send, method, headers, representation, answer, vary=b"Accept" if followed else None)

    async def _representation(self, path: str) -> Representation | None:
        """The output at `path` (the index at /), its bytes read; None if there is none."""
        snapshot = self.status.snapshot
        files = snapshot.files
        representation = files.get(path) or (files.get("/index.html") if path == "/" else None)
        if representation is None and snapshot.pages_on_request:
            return await self._own_page(path)
        if representation is not None and not representation.loaded:
            try:  # read when first asked for; off the event loop, a calendar is megabytes
                await asyncio.to_thread(representation.load)
            except OSError:
                return None  # gone, or something else put in its place
        return representation

    def _as_actor(self, path: str, query: str, accept: bytes) -> tuple[bool, Representation | None]:
        """The timeline as a fediverse actor (render/activitypub.py): (True, the answer) for its
        addresses (WebFinger, the actor, its outbox and followers) and, to a client that asks for
        ActivityPub, an event's page as its Note; (True, None) for such an address that names
        nothing here; (False, None) for any other address."""
        model, followable = self.status.model, self.status.followable
        assert model is not None and followable is not None
        wants_activity = _asks_for_activity(accept)
        if self._actor_model is not model:  # a new publish: every document may have changed
            self._actor_cache, self._actor_model = {}, model
        # Made once a publish (and followers' count): a server polling the outbox costs a look-up.
        key = (path, query, wants_activity, followable.followers())
        if key not in self._actor_cache:
            if len(self._actor_cache) >= _ACTOR_CACHE_ENTRIES:
                self._actor_cache.clear()
            self._actor_cache[key] = self._actor_answer(path, query, wants_activity, model, followable)
        return self._actor_cache[key]

    def _actor_answer(
        self,
        path: str,
        query: str,
        wants_activity: bool,
        model: tuple[Timeline, History],
        followable: Followable,
    ) -> tuple[bool, Representation | None]:
        timeline, history = model
        if path == "/.well-known/webfinger":
            resources = [v for k, v in parse_qsl(query) if k == "resource"]
            made, media = (
                activitypub.webfinger(timeline, resources[0]) if resources else None,
                activitypub.JRD,
            )
        elif path == "/" + activitypub.ACTOR:
            made, media = activitypub.actor(timeline, followable.public_key_pem), activitypub.MEDIA_TYPE
        elif path == "/" + activitypub.OUTBOX:
            made, media = activitypub.outbox(timeline, history), activitypub.MEDIA_TYPE
        elif path == "/" + activitypub.FOLLOWERS:
            made, media = activitypub.followers(timeline, followable.followers()), activitypub.MEDIA_TYPE
        elif wants_activity and path.startswith("/events/"):
            made, media = activitypub.note_document(timeline, history, path[1:]), activitypub.MEDIA_TYPE
        else:
            return False, None
        if made is None:
            return True, None
        return True, Representation.of(made, media, self.status.snapshot.loaded_at or datetime.now(UTC))

    async def _own_page(self, path: str) -> Representation | None:
        """The event's own page or calendar at `path`, made when first asked for after each
        publish; None if no event published has one there. The one made before is served on
        while its bytes stay the same, its validators with it."""
        model = self.status.model
        if model is None:
            return None
        kept = self._pages.pop(path, None)
        if kept is not None:
            self._pages_bytes -= _size(kept[1])
            if kept[0] is model:
                return self._keep_page(path, model, kept[1])
        language, inner = self._site_of(path)
        # Off the event loop: a timeline's first page works out where every event's page sits.
        body = await asyncio.to_thread(_render_own_page, model, language, inner[1:])
        if body is None:
            return None
        if kept is not None and kept[1].body == body:
            return self._keep_page(path, model, kept[1])
        # Last-Modified: now, never earlier than the change it shows (a client asking with
        # If-Modified-Since alone must not be told that a changed page is not).
        made = Representation.of(body, formats.media_type(inner), datetime.now(UTC))
        return self._keep_page(path, model, made)

    def _keep_page(self, path: str, model: object, page: Representation) -> Representation:
        if self.status.model is not model:
            return page  # published meanwhile: made from the old model, not to be kept
        self._pages[path] = (model, page)  # the most recently asked last
        self._pages_bytes += _size(page)
        while self._pages_bytes > PAGE_CACHE_BYTES:
            self._pages_bytes -= _size(self._pages.pop(next(iter(self._pages)))[1])
        return page

    def _site_of(self, path: str) -> tuple[str | None, str]:
        """The language `path` is published in (None: the default) and the path within that
        language's site: ("vi", "/timeline.atom") for "/vi/timeline.atom"."""
        model = self.status.model
        first, _, rest = path[1:].partition("/")
        if rest and model is not None and first in model[0].languages[1:]:
            return first, "/" + rest
        return None, path

    async def _filtered(
        self, language: str | None, path: str, query: str, full: Representation
    ) -> Representation:
        """The output at `path` of the site in `language` (None: the default's) filtered by
        `query`, rendered once per filter and publish."""
        extension = path.rsplit(".", 1)[-1]
        model = self.status.model
        filtered = path == FRAMEABLE or (path.startswith("/timeline.") and extension in filters.FORMATS)
        if not filtered or model is None:
            addresses = [f"/timeline.{suffix}" for suffix in filters.FORMATS] + [FRAMEABLE]
            raise FilterError(f"filters apply to {', '.join(addresses[:-1])} and {addresses[-1]}")
        chosen = filters.parse(query, model[0])
        if self._cache_model is not model:  # a new publish: every filtered output may have changed
            self._cache.clear()
            self._cache_bytes = 0
            self._cache_model = model
        key = (language, extension, chosen.canonical)
        cached = self._cache.pop(key, None)
        if cached is None:
            # Off the event loop: rendering a large timeline takes a while.
            body = await asyncio.to_thread(_render_filtered, model, language, chosen, extension)
            cached = Representation.of(body, full.media_type, full.last_modified)
            if self._cache_model is not model:
                return cached  # published meanwhile: not for the new cache
            self._cache_bytes += _size(cached)
        self._cache[key] = cached  # the most recently asked last
        while self._cache_bytes > FILTER_CACHE_BYTES:
            self._cache_bytes -= _size(self._cache.pop(next(iter(self._cache))))
        return cached

    async def _file(
        self,
        send: Send,
        method: str,
        headers: dict[bytes, bytes],
        rep: Representation,
        answer: list[tuple[bytes, bytes]],
        vary: bytes | None = None,
    ) -> None:
        """`vary`: a request header besides Accept-Encoding that chose this answer."""
        use_gzip = rep.gzip_etag is not None and _accepts_gzip(headers.get(b"accept-encoding", b""))
        etag = rep.gzip_etag if use_gzip else rep.etag
        assert etag is not None
        media_type = rep.media_type
        vary = vary + b", Accept-Encoding" if vary else b"Accept-Encoding"
        for_browsers = formats.FOR_BROWSERS.get(media_type)
        if for_browsers is not None:  # a feed: a browser is sent it as XML, to show it styled
            vary = b"Accept, Accept-Encoding"
            if _is_a_browser(headers.get(b"accept", b"")):
                media_type = for_browsers
        common = [
            (b"etag", etag.encode()),
            (b"last-modified", rep.http_date.encode()),
            (b"cache-control", self.cache_control.encode()),
            (b"vary", vary),
            *answer,  # a cross-origin conditional fetch reads its 304 too
        ]
        if _not_modified(headers, etag, rep.last_modified):
            await send({"type": "http.response.start", "status": 304, "headers": common})
            await send({"type": "http.response.body", "body": b""})
            return
        body = rep.body
        if use_gzip:
            # Compressed on the first request that asks (off the event loop for a large body).
            gzipped = rep.gzip_body() if rep.gzip_ready else await asyncio.to_thread(rep.gzip_body)
            assert gzipped is not None
            body = gzipped
        response = [
            (b"content-type", media_type.encode()),
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
        await small_answer(
            send, code, body, b"application/json", [(b"cache-control", b"no-store")], method == "HEAD"
        )


async def _inbox(
    scope: Scope,
    receive: Receive,
    send: Send,
    take: Callable[[str, dict[str, str], bytes], tuple[int, str]],
) -> None:
    """A post to the fediverse actor's inbox (timeline.fediverse.inbox), read up to its limit
    and taken off the event loop (checking its signature fetches the sender's key)."""
    headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in _headers(scope).items()}
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_INBOX_BODY:
        await plain_answer(send, 413, "an activity is a few kilobytes\n", [])
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > MAX_INBOX_BODY:
            await plain_answer(send, 413, "an activity is a few kilobytes\n", [])
            return
        if not message.get("more_body"):
            break
    query = scope.get("query_string", b"").decode("latin-1")
    target = scope["path"] + (f"?{query}" if query else "")
    status, text = await asyncio.to_thread(take, target, headers, body)
    await plain_answer(send, status, text, [])


def _render_filtered(
    model: tuple[Timeline, History], language: str | None, chosen: filters.Filter, extension: str
) -> bytes:
    return filters.render(*_in_language(model, language), chosen, extension)


def _render_own_page(model: tuple[Timeline, History], language: str | None, name: str) -> bytes | None:
    return own_pages.output(*_in_language(model, language), name)


def _in_language(model: tuple[Timeline, History], language: str | None) -> tuple[Timeline, History]:
    """The model as published in `language` (None: the default one)."""
    timeline, history = model
    if language is None:
        return timeline, history
    return in_language(timeline, language), history.in_language(language)


def _size(representation: Representation) -> int:
    # As much as it may come to hold, its gzip made later included (never more than the body).
    return representation.size * 2  # with the gzip it may come to hold (never more than the body)


def on_this_machine(scope: Scope) -> bool:
    """Whether the client is on this machine and not a proxy's client: /healthz then shows its
    details (paths, error texts, every file's ETag), which are nobody else's business."""
    client = scope.get("client")
    if not client or client[0] not in _LOOPBACK:
        return False
    return not any(name in _FORWARDED for name, _ in scope["headers"])


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {name.lower(): value for name, value in scope["headers"]}


_GZIP = frozenset((b"gzip", b"x-gzip", b"*"))


def _accepts_gzip(accept_encoding: bytes) -> bool:
    """RFC 9110 section 12.5.3: gzip if it is named with a weight above 0, or, not named, if
    "*" is; a coding's other parameters ("gzip;level=9;q=0") do not hide its weight."""
    if b";" not in accept_encoding:  # no weights, as nearly every client sends it: at once
        return not _GZIP.isdisjoint(accept_encoding.lower().replace(b" ", b"").split(b","))
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


async def plain_answer(
    send: Send, status: int, text: str, extra: list[tuple[bytes, bytes]], head: bool = False
) -> None:
    await small_answer(send, status, text.encode(), b"text/plain; charset=utf-8", extra, head)


def _asks_for_activity(accept: bytes) -> bool:
    """Whether a client asks for ActivityPub (application/activity+json, or JSON-LD with the
    ActivityStreams profile), as fediverse servers do when they look an address up."""
    accept = accept.lower()
    return b"application/activity+json" in accept or (
        b"application/ld+json" in accept and b"https://www.w3.org/ns/activitystreams" in accept
    )


def _is_a_browser(accept: bytes) -> bool:
    """Whether the client asks for a page, not for a feed: a browser's Accept names text/html,
    a feed reader's names the feed types (when it names any)."""
    accept = accept.lower()
    return b"text/html" in accept and b"atom+xml" not in accept and b"rss+xml" not in accept


async def small_answer(
    send: Send, status: int, body: bytes, media_type: bytes, extra: list[tuple[bytes, bytes]], head: bool
) -> None:
    """A small answer made on the spot (errors, /healthz): not cached, no validators."""
    headers = [
        (b"content-type", media_type),
        (b"content-length", str(len(body)).encode()),
        *EVERY_ANSWER,
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
