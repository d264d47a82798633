"""The sample corpus and its renderers: what the emulator will serve, and what text survives."""

from __future__ import annotations

import io
import json
import shutil
import time
import zipfile
from pathlib import Path

import pytest

import demo
from demo import (
    EDITABLE_FORMATS,
    EXAMPLE_QUERIES,
    FORMATS,
    SIZE_MIX,
    CorpusSummary,
    RenderError,
    SampleDocument,
    UnsupportedEditError,
    build_sample_corpus,
    edit_one_paragraph,
    generate_synthetic_corpus,
    insert_paragraph_at_top,
    normalize_space,
    render_document,
    sample_documents,
    sample_users,
    size_class,
    synthetic_documents,
    word_count,
)
from resources.text import extract_markdown

SAMPLE = """Intro paragraph about the Harbour Street store.

## Section two

A paragraph naming Marisol Okafor and 57 °C.

- first point
- second point

| Store | Loaves |
|---|---|
| Millbank | 980 |
"""


def extract(data: bytes, fmt: str) -> str:
    """The Markdown that syncrag's extractor reads back from a rendered file."""
    return extract_markdown(data, mime_type=None, name=f"document.{fmt}")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CorpusSummary]:
    root = tmp_path_factory.mktemp("sample")
    return root, build_sample_corpus(root)


def test_sample_corpus_has_the_promised_shape(sample: tuple[Path, CorpusSummary]) -> None:
    _, summary = sample
    assert summary.users == ["alice", "bob", "carol"]
    assert summary.total_documents >= 100
    assert set(summary.formats) == set(FORMATS)
    assert all(count >= 5 for count in summary.formats.values())
    assert summary.sizes.get("long", 0) >= 3  # chunk-level edits need long documents
    assert summary.sizes["short"] > summary.total_documents // 2
    assert all(10 <= summary.contacts[user] <= 20 for user in summary.users)
    assert all(5 <= summary.tickets[user] <= 10 for user in summary.users)
    assert summary.permission_files >= 3
    # The rendered corpus stays small enough to ship and to build in a demo.
    assert summary.total_bytes < 3_000_000


def test_files_follow_the_emulator_layout(sample: tuple[Path, CorpusSummary]) -> None:
    root, _ = sample
    for user in sample_users():
        base = root / user.name
        assert (base / user.integrations["files"] / "files").is_dir()
        contacts = (base / user.integrations["contacts"] / "contacts").glob("*.jsonl")
        assert list(contacts)
        assert list((base / user.integrations["tickets"] / "tickets").glob("*.json"))
    assert not [p for p in root.rglob("*") if p.name.startswith(".")]  # no partial files left


@pytest.mark.parametrize("document", sample_documents(), ids=lambda d: str(d.path))
def test_every_rendered_document_reads_back_with_its_facts(
    sample: tuple[Path, CorpusSummary], document: SampleDocument
) -> None:
    root, _ = sample
    data = (root / document.path).read_bytes()
    text = normalize_space(extract(data, document.fmt))
    missing = [fact for fact in document.facts if normalize_space(fact) not in text]
    assert not missing


def test_users_can_be_told_apart_by_their_facts() -> None:
    documents = sample_documents()
    for user in sample_users():
        others = normalize_space(" ".join(d.markdown for d in documents if d.user != user.name))
        own_facts = {fact for d in documents if d.user == user.name for fact in d.facts}
        shared = [fact for fact in own_facts if normalize_space(fact) in others]
        # A few facts are plain numbers that can recur; the names and codes must not.
        assert len(shared) <= len(own_facts) // 10, shared


def test_example_queries_are_answered_in_their_users_corpus() -> None:
    answers = {
        "alice": "out of the deck ovens by 06:15",
        "bob": "cell group 3",
        "carol": "7 years after the matter closes",
    }
    assert set(EXAMPLE_QUERIES) == {user.name for user in sample_users()}
    for user, answer in answers.items():
        holders = {d.user for d in sample_documents() if answer in normalize_space(d.markdown)}
        assert holders == {user}


def test_summary_describes_itself(sample: tuple[Path, CorpusSummary]) -> None:
    _, summary = sample
    line = summary.describe()
    assert line.startswith(f"{summary.total_documents} documents (")
    assert "41 contacts, 21 tickets, 3 users" in line


