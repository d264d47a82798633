"""OnnxEmbedder, its batching, export bookkeeping and settings, over a tiny stand-in ONNX model.

The stand-in maps each token to a fixed random vector (a Gather over a table), so the expected
sentence vector is plain arithmetic: the mean of the text's token vectors, normalised. The real
model's parity with torch is in test_embedding_onnx_parity.py (slow).
"""

from __future__ import annotations

import json
import os
import types
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

import resources.embedding
from resources.embedding import (
    BACKENDS,
    INT8_MODEL_NAME,
    EmbeddingConfigError,
    EmbeddingInputTooLongError,
    EmbeddingModelError,
    OnnxEmbedder,
    OnnxManifest,
    default_model_dir,
    embedder_from_settings,
    export_onnx_models,
    length_sorted_batches,
    load_packaged_tokenizer,
    onnx_export_dir,
    packaged_model_path,
    read_manifest,
)
from resources.embedding.export_onnx import main as export_main
from resources.embedding.onnx_files import current_manifest, source_sha256

DIMENSION = 8
VOCAB = 30522
Table = npt.NDArray[np.float32]

TEXTS = [
    "A cat is sleeping on the sofa.",
    "",
    "word " * 120,
    "Invoice INV-2291 is overdue.",
    "x",
    "The delivery arrived at Foundry Lane at 06:23 and was checked in by Femi Adeyemi.",
    "word " * 40,
    "\u4e2d\u6587 https://example.com/a?b=c",
]


def token_table(seed: int) -> Table:
    table = np.random.default_rng(seed).normal(size=(VOCAB, DIMENSION)).astype(np.float32)
    # A loud padding row: a pooling that forgets the attention mask cannot pass.
    table[0] = 100.0
    return table


def write_gather_model(path: Path, table: Table) -> None:
    """An ONNX graph with the exported model's signature whose hidden state is table[input_ids]."""
    names = ("input_ids", "attention_mask", "token_type_ids")
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["table", "input_ids"], ["tokens"], axis=0),
            helper.make_node("Cast", ["token_type_ids"], ["types"], to=TensorProto.FLOAT),
            helper.make_node("Unsqueeze", ["types", "last_axis"], ["types_3d"]),
            helper.make_node("Add", ["tokens", "types_3d"], ["last_hidden_state"]),
        ],
        "token-table",
        [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "seq"]) for n in names],
        [
            helper.make_tensor_value_info(
                "last_hidden_state", TensorProto.FLOAT, ["batch", "seq", DIMENSION]
            )
        ],
        [
            numpy_helper.from_array(table, "table"),
            numpy_helper.from_array(np.array([-1], dtype=np.int64), "last_axis"),
        ],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))


def manifest(source_hash: str) -> OnnxManifest:
    return OnnxManifest(
        model_name="all-MiniLM-L6-v2",
        source_sha256=source_hash,
        dimension=DIMENSION,
        max_tokens=256,
        pooling="mean",
        fp32_file="model.onnx",
        int8_file="model.int8.onnx",
        int8_fp32_nodes=("ffn_out_0",),
        torch_version="test",
        onnxruntime_version="test",
    )


@pytest.fixture(scope="module")
def packaged_hash() -> str:
    return source_sha256(packaged_model_path())


@pytest.fixture
def export_dir(tmp_path: Path, packaged_hash: str) -> Path:
    write_gather_model(tmp_path / "model.onnx", token_table(1))
    write_gather_model(tmp_path / "model.int8.onnx", token_table(2))
    (tmp_path / "export.json").write_text(manifest(packaged_hash).to_json())
    return tmp_path


def expected_vectors(texts: list[str], table: Table) -> Table:
    tokenizer = load_packaged_tokenizer()
    rows = []
    for text in texts:
        mean = table[tokenizer.encode(text).ids].mean(axis=0)
        rows.append(mean / np.linalg.norm(mean))
    return np.array(rows, dtype=np.float32)


