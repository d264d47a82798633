"""An Embedder running the ONNX export of all-MiniLM-L6-v2 on onnxruntime's CPU provider."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from tokenizers import Encoding, Tokenizer

from resources.embedding.base import Embedder
from resources.embedding.errors import EmbeddingConfigError, EmbeddingModelError
from resources.embedding.onnx_batches import length_sorted_batches
from resources.embedding.onnx_export import export_onnx_models
from resources.embedding.onnx_files import (
    EXPORT_COMMAND,
    INPUT_NAMES,
    MODEL_DIR_SETTING,
    OUTPUT_NAME,
    OnnxManifest,
    default_model_dir,
    onnx_export_dir,
)
from resources.embedding.tokenizer import (
    PACKAGED_MODEL_NAME,
    TokenCounter,
    load_packaged_tokenizer,
)

if TYPE_CHECKING:
    import onnxruntime

# The int8 model's vectors are close to torch's (cosine 0.996 on average, 0.988 at worst over the
# sample corpus) but not equal, so they get a collection of their own: stored points are never
# re-embedded, so a shared collection would mix two numerics for good. fp32 matches torch to
# cosine 0.99999 and shares the torch backend's collection.
INT8_MODEL_NAME = f"{PACKAGED_MODEL_NAME}-int8"
# Padded tokens per model call. Measured on 2 cores with the sample corpus' chunks, this ran
# 1.6-1.8x as fast as batches of 32 texts sorted by characters (sentence-transformers' way): far
# less padding. 512 and 1024 did best; 2048 and more gave back much of the gain.
DEFAULT_MAX_BATCH_TOKENS = 1024

_FloatArray = npt.NDArray[np.float32]
_IntArray = npt.NDArray[np.int64]


class OnnxEmbedder(Embedder):
    """The packaged all-MiniLM-L6-v2 on onnxruntime: the fp32 export, or its int8 quantization.

    Texts are tokenized with the packaged fast tokenizer, sorted by token count into batches
    padded to their longest text (see `length_sorted_batches`), mean-pooled over the attention
    mask as the model's 1_Pooling config says, and L2-normalised; vectors come back in input
    order. The session loads on first use. The int8 model quantizes activations per batch, so a
    text's int8 vector can differ slightly with the texts embedded beside it.

    `model_dir` is the export's folder, by default the `all-MiniLM-L6-v2-onnx` folder of
    SYNCRAG_MODEL_DIR or of the per-user cache. On first use, if the folder holds no current
    export of the packaged model, it is exported there (about 20 s, offline, once).
    """

    def __init__(
        self,
        model_dir: Path | str | None = None,
        *,
        quantized: bool,
        batch_size: int = 32,
        threads: int | None = None,
        max_batch_tokens: int = DEFAULT_MAX_BATCH_TOKENS,
    ) -> None:
        if batch_size < 1:
            raise EmbeddingConfigError(f"batch_size must be at least 1, got {batch_size}.")
        if threads is not None and threads < 1:
            raise EmbeddingConfigError(f"threads must be at least 1, got {threads}.")
        if max_batch_tokens < 1:
            raise EmbeddingConfigError(
                f"max_batch_tokens must be at least 1, got {max_batch_tokens}."
            )
        self._model_dir = (
            Path(model_dir)
            if model_dir is not None
            else onnx_export_dir(default_model_dir(os.environ))
        )
        self._quantized = quantized
        self._batch_size = batch_size
        self._threads = threads if threads is not None else _available_cores()
        self._max_batch_tokens = max_batch_tokens
        self._lock = threading.Lock()
        self._manifest: OnnxManifest | None = None
        self._tokenizer: Tokenizer | None = None
        self._session: onnxruntime.InferenceSession | None = None
        self._counter = TokenCounter.packaged()

    @property
    def model_name(self) -> str:
        return INT8_MODEL_NAME if self._quantized else PACKAGED_MODEL_NAME

    @property
    def model_dir(self) -> Path:
        """The export directory this embedder reads."""
        return self._model_dir

    @property
    def quantized(self) -> bool:
        """True for the int8 model, False for fp32."""
        return self._quantized

    @property
    def dimension(self) -> int:
        return self._loaded_manifest().dimension

    @property
    def max_tokens(self) -> int:
        return self._loaded_manifest().max_tokens

    def count_tokens(self, text: str) -> int:
        return self._counter(text)

    def count_tokens_many(self, texts: Sequence[str]) -> list[int]:
        return self._counter.count_many(texts)

    def _encode_checked(self, texts: list[str]) -> list[list[float]]:
        # One tokenization serves the length check and the model.
        session, tokenizer = self._loaded_session()
        encodings = tokenizer.encode_batch(texts, add_special_tokens=True)
        self._check_lengths([len(encoding.ids) for encoding in encodings])
        return self._run(session, encodings)

    def _encode(self, texts: list[str]) -> list[list[float]]:
        session, tokenizer = self._loaded_session()
        return self._run(session, tokenizer.encode_batch(texts, add_special_tokens=True))

    def _run(
        self, session: onnxruntime.InferenceSession, encodings: list[Encoding]
    ) -> list[list[float]]:
        lengths = [len(encoding.ids) for encoding in encodings]
        vectors: _FloatArray = np.empty((len(encodings), self.dimension), dtype=np.float32)
        batches = length_sorted_batches(
            lengths, max_texts=self._batch_size, max_tokens=self._max_batch_tokens
        )
        for batch in batches:
            width = max(lengths[position] for position in batch)
            input_ids: _IntArray = np.zeros((len(batch), width), dtype=np.int64)
            attention_mask: _IntArray = np.zeros((len(batch), width), dtype=np.int64)
            token_type_ids: _IntArray = np.zeros((len(batch), width), dtype=np.int64)
            # Padded on the right with the tokenizer's pad id (0), which the mask hides.
            for row, position in enumerate(batch):
                encoding = encodings[position]
                length = lengths[position]
                input_ids[row, :length] = encoding.ids
                attention_mask[row, :length] = encoding.attention_mask
                token_type_ids[row, :length] = encoding.type_ids
            inputs = dict(
                zip(INPUT_NAMES, (input_ids, attention_mask, token_type_ids), strict=True)
            )
            (hidden,) = session.run([OUTPUT_NAME], inputs)
            vectors[batch] = _mean_pool(np.asarray(hidden, dtype=np.float32), attention_mask)
        return _l2_normalise(vectors).tolist()

    def _loaded_manifest(self) -> OnnxManifest:
        with self._lock:
            if self._manifest is None:
                self._manifest = self._read_manifest()
            return self._manifest

    def _read_manifest(self) -> OnnxManifest:
        # Finds the export current (a hash of the model files) or exports it now.
        try:
            return export_onnx_models(self._model_dir).manifest
        except ImportError as exc:
            raise EmbeddingModelError(
                f"Exporting the ONNX embedding model needs {exc.name or 'onnx'}: reinstall "
                "syncrag (`make setup`), or set SYNCRAG_EMBEDDING_BACKEND=sentence-transformers."
            ) from exc
        except OSError as exc:
            raise EmbeddingModelError(
                f"Could not export the ONNX embedding model into {self._model_dir} "
                f"({exc.strerror or type(exc).__name__}); set {MODEL_DIR_SETTING} to a writable "
                "folder."
            ) from exc

    def _loaded_session(self) -> tuple[onnxruntime.InferenceSession, Tokenizer]:
        manifest = self._loaded_manifest()
        with self._lock:
            if self._session is None or self._tokenizer is None:
                # Truncation off: Embedder.embed checks the lengths of this tokenization.
                tokenizer = load_packaged_tokenizer()
                file = manifest.int8_file if self._quantized else manifest.fp32_file
                self._session = self._open_session(self._model_dir / file)
                self._tokenizer = tokenizer
            return self._session, self._tokenizer

    def _open_session(self, path: Path) -> onnxruntime.InferenceSession:
        try:
            import onnxruntime
        except ImportError:
            raise EmbeddingModelError(
                "The onnx embedding backends need onnxruntime: run `make setup`, which installs it."
            ) from None
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle worker threads sleep instead of spinning: on a small machine the download and
        # extraction of the next batch run beside the model and need those cycles.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        try:
            return onnxruntime.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            raise EmbeddingModelError(
                f"Could not load the ONNX model {path} ({type(exc).__name__}); export it again "
                f"with `{EXPORT_COMMAND} {self._model_dir} --force`."
            ) from exc


def _mean_pool(hidden: _FloatArray, attention_mask: _IntArray) -> _FloatArray:
    """The mean of each row's token vectors over its attention mask (sentence-transformers' mean).

    Like sentence-transformers, the token count is clamped at 1e-9, so an all-masked row gives
    a zero vector rather than NaN.
    """
    mask = attention_mask.astype(np.float32)[:, :, np.newaxis]
    summed = (hidden * mask).sum(axis=1)
    counts = np.clip(mask.sum(axis=1), 1e-9, None)
    return (summed / counts).astype(np.float32)


def _l2_normalise(vectors: _FloatArray) -> _FloatArray:
    """Each row divided by its L2 norm, clamped at 1e-12 as torch's normalize does."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def _available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
