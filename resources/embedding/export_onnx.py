"""Set-up command: `python -m resources.embedding.export_onnx [--out DIR]` exports the ONNX models.

Without --out the export goes where the onnx embedding backends look for it: the
`all-MiniLM-L6-v2-onnx` folder of SYNCRAG_MODEL_DIR, or of the per-user cache.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from resources.embedding.errors import EmbeddingError
from resources.embedding.onnx_export import export_onnx_models
from resources.embedding.onnx_files import default_model_dir, onnx_export_dir


def main(argv: Sequence[str] | None = None) -> int:
    """Export the fp32 and int8 ONNX models, or find them current; 0 on success, 1 on failure."""
    default_out = onnx_export_dir(default_model_dir(os.environ))
    parser = argparse.ArgumentParser(
        prog="python -m resources.embedding.export_onnx",
        description="Export the packaged all-MiniLM-L6-v2 to ONNX (fp32 and int8), offline.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=default_out,
        help=f"where model.onnx, model.int8.onnx and export.json go (default {default_out})",
    )
    parser.add_argument(
        "--force", action="store_true", help="export again even if the directory is current"
    )
    args = parser.parse_args(argv)
    # The export logs what it does (exporting, how long it took) for the person running it.
    logging.basicConfig(level=logging.INFO, format="%(message)s")
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
    if not result.exported:
        _say(f"The ONNX embedding models in {result.directory} are current.")
    return 0


def _say(message: str, *, error: bool = False) -> None:
    # A command-line tool: its output is for the person running `make setup`.
    print(message, file=sys.stderr if error else sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