def test_vectors_are_masked_token_means_normalised_and_in_input_order(export_dir: Path) -> None:
    # Small batches force many batches of mixed lengths, each padded to its longest text.
    embedder = OnnxEmbedder(export_dir, quantized=False, batch_size=3, max_batch_tokens=200)

    vectors = np.array(embedder.embed(TEXTS))

    np.testing.assert_allclose(vectors, expected_vectors(TEXTS, token_table(1)), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.model_name == "all-MiniLM-L6-v2"
    assert (embedder.dimension, embedder.max_tokens) == (DIMENSION, 256)
    assert embedder.embed([]) == []


def test_batching_does_not_change_a_texts_vector(export_dir: Path) -> None:
    one_batch = OnnxEmbedder(export_dir, quantized=False, batch_size=64, max_batch_tokens=10_000)
    one_by_one = OnnxEmbedder(export_dir, quantized=False, batch_size=1)

    np.testing.assert_allclose(
        np.array(one_batch.embed(TEXTS)), np.array(one_by_one.embed(TEXTS)), atol=1e-6
    )


def test_int8_reads_its_own_file_and_names_its_own_collection(export_dir: Path) -> None:
    embedder = OnnxEmbedder(export_dir, quantized=True)

    vectors = np.array(embedder.embed(TEXTS[:3]))

    np.testing.assert_allclose(vectors, expected_vectors(TEXTS[:3], token_table(2)), atol=1e-5)
    assert embedder.model_name == INT8_MODEL_NAME == "all-MiniLM-L6-v2-int8"


def test_counts_tokens_with_the_packaged_tokenizer_and_refuses_longer_texts(
    export_dir: Path,
) -> None:
    embedder = OnnxEmbedder(export_dir, quantized=False)

    assert embedder.count_tokens("hello world") == 4
    with pytest.raises(EmbeddingInputTooLongError, match="Text 1 has 302 tokens"):
        embedder.embed(["short", "word " * 300])


def test_a_model_folder_that_cannot_be_written_names_the_setting(tmp_path: Path) -> None:
    # SYNCRAG_MODEL_DIR naming a file: the export has nowhere to go (fails before exporting).
    not_a_folder = tmp_path / "models.txt"
    not_a_folder.write_text("")
    embedder = embedder_from_settings("onnx-int8", None, "cpu", 8, model_dir=not_a_folder)

    with pytest.raises(EmbeddingModelError) as caught:
        embedder.embed(["hello"])

    message = str(caught.value)
    assert "set SYNCRAG_MODEL_DIR to a writable folder" in message
    assert str(not_a_folder) in message
    assert "\n" not in message


def test_an_export_of_other_model_files_or_another_pooling_is_stale(
    export_dir: Path, packaged_hash: str
) -> None:
    assert current_manifest(export_dir, packaged_hash) == read_manifest(export_dir)

    assert current_manifest(export_dir, "0" * 64) is None
    (export_dir / "export.json").write_text(
        manifest(packaged_hash).to_json().replace('"mean"', '"cls"')
    )
    assert current_manifest(export_dir, packaged_hash) is None
    assert current_manifest(export_dir.parent / "nowhere", packaged_hash) is None


def test_an_unreadable_model_file_says_to_export_again(export_dir: Path) -> None:
    (export_dir / "model.int8.onnx").write_bytes(b"not a model")

    with pytest.raises(EmbeddingModelError, match=r"export_onnx --out .* --force"):
        OnnxEmbedder(export_dir, quantized=True).embed(["hello"])


def test_a_manifest_counts_only_beside_both_model_files(export_dir: Path) -> None:
    assert read_manifest(export_dir) is not None

    (export_dir / "export.json").write_text('{"format": 1, "model_na')
    assert read_manifest(export_dir) is None

    (export_dir / "export.json").write_text(json.dumps({"format": 99}))
    assert read_manifest(export_dir) is None

    (export_dir / "export.json").write_text(manifest("0" * 64).to_json())
    (export_dir / "model.int8.onnx").unlink()
    assert read_manifest(export_dir) is None


def test_export_of_a_current_directory_changes_nothing(
    export_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {path.name: path.read_bytes() for path in export_dir.iterdir()}

    result = export_onnx_models(export_dir)
    code = export_main(["--out", str(export_dir)])

    assert result.exported is False
    assert result.manifest == read_manifest(export_dir)
    assert code == 0
    assert "are current" in capsys.readouterr().out
    assert {path.name: path.read_bytes() for path in export_dir.iterdir()} == before


def test_the_export_command_shadows_no_public_name() -> None:
    # Importing `resources.embedding.export_onnx` (the command) binds that name on the package;
    # a public function of the same name would silently become the module.
    assert isinstance(getattr(resources.embedding, "export_onnx"), types.ModuleType)  # noqa: B009
    for name in resources.embedding.__all__:
        assert not isinstance(getattr(resources.embedding, name), types.ModuleType), name


@pytest.mark.parametrize(
    ("backend", "quantized", "name"),
    [("onnx", False, "all-MiniLM-L6-v2"), (" ONNX-int8 ", True, "all-MiniLM-L6-v2-int8")],
)
def test_settings_pick_the_onnx_backends(backend: str, quantized: bool, name: str) -> None:
    for model in (None, "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        embedder = embedder_from_settings(backend, model, "cpu", 16)

        assert isinstance(embedder, OnnxEmbedder)
        assert embedder.quantized is quantized
        assert embedder.model_name == name
        # The suite's SYNCRAG_MODEL_DIR (tests/conftest.py), never the real per-user cache.
        assert embedder.model_dir == onnx_export_dir(default_model_dir(os.environ))
        assert Path.home() / ".cache" not in embedder.model_dir.parents
    chosen = embedder_from_settings(backend, None, "cpu", 16, model_dir="/srv/models")
    assert isinstance(chosen, OnnxEmbedder)
    assert chosen.model_dir == Path("/srv/models/all-MiniLM-L6-v2-onnx")
    assert backend.strip().lower() in BACKENDS


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"SYNCRAG_MODEL_DIR": "/srv/models", "XDG_CACHE_HOME": "/c"}, "/srv/models"),
        ({"XDG_CACHE_HOME": "/var/cache/me", "HOME": "/home/me"}, "/var/cache/me/syncrag/models"),
        ({"HOME": "/home/me"}, "/home/me/.cache/syncrag/models"),
        # The XDG spec: a relative XDG_CACHE_HOME is ignored.
        ({"XDG_CACHE_HOME": "cache", "HOME": "/home/me"}, "/home/me/.cache/syncrag/models"),
        ({"SYNCRAG_MODEL_DIR": "  ", "HOME": "/home/me"}, "/home/me/.cache/syncrag/models"),
    ],
)
def test_the_model_folder_is_the_setting_else_the_per_user_cache(
    environ: dict[str, str], expected: str
) -> None:
    assert default_model_dir(environ) == Path(expected)


