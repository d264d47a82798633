"""Write corpus files so that a rebuild leaves identical files, and their mtimes, untouched."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["write_if_changed"]


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` to `path` unless it already holds exactly that; True when it wrote.

    The bytes land in a dotfile beside the target and are renamed over it, so a reader (the
    emulator skips dotfiles) never sees half a file.
    """
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return True
