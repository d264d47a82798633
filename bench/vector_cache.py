"""The model for the peers, optionally served from vectors syncrag already computed.

On the 10x corpus the initial ingest is set-up for the change scenarios, not a measurement: the
peers' copies of the corpus take syncrag's vectors for the same texts instead of paying the
model again (minutes at that size). Every other pass, and every text not in the cache, goes to
the model.
"""

from __future__ import annotations

from collections.abc import Callable


class PeerEncoder:
    """`encode(texts)` through the model, or through `cache` while one is set."""

    def __init__(self, encode: Callable[[list[str]], list[list[float]]]) -> None:
        self._encode = encode
        self.cache: dict[str, list[float]] | None = None
        self.served_from_cache = 0

    def encode(self, texts: list[str]) -> list[list[float]]:
        cache = self.cache
        if cache is None:
            return self._encode(texts)
        missing = sorted({t for t in texts if t not in cache})
        if missing:
            cache.update(zip(missing, self._encode(missing), strict=True))
        self.served_from_cache += len(texts) - len(missing)
        return [cache[t] for t in texts]