def test_contacts_and_tickets_have_the_fields_the_emulator_reads(
    sample: tuple[Path, CorpusSummary],
) -> None:
    root, _ = sample
    for user in sample_users():
        lines = (
            (root / user.name / user.integrations["contacts"] / "contacts" / "contacts.jsonl")
            .read_text()
            .splitlines()
        )
        contacts = [json.loads(line) for line in lines]
        assert len({c["externalId"] for c in contacts}) == len(contacts)
        for contact in contacts:
            assert contact["fullName"] == f"{contact['firstName']} {contact['lastName']}"
            assert all("@" in email["value"] for email in contact["emails"])
            assert contact["type"] in {"lead", "customer", "prospect", "partner", "other"}
        for path in (root / user.name / user.integrations["tickets"] / "tickets").glob("*.json"):
            ticket = json.loads(path.read_text())
            assert ticket["externalId"] == path.stem
            assert ticket["priority"] in {"low", "normal", "high", "urgent"}
            assert ticket["status"]["name"] and ticket["title"] and ticket["description"]
            assert all({"author", "body", "createdAt"} <= set(c) for c in ticket["comments"])


def test_permission_sidecars_sit_beside_their_files(sample: tuple[Path, CorpusSummary]) -> None:
    root, summary = sample
    sidecars = sorted(root.rglob("*.permissions.json"))
    assert len(sidecars) == summary.permission_files
    emails = {user.name: user.email for user in sample_users()}
    assert {s.relative_to(root).parts[0] for s in sidecars} == set(emails)
    for sidecar in sidecars:
        assert (sidecar.parent / sidecar.name.removesuffix(".permissions.json")).is_file()
        permissions = json.loads(sidecar.read_text())
        assert set(permissions) == {"can_read", "can_write", "is_owner"}
        # The user whose sync holds the file can read it; writers and owners are readers.
        assert emails[sidecar.relative_to(root).parts[0]] in permissions["can_read"]
        assert set(permissions["can_write"]) <= set(permissions["can_read"])
        assert set(permissions["is_owner"]) <= set(permissions["can_read"])


def test_a_rebuild_leaves_identical_files_untouched(
    sample: tuple[Path, CorpusSummary], tmp_path: Path
) -> None:
    root, first = sample
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    mtimes = {p: p.stat().st_mtime_ns for p in copy.rglob("*") if p.is_file()}
    edited = copy / next(d.path for d in sample_documents() if d.fmt == "md")
    edited.write_text("changed by a scenario\n")

    again = build_sample_corpus(copy)

    assert (again.files_written, again.files_unchanged) == (1, first.files_written - 1)
    assert edited.read_bytes() == (root / edited.relative_to(copy)).read_bytes()
    unchanged = {p: m for p, m in mtimes.items() if p != edited}
    assert {p: p.stat().st_mtime_ns for p in unchanged} == unchanged


