"""RFC 5545 content lines as the calendars write them: TEXT escaped, lines folded, times in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache


def component(lines: list[str]) -> str:
    # Most lines are short and ASCII: kept as they are without a call.
    return "".join([line + "\r\n" if len(line) < 75 and line.isascii() else fold(line) for line in lines])


@lru_cache(maxsize=64)  # an event's DTSTAMP, CREATED and LAST-MODIFIED are often one time
def utc(moment: datetime) -> str:
    if moment.tzinfo is not UTC:  # the history's times are UTC already
        moment = moment.astimezone(UTC)
    m = moment
    return f"{m.year:04d}{m.month:02d}{m.day:02d}T{m.hour:02d}{m.minute:02d}{m.second:02d}Z"


def ymd(day: date) -> str:
    # Not strftime("%Y"): it drops the leading zeros of years before 1000 on glibc.
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def escaped(value: str) -> str:
    """RFC 5545 TEXT escaping (3.3.11). Unlike icalendar, a backslash the user wrote stays one:
    icalendar first turns a literal backslash-N into a line break."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """The line and its CRLF, folded into parts of at most 74 octets (75 with the leading
    space of a continuation), never inside a UTF-8 character, and never right after a
    backslash, so that an escape stays whole (as icalendar folds)."""
    if len(line) < 75 and line.isascii():
        return line + "\r\n"
    data = line.encode()
    if len(data) < 75:
        return line + "\r\n"
    parts = []
    start = 0
    while len(data) - start > 74:
        end = start + 74
        while data[end] & 0xC0 == 0x80:  # inside a character: back to its first byte
            end -= 1
        if data[end - 1] in b"\\^" and end - 1 > start:
            end -= 1
        parts.append(data[start:end])
        start = end
    parts.append(data[start:])
    return (b"\r\n ".join(parts)).decode() + "\r\n"
