"""Write a minimal WordprocessingML document (DOCX) from the block model, without python-docx:
heading styles, bullet and numbered lists, tables and emphasis survive a read by mammoth."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from demo.blocks import Block, CodeBlock, Heading, ListBlock, Paragraph, Span, Table
from demo.stable_zip import FIXED_TIMESTAMP, pack_zip

__all__ = ["render_docx"]

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_R = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml"
_PKG = "application/vnd.openxmlformats-package"
# Characters XML 1.0 forbids even when escaped.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")

_CONTENT_TYPES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="{_WML}.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="{_WML}.styles+xml"/>
<Override PartName="/word/numbering.xml" ContentType="{_WML}.numbering+xml"/>
<Override PartName="/docProps/core.xml" ContentType="{_PKG}.core-properties+xml"/>
</Types>"""

_ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{_PKG_R}">
<Relationship Id="rId1" Type="{_OFFICE_R}/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="{_PKG_R}/metadata/core-properties" Target="docProps/core.xml"/>
</Relationships>"""

_DOCUMENT_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{_PKG_R}">
<Relationship Id="rId1" Type="{_OFFICE_R}/styles" Target="styles.xml"/>
<Relationship Id="rId2" Type="{_OFFICE_R}/numbering" Target="numbering.xml"/>
</Relationships>"""


def _style(style_id: str, name: str, props: str = "", run: str = "") -> str:
    return (
        f'<w:style w:type="paragraph" w:styleId="{style_id}"><w:name w:val="{name}"/>'
        f'<w:basedOn w:val="Normal"/><w:qFormat/><w:pPr>{props}</w:pPr><w:rPr>{run}</w:rPr>'
        "</w:style>"
    )


_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:styles xmlns:w="{_W}">'
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>'
    '<w:pPr><w:spacing w:after="120"/></w:pPr><w:rPr><w:rFonts w:ascii="Calibri" '
    'w:hAnsi="Calibri"/><w:sz w:val="22"/></w:rPr></w:style>'
    + _style("Heading1", "heading 1", '<w:outlineLvl w:val="0"/>', '<w:b/><w:sz w:val="36"/>')
    + _style("Heading2", "heading 2", '<w:outlineLvl w:val="1"/>', '<w:b/><w:sz w:val="30"/>')
    + _style("Heading3", "heading 3", '<w:outlineLvl w:val="2"/>', '<w:b/><w:sz w:val="26"/>')
    + _style("Heading4", "heading 4", '<w:outlineLvl w:val="3"/>', "<w:b/><w:i/>")
    + _style("ListParagraph", "List Paragraph", '<w:ind w:left="720"/>')
    + _style(
        "SourceCode", "Source Code", "", '<w:rFonts w:ascii="Courier New" w:hAnsi="Courier New"/>'
    )
    + '<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:tblPr>'
    + "<w:tblBorders>"
    + "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    + "</w:tblBorders></w:tblPr></w:style></w:styles>"
)


def _abstract_numbering(abstract_id: int, ordered: bool) -> str:
    levels = []
    for level in range(4):
        fmt, text = ("decimal", f"%{level + 1}.") if ordered else ("bullet", "\u2022")
        levels.append(
            f'<w:lvl w:ilvl="{level}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/><w:pPr>'
            f'<w:ind w:left="{720 * (level + 1)}" w:hanging="360"/></w:pPr></w:lvl>'
        )
    return f'<w:abstractNum w:abstractNumId="{abstract_id}">{"".join(levels)}</w:abstractNum>'


