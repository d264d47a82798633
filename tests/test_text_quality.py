"""Text or garbage: decoding a document's bytes and judging the whole of its text."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resources.text.errors import UnreadableFileError
from resources.text.quality import decode_text, judge_decoded, readable_text

# Words of scripts written with spaces, and sentences of scripts written without.
_WORDS = st.sampled_from(
    [
        *("index", "Caf\u00e9", "na\u00efve", "Stra\u00dfe", "\u0161koda", "r\u00f6d"),
        *(
            "\u043f\u0440\u0438\u0432\u0435\u0442",
            "\u03ba\u03b1\u03bb\u03b7\u03bc\u03ad\u03c1\u03b1",
        ),
        *(
            "\u0645\u0631\u062d\u0628\u0627",
            "\u05e9\u05dc\u05d5\u05dd",
            "\u0928\u092e\u0938\u094d\u0924\u0947",
        ),
        *("42", "3.14", "#7", "e-mail", "(note)", "x = y + 1;", "\U0001f600"),
        "\u8fd9\u662f\u4e00\u4e2a\u5173\u4e8e\u5b63\u5ea6\u62a5\u544a\u7684\u53e5\u5b50",
        "\u65e5\u672c\u8a9e\u306e\u6587\u7ae0\u3082\u542b\u307e\u308c\u3066\u3044\u307e\u3059",
        "\ud55c\uad6d\uc5b4\ub294\ub744\uc5b4\uc4f0\uae30\ub97c\ud569\ub2c8\ub2e4",
    ]
)
_TEXTS = st.lists(
    st.tuples(_WORDS, st.sampled_from([" ", " ", " ", "\n", "\n\n", ", ", ". "])),
    min_size=1,
    max_size=200,
).map(lambda pairs: "".join(word + gap for word, gap in pairs))


def accepted(content: bytes) -> str:
    decoded = decode_text(content)
    judge_decoded(decoded, "f")
    return readable_text(decoded.text, "f")


@settings(max_examples=200, deadline=None)
@given(_TEXTS, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32", "utf-16-le"]))
def test_text_in_any_script_and_unicode_encoding_is_decoded_and_accepted(
    text: str, encoding: str
) -> None:
    latin_only = all(ord(char) < 0x100 for char in text)
    if encoding == "utf-16-le" and not latin_only:
        return  # without a byte order mark, only mostly-Latin UTF-16 can be recognised

    assert accepted(text.encode(encoding)) == text


@settings(max_examples=100, deadline=None)
@given(_TEXTS.filter(lambda text: all(ord(char) < 0x100 for char in text)))
def test_windows_1252_text_is_decoded_and_accepted(text: str) -> None:
    assert accepted(text.encode("cp1252")) == text


@pytest.mark.parametrize("size", [64, 1_000, 100_000])
@pytest.mark.parametrize("seed", range(5))
def test_random_bytes_are_never_accepted(size: int, seed: int) -> None:
    rng = random.Random(seed)
    for content in (rng.randbytes(size), bytes(rng.randrange(0x80, 0x100) for _ in range(size))):
        with pytest.raises(UnreadableFileError):
            accepted(content)


def test_a_nul_anywhere_is_binary_data() -> None:
    text = "plain words " * 100_000 + "\x00"

    with pytest.raises(UnreadableFileError, match=r"^f holds binary data, not text\.$"):
        readable_text(text, "f")


def test_the_reason_gives_the_share_of_unreadable_characters() -> None:
    text = "ab \ufffd\ufffd " * 1_000

    with pytest.raises(UnreadableFileError) as raised:
        readable_text(text, "'odd.txt'")

    assert raised.value.reason == (
        "'odd.txt' is not readable text: 50% of its characters are control, replacement "
        "or private-use characters."
    )


def test_a_few_odd_characters_do_not_refuse_a_text() -> None:
    readable_text(("A bullet \ue000 and a lost \ufffd among " + "many words " * 10) * 200, "f")


def test_runs_no_language_writes_are_dropped_and_words_kept() -> None:
    hex_dump = "0f3a" * 40
    base64 = "QUJD+/" * 30
    text = f"Keep these words. {hex_dump} and {base64} and https://example.com/a/b?c=d done."

    assert readable_text(text, "f") == (
        "Keep these words.  and  and https://example.com/a/b?c=d done."
    )


def test_minified_json_is_text() -> None:
    record = '{"name":"Ana","city":"Lisbon","tags":["a","b"],"id":12345}'

    readable_text("[" + ",".join([record] * 5_000) + "]", "f")
