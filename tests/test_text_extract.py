"""extract_markdown: each supported format; typed errors for unsupported, corrupt, empty input."""

from __future__ import annotations

import io
import socket
import zipfile
from typing import Any

import pytest

from resources.text import (
    ExtractionError,
    NoTextError,
    TextExtractor,
    UnreadableFileError,
    UnsupportedFileTypeError,
    extract_markdown,
)

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def pdf_bytes(lines: list[str]) -> bytes:
    """A one-page PDF written by hand: Helvetica text lines in one content stream."""
    shown = " ".join(f"({line}) Tj T*" for line in lines)
    stream = f"BT /F1 14 Tf 16 TL 72 720 Td {shown} ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out + trailer.encode()


def docx_bytes(heading: str, paragraphs: list[str]) -> bytes:
    """A minimal WordprocessingML package: a Heading 1 and plain paragraphs."""

    def paragraph(text: str, style: str | None = None) -> str:
        properties = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
        return f"<w:p>{properties}<w:r><w:t>{text}</w:t></w:r></w:p>"

    body = paragraph(heading, "Heading1") + "".join(paragraph(p) for p in paragraphs)
    rels = "http://schemas.openxmlformats.org/package/2006/relationships"
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr(
            "[Content_Types].xml",
            f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            '<Override PartName="/word/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>',
        )
        package.writestr(
            "_rels/.rels",
            f'{_XML}<Relationships xmlns="{rels}"><Relationship Id="rId1" '
            f'Type="{office}/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        package.writestr(
            "word/_rels/document.xml.rels",
            f'{_XML}<Relationships xmlns="{rels}"><Relationship Id="rId1" '
            f'Type="{office}/styles" Target="styles.xml"/></Relationships>',
        )
        package.writestr(
            "word/styles.xml",
            f'{_XML}<w:styles {_W}><w:style w:type="paragraph" w:styleId="Heading1">'
            '<w:name w:val="heading 1"/></w:style></w:styles>',
        )
        package.writestr(
            "word/document.xml", f"{_XML}<w:document {_W}><w:body>{body}</w:body></w:document>"
        )
    return buffer.getvalue()