def render_docx(blocks: list[Block], *, title: str) -> bytes:
    """A DOCX of the blocks; every list gets its own numbering instance so numbers restart."""
    body: list[str] = []
    lists: list[bool] = []  # per numbering instance: ordered?
    for block in blocks:
        if isinstance(block, Heading):
            body.append(_paragraph(block.spans, f"Heading{min(block.level, 4)}"))
        elif isinstance(block, Paragraph):
            body.append(_paragraph(block.spans))
        elif isinstance(block, ListBlock):
            # Ordered and bullet items can mix across levels; one instance per kind per list.
            instances: dict[bool, int] = {}
            for item in block.items:
                if item.ordered not in instances:
                    lists.append(item.ordered)
                    instances[item.ordered] = len(lists)
                numbering = (
                    f'<w:numPr><w:ilvl w:val="{min(item.level, 3)}"/>'
                    f'<w:numId w:val="{instances[item.ordered]}"/></w:numPr>'
                )
                body.append(_paragraph(item.spans, "ListParagraph", numbering))
        elif isinstance(block, Table):
            body.append(_table(block))
        elif isinstance(block, CodeBlock):
            body.extend(_paragraph((Span(line),), "SourceCode") for line in block.text.split("\n"))
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{_W}" xmlns:r="{_R}"><w:body>{"".join(body)}'
        '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" '
        'w:bottom="1440" w:left="1440" w:header="708" w:footer="708" w:gutter="0"/>'
        "</w:sectPr></w:body></w:document>"
    )
    numbering = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:numbering xmlns:w="{_W}">'
        + _abstract_numbering(0, ordered=False)
        + _abstract_numbering(1, ordered=True)
        + "".join(
            f'<w:num w:numId="{n}"><w:abstractNumId w:val="{int(ordered)}"/>'
            + (
                '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>'
                if ordered
                else ""
            )
            + "</w:num>"
            for n, ordered in enumerate(lists, start=1)
        )
        + "</w:numbering>"
    )
    return pack_zip(
        [
            ("[Content_Types].xml", _CONTENT_TYPES.encode()),
            ("_rels/.rels", _ROOT_RELS.encode()),
            ("docProps/core.xml", _core_properties(title).encode()),
            ("word/document.xml", document.encode()),
            ("word/_rels/document.xml.rels", _DOCUMENT_RELS.encode()),
            ("word/styles.xml", _STYLES.encode()),
            ("word/numbering.xml", numbering.encode()),
        ]
    )


def _text(text: str) -> str:
    return escape(_XML_ILLEGAL.sub("", text))


def _run(span: Span) -> str:
    props = ("<w:b/>" if span.bold else "") + ("<w:i/>" if span.italic else "")
    if span.code:
        props = '<w:rFonts w:ascii="Courier New" w:hAnsi="Courier New"/>' + props
    run_props = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{run_props}<w:t xml:space="preserve">{_text(span.text)}</w:t></w:r>'


def _paragraph(spans: tuple[Span, ...], style: str = "", extra_props: str = "") -> str:
    style_xml = f'<w:pStyle w:val="{style}"/>' if style else ""
    props = f"<w:pPr>{style_xml}{extra_props}</w:pPr>" if style_xml or extra_props else ""
    return f"<w:p>{props}{''.join(_run(span) for span in spans)}</w:p>"


def _table(table: Table) -> str:
    columns = max(len(row) for row in (table.header, *table.rows))
    width = 9000 // columns  # twentieths of a point across the A4 text width
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for _ in range(columns))
    rows = []
    # The header row is marked as such (tblHeader), not bolded: mammoth reads it as <th>.
    for i, row in enumerate((table.header, *table.rows)):
        cells = "".join(
            f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
            + _paragraph((Span(cell),))
            + "</w:tc>"
            for cell in (*row, *[""] * (columns - len(row)))
        )
        header = "<w:trPr><w:tblHeader/></w:trPr>" if i == 0 else ""
        rows.append(f"<w:tr>{header}{cells}</w:tr>")
    return (
        '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )


def _core_properties(title: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        "<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{_text(title)}</dc:title><dc:creator>syncrag demo</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{FIXED_TIMESTAMP}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{FIXED_TIMESTAMP}</dcterms:modified>'
        "</cp:coreProperties>"
    )
