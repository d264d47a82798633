"""Parse Markdown into a small block model (headings, paragraphs, lists, tables, code) for the
renderers of formats that cannot carry Markdown itself."""

from __future__ import annotations

from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = [
    "Block",
    "CodeBlock",
    "Heading",
    "ListBlock",
    "ListItem",
    "Paragraph",
    "Span",
    "Table",
    "blocks_with_title",
    "parse_blocks",
    "plain_text",
]


@dataclass(frozen=True)
class Span:
    """A run of inline text with its emphasis."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False


@dataclass(frozen=True)
class Heading:
    level: int
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class Paragraph:
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class ListItem:
    level: int  # 0 for a top-level item, 1 for an item nested once, ...
    ordered: bool
    number: int  # position among its siblings, counted from 1
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class ListBlock:
    items: tuple[ListItem, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class CodeBlock:
    text: str


Block = Heading | Paragraph | ListBlock | Table | CodeBlock

_PARSER = MarkdownIt("commonmark").enable("table")


def plain_text(spans: tuple[Span, ...]) -> str:
    """The text of spans without their emphasis."""
    return "".join(span.text for span in spans)


def parse_blocks(markdown: str) -> list[Block]:
    """Blocks of a Markdown document in reading order; block quotes are read as their content."""
    tokens = _PARSER.parse(markdown)
    blocks: list[Block] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open":
            blocks.append(Heading(int(token.tag[1:]), _spans(tokens[i + 1])))
            i += 3
        elif token.type == "paragraph_open":
            blocks.append(Paragraph(_spans(tokens[i + 1])))
            i += 3
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            end = _matching_close(tokens, i)
            blocks.append(ListBlock(tuple(_list_items(tokens[i : end + 1]))))
            i = end + 1
        elif token.type == "table_open":
            end = _matching_close(tokens, i)
            blocks.append(_table(tokens[i : end + 1]))
            i = end + 1
        elif token.type in ("fence", "code_block"):
            blocks.append(CodeBlock(token.content.rstrip("\n")))
            i += 1
        else:  # blockquote markers, rules and raw HTML carry no text of their own here
            i += 1
    return blocks


def blocks_with_title(markdown: str, title: str) -> list[Block]:
    """The document's blocks, led by `title` as a level-1 heading unless it opens with one."""
    blocks = parse_blocks(markdown)
    if blocks and isinstance(blocks[0], Heading) and blocks[0].level == 1:
        return blocks
    return [Heading(1, (Span(title),)), *blocks]


def _matching_close(tokens: list[Token], start: int) -> int:
    depth = 0
    for j in range(start, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    raise ValueError("unbalanced Markdown token stream")


def _list_items(tokens: list[Token]) -> list[ListItem]:
    items: list[ListItem] = []
    # One entry per open list: (ordered, count of items seen so far).
    stack: list[tuple[bool, int]] = []
    for j, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            start = int(token.attrGet("start") or 1) - 1
            stack.append((token.type == "ordered_list_open", start))
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            stack.pop()
        elif token.type == "list_item_open":
            ordered, count = stack[-1]
            stack[-1] = (ordered, count + 1)
        elif token.type == "inline" and tokens[j - 1].type == "paragraph_open":
            ordered, count = stack[-1]
            items.append(ListItem(len(stack) - 1, ordered, count, _spans(token)))
    return items


def _table(tokens: list[Token]) -> Table:
    rows: list[tuple[str, ...]] = []
    cells: list[str] = []
    for token in tokens:
        if token.type == "tr_open":
            cells = []
        elif token.type == "inline":
            cells.append(plain_text(_spans(token)).strip())
        elif token.type == "tr_close":
            rows.append(tuple(cells))
    return Table(rows[0], tuple(rows[1:]))


def _spans(inline: Token) -> tuple[Span, ...]:
    spans: list[Span] = []
    bold = italic = False
    for child in inline.children or []:
        kind = child.type
        if kind == "strong_open":
            bold = True
        elif kind == "strong_close":
            bold = False
        elif kind == "em_open":
            italic = True
        elif kind == "em_close":
            italic = False
        elif kind == "text" or kind == "html_inline":
            spans.append(Span(child.content, bold, italic))
        elif kind == "code_inline":
            spans.append(Span(child.content, bold, italic, code=True))
        elif kind in ("softbreak", "hardbreak"):
            spans.append(Span(" ", bold, italic))
        elif kind == "image":
            spans.append(Span(child.content, bold, italic))
    return tuple(_merge(spans))


def _merge(spans: list[Span]) -> list[Span]:
    """Join neighbouring spans of equal emphasis, so renderers emit fewer runs."""
    merged: list[Span] = []
    for span in spans:
        if merged and (merged[-1].bold, merged[-1].italic, merged[-1].code) == (
            span.bold,
            span.italic,
            span.code,
        ):
            last = merged.pop()
            merged.append(Span(last.text + span.text, span.bold, span.italic, span.code))
        else:
            merged.append(span)
    return merged
