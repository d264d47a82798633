"""The real ONNX export against the torch model it came from (slow: exports once, about 20 s)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import onnx
import pytest

from resources.embedding import (
    ExportResult,
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    export_onnx_models,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("onnx_export")]

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


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> ExportResult:
    return export_onnx_models(tmp_path_factory.mktemp("onnx") / "minilm")


@pytest.fixture(scope="module")
def torch_model() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


def cosines(a: Vectors, b: Vectors) -> Vectors:
    return (a * b).sum(axis=1)


def vectors(embedder: OnnxEmbedder | SentenceTransformerEmbedder, texts: list[str]) -> Vectors:
    return np.array(embedder.embed(texts), dtype=np.float64)


def one_by_one(embedder: OnnxEmbedder | SentenceTransformerEmbedder, texts: list[str]) -> Vectors:
    return np.array([embedder.embed([text])[0] for text in texts], dtype=np.float64)


def test_export_writes_both_models_and_then_finds_them_current(export: ExportResult) -> None:
    directory = export.directory
    assert export.exported is True
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

    again = export_onnx_models(directory)

    assert again.exported is False
    assert again.manifest == export.manifest


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
