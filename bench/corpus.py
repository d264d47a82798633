"""The corpora a benchmark runs on: a seeded synthetic one, and Python's reST docs where installed.

A corpus is a folder laid out as the emulator serves it (`<user>/googledrive/files/...`) plus the
list of its documents, so that scenarios can pick documents to edit or delete and count what is
left of them in each index.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from demo import FORMATS, generate_synthetic_corpus, synthetic_documents, word_count

INTEGRATION = "googledrive"
PIPELINE = "files"
PYTHON_DOCS_USER = "python-docs"
# Where Debian's python3.11-doc (and its relatives) put the reST sources of the HTML docs.
PYTHON_DOCS_CANDIDATES = (
    Path("/usr/share/doc/python3.11/html/_sources"),
    Path("/usr/share/doc/python3.11-doc/html/_sources"),
    Path("/usr/share/doc/python3-doc/html/_sources"),
    Path("/usr/share/doc/python3/html/_sources"),
)


@dataclass(frozen=True)
class BenchDocument:
    """One file of a corpus: whose it is, its id at the API (path below the pipeline folder)."""

    user: str
    external_id: str
    path: Path
    fmt: str
    words: int


@dataclass(frozen=True)
class BenchCorpus:
    """A corpus folder and its documents."""

    name: str
    root: Path
    documents: tuple[BenchDocument, ...]
    note: str = ""

    @property
    def users(self) -> list[str]:
        return sorted({d.user for d in self.documents})

    def live(self) -> list[BenchDocument]:
        """Documents whose file still exists (scenarios delete some)."""
        return [d for d in self.documents if d.path.exists()]


def pipeline_folder(root: Path, user: str) -> Path:
    """The folder the emulator serves as `user`'s googledrive files sync."""
    return root / user / INTEGRATION / PIPELINE


def build_synthetic_corpus(
    root: Path, *, users: int, docs_per_user: int, seed: int, formats: Sequence[str] = FORMATS
) -> BenchCorpus:
    """Renders `demo.generate_synthetic_corpus` under `root` and lists its documents."""
    summary = generate_synthetic_corpus(
        root, users=users, docs_per_user=docs_per_user, seed=seed, formats=formats
    )
    planned = synthetic_documents(
        users=users, docs_per_user=docs_per_user, seed=seed, formats=formats
    )
    documents = tuple(
        BenchDocument(
            user=d.user,
            external_id="/".join(d.path.parts[3:]),  # below <user>/googledrive/files/
            path=root / Path(d.path),
            fmt=d.fmt,
            words=word_count(d.markdown),
        )
        for d in planned
    )
    sizes = ", ".join(f"{n} {k}" for k, n in sorted(summary.sizes.items()))
    note = (
        f"{users} users x {docs_per_user} documents, seed {seed}, formats "
        f"{'/'.join(formats)}; {summary.words:,} words ({sizes})"
    )
    return BenchCorpus("synthetic", root, documents, note)


def find_python_docs(candidates: Sequence[Path] = PYTHON_DOCS_CANDIDATES) -> Path | None:
    """The first folder of reST sources among `candidates` that holds any, else None."""
    for folder in candidates:
        if folder.is_dir() and any(folder.rglob("*.txt")):
            return folder
    return None


def build_python_docs_corpus(source: Path, root: Path, *, limit: int) -> BenchCorpus:
    """Copies the first `limit` reST pages (by path) under `source` as one user's text files."""
    pages = sorted(p for p in source.rglob("*.txt") if p.is_file())[:limit]
    folder = pipeline_folder(root, PYTHON_DOCS_USER)
    documents: list[BenchDocument] = []
    for page in pages:
        external_id = page.relative_to(source).as_posix()
        target = folder / external_id
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page, target)
        text = target.read_text(encoding="utf-8", errors="replace")
        documents.append(
            BenchDocument(PYTHON_DOCS_USER, external_id, target, "txt", len(text.split()))
        )
    note = f"{len(documents)} reST pages of {source} (the first by path)"
    return BenchCorpus("python-docs", root, tuple(documents), note)
