"""Persistence of the emulator state to `<state_dir>/state.json`, so restarts keep cursors valid."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path

from emulator.state import EmulatorState

STATE_FILE = "state.json"


class StateStore:
    """Loads and atomically saves an EmulatorState; with no directory it keeps nothing."""

    def __init__(self, state_dir: Path | None) -> None:
        self._path = state_dir / STATE_FILE if state_dir is not None else None
        # Serialise snapshot + write so an older snapshot never replaces a newer one.
        self._lock = threading.Lock()

    def load_into(self, state: EmulatorState) -> bool:
        """Fill `state` from disk; False when there is nothing saved yet."""
        if self._path is None or not self._path.exists():
            return False
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(
                f"Emulator state {self._path} is corrupt ({error}); remove it to start afresh."
            ) from None
        state.load_json(data)
        return True

    def save(self, state: EmulatorState) -> None:
        """Write the state atomically (temp file + rename): a crash leaves the old or new file.

        Callers hold `state.lock`, so the lock order is always state lock, then store lock.
        """
        if self._path is None:
            return
        with self._lock:
            self._write(self._path, state)

    @staticmethod
    def _write(path: Path, state: EmulatorState) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(state.to_json(), ensure_ascii=False, separators=(",", ":"))
        fd, temp = tempfile.mkstemp(prefix=".state-", suffix=".json", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