def test_onnx_backends_refuse_other_models_and_devices() -> None:
    with pytest.raises(EmbeddingConfigError, match="SYNCRAG_EMBEDDING_MODEL"):
        embedder_from_settings("onnx", "/models/bge-small", "cpu", 32)
    with pytest.raises(EmbeddingConfigError, match="SYNCRAG_EMBEDDING_DEVICE=cpu"):
        embedder_from_settings("onnx-int8", None, "cuda", 32)


def test_impossible_options_are_refused() -> None:
    with pytest.raises(EmbeddingConfigError, match="batch_size"):
        OnnxEmbedder(quantized=False, batch_size=0)
    with pytest.raises(EmbeddingConfigError, match="threads"):
        OnnxEmbedder(quantized=False, threads=0)
    with pytest.raises(EmbeddingConfigError, match="max_batch_tokens"):
        OnnxEmbedder(quantized=False, max_batch_tokens=0)


@given(
    lengths=st.lists(st.integers(min_value=1, max_value=300), max_size=60),
    max_texts=st.integers(min_value=1, max_value=40),
    max_tokens=st.integers(min_value=1, max_value=3000),
)
def test_batches_cover_every_text_once_within_their_bounds(
    lengths: list[int], max_texts: int, max_tokens: int
) -> None:
    batches = length_sorted_batches(lengths, max_texts=max_texts, max_tokens=max_tokens)

    flat = [position for batch in batches for position in batch]
    assert sorted(flat) == list(range(len(lengths)))
    # Shortest first, equal lengths in input order.
    assert flat == sorted(range(len(lengths)), key=lambda position: lengths[position])
    for batch in batches:
        assert 1 <= len(batch) <= max_texts
        padded = len(batch) * max(lengths[position] for position in batch)
        assert padded <= max_tokens or len(batch) == 1


def test_batches_fill_up_to_their_bounds() -> None:
    lengths = [10, 250, 12, 11, 240, 9]

    assert length_sorted_batches(lengths, max_texts=32, max_tokens=480) == [
        [5, 0, 3, 2],
        [4],
        [1],
    ]
    assert length_sorted_batches(lengths, max_texts=2, max_tokens=10_000) == [
        [5, 0],
        [3, 2],
        [4, 1],
    ]
    with pytest.raises(ValueError, match="max_texts"):
        length_sorted_batches(lengths, max_texts=0, max_tokens=10)
