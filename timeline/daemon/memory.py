"""Giving the memory a build no longer needs back to the system.

A build makes large short-lived values (a calendar of every event, the pages of a year) that
the C allocator keeps once they are freed, in case they are needed again: without handing them
back a daemon stays near its largest build's peak for as long as it runs (BENCHMARKS.md).
glibc's malloc_trim gives the free pages back; elsewhere (musl, macOS) there is no such call,
and this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable


def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


_TRIM = _malloc_trim()


def give_back() -> bool:
    """Return the free memory of the C heap to the system; whether it could be asked."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
