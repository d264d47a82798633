"""Generate seeded synthetic corpora for benchmarks: many users, a realistic mix of document
sizes, and prose whose paragraphs never repeat (repeated text would be deduplicated)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from demo.errors import RenderError
from demo.files import write_if_changed
from demo.render import FORMATS, render_document
from demo.sources import SampleDocument
from demo.summary import CorpusSummary, size_class, word_count
from demo.synthetic_vocab import DOMAINS, FIRST_NAMES, MONTHS, SYLLABLES, Domain

__all__ = ["SIZE_MIX", "generate_synthetic_corpus", "synthetic_documents"]

# Share of documents per size class and the word counts each class aims for.
SIZE_MIX: dict[str, tuple[float, int, int]] = {
    "very_long": (0.01, 18_000, 22_000),
    "long": (0.09, 4_500, 5_500),
    "medium": (0.20, 600, 2_000),
    "short": (0.70, 40, 260),  # one or two paragraphs
}
_INTEGRATION = "googledrive"
_TABULAR = frozenset({"csv", "xlsx"})
_KINDS = ("Status report", "Meeting summary", "Review", "Briefing", "Handbook", "Field notes")
_COMPARISONS = (
    "well above the plan",
    "slightly below the target",
    "in line with last year",
    "about half the usual figure",
    "the highest figure this year",
)
_STATUSES = ("open", "done", "blocked", "in progress", "waiting", "cancelled")
_TEMPLATES = (
    "In {month}, the {role} {verb} the {adj} {noun} at {place} after the {event}.",
    "{person} noted that {num} {unit} of the {noun} were {verb} before the {event}, {cmp}.",
    "The {adj} {noun} for {project} was {verb} twice, and the {noun2} is now due by {day} {month}.",
    "Because the {noun} had been {verb} late, {person} asked the {role} to check the {noun2}.",
    "According to the {noun}, {num} {unit} were {verb} last week, against {num2} the week before.",
    "{person}, the {role} at {place}, {verb} the {noun} and flagged {small} {adj} issues.",
    "We agreed that the {noun} should be {verb} every {small} weeks until the {event} is over.",
    "The team {verb} the {adj} {noun} in {small} days, which freed the {role} for the {noun2}.",
    "A {adj} {noun} at {place} was {verb} by mistake, and {person} recorded it in the {noun2}.",
    "Costs for the {noun} rose to {money} pounds, mainly because the {noun2} was {verb} again.",
    "There is no decision yet on whether the {noun} should be {verb} before {month}; {person} "
    "will raise it at the next review.",
    "Overall the {adj} {noun} did better than expected, with {pct} percent fewer problems than in "
    "{month}.",
    "{person} suggested that the {role} and the {role2} meet weekly while the {noun} is {verb}.",
    "Nobody expected the {event} to affect the {noun}, yet {num} {unit} had to be {verb} by hand.",
)


class _Writer:
    """Writes one document's prose from a domain's vocabulary and its own invented names."""

    def __init__(self, rng: random.Random, domain: Domain, seen: set[str]):
        self.rng = rng
        self.domain = domain
        self.seen = seen  # paragraphs already written anywhere in this corpus
        self.project = _invented(rng).capitalize()
        self.places = [_place(rng) for _ in range(3)]
        self.people = [f"{rng.choice(FIRST_NAMES)} {_invented(rng).capitalize()}" for _ in range(4)]

    def sentence(self) -> str:
        rng, d = self.rng, self.domain
        template = rng.choice(_TEMPLATES)
        role, role2 = rng.sample(d.roles, 2)
        text = template.format(
            month=rng.choice(MONTHS),
            role=role,
            role2=role2,
            verb=rng.choice(d.verbs),
            adj=rng.choice(d.adjectives),
            noun=rng.choice(d.nouns),
            noun2=rng.choice(d.nouns),
            place=rng.choice(self.places),
            event=rng.choice(d.events),
            person=rng.choice(self.people),
            num=rng.randint(12, 980),
            num2=rng.randint(12, 980),
            unit=rng.choice(d.units),
            cmp=rng.choice(_COMPARISONS),
            project=self.project,
            day=rng.randint(1, 28),
            small=rng.randint(2, 9),
            money=f"{rng.randint(1_200, 95_000):,}",
            pct=rng.randint(3, 45),
        )
        return text[0].upper() + text[1:]

    def paragraph(self) -> str:
        while True:
            text = " ".join(self.sentence() for _ in range(self.rng.randint(3, 7)))
            if text not in self.seen:
                self.seen.add(text)
                return text

    def heading(self, number: int) -> str:
        return f"{number}. {self.rng.choice(self.domain.adjectives).capitalize()} " + (
            self.rng.choice(self.domain.nouns)
        )

    def table(self, reference: str, *, rows: int = 0, words: int = 0) -> str:
        """A Markdown table of `rows` rows, or of as many as make up about `words` words."""
        rng, d = self.rng, self.domain
        lines = ["| Ref | Item | Owner | Location | Quantity | Status | Note |", "|---" * 7 + "|"]
        count = 0
        while len(lines) - 2 < rows or count < words:
            cells = (
                f"{reference}-{len(lines) - 1:04d}",
                f"{rng.choice(d.adjectives)} {rng.choice(d.nouns)}",
                rng.choice(self.people),
                rng.choice(self.places),
                f"{rng.randint(1, 900)} {rng.choice(d.units)}",
                rng.choice(_STATUSES),
                self.sentence().rstrip("."),
            )
            count += sum(len(cell.split()) for cell in cells)
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)


def _invented(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))


def _place(rng: random.Random) -> str:
    suffix = rng.choice(("ford", "by", " Harbour", " Works", " Park", "ton", " Cross", " Mill"))
    return _invented(rng).capitalize() + suffix


def _size_plan(total: int, rng: random.Random) -> list[str]:
    """The size class of every document, in proportions SIZE_MIX, shuffled."""
    plan: list[str] = []
    for name, (share, _, _) in SIZE_MIX.items():
        if name != "short":
            plan.extend([name] * round(total * share))
    plan.extend(["short"] * max(0, total - len(plan)))
    rng.shuffle(plan)
    return plan[:total]


def synthetic_documents(
    *, users: int, docs_per_user: int, seed: int, formats: Sequence[str]
) -> list[SampleDocument]:
    """The documents `generate_synthetic_corpus` renders, without rendering them.

    Each document's facts are its reference code and its project name; formats rotate through
    `formats` in order, so every format gets its share.
    """
    unknown = [fmt for fmt in formats if fmt not in FORMATS]
    if unknown or not formats:
        raise RenderError(f"formats {unknown or '[]'} are not among {', '.join(FORMATS)}")
    if users < 1 or docs_per_user < 0:
        raise ValueError("a synthetic corpus needs users >= 1 and docs_per_user >= 0")
    plan = _size_plan(users * docs_per_user, random.Random(seed))
    seen: set[str] = set()
    documents: list[SampleDocument] = []
    for u in range(users):
        user = f"user-{u:04d}"
        for i in range(docs_per_user):
            index = u * docs_per_user + i
            fmt = formats[index % len(formats)]
            rng = random.Random(f"{seed}/{user}/{i}")
            documents.append(_document(user, i, fmt, plan[index], rng, seen))
    return documents


def _document(
    user: str, i: int, fmt: str, size: str, rng: random.Random, seen: set[str]
) -> SampleDocument:
    domain = rng.choice(DOMAINS)
    writer = _Writer(rng, domain, seen)
    _, low, high = SIZE_MIX[size]
    target = rng.randint(low, high)
    reference = f"{domain.name[:3].upper()}-{user[-4:]}-{i:05d}"
    kind = "Handbook" if size in ("long", "very_long") else rng.choice(_KINDS)
    title = (
        f"{kind} for {writer.project}: {rng.choice(domain.adjectives)} {rng.choice(domain.nouns)}"
    )
    intro = f"This document covers {writer.project} (reference {reference}). {writer.paragraph()}"
    if fmt in _TABULAR:
        if fmt == "xlsx":  # a workbook keeps the prose too, on its Notes sheet
            parts = [intro, writer.table(reference, rows=3, words=target - word_count(intro))]
        else:
            parts = [writer.table(reference, rows=3, words=target)]
        facts: tuple[str, ...] = (f"{reference}-0001",)
    else:
        parts = [intro]
        if size == "short":
            if rng.random() < 0.5:
                parts.append(writer.paragraph())
        else:
            words, section = word_count(intro), 1
            while words < target:
                parts.append(f"## {writer.heading(section)}")
                for _ in range(rng.randint(3, 6)):
                    parts.append(writer.paragraph())
                    words += word_count(parts[-1])
                    if words >= target:
                        break
                if rng.random() < 0.15:
                    parts.append(writer.table(f"{reference}-T{section}", rows=rng.randint(4, 8)))
                    words += word_count(parts[-1])
                section += 1
        facts = (reference, writer.project)
    markdown = "\n\n".join(parts) + "\n"
    path = PurePosixPath(user, _INTEGRATION, "files", "docs", f"doc-{i:05d}.{fmt}")
    return SampleDocument(user, path, fmt, title, markdown, facts)


def generate_synthetic_corpus(
    dest: Path, *, users: int, docs_per_user: int, seed: int, formats: Sequence[str]
) -> CorpusSummary:
    """Render a synthetic corpus under `dest/<user>/googledrive/files/docs/`.

    The same arguments give the same bytes; files already identical are left untouched. Sizes
    follow SIZE_MIX: about 70% short (1-2 paragraphs), 20% medium, 9% long (~5k words) and 1%
    very long (~20k words). csv and xlsx documents are tables of about the same word count.
    """
    by_user: dict[str, Counter[str]] = {}
    sizes: Counter[str] = Counter()
    written = unchanged = total_bytes = words = 0
    for document in synthetic_documents(
        users=users, docs_per_user=docs_per_user, seed=seed, formats=formats
    ):
        data = render_document(document.markdown, document.fmt, title=document.title)
        total_bytes += len(data)
        if write_if_changed(dest / Path(document.path), data):
            written += 1
        else:
            unchanged += 1
        by_user.setdefault(document.user, Counter())[document.fmt] += 1
        count = word_count(document.markdown)
        words += count
        sizes[size_class(count)] += 1
    return CorpusSummary(
        root=dest,
        documents={user: dict(sorted(c.items())) for user, c in sorted(by_user.items())},
        sizes=dict(sizes),
        files_written=written,
        files_unchanged=unchanged,
        total_bytes=total_bytes,
        words=words,
    )
