"""The labelled queries of `bench.retrieval`: hand-written natural questions, phrases from the
documents, and identifier queries (ticket ids, codes, names; Python functions, classes,
exceptions and PEP numbers) derived from the corpus, each with the documents that answer it.

Documents are named by `document_key` (the record's external id less its file extension), so a
label does not depend on the format a file was rendered in.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from demo import SampleDocument, normalize_space

# Kinds of query; the identifier kinds are held to the 90% top-5 target.
QUESTION = "question"
PHRASE = "phrase"
HEADING = "heading"
IDENTIFIER_KINDS = ("ticket", "code", "name", "function", "class", "exception", "pep")
_EXTENSIONS = (".rst.txt", ".md", ".txt", ".html", ".pdf", ".docx", ".pptx", ".xlsx", ".csv")
# An identifier fact: upper-case letters and digits joined by hyphens (GI-6999, TL-10-22738), or
# a part number (STM32G474).
_CODE = re.compile(r"(?=.*\d)[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+|[A-Z]{2,}\d+[A-Z0-9]*")
_NAME = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+){1,2}")
# At most this many code facts per document: the telemetry and log sheets hold dozens each.
_CODES_PER_DOCUMENT = 2


@dataclass(frozen=True)
class LabeledQuery:
    """A query of one user's index, the documents that answer it and, for an identifier, the
    strings a chunk that documents it contains (any of them, case-insensitive)."""

    corpus: str
    user: str
    kind: str
    text: str
    relevant: frozenset[str]
    markers: tuple[str, ...] = ()

    @property
    def is_identifier(self) -> bool:
        return self.kind in IDENTIFIER_KINDS


@dataclass
class IndexedDocument:
    """What the index holds of one record: its title and the texts of its chunks."""

    title: str
    chunks: list[str] = field(default_factory=list)
    headings: set[str] = field(default_factory=set)

    @property
    def folded(self) -> str:
        return fold("\n".join([self.title, *self.chunks]))


def document_key(external_id: str) -> str:
    """A record's external id without its file extension ("recipes/country-sourdough")."""
    for extension in _EXTENSIONS:
        if external_id.endswith(extension):
            return external_id[: -len(extension)]
    return external_id


def fold(text: str) -> str:
    return normalize_space(text).casefold()


def containing(documents: Mapping[str, IndexedDocument], needle: str) -> frozenset[str]:
    """The keys of the documents whose title or text contains `needle` (case-insensitive)."""
    folded = fold(needle)
    return frozenset(key for key, doc in documents.items() if folded in doc.folded)


