"""Embedding models behind one interface: sentence-transformers, ONNX Runtime (fp32 and int8) and a
hashing fake for tests."""

from resources.embedding.base import Embedder
from resources.embedding.errors import (
    EmbeddingConfigError,
    EmbeddingError,
    EmbeddingInputTooLongError,
    EmbeddingModelError,
)
from resources.embedding.factory import BACKENDS, embedder_from_settings
from resources.embedding.fake import FakeEmbedder
from resources.embedding.onnx_batches import length_sorted_batches
from resources.embedding.onnx_embedder import (
    DEFAULT_MAX_BATCH_TOKENS,
    INT8_MODEL_NAME,
    OnnxEmbedder,
)
from resources.embedding.onnx_export import ExportResult, export_onnx_models
from resources.embedding.onnx_files import (
    MODEL_DIR_SETTING,
    OnnxManifest,
    default_model_dir,
    onnx_export_dir,
    read_manifest,
)
from resources.embedding.sentence_transformer import SentenceTransformerEmbedder
from resources.embedding.tokenizer import (
    PACKAGED_MODEL_NAME,
    TokenCounter,
    load_packaged_tokenizer,
    packaged_model_path,
)

__all__ = [
    "BACKENDS",
    "DEFAULT_MAX_BATCH_TOKENS",
    "INT8_MODEL_NAME",
    "MODEL_DIR_SETTING",
    "PACKAGED_MODEL_NAME",
    "Embedder",
    "EmbeddingConfigError",
    "EmbeddingError",
    "EmbeddingInputTooLongError",
    "EmbeddingModelError",
    "ExportResult",
    "FakeEmbedder",
    "OnnxEmbedder",
    "OnnxManifest",
    "SentenceTransformerEmbedder",
    "TokenCounter",
    "default_model_dir",
    "embedder_from_settings",
    "export_onnx_models",
    "length_sorted_batches",
    "load_packaged_tokenizer",
    "onnx_export_dir",
    "packaged_model_path",
    "read_manifest",
]
