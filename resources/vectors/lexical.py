"""Lexical (sparse) vectors: BM25 term weights over a tokenizer that keeps identifiers findable.

Scheme `LEXICAL_SCHEME`, fixed by everything below; a change to any of it must change the scheme
name, which names a new collection (the index is then rebuilt there, as after a model switch).

- Text is NFKC-normalised and case-folded. A token is a run of letters and digits, or several
  joined by single connectors (`.-_/:@#+'`): `OPS-106`, `os.path.commonpath`, `user_id`.
- A joined token gives its whole form without the connectors (`ops106`, `ospathcommonpath`)
  and each of its parts; a part that mixes case or letters and digits (`FileNotFoundError`,
  `T80`) adds its pieces (`file`, `not`, `found`, `error`). So `OPS 106`, `ops106` and `OPS-106`
  meet, and `commonpath` finds `os.path.commonpath`.
- A word followed by a number (`PEP 572`, `:pep:`572``, `unit 07`) also gives the two run
  together (`pep572`), the same term `PEP-572` gives as a whole.
- Stop words and one-letter words are dropped; words longer than 3 letters lose a plural or
  verb `s` (Harman's S-stemmer: `files` -> `file`, `policies` -> `policy`). Whole forms of joined
  tokens are never stemmed.
- A term's index is the first 4 bytes (big-endian) of its BLAKE2b digest, personalised with the
  scheme: deterministic across processes and machines. Two terms that hash alike count as one
  term everywhere (their document frequencies add up, and each matches the other). Among N
  distinct terms about N^2 / 2^33 pairs collide: about 1 pair for 100k terms, 100 for 1M, each
  costing at most a spurious partial match on a rare term; recall is never lost by it.
- A document's value for a term is BM25's term-frequency part, k1 = 1.2, b = 0.75, over a
  fixed average length of `AVERAGE_TERMS` terms (a constant keeps a chunk's vector independent
  of the others, so unchanged chunks are never rewritten). The IDF part is the store's: Qdrant
  applies it at query time (`modifier=idf`), over the user's own points only. A query gives
  each distinct term the value 1.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "AVERAGE_TERMS",
    "LEXICAL_SCHEME",
    "SparseVector",
    "document_vector",
    "lexical_terms",
    "query_vector",
    "term_index",
]

LEXICAL_SCHEME = "lex1"
K1 = 1.2
B = 0.75
# About the mean number of terms of a chunk of the sample corpus (256-token chunks).
AVERAGE_TERMS = 100.0
_MAX_TERM_CHARS = 40
_MIN_STEM_CHARS = 4

_TOKEN = re.compile(r"[^\W_]+(?:[._\-/:@#+'\u2019][^\W_]+)*")
_CONNECTOR = re.compile(r"[._\-/:@#+'\u2019]")
# Pieces of one part: capitalised words, lower-case runs, upper-case runs (acronyms), digits.
_PIECE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+|[^\W\d_]+")
_MIXED = re.compile(r"[a-z][A-Z]|[A-Z]{2}[a-z]|[^\W\d_][0-9]|[0-9][^\W\d_]")
# Only these may sit between a word and the number it is run together with.
_NUMBER_GAP = re.compile(r"[\s:`*_'\"#(\[]{1,4}")

_STOP_WORDS = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves
    out over own same she should so some such than that the their theirs them themselves then
    there these they this those through to too under until up very was we were what when where
    which while who whom why with would you your yours yourself yourselves
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())


@dataclass(frozen=True, slots=True)
class SparseVector:
    """Parallel term indices (distinct, ascending) and their weights."""

    indices: tuple[int, ...]
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.indices) != len(self.values):
            raise ValueError(
                f"A sparse vector needs one value per index, got {len(self.indices)} indices "
                f"and {len(self.values)} values."
            )

    def __bool__(self) -> bool:
        return bool(self.indices)


def lexical_terms(text: str) -> list[str]:
    """The terms of `text`, in order and with repeats (a document's term frequencies)."""
    normal = unicodedata.normalize("NFKC", text)
    terms: list[str] = []
    previous_word: str | None = None
    previous_end = 0
    for match in _TOKEN.finditer(normal):
        token = match.group()
        parts = _CONNECTOR.split(token)
        whole = "".join(parts).casefold()
        if len(parts) > 1:
            _keep(terms, whole, stem=False)
        for part in parts:
            folded = part.casefold()
            _keep(terms, folded, stem=True)
            if _MIXED.search(part):
                pieces = _PIECE.findall(part)
                if len(pieces) > 1:
                    for piece in pieces:
                        _keep(terms, piece.casefold(), stem=True)
        if (
            whole.isdigit()
            and previous_word is not None
            and _NUMBER_GAP.fullmatch(normal, previous_end, match.start())
        ):
            _keep(terms, previous_word + whole, stem=False)
        single = len(parts) == 1 and whole.isalpha() and whole not in STOP_WORDS
        previous_word = _s_stem(whole) if single and len(whole) > 1 else None
        previous_end = match.end()
    return terms


def document_vector(text: str) -> SparseVector:
    """`text` as an indexed document: BM25 term-frequency weights (the IDF is the store's)."""
    counts = _index_counts(lexical_terms(text))
    length = sum(counts.values())
    norm = K1 * (1.0 - B + B * length / AVERAGE_TERMS)
    indices = sorted(counts)
    return SparseVector(
        tuple(indices), tuple(counts[i] * (K1 + 1.0) / (counts[i] + norm) for i in indices)
    )


def query_vector(text: str) -> SparseVector:
    """`text` as a query: each distinct term weighs 1 (times its IDF, applied by the store)."""
    indices = sorted(_index_counts(lexical_terms(text)))
    return SparseVector(tuple(indices), (1.0,) * len(indices))


# Frequent terms skip the hash. The cache lives as long as the process, so its bound is what a
# large vocabulary costs: 4,096 terms hold under 1 MB (65,536 held 13 MB) and still answer
# 95.5% / 96.7% of lookups in the 1x / 10x memory bench (65,536: 95.5% / 97.6%; hashing a
# term takes about a microsecond, so a miss costs little).
TERM_CACHE_SIZE = 1 << 12


@lru_cache(maxsize=TERM_CACHE_SIZE)
def term_index(term: str) -> int:
    """The sparse-vector index of `term`: 32 bits of its BLAKE2b digest (see the module doc)."""
    digest = hashlib.blake2b(
        term.encode("utf-8"), digest_size=4, person=LEXICAL_SCHEME.encode()
    ).digest()
    return int.from_bytes(digest, "big")


def _index_counts(terms: list[str]) -> Counter[int]:
    # Counting by index merges terms that collide, so each index appears once.
    return Counter(term_index(term) for term in terms)


def _keep(terms: list[str], term: str, *, stem: bool) -> None:
    if len(term) > _MAX_TERM_CHARS or term in STOP_WORDS:
        return
    if term.isalpha():
        if len(term) < 2:
            return
        if stem:
            term = _s_stem(term)
    terms.append(term)


def _s_stem(word: str) -> str:
    """Harman's S-stemmer: plural and third-person `s` endings off words of 4+ letters."""
    if len(word) < _MIN_STEM_CHARS or not word.endswith("s"):
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith(("us", "ss")):
        return word
    return word[:-1]
