"""Shared set-up of the emulator tests: the asyncio backend, one dev key pair, source folders."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import pytest

from emulator import ensure_dev_keypair


@functools.cache
def dev_keys() -> tuple[str, str]:
    """One (private, public) PEM pair per process: RSA generation is the slow part of set-up."""
    with tempfile.TemporaryDirectory() as folder:
        private, public = ensure_dev_keypair(Path(folder))
        return private.read_text(), public.read_text()


def source_folder(root: Path, user: str, integration: str = "googledrive") -> Path:
    """Create and return the emulator's `<root>/<user>/<integration>/files` source folder."""
    folder = root / user / integration / "files"
    folder.mkdir(parents=True)
    return folder


# Test modules bind these by name (`anyio_backend = support.anyio_backend`), because pytest finds
# fixtures by the names a test module holds, and an import of them reads as unused to ruff.
@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def keys() -> tuple[str, str]:
    return dev_keys()
