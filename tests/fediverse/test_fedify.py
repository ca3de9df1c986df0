"""Real fediverse software follows the timeline (issue 34's test): an account made with Fedify
(tests/fediverse/fedify/follower.mjs, npm's @fedify/fedify on Node.js) looks the timeline up by
WebFinger, follows it, gets the Accept, then each event added, edited and removed, with Fedify
checking every HTTP Signature; an impostor's Follow, signed with a key that is not its own, is
refused."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import copy_shipped
from tests.daemons import Daemon, free_port, start

FOLLOWER = Path(__file__).parent / "fedify"

pytestmark = [pytest.mark.interop, pytest.mark.slow]


class Fedify:
    """The Fedify account, bob, run by Node.js: commands in, one JSON line out per event."""

    def __init__(self, target: str) -> None:
        node = shutil.which("node")
        if node is None or not (FOLLOWER / "node_modules" / "@fedify" / "fedify").is_dir():
            if os.environ.get("CI"):
                raise AssertionError(
                    "Node.js and the follower's packages are needed: scripts/test installs them"
                )
            pytest.skip("needs Node.js and `npm ci --prefix tests/fediverse/fedify` (scripts/test does both)")
        self.url = f"http://127.0.0.1:{free_port()}"
        self.process = subprocess.Popen(
            [node, "follower.mjs", self.url.rsplit(":", 1)[1], target],
            cwd=FOLLOWER,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.said: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_for("listening")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.said.put(json.loads(line))

    def ask(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def wait_for(self, event: str, seconds: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                said = self.said.get(timeout=0.2)
            except queue.Empty:
                continue
            if said["event"] == "error":
                raise AssertionError(f"Fedify's follower failed: {said}")
            if said["event"] == event:
                return said
        stderr = self.process.stderr.read() if self.process.poll() is not None and self.process.stderr else ""
        raise AssertionError(f"Fedify's follower said no {event} in {seconds} s {stderr}")

    def close(self) -> None:
        self.process.kill()
        self.process.communicate(timeout=10)  # its pipes read to their end and closed


@pytest.fixture
def timeline(tmp_path: Path) -> Iterator[tuple[Daemon, str]]:
    """The shipped timeline, followable, served by a daemon at the address its header gives."""
    port = free_port()
    source = copy_shipped(tmp_path, history=True)
    text = source.read_text(encoding="utf-8").replace("http://127.0.0.1:8000/", f"http://127.0.0.1:{port}/")
    source.write_text(
        text.replace("\nevents:\n", "\nfediverse: {account: iom_vietnam}\nevents:\n", 1), encoding="utf-8"
    )
    daemon = start(source, tmp_path / "feeds", port=port)
    yield daemon, f"http://127.0.0.1:{port}/"
    daemon.stop()


def test_fedify_follows_the_timeline_and_sees_each_event_added_edited_and_removed(
    timeline: tuple[Daemon, str],
) -> None:
    daemon, base = timeline
    bob = Fedify(base + "actor")
    try:
        bob.ask("lookup")
        found = bob.wait_for("found")
        assert found["subject"] == f"acct:iom_vietnam@{base[7:-1]}" and found["self"] == base + "actor"
        assert (found["type"], found["name"], found["inbox"]) == (
            "Service",
            "IOM and Viet Nam: a timeline",
            base + "inbox",
        )
        # An impostor: a Follow in bob's name, signed with another key. Refused, and no one follows.
        bob.ask("impostor")
        assert bob.wait_for("impostor")["status"] == 401
        assert daemon.request("/followers").json()["totalItems"] == 0
        bob.ask("follow")
        bob.wait_for("followed")
        accepted = bob.wait_for("Accept")  # Fedify took it: its signature is the timeline's key's
        assert accepted["actor"] == base + "actor" and accepted["objectType"] == "Follow"
        assert daemon.request("/followers").json()["totalItems"] == 1
        text = daemon.source.read_text(encoding="utf-8")
        first = text.index("\n  - id: ")
        block = text[first : text.index("\n  - id: ", first + 1)]
        event_id = block.split("id: ", 1)[1].split("\n", 1)[0]
        added = block.replace(f"id: {event_id}\n", "id: followed-from-fedify\n", 1)
        page = base + "events/followed-from-fedify.html"
        for kind, saved in (
            ("Create", text[:first] + added + text[first:]),
            ("Update", text[:first] + added.replace("title: ", "title: Edited, ", 1) + text[first:]),
            ("Delete", text),
        ):
            daemon.source.write_text(saved, encoding="utf-8")
            seen = bob.wait_for(kind)
            assert seen["actor"] == base + "actor" and seen["object"] == page, seen
            if kind != "Delete":
                assert seen["objectType"] == "Note"
            if kind == "Update":
                assert "Edited, " in seen["content"]
    finally:
        bob.close()
