"""HTTP for several timelines (`timeline serve --folder`): each under its own path, a list of them
at the root, one /healthz for all.

`/<name>/...` is answered by that timeline's own App, exactly as a daemon of that timeline
alone answers `/...`; `/<name>` without its slash is redirected to `/<name>/`, so that the
page's relative links resolve. The root's page and OPML are rendered from the timelines' models
whenever one of them was published anew, and served like any output (validators, gzip).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from timeline.render import directory, formats
from timeline.serve import server
from timeline.serve.health import Health
from timeline.serve.server import App, Receive, Scope, Send
from timeline.serve.snapshot import Representation, Snapshot


class FolderApp:
    """The ASGI application over `timelines()`: the apps of the timelines served now, by name
    (a function: timelines come and go while the daemon runs)."""

    def __init__(self, timelines: Callable[[], Mapping[str, App]], cache_seconds: int) -> None:
        self.timelines = timelines
        self.root_status = Health()
        self.root = App(self.root_status, cache_seconds)
        self._listed: tuple[tuple[str, object], ...] | None = None  # what the root was made from

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.root(scope, receive, send)  # the lifespan: answered once, for all
            return
        path: str = scope["path"]
        name, slash, rest = path[1:].partition("/")
        apps = self.timelines()
        app = apps.get(name)
        if app is None:
            if path == "/healthz" and scope["method"] in ("GET", "HEAD"):
                await self._health(send, scope, apps)
                return
            self._list(apps)
            await self.root(scope, receive, send)  # the root's page and OPML, or a 404
            return
        if not slash:
            head = scope["method"] == "HEAD"
            await server.plain_answer(send, 301, f"/{name}/\n", [(b"location", f"/{name}/".encode())], head)
            return
        inner = dict(scope, path="/" + rest, root_path=scope.get("root_path", "") + "/" + name)
        await app(inner, receive, send)

    def _list(self, apps: Mapping[str, App]) -> None:
        """Render the root's page and OPML again if a timeline came, went or was published anew."""
        listed = tuple((name, app.status.model) for name, app in sorted(apps.items()))
        if listed == self._listed:
            return
        made = directory.render([(name, model[0] if model else None) for name, model in listed])
        now = datetime.now(UTC)
        files = {
            "/" + output: Representation.of(body, formats.media_type(output), now)
            for output, body in made.items()
        }
        self.root_status.snapshot = Snapshot(files, now)
        self._listed = listed

    async def _health(self, send: Send, scope: Scope, apps: Mapping[str, App]) -> None:
        """Every timeline's /healthz in one document; the worst status is the whole's."""
        details = server.on_this_machine(scope)
        reports = {name: app.status.report(details=details) for name, app in sorted(apps.items())}
        states = [report["status"] for report in reports.values()]
        state = "ok" if all(s == "ok" for s in states) else "unavailable" if not states else "degraded"
        whole: dict[str, Any] = {"status": state, "timelines": reports}
        body = (json.dumps(whole, indent=2) + "\n").encode()
        code = 200 if any(s != "unavailable" for s in states) else 503
        head = scope["method"] == "HEAD"
        await server.small_answer(
            send, code, body, b"application/json", [(b"cache-control", b"no-store")], head
        )
