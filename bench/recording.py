"""Embedder wrappers for the bench: a delegating base, and one recording what the pipeline embeds.

The ceiling replays exactly the recorded texts through the bare model, so the pipeline's
overhead is measured against the same work.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from resources.embedding import Embedder


class DelegatingEmbedder(Embedder):
    """An Embedder that is `inner` in name, size and tokenizer; subclasses change how it embeds."""

    def __init__(self, inner: Embedder) -> None:
        self._inner = inner

    @property
    def model_name(self) -> str:
        return self._inner.model_name

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    @property
    def max_tokens(self) -> int:
        return self._inner.max_tokens

    def count_tokens(self, text: str) -> int:
        return self._inner.count_tokens(text)

    def _encode(self, texts: list[str]) -> list[list[float]]:
        return self._inner.embed(texts)


class RecordingEmbedder(DelegatingEmbedder):
    """Delegates to `inner`; keeps every text embedded and the seconds spent embedding."""

    def __init__(self, inner: Embedder, *, keep_vectors: bool = False) -> None:
        super().__init__(inner)
        self.texts: list[str] = []
        self.seconds = 0.0
        self.calls = 0
        # text -> vector of everything embedded while set (see bench.vector_cache)
        self.vectors: dict[str, list[float]] | None = {} if keep_vectors else None

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        started = time.perf_counter()
        vectors = self._inner.embed(texts)
        self.seconds += time.perf_counter() - started
        self.calls += 1
        self.texts.extend(texts)
        if self.vectors is not None:
            self.vectors.update(zip(texts, vectors, strict=True))
        return vectors

    def take(self) -> tuple[list[str], float, int]:
        """The texts, model seconds and calls since the last take, and starts afresh."""
        taken = (self.texts, self.seconds, self.calls)
        self.texts, self.seconds, self.calls = [], 0.0, 0
        return taken
