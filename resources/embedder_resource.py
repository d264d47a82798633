"""Dagster resource for the embedding model and the chunker cut to its tokenizer."""

import functools

from dagster import ConfigurableResource
from pydantic import Field, PrivateAttr

from resources.embedding import Embedder, embedder_from_settings
from resources.text import MarkdownChunker


@functools.cache
def shared_embedder(
    backend: str, model: str | None, device: str, batch_size: int, model_dir: str | None = None
) -> Embedder:
    # Runs executed in one process (the CLI, the demo, tests) load the model once, not per run.
    return embedder_from_settings(backend, model, device, batch_size, model_dir=model_dir)


class EmbedderResource(ConfigurableResource):
    """The embedding model (loaded once per process) and the token-aware chunker."""

    backend: str = Field(
        default="onnx-int8",
        description="onnx-int8, onnx, sentence-transformers or fake (SYNCRAG_EMBEDDING_BACKEND).",
    )
    model: str | None = Field(
        default=None,
        description="Model path or name; None = the packaged all-MiniLM-L6-v2.",
    )
    device: str = Field(default="cpu", description="Torch device (SYNCRAG_EMBEDDING_DEVICE).")
    model_dir: str | None = Field(
        default=None,
        description="Folder of exported models (SYNCRAG_MODEL_DIR); None = the per-user cache.",
    )
    batch_size: int = Field(default=32, description="Chunks per model batch.")
    chunk_overlap_tokens: int = Field(
        default=32,
        description="Tokens shared by neighbouring chunks (SYNCRAG_CHUNK_OVERLAP_TOKENS).",
    )
    _embedder: Embedder | None = PrivateAttr(default=None)

    def get_embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = shared_embedder(
                self.backend, self.model, self.device, self.batch_size, self.model_dir
            )
        return self._embedder

    def get_chunker(self) -> MarkdownChunker:
        embedder = self.get_embedder()
        return MarkdownChunker(
            embedder.count_tokens,
            embedder.max_tokens,
            overlap_tokens=self.chunk_overlap_tokens,
            count_many=embedder.count_tokens_many,
        )