# Hand-written questions about the sample corpus, as its users would ask them, with the
# documents that answer them (several where more than one does).
DEMO_QUESTIONS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "alice": [
        (
            "By what time must the first tray of croissants be out of the oven?",
            ("operations/store-operations-manual", "training/new-baker-induction"),
        ),
        (
            "Which colour of boards and knives is kept for nut products?",
            ("food-safety/allergen-control-sop", "training/new-baker-induction"),
        ),
        (
            "How quickly must custard be cooled after cooking?",
            ("food-safety/cooling-and-temperature-sop",),
        ),
        (
            "How often is the oven steam generator descaled at Harbour Street?",
            ("maintenance/deck-oven-descaling",),
        ),
        (
            "How did the mouse get into the Castle Yard kitchen?",
            ("incidents/pest-sighting-castle-yard",),
        ),
        ("How much will the new rhubarb tart cost?", ("menu/spring-menu-pricing",)),
        ("How many loaves does one mix of the sourdough make?", ("recipes/country-sourdough",)),
        (
            "At what temperature are the cardamom knots baked, and for how long?",
            ("recipes/cardamom-knots", "training/new-baker-induction"),
        ),
        (
            "Who runs the shop at Quayside Market?",
            ("stores/store-directory", "operations/store-operations-manual"),
        ),
        (
            "What butterfat content does our lamination butter have?",
            ("suppliers/bellweather-creamery-butter-terms", "40100137"),
        ),
        (
            "When does our flour supply contract with the mill run out?",
            ("suppliers/halvorsen-mills-flour-agreement", "40100274"),
        ),
        (
            "How many shadow shifts does a new baker do before opening alone?",
            ("training/new-baker-induction",),
        ),
        (
            "How many plain croissants are planned for Saturday?",
            ("production/weekly-production-plan",),
        ),
        ("Why does the card reader at the kiosk keep losing its connection?", ("OPS-106",)),
        (
            "Which oven takes too long to heat up at Harbour Street?",
            ("OPS-101", "maintenance/deck-oven-descaling"),
        ),
    ],
    "bob": [
        (
            "What caused the battery thermal event on Tern unit 07?",
            ("postmortems/battery-thermal-event-unit-07",),
        ),
        (
            "Why did the firmware update leave robots stuck in the bootloader?",
            ("postmortems/ota-rollout-2-3-0", "KR-1203", "operations/on-call-runbook"),
        ),
        (
            "Why did we decide against moving navigation to Nav2?",
            ("decisions/adr-007-ros2-navigation",),
        ),
        (
            "How fast is the current loop of the new gripper controller?",
            ("design/gripper-controller-v3-design",),
        ),
        ("How many engineers will we hire this year?", ("company/hiring-plan-2025",)),
        ("What was our annual recurring revenue in Q2?", ("company/investor-update-q2",)),
        (
            "How quickly must the primary on-call engineer acknowledge a page?",
            ("operations/on-call-runbook",),
        ),
        ("Where does a swollen battery pack go in the lab?", ("lab/lab-safety-rules",)),
        (
            "Which drive motor supplier scored highest in the evaluation?",
            ("suppliers/motor-supplier-evaluation",),
        ),
        ("How much does the battery pack of the Tern base cost?", ("hardware/tern-bom-rev-d",)),
        (
            "What changed in the charging shoe debounce?",
            ("releases/firmware-2-4-1-release-notes", "KR-1202"),
        ),
        (
            "From what height were the wrist assemblies dropped?",
            ("tests/drop-test-report-tern-arm",),
        ),
        (
            "Which endurance test failed because of lead screw wear?",
            ("tests/endurance-test-matrix",),
        ),
        ("Why does the ROS 2 bridge stop accepting navigation goals?", ("KR-1206",)),
        ("How many microcontrollers should we buy for the gripper builds?", ("KR-1204",)),
    ],
    "carol": [
        ("How long do we keep closed client matter files?", ("policies/records-retention-policy",)),
        ("What is the hourly rate for a partner?", ("billing/fee-schedule-2025",)),
        ("When does the firm's financial year end?", ("finance/year-end-closing-checklist",)),
        (
            "What identity documents do we need from an individual client?",
            ("onboarding/client-onboarding-checklist",),
        ),
        (
            "How long is the free first call with someone who enquires?",
            ("intake/new-client-intake",),
        ),
        (
            "Who decides whether we can act for two clients whose interests may conflict?",
            ("policies/conflict-check-policy",),
        ),
        ("Can I use public Wi-Fi in a cafe for client work?", ("policies/remote-work-policy",)),
        ("When are P60 certificates due to employees?", ("tax/tax-deadlines-2025",)),
        (
            "Who must approve changes to the standard terms of an engagement letter?",
            ("templates/engagement-letter-template",),
        ),
        ("What are the warning signs of money laundering?", ("training/aml-training-deck",)),
        (
            "Who looks after our laptops and backups?",
            ("policies/practice-handbook", "policies/remote-work-policy"),
        ),
        (
            "How much of his rent can a photographer working from home claim?",
            ("clients/memo-home-office-deduction",),
        ),
        (
            "How often do we reconcile the client account?",
            ("finance/client-account-reconciliation",),
        ),
        ("What happened after an email was sent to the wrong client?", ("WR-302",)),
        ("What should we do about the laptop a trainee left on a train?", ("WR-306",)),
    ],
}

