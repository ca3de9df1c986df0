"""Synthetic timelines that look like the real one, generated deterministically.

Mixed precisions (years, months, days, ranges, times), Vietnamese and other non-ASCII text,
tags, one or two sources with quotes, some inferred dates and planned events.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml

HEADER = """\
title: "Benchmark timeline: Việt Nam and migration"
description: A synthetic timeline for benchmarks.
base_url: http://127.0.0.1:8000/
id_authority: bench.example.org,2026
author: {name: bench}
language: en
timezone: Asia/Ho_Chi_Minh
articles:
  a.txt: {title: Closer Cooperation on Migration Issues, publisher: IOM}
  b.txt: {title: "Hội nghị lần thứ 100", publisher: VNA}
events:
"""
WORDS = (
    "migration",
    "council",
    "delegation",
    "Hà",
    "Nội",
    "Genève",
    "memorandum",
    "Việt",
    "Nam",
    "Nguyễn",
    "Tấn",
    "Dũng",
    "observer",
    "member",
    "session",
    "report",
    "anniversary",
    "labourers",
    "trafficking",
    "resilience",
    "đổi",
    "mới",
    "cộng",
    "đồng",
    "Zürich",
    "São",
    "Paulo",
)
TAGS = ["council", "membership", "diplomacy", "agreements", "data", "one-un", "reports", "labour"]


def event(index: int, rng: random.Random, title_word: str = "") -> str:
    year = 1950 + rng.randrange(76)
    kind = rng.random()
    if kind < 0.15:
        date = str(year)
    elif kind < 0.3:
        date = f"{year}-{rng.randrange(1, 13):02d}"
    elif kind < 0.75:
        date = f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
    elif kind < 0.9:
        month, day = rng.randrange(1, 13), rng.randrange(1, 25)
        end = day + rng.randrange(1, 4)
        date = f"{{start: {year}-{month:02d}-{day:02d}, end: {year}-{month:02d}-{end:02d}}}"
    else:
        on = f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        date = f"{on}T{rng.randrange(24):02d}:{rng.randrange(60):02d}"
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(4, 9)))
    summary = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(20, 40)))
    quote = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(15, 30)))
    tags = ", ".join(sorted(rng.sample(TAGS, rng.randrange(0, 3))))
    lines = [
        f"  - id: event-{index:06d}",
        f"    title: {title_word}{title.capitalize()} {index}",
        "    summary: >-",
        f"      {summary}.",
        f"    date: {date}",
    ]
    if rng.random() < 0.2:
        lines += ["    certainty: inferred", "    date_note: Inferred from the report's context."]
    if rng.random() < 0.05:
        lines.append("    status: planned")
    if rng.random() < 0.4:
        lines.append(f"    location: {rng.choice(['Hà Nội', 'Genève', 'Thành phố Hồ Chí Minh', 'Zürich'])}")
    lines.append(f"    tags: [{tags}]")
    lines.append("    sources:")
    lines.append(f'      - {{article: {rng.choice(["a.txt", "b.txt"])}, quote: "{quote}."}}')
    return "\n".join(lines) + "\n"


STYLES = ("generator", "safe_dump", "hand")


def timeline(count: int, seed: int = 2026, style: str = "generator") -> str:
    """`count` events, written the way `style` says: this generator's own way (keys a line,
    folded summaries, bracketed tags and sources); as `yaml.safe_dump` writes the same data
    (lists at their key's indent, long plain scalars wrapped over lines); or as kept by hand (a
    comment before each event, 'single' and "double" quoted strings, block-style ranges, tags
    and sources)."""
    rng = random.Random(seed)
    text = HEADER + "".join(event(i, rng) for i in range(count))
    if style == "generator":
        return text
    data = yaml.load(text, Loader=yaml.BaseLoader)  # every scalar as the text it was written as
    if style == "safe_dump":
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=80)
    if style == "hand":
        return _by_hand(data)
    raise ValueError(f"no style {style!r}: one of {', '.join(STYLES)}")


def _by_hand(data: dict[str, Any]) -> str:
    head = {key: value for key, value in data.items() if key != "events"}
    out = [yaml.safe_dump(head, allow_unicode=True, sort_keys=False, width=100), "events:\n"]
    for item in data["events"]:
        out.append(f"\n  # {item['title']}\n")
        out.append(f"  - id: {item['id']}\n")
        for key, value in item.items():
            if key == "id":
                continue
            if isinstance(value, dict):  # a range
                out.append(f"    {key}:\n" + "".join(f"      {k}: {v}\n" for k, v in value.items()))
            elif key == "tags":
                out.append(
                    "    tags:\n" + "".join(f"      - {tag}\n" for tag in value)
                    if value
                    else "    tags: []\n"
                )
            elif key == "sources":
                out.append("    sources:\n")
                for source in value:
                    out.append(
                        f"      - article: {source['article']}\n        quote: {_double(source['quote'])}\n"
                    )
            elif key in ("title", "location"):
                out.append(f"    {key}: {_double(value)}\n")
            elif key in ("summary", "date_note"):
                out.append(f"    {key}: '{value.replace(chr(39), chr(39) * 2)}'\n")
            else:
                out.append(f"    {key}: {value}\n")
    return "".join(out)


def _double(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write(path: Path, count: int, style: str = "generator") -> Path:
    path.write_text(timeline(count, style=style), encoding="utf-8")
    return path


if __name__ == "__main__":
    import sys

    sys.stdout.write(timeline(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
