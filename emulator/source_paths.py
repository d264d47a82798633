"""Paths below the emulator's root, and reads that never leave it: no `..`, no symbolic links.

Symbolic links are not followed anywhere below the root, whatever their target (README.md,
"Symbolic links"): the links are skipped by scans, and a path that meets one is not served.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "PERMISSIONS_SUFFIX",
    "is_safe_segment",
    "open_source_file",
    "read_source_bytes",
    "resolve_inside",
    "source_folder",
    "walk_source",
]

PERMISSIONS_SUFFIX = ".permissions.json"
_NOT_FOLLOWED = "a symbolic link, which the emulator does not follow"


def is_safe_segment(name: str) -> bool:
    """True when `name` can be one path segment under the root (no traversal, no dotfiles)."""
    return (
        bool(name)
        and "/" not in name
        and "\\" not in name
        and "\x00" not in name
        and not name.startswith(".")
    )


def source_folder(root: Path, user: str, integration: str, pipeline: str) -> Path | None:
    """The folder of one sync's source, or None when it could lead out of the root.

    That is a segment that is not one plain folder name, or a user, integration or pipeline
    folder that is a symbolic link. A folder that does not exist is returned: it holds nothing.
    """
    if not all(is_safe_segment(part) for part in (user, integration, pipeline)):
        return None
    folder = root
    for part in (user, integration, pipeline):
        folder = folder / part
        if folder.is_symlink():
            return None
    return folder


def resolve_inside(folder: Path, rel: str) -> Path | None:
    """`folder / rel` when that is a regular file reached through no symlink and no `..`."""
    parts = rel.split("/")
    if any(part in ("", ".", "..") or "\x00" in part for part in parts):
        return None
    path = folder
    for part in parts:
        path = path / part
        if path.is_symlink():
            return None
    return path if path.is_file() else None


def open_source_file(path: Path) -> BinaryIO:
    """The regular file at `path`, open for reading; OSError if it is (now) a symbolic link.

    O_NOFOLLOW closes the gap between a check of `path` and this open, in which the file could
    have been replaced by a link.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, _NOT_FOLLOWED, str(path)) from None
        raise
    handle = os.fdopen(fd, "rb")
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        handle.close()
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    return handle


def read_source_bytes(path: Path) -> bytes:
    """The bytes of the regular file at `path` (see open_source_file)."""
    with open_source_file(path) as handle:
        return handle.read()


def walk_source(
    folder: Path, suffixes: tuple[str, ...] | None, skipped: list[str]
) -> Iterator[tuple[Path, str]]:
    """(path, posix path relative to `folder`), sorted, without dotfiles, sidecars or links.

    Each symbolic link met (to a file or a folder) is named in `skipped`.
    """
    if folder.is_symlink() or not folder.is_dir():
        return
    # followlinks=False: a linked folder is listed among `dirs` but never entered.
    for current, dirs, files in os.walk(folder):
        here = Path(current)
        kept: list[str] = []
        for name in sorted(dirs):
            if name.startswith("."):
                continue
            if (here / name).is_symlink():
                skipped.append(f"{(here / name).relative_to(folder).as_posix()}/: {_NOT_FOLLOWED}")
                continue
            kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            if name.startswith(".") or name.endswith(PERMISSIONS_SUFFIX):
                continue
            if suffixes is not None and not name.lower().endswith(suffixes):
                continue
            path = here / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                skipped.append(f"{rel}: {_NOT_FOLLOWED}")
                continue
            yield path, rel