# Hand-written questions about Python's documentation, with the pages that answer them.
PYTHON_QUESTIONS: list[tuple[str, tuple[str, ...]]] = [
    ("How do I find the longest common sub-path of several paths?", ("library/os.path",)),
    (
        "How do assignment expressions inside an if statement work?",
        ("reference/expressions", "whatsnew/3.8"),
    ),
    ("How can I sort a list of dictionaries by one of their keys?", ("howto/sorting",)),
    ("How do I run a shell command and capture what it prints?", ("library/subprocess",)),
    ("How do I read the rows of a CSV file as dictionaries?", ("library/csv",)),
    ("How do I make a temporary directory that is removed automatically?", ("library/tempfile",)),
    (
        "Why is a default list argument shared between calls of a function?",
        ("faq/programming", "reference/compound_stmts", "tutorial/controlflow"),
    ),
    (
        "How do I write a class that stores fields and prints them without boilerplate?",
        ("library/dataclasses",),
    ),
    ("How do I count how many times each item occurs in a list?", ("library/collections",)),
    (
        "Why are there separate tuple and list data types?",
        ("faq/design", "tutorial/datastructures"),
    ),
    ("How do I parse command-line options and arguments?", ("library/argparse",)),
    ("How do I send log messages to a file?", ("howto/logging", "library/logging")),
    ("How do I generate a secure random token for a password reset link?", ("library/secrets",)),
    ("How do I turn a string into a datetime object?", ("library/datetime",)),
    (
        "How do I run several coroutines concurrently and wait for all of them?",
        ("library/asyncio-task",),
    ),
    ("How do I copy a whole directory tree?", ("library/shutil",)),
    ("What is the difference between a shallow and a deep copy?", ("library/copy",)),
    ("How do I serialise a Python object to JSON text?", ("library/json",)),
    ("Which exception is raised when a file does not exist?", ("library/exceptions",)),
    ("How do I loop over two lists in parallel?", ("library/functions", "tutorial/datastructures")),
    ("How do I define a set of named constants?", ("library/enum",)),
    ("How do I compute the SHA-256 digest of some bytes?", ("library/hashlib",)),
    (
        "How do I check whether a regular expression matches at the start of a string?",
        ("library/re", "howto/regex"),
    ),
    (
        "How do I create an isolated environment for a project's packages?",
        ("library/venv", "tutorial/venv"),
    ),
    (
        "How do I handle an error with try and except?",
        ("tutorial/errors", "reference/compound_stmts"),
    ),
    (
        "How does the with statement make sure a resource is released?",
        ("reference/compound_stmts", "library/contextlib"),
    ),
    ("How can I run a function in a separate thread?", ("library/threading",)),
    ("How do I get the current time as seconds since the epoch?", ("library/time",)),
    ("How do I merge two dictionaries into a new one?", ("library/stdtypes",)),
    ("What is a generator?", ("glossary", "tutorial/classes", "reference/expressions")),
]

# The pages of Python's documentation the bench indexes (about 3.9 MB of reST): every page the
# questions name, the tutorial, reference, FAQ, the glossary, some what's-new pages and a spread
# of library modules.
_LIBRARY_PAGES = (
    "os os.path pathlib exceptions functions stdtypes re json datetime collections itertools "
    "functools subprocess logging argparse asyncio-task typing dataclasses enum sqlite3 csv shutil "
    "tempfile glob unittest contextlib threading string math random statistics time zipfile "
    "hashlib secrets urllib.request socket pickle copy abc inspect venv sys warnings io struct "
    "heapq bisect operator textwrap difflib shlex fnmatch signal"
)
PYTHON_LIBRARY_PAGES = tuple(_LIBRARY_PAGES.split())
PYTHON_FOLDERS = ("tutorial", "faq", "reference")
PYTHON_EXTRA_PAGES = (
    "glossary",
    "whatsnew/3.5",
    "whatsnew/3.8",
    "whatsnew/3.10",
    "whatsnew/3.11",
    "howto/logging",
    "howto/sorting",
    "howto/regex",
)


def python_pages(source: Path) -> list[Path]:
    """The reST pages under `source` (an `html/_sources` folder) that the bench indexes."""
    wanted = {f"library/{name}" for name in PYTHON_LIBRARY_PAGES} | set(PYTHON_EXTRA_PAGES)
    pages = []
    for page in sorted(source.rglob("*.rst.txt")):
        key = document_key(page.relative_to(source).as_posix())
        if key in wanted or key.split("/", 1)[0] in PYTHON_FOLDERS:
            pages.append(page)
    return pages


def questions(
    corpus: str,
    user: str,
    written: Iterable[tuple[str, tuple[str, ...]]],
    documents: Mapping[str, IndexedDocument],
) -> list[LabeledQuery]:
    """The hand-written questions whose answering documents are all in the index."""
    found = []
    for text, keys in written:
        missing = [key for key in keys if key not in documents]
        if missing:
            raise ValueError(f"{corpus}: question {text!r} names documents not indexed: {missing}")
        found.append(LabeledQuery(corpus, user, QUESTION, text, frozenset(keys)))
    return found


