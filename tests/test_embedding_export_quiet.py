"""`make setup`'s ONNX export says what it does and how long it took, and nothing else: the
exporter's optimizer passes and the quantizer log a line per rewrite or tensor (about 100)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_the_export_command_prints_two_lines(tmp_path: Path) -> None:
    out = tmp_path / "onnx"

    result = subprocess.run(
        [sys.executable, "-m", "resources.embedding.export_onnx", "--out", str(out), "--force"],
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )

    lines = (result.stdout + result.stderr).splitlines()
    assert result.returncode == 0, lines
    assert [line.split(" ", 1)[0] for line in lines] == ["Exporting", "Exported"], lines
    assert (out / "model.int8.onnx").exists()
