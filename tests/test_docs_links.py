"""The documents travel with the repository: every link in README.md and the Markdown files
beside the code names a file inside the repository that exists (web addresses aside)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = sorted(
    [ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("*/README.md")],
    key=lambda p: str(p),
)
# [text](target) and [text]: target, with an optional #anchor.
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)|^\[[^\]]+\]:\s*(\S+)", re.MULTILINE)


def _targets(document: Path) -> list[str]:
    text = document.read_text(encoding="utf-8")
    return [a or b for a, b in _LINK.findall(text)]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_names_a_file_inside_the_repository(document: Path) -> None:
    broken = []
    for target in _targets(document):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        path = (document.parent / target.split("#", 1)[0]).resolve()
        if not path.is_relative_to(ROOT) or not path.exists():
            broken.append(target)

    assert broken == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_document_points_outside_the_repository(document: Path) -> None:
    text = document.read_text(encoding="utf-8")

    assert "../shared" not in text
    assert "/work/" not in text
