"""A deterministic, model-free Embedder for tests: hashed bags of words, real token counts."""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections.abc import Sequence

from resources.embedding.base import Embedder
from resources.embedding.errors import EmbeddingConfigError
from resources.embedding.tokenizer import TokenCounter

_WORD = re.compile(r"\w+")
_BIGRAM_WEIGHT = 0.5
# Texts without a single word still need a unit vector.
_NO_WORDS_FEATURE = "\x00no-words"


class FakeEmbedder(Embedder):
    """Vectors from the hashing trick over lower-cased words and word pairs.

    Texts sharing words point the same way, so a query scores the chunks that contain its
    words above unrelated ones. Tokens are counted with the packaged model's real tokenizer
    so that chunk limits in tests are the real ones. `calls` and `texts_embedded` count work.
    `name` replaces the model name (and so the collection), to stand in for another model.
    """

    def __init__(
        self, dimension: int = 64, max_tokens: int = 256, *, name: str | None = None
    ) -> None:
        if dimension < 2:
            raise EmbeddingConfigError(f"dimension must be at least 2, got {dimension}.")
        if max_tokens < 8:
            raise EmbeddingConfigError(f"max_tokens must be at least 8, got {max_tokens}.")
        self._dimension = dimension
        self._max_tokens = max_tokens
        self._name = name
        self._counter = TokenCounter.packaged()
        self.calls = 0
        self.texts_embedded = 0

    @property
    def model_name(self) -> str:
        return self._name or f"fake-hash-{self._dimension}"

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    def count_tokens(self, text: str) -> int:
        return self._counter(text)

    def count_tokens_many(self, texts: Sequence[str]) -> list[int]:
        return self._counter.count_many(texts)

    def _encode(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        self.texts_embedded += len(texts)
        return [self._vector(text) for text in texts]

    def _vector(self, text: str) -> list[float]:
        words = _WORD.findall(text.lower())
        features = [(word, 1.0) for word in words]
        features += [(f"{a} {b}", _BIGRAM_WEIGHT) for a, b in itertools.pairwise(words)]
        if not features:
            features = [(_NO_WORDS_FEATURE, 1.0)]
        vector = [0.0] * self._dimension
        for feature, weight in features:
            digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
            bucket = int.from_bytes(digest[:7], "big") % self._dimension
            sign = 1.0 if digest[7] & 1 else -1.0
            vector[bucket] += sign * weight
        norm = math.sqrt(sum(value * value for value in vector))
        if norm == 0.0:
            # Features that cancel out exactly: fall back to a fixed unit vector.
            return [1.0] + [0.0] * (self._dimension - 1)
        return [value / norm for value in vector]
