"""The daemon gives the memory a build freed back to the system, rather than staying at its peak."""

from __future__ import annotations

import sys

import pytest

from timeline.daemon import memory


def _resident_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_the_free_memory_of_a_build_is_given_back() -> None:
    # Fragments of a kilobyte or two, as a build makes: the C allocator's, not Python's arenas.
    made = [bytes(1500) + i.to_bytes(4, "big") for i in range(100_000)]
    pinned = made[::1000]  # a few still in use, throughout: the heap cannot just shrink
    del made
    before = _resident_mb()
    assert before > 150, "the freed fragments were given back already: nothing to test"
    assert memory.give_back()
    assert _resident_mb() < before - 100, "the 150 MB freed stayed resident"
    assert pinned
