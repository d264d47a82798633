"""extract_markdown: each supported format; typed errors for unsupported, corrupt, empty input."""

from __future__ import annotations

import base64
import io
import random
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
        (b"Latin-1 caf\xe9", "text/plain", "legacy.txt", "Latin-1 caf\u00e9"),
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


# Every extension syncrag reads as encoded text, plain or through markitdown.
TEXT_NAMES = [
    "x.txt",
    "x.text",
    "x.md",
    "x.markdown",
    "x.html",
    "x.htm",
    "x.csv",
    "x.json",
    "x.jsonl",
    "x.ndjson",
]
PROSE = "The walk-in cooler holds fish at two degrees overnight; the dock door sticks. " * 40


@pytest.mark.parametrize("name", TEXT_NAMES)
@pytest.mark.parametrize("seed", [1, 2])
def test_random_bytes_under_a_text_name_are_binary_data(name: str, seed: int) -> None:
    content = random.Random(seed).randbytes(50_000)

    with pytest.raises(UnreadableFileError, match="holds binary data, not text"):
        extract_markdown(content, mime_type=None, name=name)


@pytest.mark.parametrize("name", TEXT_NAMES)
def test_bytes_0x80_to_0xff_under_a_text_name_are_not_readable_text(name: str) -> None:
    rng = random.Random(3)
    content = bytes(rng.randrange(0x80, 0x100) for _ in range(20_000))

    with pytest.raises(UnreadableFileError, match=r"is not readable text: \d+% of its"):
        extract_markdown(content, mime_type=None, name=name)


@pytest.mark.parametrize("name", ["late.txt", "late.md", "late.json", "late.html", "late.csv"])
def test_nuls_after_the_first_8_kb_make_binary_data(name: str) -> None:
    content = PROSE.encode() * 4 + b"\x00\x01\x02\x00" * 100 + PROSE.encode()
    assert b"\x00" not in content[:8192]

    with pytest.raises(UnreadableFileError, match="holds binary data, not text"):
        extract_markdown(content, mime_type=None, name=name)


@pytest.mark.parametrize("name", ["line.txt", "line.md", "line.html", "line.json"])
def test_a_5_mb_line_without_spaces_is_not_readable_text(name: str) -> None:
    rng = random.Random(4)
    content = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=5_000_000)).encode()

    with pytest.raises(UnreadableFileError, match="runs of 100 or more letters and digits"):
        extract_markdown(content, mime_type=None, name=name)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-16", "utf-32"])
@pytest.mark.parametrize("name", ["wide.txt", "wide.md", "wide.csv", "wide.html"])
def test_utf16_and_utf32_are_decoded_with_or_without_a_bom(encoding: str, name: str) -> None:
    text = "Cr\u00e8me br\u00fbl\u00e9e and na\u00efve caf\u00e9 and \u4e2d\u6587 on the menu"

    extracted = extract_markdown(text.encode(encoding), mime_type=None, name=name)

    assert "Cr\u00e8me br\u00fbl\u00e9e and na\u00efve caf\u00e9 and \u4e2d\u6587" in extracted


@pytest.mark.parametrize("name", ["legacy.txt", "legacy.md", "legacy.csv", "legacy.html"])
def test_windows_1252_text_is_read_as_such(name: str) -> None:
    text = "Fran\u00e7ois ordered cr\u00e8me br\u00fbl\u00e9e \u2014 \u201cthe usual\u201d \u20ac4."

    extracted = extract_markdown((text + "\n").encode("cp1252") * 20, mime_type=None, name=name)

    assert (
        "Fran\u00e7ois ordered cr\u00e8me br\u00fbl\u00e9e \u2014 \u201cthe usual\u201d"
        in extracted
    )
    assert "\ufffd" not in extracted


def test_a_declared_charset_is_honoured() -> None:
    text = "\u53f0\u6240\u306e\u51b7\u8535\u5eab\u306f\u4e8c\u5ea6\u3067\u3059\u3002"

    plain = extract_markdown(
        text.encode("shift_jis"), mime_type="text/plain; charset=Shift_JIS", name="jp.txt"
    )
    page = extract_markdown(
        b'<html><head><meta charset="shift_jis"></head><body><p>'
        + text.encode("shift_jis")
        + b"</p></body></html>",
        mime_type="text/html",
        name="jp.html",
    )

    assert plain == text
    assert text in page


@pytest.mark.parametrize(
    "text",
    [
        "\u8fd9\u662f\u4e00\u4e2a\u5173\u4e8e\u5b63\u5ea6\u62a5\u544a\u7684\u53e5\u5b50\uff0c"
        "\u5305\u62ec\u53d1\u8d27\u548c\u53d1\u7968\u3002" * 300,
        "\u65e5\u672c\u8a9e\u306e\u6587\u7ae0\u3082\u542b\u307e\u308c\u3066\u3044\u307e\u3059"
        * 300,
        "\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22\u0e40\u0e02\u0e35\u0e22\u0e19" * 300,
    ],
    ids=["chinese", "japanese-without-punctuation", "thai"],
)
def test_scripts_written_without_spaces_are_text(text: str) -> None:
    assert extract_markdown(text.encode(), mime_type=None, name="cjk.txt") == text


def test_a_base64_blob_in_a_good_document_is_dropped() -> None:
    blob = base64.b64encode(random.Random(5).randbytes(10_000)).decode()
    markdown = f"# Menu\n\n{PROSE}\n\n![logo](data:image/png;base64,{blob})\n\nAfter the image."

    text = extract_markdown(markdown.encode(), mime_type=None, name="menu.md")

    assert PROSE.strip() in text
    assert "After the image." in text
    assert len(text) < len(PROSE) + 200


def test_private_use_and_control_characters_are_not_readable_text() -> None:
    text = "".join(random.Random(6).choices("abc de\ue000\ue001\x07\ufffd", k=20_000))

    with pytest.raises(UnreadableFileError, match=r"control, replacement or private-use"):
        extract_markdown(text.encode(), mime_type=None, name="odd.txt")


def test_unclosed_html_comments_are_read_in_linear_time() -> None:
    # A lazy <!--.*?--> regex rescanned to the end from each of these: quadratic.
    content = b"a,b\n" + b"<!--x,y\n" * 200_000

    text = extract_markdown(content, mime_type=None, name="comments.csv")

    assert text.count("<!--") == 200_000
