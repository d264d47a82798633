"""Fixtures of the whole suite: model exports never go to the real per-user cache, and the real
ONNX export (about 20 s) is made once per test session, by its first use."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from resources.embedding import MODEL_DIR_SETTING, OnnxEmbedder, embedder_from_settings

# Tests that use `onnx_first_use` carry this mark, so that under xdist they share one worker
# and so one session: the export is made once per run, not once per worker.
ONNX_EXPORT_GROUP = "onnx_export"


@pytest.fixture(scope="session", autouse=True)
def _model_dir_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """SYNCRAG_MODEL_DIR in a temp folder for the whole session, subprocesses included."""
    models = tmp_path_factory.mktemp("models")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(MODEL_DIR_SETTING, str(models))
        yield models


@dataclass(frozen=True)
class OnnxFirstUse:
    """The int8 embedder from settings, after its first embedding exported the model."""

    embedder: OnnxEmbedder
    model_dir: Path
    logged: list[str]

    @property
    def export_dir(self) -> Path:
        return self.embedder.model_dir


class _Messages(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(scope="session")
def onnx_first_use(tmp_path_factory: pytest.TempPathFactory) -> OnnxFirstUse:
    """A model folder with no export, and the default backend's first use of it (exports)."""
    model_dir = tmp_path_factory.mktemp("onnx-first-use")
    embedder = embedder_from_settings("onnx-int8", None, "cpu", 32, model_dir=model_dir)
    assert isinstance(embedder, OnnxEmbedder)
    handler = _Messages()
    logger = logging.getLogger("syncrag.embedding")
    logger.addHandler(handler)
    try:
        embedder.embed(["the first text this embedder sees"])
    finally:
        logger.removeHandler(handler)
    return OnnxFirstUse(embedder=embedder, model_dir=model_dir, logged=handler.messages)
