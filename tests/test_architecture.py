"""The house keeps its shape: imports flow one way down the pipeline's floors, and each
third-party library is imported by exactly one module (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from collections import defaultdict

from tests.conftest import ROOT

PACKAGE = ROOT / "timeline"
# From the floor every other stands on to the shell over all of them.
FLOORS = [
    "model",
    "errors",
    "files",
    "source",
    "history",
    "render",
    "extract",
    "builder",
    "bucket",
    "fediverse",
    "serve",
    "daemon",
    "cli",
]
LIBRARIES = {
    "feedgen": "render/feeds.py",
    "icalendar": "render/ical.py",
    "jinja2": "render/html.py",
    "yaml": "source/compose.py",
    "ryml": "source/quick_event.py",
    "trafilatura": "source/articles.py",
    "rapidfuzz": "source/quotes.py",
    "uvicorn": "serve/listen.py",
    "apscheduler": "daemon/scheduler.py",
    "watchfiles": "daemon/watch.py",
    "click": "cli.py",
    "boto3": "bucket/s3.py",
    "babel": "model/languages.py",
    "cryptography": "fediverse/keys.py",
}


def imports() -> dict[str, set[str]]:
    """Each module of the package (its path under timeline/) and the top-level names it imports."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found[path.relative_to(PACKAGE).as_posix()] |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found[path.relative_to(PACKAGE).as_posix()].add(node.module)
    return found


def floor(name: str) -> str:
    return name.split("/", 1)[0].removesuffix(".py")


def test_imports_flow_one_way_down_the_floors() -> None:
    upward = []
    for module, names in imports().items():
        here = floor(module)
        if here not in FLOORS:
            continue
        for name in names:
            parts = name.split(".")
            inner = parts[0] == "timeline" and len(parts) > 1 and parts[1] in FLOORS
            if inner and FLOORS.index(parts[1]) > FLOORS.index(here):
                upward.append(f"{module} imports {name}")
    assert upward == []


def test_each_third_party_library_is_imported_by_one_module() -> None:
    importers: dict[str, set[str]] = defaultdict(set)
    for module, names in imports().items():
        for name in names:
            if name.split(".")[0] in LIBRARIES:
                importers[name.split(".")[0]].add(module)
    assert importers == {library: {module} for library, module in LIBRARIES.items()}
