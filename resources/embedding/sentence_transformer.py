"""An Embedder backed by a sentence-transformers model, the packaged all-MiniLM-L6-v2 by default."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from resources.embedding.base import Embedder
from resources.embedding.errors import EmbeddingConfigError, EmbeddingModelError
from resources.embedding.tokenizer import PACKAGED_MODEL_NAME, TokenCounter, packaged_model_path

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# Names that mean the packaged model: served from disk, never from the Hub.
_PACKAGED_ALIASES = frozenset({PACKAGED_MODEL_NAME, f"sentence-transformers/{PACKAGED_MODEL_NAME}"})


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model, loaded on first use (loading imports torch: seconds)."""

    def __init__(self, model: str | None = None, device: str = "cpu", batch_size: int = 32) -> None:
        if batch_size < 1:
            raise EmbeddingConfigError(f"batch_size must be at least 1, got {batch_size}.")
        if model is None or model.strip() in _PACKAGED_ALIASES:
            self._model_name = PACKAGED_MODEL_NAME
            self._source: str | None = None
        else:
            self._model_name = model.strip()
            self._source = self._model_name
        self._device = device
        self._batch_size = batch_size
        self._lock = threading.Lock()
        self._model: SentenceTransformer | None = None
        self._counter: Callable[[str], int] | None = None

    @property
    def model_name(self) -> str:
        return self._model_name

    @property
    def dimension(self) -> int:
        dimension = self._loaded().get_embedding_dimension()
        if dimension is None:
            raise EmbeddingModelError(
                f"The embedding model {self._model_name} does not declare its vector dimension."
            )
        return dimension

    @property
    def max_tokens(self) -> int:
        limit = self._loaded().max_seq_length
        if limit is None:
            raise EmbeddingModelError(
                f"The embedding model {self._model_name} does not declare its maximum sequence "
                "length, so chunks cannot be sized to it."
            )
        return limit

    def count_tokens(self, text: str) -> int:
        self._loaded()
        assert self._counter is not None
        return self._counter(text)

    def _encode(self, texts: list[str]) -> list[list[float]]:
        vectors = self._loaded().encode(
            texts,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.tolist()

    def _loaded(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                self._model = self._load()
                self._counter = _counter_for(self._model)
            return self._model

    def _load(self) -> SentenceTransformer:
        # Offline unless the operator says otherwise: the default model is on disk and a run
        # must not stall on (or leak data to) the Hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        source = self._source if self._source is not None else str(packaged_model_path())
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            # A weight-loading progress bar per run is noise in logs and terminals.
            transformers_logging.disable_progress_bar()
            return SentenceTransformer(source, device=self._device)
        except Exception as exc:
            raise EmbeddingModelError(
                f"Could not load the embedding model {self._model_name} on device "
                f"{self._device} ({type(exc).__name__}); set SYNCRAG_EMBEDDING_MODEL to a "
                "sentence-transformers model on disk or in the Hugging Face cache."
            ) from exc


def _counter_for(model: SentenceTransformer) -> Callable[[str], int]:
    tokenizer = model.tokenizer
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        return TokenCounter(backend)

    def count(text: str) -> int:
        # A slow (pure Python) tokenizer: ask for everything, truncating nothing.
        encoded = tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)
        return len(encoded["input_ids"])

    return count
