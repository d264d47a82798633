"""The real ONNX export against the torch model it came from, and its first use from settings
(slow: the session exports once, about 20 s)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnx
import pytest

from resources.embedding import (
    ExportResult,
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    export_onnx_models,
    read_manifest,
)
from tests.conftest import ONNX_EXPORT_GROUP, OnnxFirstUse

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(ONNX_EXPORT_GROUP)]

# Chunks as the index holds them: prose, a Markdown table, code, other scripts, near the limit.
PASSAGES = [
    "A cat is sleeping on the sofa.",
    "A kitten naps on the couch.",
    "The invoice must be paid by the end of the month.",
    "Invoice INV-2291 for 1,250.00 EUR is 14 days overdue; contact accounts@example.com.",
    "def merge(a: list[int], b: list[int]) -> list[int]:\n    return sorted(a + b)",
    "| Product | Old price | New price |\n|---|---|---|\n| Croissant | 1.90 | 2.10 |",
    "\u4e2d\u6587\u6587\u672c\u548c\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
    "Die Lieferung kam um 06:23 an und wurde von Femi Adeyemi gepr\u00fcft.",
    "## Root cause\n\nThe rear door brush strip had worn through during the winter, and the back "
    "yard bins were left open overnight.",
    " ".join(["The quarterly review covers sales, waste, staffing and the Elm Row refit."] * 14),
    "word " * 254,
]
# Queries, embedded one at a time as the search path does; the shortest inputs there are.
QUERIES = ["", "x", "hello", "allergen control", "who checked in the butter delivery?"]

Vectors = npt.NDArray[np.float64]

QUERY_PROBE = """
import json, os
from pipelines.settings import Settings
from resources.embedding import embedder_from_settings
settings = Settings.from_env(os.environ)
embedder = embedder_from_settings("onnx-int8", None, "cpu", 8, model_dir=settings.model_dir)
[vector] = embedder.embed(["where is the export?"])
print(json.dumps({"model_dir": str(embedder.model_dir), "dimension": len(vector)}))
"""


@pytest.fixture(scope="module")
def export(onnx_first_use: OnnxFirstUse) -> ExportResult:
    # The session's export, made by the int8 embedder's first use; this finds it current.
    return export_onnx_models(onnx_first_use.export_dir)


@pytest.fixture(scope="module")
def torch_model() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


def cosines(a: Vectors, b: Vectors) -> Vectors:
    return (a * b).sum(axis=1)


def vectors(embedder: OnnxEmbedder | SentenceTransformerEmbedder, texts: list[str]) -> Vectors:
    return np.array(embedder.embed(texts), dtype=np.float64)


def one_by_one(embedder: OnnxEmbedder | SentenceTransformerEmbedder, texts: list[str]) -> Vectors:
    return np.array([embedder.embed([text])[0] for text in texts], dtype=np.float64)


def test_the_first_use_exports_into_the_model_folder_and_says_how_long_it_took(
    onnx_first_use: OnnxFirstUse,
) -> None:
    embedder = onnx_first_use.embedder
    assert embedder.model_dir == onnx_first_use.model_dir / "all-MiniLM-L6-v2-onnx"
    assert read_manifest(embedder.model_dir) is not None
    exporting = [m for m in onnx_first_use.logged if m.startswith("Exporting")]
    exported = [m for m in onnx_first_use.logged if m.startswith("Exported")]
    assert len(exporting) == 1 and str(embedder.model_dir) in exporting[0]
    assert len(exported) == 1 and exported[0].endswith(" s.")
    # Only the export itself is left in the model folder: no scratch copies.
    assert sorted(path.name for path in onnx_first_use.model_dir.iterdir()) == [
        ".all-MiniLM-L6-v2-onnx.lock",
        "all-MiniLM-L6-v2-onnx",
    ]


def test_another_process_from_another_folder_finds_the_export_current(
    onnx_first_use: OnnxFirstUse, tmp_path: Path
) -> None:
    # `syncrag query` from another working folder, with the model folder set (SYNCRAG_MODEL_DIR).
    done = subprocess.run(
        [sys.executable, "-c", QUERY_PROBE],
        cwd=tmp_path,
        env={**os.environ, "SYNCRAG_MODEL_DIR": str(onnx_first_use.model_dir)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "model_dir": str(onnx_first_use.export_dir),
        "dimension": 384,
    }
    assert "Exporting" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_export_writes_both_models_and_then_finds_them_current(export: ExportResult) -> None:
    directory = export.directory
    assert export.exported is False
    assert (export.manifest.dimension, export.manifest.max_tokens) == (384, 256)
    for name in ("model.onnx", "model.int8.onnx"):
        onnx.checker.check_model(str(directory / name))
    assert sorted(path.name for path in directory.iterdir()) == [
        "export.json",
        "model.int8.onnx",
        "model.onnx",
    ]
    # One feed-forward output projection per layer stays fp32 in the int8 model.
    assert len(export.manifest.int8_fp32_nodes) == 6


def test_fp32_onnx_gives_the_torch_vectors(
    export: ExportResult, torch_model: SentenceTransformerEmbedder
) -> None:
    embedder = OnnxEmbedder(export.directory, quantized=False, batch_size=4)
    assert embedder.model_name == torch_model.model_name
    assert (embedder.dimension, embedder.max_tokens) == (384, 256)

    batched = cosines(vectors(embedder, PASSAGES), vectors(torch_model, PASSAGES))
    alone = cosines(one_by_one(embedder, QUERIES), one_by_one(torch_model, QUERIES))

    assert batched.min() >= 0.9999, batched.round(6)
    assert alone.min() >= 0.9999, alone.round(6)


def test_int8_onnx_stays_close_to_torch(
    export: ExportResult, torch_model: SentenceTransformerEmbedder
) -> None:
    embedder = OnnxEmbedder(export.directory, quantized=True, batch_size=4)

    passages = vectors(embedder, PASSAGES)
    batched = cosines(passages, vectors(torch_model, PASSAGES))
    alone = cosines(one_by_one(embedder, QUERIES), one_by_one(torch_model, QUERIES))

    assert batched.min() >= 0.985, batched.round(4)
    assert alone.min() >= 0.985, alone.round(4)
    assert batched.mean() >= 0.99, batched.round(4)
    cat, kitten, invoice = passages[:3]
    assert cat @ kitten > cat @ invoice + 0.2