def demo_identifier_queries(
    corpus_root: Path,
    samples: Sequence[SampleDocument],
    indexed: Mapping[str, Mapping[str, IndexedDocument]],
) -> list[LabeledQuery]:
    """Ticket ids, codes (facts such as GI-6999), and names (ticket people, contacts, companies,
    people named in facts) of each user of the rendered sample corpus at `corpus_root`."""
    queries: list[LabeledQuery] = []
    for user, documents in sorted(indexed.items()):
        # (kind, text, the documents that answer it; None: those that contain the text)
        candidates: list[tuple[str, str, frozenset[str] | None]] = []
        people: list[str] = []
        for path in sorted((corpus_root / user).glob("*/tickets/*.json")):
            ticket = json.loads(path.read_text(encoding="utf-8"))
            # A ticket id asks for that ticket, not for others that mention it.
            ticket_id = ticket["externalId"]
            candidates.append(("ticket", ticket_id, frozenset({ticket_id})))
            people.extend(ticket.get("assignees") or [])
            people.extend(c["author"] for c in ticket.get("comments") or [] if c.get("author"))
        for path in sorted((corpus_root / user).glob("*/contacts/*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    contact = json.loads(line)
                    people.extend(
                        v for v in (contact.get("fullName"), contact.get("companyName")) if v
                    )
        for sample in samples:
            if sample.user == user:
                codes = [fact for fact in sample.facts if _CODE.fullmatch(fact)]
                candidates.extend(("code", fact, None) for fact in codes[:_CODES_PER_DOCUMENT])
                people.extend(fact for fact in sample.facts if _NAME.fullmatch(fact))
        candidates.extend(("name", name, None) for name in people)
        seen: set[str] = set()
        for kind, text, relevant in candidates:
            found = containing(documents, text) if relevant is None else relevant
            if fold(text) not in seen and found:
                seen.add(fold(text))
                queries.append(LabeledQuery("demo", user, kind, text, found, (text,)))
    return queries


def demo_phrase_queries(
    samples: Sequence[SampleDocument], indexed: Mapping[str, Mapping[str, IndexedDocument]]
) -> list[LabeledQuery]:
    """Each document's facts that are no identifiers, and each section heading of the index, as
    queries (the 631 labelled queries of `bench.onnx_parity`, by document instead of chunk)."""
    queries: list[LabeledQuery] = []
    seen: set[tuple[str, str, str]] = set()
    for sample in samples:
        documents = indexed.get(sample.user, {})
        for fact in sample.facts:
            if _CODE.fullmatch(fact) or _NAME.fullmatch(fact):
                continue
            key = (sample.user, PHRASE, fold(fact))
            relevant = containing(documents, fact)
            if key not in seen and relevant:
                seen.add(key)
                queries.append(LabeledQuery("demo", sample.user, PHRASE, fact, relevant))
    for user, documents in sorted(indexed.items()):
        headings: dict[str, set[str]] = {}
        for doc_key, doc in documents.items():
            for heading in doc.headings:
                headings.setdefault(heading, set()).add(doc_key)
        for heading, keys in sorted(headings.items()):
            queries.append(LabeledQuery("demo", user, HEADING, heading, frozenset(keys)))
    return queries


_MODULE = re.compile(r"^\.\. (?:module|currentmodule):: ([\w.]+)", re.MULTILINE)
_DIRECTIVE = re.compile(r"^\.\. (function|class|exception):: ([\w.]+)", re.MULTILINE)
_PEP = re.compile(r":pep:`(\d+)[`#]|\bPEP (\d+)\b")


def python_identifier_queries(
    pages: Mapping[str, str],
    documents: Mapping[str, IndexedDocument],
    user: str,
    *,
    seed: int = 11,
    per_kind: Mapping[str, int] | None = None,
) -> list[LabeledQuery]:
    """Functions and classes (qualified by their module: `os.path.commonpath`), exceptions and
    PEP numbers documented or cited in `pages` (key -> reST text), a seeded sample of each."""
    limits = {"function": 40, "class": 15, "exception": 15, "pep": 25, **(per_kind or {})}
    found: dict[str, dict[str, LabeledQuery]] = {kind: {} for kind in limits}
    for key, text in sorted(pages.items()):
        module = ""
        last = 0
        for match in _DIRECTIVE.finditer(text):
            modules = _MODULE.findall(text, last, match.start())
            module = modules[-1] if modules else module
            last = match.start()
            kind, name = match.groups()
            if kind == "exception":
                query, marker = name.rsplit(".", 1)[-1], name.rsplit(".", 1)[-1]
            else:
                if not module or "." in name:
                    continue
                query, marker = f"{module}.{name}", f"{name}("
            if query not in found[kind]:
                found[kind][query] = LabeledQuery(
                    "python-docs", user, kind, query, frozenset({key}), (marker, f":: {name}")
                )
    peps: dict[str, set[str]] = {}
    for key, text in pages.items():
        for match in _PEP.finditer(text):
            peps.setdefault(match.group(1) or match.group(2), set()).add(key)
    for number, keys in peps.items():
        query = f"PEP {number}"
        found["pep"][query] = LabeledQuery(
            "python-docs",
            user,
            "pep",
            query,
            frozenset(keys),
            (f"pep:`{number}", f"PEP {number}"),
        )
    rng = random.Random(seed)
    chosen: list[LabeledQuery] = []
    for kind, limit in limits.items():
        candidates = sorted(
            (q for q in found[kind].values() if q.relevant <= documents.keys()),
            key=lambda q: q.text,
        )
        chosen.extend(sorted(rng.sample(candidates, min(limit, len(candidates))), key=_order))
    return chosen


def _order(query: LabeledQuery) -> str:
    return query.text
