"""The ceiling: the embedding model alone, encoding exactly the texts the pipeline embedded."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from resources.embedding import packaged_model_path

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

WARM_UP_TEXTS = ["A short sentence to load the kernels.", "Another one, a little longer than it."]


def load_packaged_model(device: str = "cpu") -> SentenceTransformer:
    """The packaged all-MiniLM-L6-v2 as a bare SentenceTransformer, from disk only."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(packaged_model_path()), device=device)


class ModelCeiling:
    """Times `SentenceTransformer.encode` with the pipeline's batch size, nothing else around it."""

    def __init__(self, model: SentenceTransformer, *, batch_size: int = 32) -> None:
        self.model = model
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str]) -> list[list[float]]:
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.tolist()

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
