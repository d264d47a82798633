"""Set-up command: `python -m resources.embedding.export_onnx --out DIR` exports the ONNX models."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from resources.embedding.errors import EmbeddingError
from resources.embedding.onnx_export import export_onnx_models
from resources.embedding.onnx_files import DEFAULT_ONNX_DIR


def main(argv: Sequence[str] | None = None) -> int:
    """Export the fp32 and int8 ONNX models, or find them current; 0 on success, 1 on failure."""
    parser = argparse.ArgumentParser(
        prog="python -m resources.embedding.export_onnx",
        description="Export the packaged all-MiniLM-L6-v2 to ONNX (fp32 and int8), offline.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_ONNX_DIR,
        help=f"where model.onnx, model.int8.onnx and export.json go (default {DEFAULT_ONNX_DIR})",
    )
    parser.add_argument(
        "--force", action="store_true", help="export again even if the directory is current"
    )
    args = parser.parse_args(argv)
    try:
        result = export_onnx_models(args.out, force=args.force)
    except ImportError as exc:
        _say(
            f"ONNX export failed: {exc}; run `make setup`, which installs onnx, onnxscript and "
            "onnxruntime.",
            error=True,
        )
        return 1
    except (EmbeddingError, OSError) as exc:
        _say(f"ONNX export failed: {exc}", error=True)
        return 1
    if result.exported:
        _say(f"Exported the ONNX embedding models to {result.directory} in {result.seconds:.0f} s.")
    else:
        _say(f"The ONNX embedding models in {result.directory} are current.")
    return 0


def _say(message: str, *, error: bool = False) -> None:
    # A command-line tool: its output is for the person running `make setup`.
    print(message, file=sys.stderr if error else sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