def pptx_bytes(title: str, body: str) -> bytes:
    from pptx import Presentation

    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[1])
    slide.shapes.title.text = title  # type: ignore[union-attr]
    slide.placeholders[1].text = body  # type: ignore[attr-defined]
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(sheet: str, rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_pdf_text_is_extracted() -> None:
    content = pdf_bytes(["Quarterly revenue grew", "Costs fell sharply"])

    text = extract_markdown(content, mime_type="application/pdf", name="report.pdf")

    assert "Quarterly revenue grew" in text
    assert "Costs fell sharply" in text


def test_docx_headings_become_markdown_headings() -> None:
    content = docx_bytes("Travel policy", ["Book economy class.", "Keep receipts."])

    text = extract_markdown(content, mime_type=DOCX_MIME, name="policy.docx")

    assert text.splitlines()[0] == "# Travel policy"
    assert "Book economy class." in text
    assert "Keep receipts." in text


def test_pptx_slide_text_is_extracted_without_markup_comments() -> None:
    content = pptx_bytes("Roadmap", "Ship the vector index")

    text = extract_markdown(content, mime_type=None, name="deck.pptx")

    assert "Roadmap" in text
    assert "Ship the vector index" in text
    assert "<!--" not in text


def test_xlsx_sheets_become_markdown_tables() -> None:
    content = xlsx_bytes("Budget", [["item", "cost"], ["laptop", 1200]])

    text = extract_markdown(content, mime_type=None, name="budget.xlsx")

    assert "## Budget" in text
    assert "| laptop | 1200 |" in text


def test_html_is_converted_and_scripts_dropped() -> None:
    content = (
        b"<html><head><script>var secret = 1;</script></head>"
        b"<body><h1>Welcome</h1><p>Read <b>this</b> first.</p></body></html>"
    )

    text = extract_markdown(content, mime_type="text/html; charset=utf-8", name="index.html")

    assert "# Welcome" in text
    assert "Read **this** first." in text
    assert "var secret" not in text


def test_csv_becomes_a_markdown_table() -> None:
    text = extract_markdown(b"name,city\nAna,Lisbon\n", mime_type="text/csv", name="people.csv")

    assert "| name | city |" in text
    assert "| Ana | Lisbon |" in text


@pytest.mark.parametrize(
    ("content", "mime_type", "name", "expected"),
    [
        (
            b'{"plan": "Q3", "owner": "Ana"}',
            "application/json",
            "plan.json",
            '{"plan": "Q3", "owner": "Ana"}',
        ),
        (b'{"a": 1}\n{"a": 2}\n', None, "rows.jsonl", '{"a": 1}\n{"a": 2}'),
        (b"# Notes\r\n\r\nBuy milk.\r\n", None, "notes.md", "# Notes\n\nBuy milk."),
        ("Caf\u00e9 au lait".encode(), "text/plain", "menu.txt", "Caf\u00e9 au lait"),
        (b"\xef\xbb\xbfWith BOM", "text/plain", "bom.txt", "With BOM"),
        ("UTF-16 text".encode("utf-16"), "text/plain", "wide.txt", "UTF-16 text"),
        (b"Latin-1 caf\xe9", "text/plain", "legacy.txt", "Latin-1 caf\ufffd"),
        (b"def main():\n    pass\n", "text/x-python", "main.py", "def main():\n    pass"),
    ],
)
def test_plain_text_formats_are_decoded_directly(
    content: bytes, mime_type: str | None, name: str, expected: str
) -> None:
    assert extract_markdown(content, mime_type=mime_type, name=name) == expected


def test_google_native_types_are_read_as_their_export_format() -> None:
    content = docx_bytes("Native doc", ["Exported by Drive."])

    text = extract_markdown(
        content, mime_type="application/vnd.google-apps.document", name="Native doc"
    )

    assert "Exported by Drive." in text


def test_generic_mime_type_falls_back_to_the_extension() -> None:
    text = extract_markdown(b"a,b\n1,2\n", mime_type="application/octet-stream", name="x.CSV")

    assert "| a | b |" in text


@pytest.mark.parametrize(
    ("mime_type", "name", "shown_type"),
    [
        ("image/png", "photo.png", "image/png"),
        (None, "archive.tar.gz", ".gz"),
        (None, "README", "unknown"),
        ("application/octet-stream", "blob.bin", "application/octet-stream"),
    ],
)
def test_unsupported_types_raise_a_clear_error(
    mime_type: str | None, name: str, shown_type: str
) -> None:
    with pytest.raises(UnsupportedFileTypeError) as raised:
        extract_markdown(b"\x89PNG\r\n\x1a\n-not-text-", mime_type=mime_type, name=name)

    message = str(raised.value)
    assert shown_type in message
    assert "PDF, DOCX" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("content", "mime_type", "name"),
    [
        (b"%PDF-1.4 this is not really a pdf" * 20, "application/pdf", "broken.pdf"),
        (b"plain words pretending to be a word document " * 20, DOCX_MIME, "fake.docx"),
        (docx_bytes("Cut", ["off"])[:300], None, "truncated.docx"),
        (b"PK\x03\x04" + b"\x00garbage" * 100, None, "broken.pptx"),
        (b"\x01\x02\x03 not a spreadsheet" * 30, None, "broken.xlsx"),
        (b"\x00\x01\x02\x03binary", "text/plain", "binary.txt"),
    ],
)
def test_corrupt_files_raise_unreadable_file_error(
    content: bytes, mime_type: str | None, name: str
) -> None:
    with pytest.raises(UnreadableFileError) as raised:
        extract_markdown(content, mime_type=mime_type, name=name)

    assert name in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("content", "mime_type", "name"),
    [
        (b"", "application/pdf", "empty.pdf"),
        (b"  \n\t \n", "text/plain", "blank.txt"),
        (pdf_bytes([]), "application/pdf", "scan.pdf"),
        (b"<html><body><script>only()</script></body></html>", "text/html", "empty.html"),
    ],
)
def test_documents_without_text_raise_no_text_error(
    content: bytes, mime_type: str, name: str
) -> None:
    with pytest.raises(NoTextError):
        extract_markdown(content, mime_type=mime_type, name=name)


def test_all_extraction_errors_share_one_base_class_with_a_reason() -> None:
    with pytest.raises(ExtractionError) as raised:
        extract_markdown(b"garbage", mime_type="application/pdf", name="x.pdf")

    assert raised.value.reason == str(raised.value)


def test_extraction_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("extraction tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    # A fresh extractor, so that building the converter (and its file-type model) is covered.
    extractor = TextExtractor()
    samples = [
        (pdf_bytes(["offline pdf"]), "application/pdf", "a.pdf"),
        (docx_bytes("Offline", ["docx"]), DOCX_MIME, "a.docx"),
        (pptx_bytes("Offline", "pptx"), None, "a.pptx"),
        (xlsx_bytes("Sheet", [["offline", "xlsx"]]), None, "a.xlsx"),
        (b"<p>offline html</p>", "text/html", "a.html"),
        (b"offline,csv\n1,2\n", "text/csv", "a.csv"),
    ]

    texts = [extractor.extract(data, mime_type=mime, name=name) for data, mime, name in samples]

    assert all("offline" in text.lower() for text in texts)
    with pytest.raises(UnreadableFileError):
        extractor.extract(b"not a pdf at all", mime_type="application/pdf", name="b.pdf")
