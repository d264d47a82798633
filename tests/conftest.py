"""Fixtures of the whole suite: model exports never go to the real per-user cache, and the real
ONNX export (about 20 s) is made once per test session, by its first use; the sensor and
schedule tests' Dagster instance (one per module), state DB and emulated Sync API."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from dagster import DagsterInstance, instance_for_test

from resources.embedding import MODEL_DIR_SETTING, OnnxEmbedder, embedder_from_settings
from resources.state import StateStore
from tests.test_sensor_support import EmulatedSyncApi

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


@pytest.fixture(scope="module")
def shared_instance() -> Iterator[DagsterInstance]:
    """A persistent Dagster instance for the module: creating one takes seconds."""
    with instance_for_test() as instance:
        yield instance


@pytest.fixture
def state_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'state.db'}"


@pytest.fixture
def store(state_url: str) -> Iterator[StateStore]:
    with StateStore.open(state_url) as store:
        yield store


@pytest.fixture
def api(tmp_path: Path) -> Iterator[EmulatedSyncApi]:
    """The emulator over an empty corpus (`tmp_path / "corpus"`), reached in-process."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    emulated = EmulatedSyncApi(corpus)
    try:
        yield emulated
    finally:
        emulated.close()
