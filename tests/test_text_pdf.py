"""PDF text through PDFium: lines, table rows and paragraph breaks survive, pages are kept apart."""

from __future__ import annotations

import pytest

from demo.render import render_document
from resources.text import extract_markdown
from resources.text.pdf import PdfUnreadable, pdf_text

TWO_PARAGRAPHS = """# Oven maintenance

The deck oven is descaled every Monday before the first bake.

Record the descaling in the maintenance log with the time and your initials.
"""

TABLE = """# Weekly plan

| Product | Mon | Tue |
|---|---|---|
| Seeded rye | 46 | 44 |
| Baguette | 210 | 205 |
"""


def test_paragraphs_stay_apart_and_lines_stay_whole() -> None:
    text = pdf_text(render_document(TWO_PARAGRAPHS, "pdf", title="Oven"))

    paragraphs = [p.replace("\n", " ") for p in text.split("\n\n")]
    assert "The deck oven is descaled every Monday before the first bake." in paragraphs
    assert (
        "Record the descaling in the maintenance log with the time and your initials." in paragraphs
    )


def test_a_table_row_reads_as_one_line_in_column_order() -> None:
    lines = pdf_text(render_document(TABLE, "pdf", title="Plan")).splitlines()

    assert any(line.split() == ["Seeded", "rye", "46", "44"] for line in lines), lines
    assert any(line.split() == ["Baguette", "210", "205"] for line in lines), lines


def test_every_page_is_read_in_order() -> None:
    sections = "\n\n".join(f"## Section {n}\n\n" + f"Paragraph {n} text. " * 60 for n in range(40))
    text = pdf_text(render_document(f"# Long\n\n{sections}", "pdf", title="Long"))

    found = [int(line.split()[1]) for line in text.splitlines() if line.startswith("Section ")]
    assert found == list(range(40))


@pytest.mark.parametrize(
    "content", [b"", b"%PDF-1.4 truncated", b"not a pdf at all", b"%PDF-1.7\n" + b"\x00" * 64]
)
def test_what_pdfium_cannot_open_is_reported_not_raised_raw(content: bytes) -> None:
    with pytest.raises(PdfUnreadable):
        pdf_text(content)


def test_the_extractor_reads_pdfs_through_pdfium() -> None:
    content = render_document(TWO_PARAGRAPHS, "pdf", title="Oven")

    assert (
        extract_markdown(content, mime_type="application/pdf", name="oven.pdf")
        == pdf_text(content).strip()
    )
