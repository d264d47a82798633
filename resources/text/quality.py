"""Whether a document's text is text: its bytes decoded, then the whole of it judged.

Users' drives hold files that only have a text name: random bytes, binary data whose first NUL
comes after a few kilobytes, a single line of 5 MB. Bytes are decoded as UTF-8, UTF-16 or UTF-32
(with a byte order mark, or UTF-16 without one), else a declared charset, else Windows-1252 for
the bytes that are not UTF-8. The judgement reads the whole extracted text in linear time and
refuses it when it holds a NUL, when too many characters are unreadable, when nearly all of it
is runs of letters no language writes (a WordPiece model reads each as one [UNK]), or when most
of it had to be guessed from bytes that are not UTF-8. Such runs in an otherwise fine text
(base64 images, hex dumps) are dropped.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from resources.text.errors import UnreadableFileError

__all__ = [
    "Decoded",
    "decode_text",
    "html_charset",
    "judge_decoded",
    "readable_text",
]

# Runs of letters and digits at least this long are not words: WordPiece gives up on a word
# of 100 characters and reads it as [UNK].
RUN_CHARS = 100
_MAX_UNREADABLE_SHARE = 0.05
# Base64 images in a short note may be most of it: refused only when they are nearly all.
_MAX_RUN_SHARE = 0.9
# Accents are a few percent of Western European text; bytes 0x80-0xFF at random are 3/4 guessed.
_MAX_GUESSED_SHARE = 0.5
_MIN_GUESSED_TO_REFUSE = 16

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_FALLBACK_ENCODING = "cp1252"
_FALLBACK_ERRORS = "syncrag-cp1252"
_UTF8_REPLACEMENT = "\ufffd".encode()
# Where browsers look for <meta charset=...> (the HTML standard's prescan reads 1024 bytes).
_META_SNIFF_BYTES = 1024
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
# Control characters other than tab, newline, vertical tab, form feed and carriage return
# (C0, DEL, C1), the replacement character, surrogates and private-use code points.
_UNREADABLE = re.compile(
    "[\x01-\x08\x0e-\x1f\x7f-\x9f\ufffd\ud800-\udfff\ue000-\uf8ff\U000f0000-\U0010ffff]"
)
# Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, CJK, kana, Yi,
# Hangul): a long run of them is a sentence, not a blob.
_UNSPACED_SCRIPTS = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003134f"
)
_LONG_NON_SPACE = re.compile(rf"\S{{{RUN_CHARS},}}")
_LETTER_RUN = re.compile(rf"[^\W{_UNSPACED_SCRIPTS}]{{{RUN_CHARS},}}")


def _cp1252_for_invalid_utf8(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    invalid = error.object[error.start : error.end]
    return bytes(invalid).decode(_FALLBACK_ENCODING, errors="replace"), error.end


# Registered once, under a name of syncrag's own: Python looks error handlers up by name.
codecs.register_error(_FALLBACK_ERRORS, _cp1252_for_invalid_utf8)


@dataclass(frozen=True)
class Decoded:
    """A document's text, the encoding it was read with, and how many characters were guessed
    (bytes that were not UTF-8, read as Windows-1252 without a declared charset)."""

    text: str
    encoding: str
    guessed_chars: int = 0


def decode_text(content: bytes, *, declared_charset: str | None = None) -> Decoded:
    """The bytes as text: byte order mark, UTF-16 without one, UTF-8, the declared charset, and
    Windows-1252 for whatever bytes are left. Never raises: judge the result."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return Decoded(content.decode(encoding, errors="replace"), encoding)
    utf16 = _utf16_without_bom(content)
    if utf16 is not None:
        return Decoded(content.decode(utf16, errors="replace"), utf16)
    try:
        return Decoded(content.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if declared_charset:
        try:
            return Decoded(content.decode(declared_charset, errors="replace"), declared_charset)
        except LookupError:
            pass  # not a text encoding Python knows: fall back as if none was declared
    replaced = content.decode("utf-8", errors="replace")
    invalid = replaced.count("\ufffd") - content.count(_UTF8_REPLACEMENT)
    text = content.decode("utf-8", errors=_FALLBACK_ERRORS)
    return Decoded(text, f"utf-8 and {_FALLBACK_ENCODING}", guessed_chars=invalid)


def html_charset(content: bytes) -> str | None:
    """The charset an HTML document declares in a <meta> tag near its start, if any."""
    found = _META_CHARSET.search(content[:_META_SNIFF_BYTES])
    return found.group(1).decode("ascii") if found else None


def judge_decoded(decoded: Decoded, shown: str) -> None:
    """Raises UnreadableFileError for bytes that are binary or mostly guessed at; the text's
    content is judged after conversion, by `readable_text`."""
    if "\x00" in decoded.text:
        raise UnreadableFileError(f"{shown} holds binary data, not text.")
    visible = _visible_chars(decoded.text)
    guessed = decoded.guessed_chars
    if guessed >= _MIN_GUESSED_TO_REFUSE and guessed > _MAX_GUESSED_SHARE * visible:
        raise UnreadableFileError(
            f"{shown} is not readable text: {_percent(guessed, visible)} of its "
            f"characters are bytes that are not UTF-8 (read as Windows-1252), and it declares "
            "no charset."
        )


def readable_text(text: str, shown: str) -> str:
    """The text without the runs no language writes (base64 data, hex dumps: they would only
    become chunks of [UNK]), or UnreadableFileError when it is not text. Linear in the text."""
    if "\x00" in text:
        raise UnreadableFileError(f"{shown} holds binary data, not text.")
    visible = _visible_chars(text)
    if not visible:
        return text
    unreadable = len(_UNREADABLE.findall(text))
    if unreadable > _MAX_UNREADABLE_SHARE * visible:
        raise UnreadableFileError(
            f"{shown} is not readable text: {_percent(unreadable, visible)} of its characters "
            "are control, replacement or private-use characters."
        )
    runs = _letter_runs(text)
    in_runs = sum(end - start for start, end in runs)
    if in_runs > _MAX_RUN_SHARE * visible:
        raise UnreadableFileError(
            f"{shown} is not readable text: {_percent(in_runs, visible)} of its characters are "
            f"in runs of {RUN_CHARS} or more letters and digits without a space or punctuation."
        )
    if not runs:
        return text
    kept: list[str] = []
    position = 0
    for start, end in runs:
        kept.append(text[position:start])
        position = end
    kept.append(text[position:])
    return "".join(kept)


def _letter_runs(text: str) -> list[tuple[int, int]]:
    """Spans of runs of RUN_CHARS or more letters and digits (and base64's + and /), outside
    the scripts written without spaces."""
    spans: list[tuple[int, int]] = []
    # Long runs without whitespace are rare in text, so the slower search runs only on them.
    for candidate in _LONG_NON_SPACE.finditer(text):
        chars = candidate.group().replace("+", "a").replace("/", "a")
        offset = candidate.start()
        spans.extend(
            (offset + run.start(), offset + run.end()) for run in _LETTER_RUN.finditer(chars)
        )
    return spans


def _utf16_without_bom(content: bytes) -> str | None:
    """utf-16-le or -be when the NULs fall on one side of the code units: Latin text in UTF-16
    has a NUL in nearly every high byte, and binary data has them anywhere."""
    units = len(content) // 2
    if units < 2:
        return None
    even = content[0 : 2 * units : 2].count(0)
    odd = content[1 : 2 * units : 2].count(0)
    if odd >= 0.3 * units and even <= 0.02 * units:
        return "utf-16-le"
    if even >= 0.3 * units and odd <= 0.02 * units:
        return "utf-16-be"
    return None


def _visible_chars(text: str) -> int:
    return len(text) - sum(text.count(blank) for blank in (" ", "\n", "\t", "\r"))


def _percent(part: int, whole: int) -> str:
    return f"{min(100, round(100 * part / whole))}%"
