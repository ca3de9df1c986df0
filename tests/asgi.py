"""Requests to the daemon's ASGI app in process, as the listener makes them: for tests that need
a site's Site and App side by side, without a port."""

from __future__ import annotations

import asyncio

from timeline.serve.server import App, Message


def get(app: App, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One GET of `path` (with its query, if any) from the ASGI app, as the listener makes it."""
    sent: list[Message] = []
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start, body = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body
