"""Fixtures of the end-to-end suite: a signing key pair per session, and per test an emulator
over an empty corpus under `tmp_path` plus a syncrag install talking to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator import ensure_dev_keypair
from tests.e2e.harness import Emulator, KeyFiles, Syncrag, installed


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> KeyFiles:
    """The project's signing key pair: syncrag signs with one half, the emulator verifies."""
    private, public = ensure_dev_keypair(tmp_path_factory.mktemp("keys"))
    return KeyFiles(private=private, public=public)


@pytest.fixture
def emulator(tmp_path: Path, keys: KeyFiles) -> Iterator[Emulator]:
    """The emulator over `tmp_path/corpus`, without timers: scans run when a test asks."""
    root = tmp_path / "corpus"
    root.mkdir()
    server = Emulator(root, keys)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def syncrag(emulator: Emulator, tmp_path: Path) -> Iterator[Syncrag]:
    """syncrag under `tmp_path/syncrag` with the fake embedder and an ephemeral instance."""
    with installed(emulator, tmp_path / "syncrag") as install:
        yield install
