"""PDF text through PDFium: lines, table rows and paragraph breaks survive, pages are kept apart."""

from __future__ import annotations

import hashlib

import pypdfium2 as pdfium
import pytest

from demo.render import render_document
from resources.text import UnreadableFileError, extract_markdown
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


_PASSWORD_PADDING = bytes.fromhex(
    "28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A"
)


def _rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)


def encrypted_pdf(text: str, user_password: str) -> bytes:
    """A one-page PDF under the standard security handler (RC4, 40 bits, revision 2): PDF 1.7
    section 7.6.3, algorithms 1 to 4, written out here since nothing installed writes one."""
    padded_user = (user_password.encode("latin-1") + _PASSWORD_PADDING)[:32]
    owner_key = hashlib.md5(b"owner" + _PASSWORD_PADDING).digest()[:5]
    owner_entry = _rc4(owner_key, padded_user)
    permissions = -44
    file_id = hashlib.md5(text.encode()).digest()
    key = hashlib.md5(
        padded_user + owner_entry + permissions.to_bytes(4, "little", signed=True) + file_id
    ).digest()[:5]
    user_entry = _rc4(key, _PASSWORD_PADDING)
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode()
    stream = _rc4(hashlib.md5(key + (4).to_bytes(3, "little") + b"\0\0").digest()[:10], stream)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
        % (owner_entry.hex().encode(), user_entry.hex().encode(), permissions),
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 6 0 R /ID [<%s> <%s>] >>\n" % (
        len(objects) + 1,
        file_id.hex().encode(),
        file_id.hex().encode(),
    )
    return out + b"startxref\n%d\n%%%%EOF\n" % xref


def test_a_password_protected_pdf_says_it_needs_a_password() -> None:
    content = encrypted_pdf("Salaries for the third quarter", "secret")

    with pytest.raises(UnreadableFileError, match="needs a password"):
        extract_markdown(content, mime_type="application/pdf", name="salaries.pdf")


def test_the_encrypted_test_pdf_opens_with_its_password() -> None:
    document = pdfium.PdfDocument(
        encrypted_pdf("Salaries for the third quarter", "secret"), "secret"
    )
    try:
        textpage = document[0].get_textpage()
        assert textpage.get_text_bounded().strip() == "Salaries for the third quarter"
    finally:
        document.close()
