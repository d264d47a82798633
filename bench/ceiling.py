"""The ceiling: the embedding runtime alone, encoding exactly the texts the pipeline embedded."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from pipelines.settings import SETTINGS
from resources.embedding import Embedder, embedder_from_settings

# The runtime a user gets unless they choose: what the bench measures unless told otherwise.
DEFAULT_BACKEND = next(s.default for s in SETTINGS if s.name == "SYNCRAG_EMBEDDING_BACKEND") or ""
WARM_UP_TEXTS = ["A short sentence to load the kernels.", "Another one, a little longer than it."]


def runtime_embedder(backend: str, batch_size: int) -> Embedder:
    """A fresh embedder of `backend` (an SYNCRAG_EMBEDDING_BACKEND value), model loaded."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    embedder = embedder_from_settings(backend, None, "cpu", batch_size)
    embedder.embed(WARM_UP_TEXTS)
    return embedder


class ModelCeiling:
    """Times the model alone: one call of an embedder of its own over all the texts.

    The embedder is a separate instance of syncrag's runtime, so the ceiling shares no state
    (a session, caches) with the pipeline it is compared with. Both runtimes sort one call's
    texts by length before batching, so one call is the best batching the model can get.
    """

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def encode(self, texts: Sequence[str]) -> list[list[float]]:
        return self.embedder.embed(list(texts))

    def measure(self, texts: Sequence[str]) -> tuple[float, float] | None:
        """(wall, CPU) seconds to embed `texts` in one call; None when there is nothing to embed.

        CPU seconds are this process's, all threads: torch's included.
        """
        if not texts:
            return None
        started, cpu_started = time.perf_counter(), time.process_time()
        self.encode(texts)
        return time.perf_counter() - started, time.process_time() - cpu_started

    def warm_up(self) -> None:
        self.encode(WARM_UP_TEXTS)
