"""Embedding models behind one interface: sentence-transformers, and a hashing fake for tests."""

from resources.embedding.base import Embedder
from resources.embedding.errors import (
    EmbeddingConfigError,
    EmbeddingError,
    EmbeddingInputTooLongError,
    EmbeddingModelError,
)
from resources.embedding.factory import BACKENDS, embedder_from_settings
from resources.embedding.fake import FakeEmbedder
from resources.embedding.sentence_transformer import SentenceTransformerEmbedder
from resources.embedding.tokenizer import (
    PACKAGED_MODEL_NAME,
    TokenCounter,
    load_packaged_tokenizer,
    packaged_model_path,
)

__all__ = [
    "BACKENDS",
    "PACKAGED_MODEL_NAME",
    "Embedder",
    "EmbeddingConfigError",
    "EmbeddingError",
    "EmbeddingInputTooLongError",
    "EmbeddingModelError",
    "FakeEmbedder",
    "SentenceTransformerEmbedder",
    "TokenCounter",
    "embedder_from_settings",
    "load_packaged_tokenizer",
    "packaged_model_path",
]
