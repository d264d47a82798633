"""Derive the routine documents of the sample corpus (meeting notes, weekly reports, logs) from
each user's word lists and templates in `corpus/<user>/derived.json`, with a seeded generator."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from pathlib import PurePosixPath
from typing import Any

from demo.errors import CorpusSourceError
from demo.sources import CORPUS_DIR, SampleDocument, SampleUser, check_facts

__all__ = ["derived_documents"]

# {name} picks from the list `name`; {num:LOW-HIGH} draws an integer, {big:LOW-HIGH} one written
# with thousands separators, {dec:LOW-HIGH} a number with one decimal.
_SLOT = re.compile(r"\{([a-z_]+)(?::([0-9.]+)-([0-9.]+))?\}")
# [[text]] marks a distinctive fact: the brackets go, the text is recorded as a fact.
_FACT = re.compile(r"\[\[(.+?)\]\]")
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


class _Filler:
    """Fills templates for one document: fixed values first, fresh random picks otherwise."""

    def __init__(self, rng: random.Random, lists: dict[str, list[str]], fixed: dict[str, str]):
        self._rng = rng
        self._lists = lists
        self._fixed = fixed

    def fill(self, template: str, *, row: str = "") -> str:
        return _SLOT.sub(lambda match: self._slot(match, row), template)

    def _slot(self, match: re.Match[str], row: str) -> str:
        name, low, high = match.groups()
        if name == "row":
            return row
        if name in self._fixed:
            return self._fixed[name]
        if name in ("num", "big") and low is not None:
            value = self._rng.randint(int(low), int(high))
            return f"{value:,}" if name == "big" else str(value)
        if name == "dec" and low is not None:
            return f"{self._rng.uniform(float(low), float(high)):.1f}"
        if name in self._lists:
            return self._rng.choice(self._lists[name])
        raise CorpusSourceError(f"derived.json: template slot {{{name}}} names no list")

    def pick(self, templates: list[str], count: int | None) -> list[str]:
        if count is None or count >= len(templates):
            return [self.fill(t) for t in templates]
        chosen = sorted(self._rng.sample(range(len(templates)), count))
        return [self.fill(templates[i]) for i in chosen]


def derived_documents(user: SampleUser) -> list[SampleDocument]:
    """The user's derived documents; the same corpus files always give the same documents."""
    source = CORPUS_DIR / user.name / "derived.json"
    spec = json.loads(source.read_text(encoding="utf-8"))
    documents: list[SampleDocument] = []
    for kind in spec["kinds"]:
        start = dt.date.fromisoformat(kind["start"])
        for index in range(kind["count"]):
            rng = random.Random(f"{user.name}/{kind['folder']}/{index}")
            day = start + dt.timedelta(days=kind["every_days"] * index)
            fixed = {
                "date": f"{day.day} {_MONTHS[day.month - 1]} {day.year}",
                "date_iso": day.isoformat(),
                "week": str(day.isocalendar().week),
                "n": str(index + 1),
            }
            for name in kind.get("fixed", []):
                fixed[name] = rng.choice(spec["lists"][name])
            filler = _Filler(rng, spec["lists"], fixed)
            documents.append(_document(user, kind, index, filler))
    return documents


def _document(
    user: SampleUser, kind: dict[str, Any], index: int, filler: _Filler
) -> SampleDocument:
    parts: list[str] = []
    for section in kind["sections"]:
        if section.get("heading"):
            parts.append(f"## {filler.fill(section['heading'])}")
        if "paragraphs" in section:
            parts.extend(filler.pick(section["paragraphs"], section.get("pick")))
        if "items" in section:
            items = filler.pick(section["items"], section.get("pick"))
            markers = [f"{n}." if section.get("ordered") else "-" for n in range(1, len(items) + 1)]
            parts.append("\n".join(f"{m} {item}" for m, item in zip(markers, items, strict=True)))
        if "table" in section:
            table = section["table"]
            # Rows are either `rows` draws or one per value of `rows_from`, available as {row}.
            labels = table.get("rows_from") or [""] * table["rows"]
            rows = [
                "| " + " | ".join(filler.fill(cell, row=label) for cell in table["cells"]) + " |"
                for label in labels
            ]
            head = "| " + " | ".join(table["columns"]) + " |"
            rule = "|" + "---|" * len(table["columns"])
            parts.append("\n".join([head, rule, *rows]))
    marked = "\n\n".join(parts) + "\n"
    facts = tuple(dict.fromkeys(match.group(1) for match in _FACT.finditer(marked)))
    markdown = _FACT.sub(r"\1", marked)
    fmt = kind["formats"][index % len(kind["formats"])]
    title = filler.fill(kind["title"])
    origin = f"{user.name}/derived.json {kind['folder']} #{index}"
    if not facts:
        raise CorpusSourceError(f"{origin}: mark at least one fact with [[...]]")
    check_facts(markdown, fmt, facts, origin=origin)
    name = f"{filler.fill(kind['name'])}.{fmt}"
    path = PurePosixPath(user.name, user.integrations["files"], "files", kind["folder"], name)
    return SampleDocument(user.name, path, fmt, title, markdown, facts)
