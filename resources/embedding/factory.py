"""Builds the configured Embedder from settings (SYNCRAG_EMBEDDING_* values)."""

from __future__ import annotations

from pathlib import Path

from resources.embedding.base import Embedder
from resources.embedding.errors import EmbeddingConfigError
from resources.embedding.fake import FakeEmbedder
from resources.embedding.onnx_embedder import OnnxEmbedder
from resources.embedding.onnx_files import onnx_export_dir
from resources.embedding.sentence_transformer import SentenceTransformerEmbedder
from resources.embedding.tokenizer import PACKAGED_MODEL_NAME

BACKENDS = ("sentence-transformers", "onnx", "onnx-int8", "fake")

_ONNX_BACKENDS = {"onnx": False, "onnx-int8": True}
_PACKAGED_ALIASES = frozenset({PACKAGED_MODEL_NAME, f"sentence-transformers/{PACKAGED_MODEL_NAME}"})


def embedder_from_settings(
    backend: str,
    model: str | None,
    device: str,
    batch_size: int,
    *,
    model_dir: Path | str | None = None,
) -> Embedder:
    """The embedder for a backend name; the model loads lazily, on first use.

    The onnx backends run the packaged model's export, kept in the `all-MiniLM-L6-v2-onnx`
    folder of `model_dir` (SYNCRAG_MODEL_DIR; default the per-user cache) and exported there
    on first use if `make setup` has not, on the CPU. The fake backend takes `model` as its
    name (so tests can switch models) and ignores device and batch size.
    """
    chosen = backend.strip().lower()
    if chosen == "sentence-transformers":
        return SentenceTransformerEmbedder(model, device=device, batch_size=batch_size)
    if chosen in _ONNX_BACKENDS:
        if model is not None and model.strip() not in _PACKAGED_ALIASES:
            raise EmbeddingConfigError(
                f"The {chosen} backend runs only the packaged {PACKAGED_MODEL_NAME}: unset "
                "SYNCRAG_EMBEDDING_MODEL or set SYNCRAG_EMBEDDING_BACKEND=sentence-transformers."
            )
        if device.strip().lower() != "cpu":
            raise EmbeddingConfigError(
                f"The {chosen} backend runs on the CPU: set SYNCRAG_EMBEDDING_DEVICE=cpu or "
                "SYNCRAG_EMBEDDING_BACKEND=sentence-transformers."
            )
        export_dir = onnx_export_dir(model_dir) if model_dir is not None else None
        return OnnxEmbedder(export_dir, quantized=_ONNX_BACKENDS[chosen], batch_size=batch_size)
    if chosen == "fake":
        return FakeEmbedder(name=model.strip() if model and model.strip() else None)
    raise EmbeddingConfigError(
        f"Unknown embedding backend {backend!r}: set SYNCRAG_EMBEDDING_BACKEND to one of "
        f"{', '.join(BACKENDS)}."
    )