@pytest.mark.parametrize("fmt", FORMATS)
def test_rendering_is_byte_for_byte_reproducible(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    first = render_document(SAMPLE, fmt, title="Reproducible")
    # Zip writers stamp entries with the clock; a later clock must not change the bytes.
    later = time.time() + 3 * 86_400
    monkeypatch.setattr(time, "time", lambda: later)
    assert render_document(SAMPLE, fmt, title="Reproducible") == first


@pytest.mark.parametrize(
    ("fmt", "heading"),
    [
        ("md", "## Section two"),
        ("html", "## Section two"),
        ("docx", "## Section two"),
        ("pptx", "# Section two"),  # a slide per section, the heading as its title
        ("xlsx", "## Section two"),  # a sheet per table, named for its heading
    ],
)
def test_headings_survive_where_the_format_has_them(fmt: str, heading: str) -> None:
    text = extract(render_document(SAMPLE, fmt, title="Headings"), fmt)
    assert heading in text.splitlines()


@pytest.mark.parametrize("fmt", FORMATS)
def test_tables_survive_every_format(fmt: str) -> None:
    text = normalize_space(extract(render_document(SAMPLE, fmt, title="Tables"), fmt))
    assert "Millbank" in text and "980" in text


def test_formats_without_a_table_refuse_prose() -> None:
    for fmt in ("csv", "xlsx"):
        with pytest.raises(RenderError, match="no Markdown table"):
            render_document("Only prose here.", fmt, title="Prose")
    with pytest.raises(RenderError, match="unknown format"):
        render_document(SAMPLE, "rtf", title="Nope")


def test_pdf_holds_long_documents_across_pages() -> None:
    markdown = "\n\n".join(f"Paragraph {n} says the batch code is LOT-{n:04d}." for n in range(400))
    data = render_document(markdown, "pdf", title="Long")
    text = normalize_space(extract(data, "pdf"))
    assert data.count(b"/Type /Page ") > 5
    assert "LOT-0000" in text and "LOT-0399" in text


def test_synthetic_corpus_is_seeded_and_deterministic(tmp_path: Path) -> None:
    def build(dest: Path, seed: int) -> dict[str, bytes]:
        generate_synthetic_corpus(dest, users=2, docs_per_user=12, seed=seed, formats=FORMATS)
        return {str(p.relative_to(dest)): p.read_bytes() for p in dest.rglob("*") if p.is_file()}

    first = build(tmp_path / "a", seed=11)
    assert len(first) == 24
    assert build(tmp_path / "b", seed=11) == first
    other = build(tmp_path / "c", seed=12)
    assert other.keys() == first.keys() and other != first


def test_synthetic_corpus_has_the_size_mix_and_no_repeated_paragraphs() -> None:
    documents = synthetic_documents(users=4, docs_per_user=100, seed=5, formats=("md", "csv"))
    sizes = {name: 0 for name in SIZE_MIX}
    for document in documents:
        sizes[size_class(word_count(document.markdown))] += 1
    assert sizes == {name: round(400 * share) for name, (share, _, _) in SIZE_MIX.items()}
    paragraphs = [
        block
        for document in documents
        for block in document.markdown.split("\n\n")
        if not block.startswith(("#", "|"))
    ]
    assert len(set(paragraphs)) == len(paragraphs)


def test_synthetic_documents_read_back_with_their_facts(tmp_path: Path) -> None:
    summary = generate_synthetic_corpus(
        tmp_path, users=1, docs_per_user=len(FORMATS), seed=3, formats=FORMATS
    )
    assert summary.formats == dict.fromkeys(sorted(FORMATS), 1)
    for document in synthetic_documents(
        users=1, docs_per_user=len(FORMATS), seed=3, formats=FORMATS
    ):
        text = normalize_space(extract((tmp_path / document.path).read_bytes(), document.fmt))
        assert all(fact in text for fact in document.facts), document.path


def _paragraphs(text: str) -> list[str]:
    return [block.strip() for block in text.split("\n\n") if block.strip()]


@pytest.fixture
def editable(sample: tuple[Path, CorpusSummary], tmp_path: Path) -> dict[str, Path]:
    """A copy of the longest sample document of each editable format."""
    root, _ = sample
    copies = {}
    for fmt in EDITABLE_FORMATS:
        longest = max(
            (d for d in sample_documents() if d.fmt == fmt), key=lambda d: len(d.markdown)
        )
        copies[fmt] = tmp_path / f"doc.{fmt}"
        shutil.copyfile(root / longest.path, copies[fmt])
    return copies


@pytest.mark.parametrize("fmt", EDITABLE_FORMATS)
def test_edit_one_paragraph_changes_exactly_one(editable: dict[str, Path], fmt: str) -> None:
    path = editable[fmt]
    before = _paragraphs(path.read_text())
    twin = path.with_name(f"twin.{fmt}")
    shutil.copyfile(path, twin)

    edit_one_paragraph(path, seed=42)
    edit_one_paragraph(twin, seed=42)

    after = _paragraphs(path.read_text())
    assert len(after) == len(before)
    assert sum(a != b for a, b in zip(before, after, strict=True)) == 1
    assert twin.read_bytes() == path.read_bytes()


@pytest.mark.parametrize("fmt", EDITABLE_FORMATS)
def test_insert_paragraph_at_top_leads_the_body(editable: dict[str, Path], fmt: str) -> None:
    path = editable[fmt]
    before = normalize_space(extract(path.read_bytes(), fmt))

    insert_paragraph_at_top(path, "Breaking: the board approved the plan & the budget.")

    after = normalize_space(extract(path.read_bytes(), fmt))
    inserted = "Breaking: the board approved the plan & the budget."
    assert inserted in after
    assert after.replace(inserted, "").split() == before.split()
    assert after.index(inserted) < len(after) // 10


def test_binary_formats_cannot_be_edited_in_place(tmp_path: Path) -> None:
    path = tmp_path / "deck.pptx"
    path.write_bytes(render_document(SAMPLE, "pptx", title="Deck"))
    with pytest.raises(UnsupportedEditError, match="only md, txt, html"):
        edit_one_paragraph(path, seed=1)
    with pytest.raises(UnsupportedEditError):
        insert_paragraph_at_top(path, "text")


def test_office_files_are_valid_zip_packages() -> None:
    for fmt in ("docx", "pptx", "xlsx"):
        with zipfile.ZipFile(io.BytesIO(render_document(SAMPLE, fmt, title="Zip"))) as archive:
            assert archive.testzip() is None
            assert "[Content_Types].xml" in archive.namelist()


def test_every_public_name_is_exported() -> None:
    assert sorted(demo.__all__) == sorted(set(demo.__all__))
    assert all(hasattr(demo, name) for name in demo.__all__)
