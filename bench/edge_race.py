"""A stress probe of the embedded store shared by processes: one writer, readers polling searches.

`python -m bench.edge_race [--seconds 25] [--readers 2]` prints what each process did and the
errors it met, and exits 1 if any. It reproduced what the latency measure met once: a query
racing a run's write corrupted the shard ("Failed to flush payload_index ... tracker_journal.dat
is shorter than expected", "Failed to decompress LZ4 value"), in 1-2 of 3 runs of 25 s. The fix,
the lock file `EdgeVectorStore` now holds around every open, was found with this probe.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from resources.vectors import EdgeVectorStore, StoredPoint, document_vector, query_vector

DIMENSION = 8
USER = "u"
WRITE_BATCH = 400
READ_PAUSE_S = 0.02
# A run embeds the next batch between writes; without a pause the writer would take the lock back
# the moment it let go, and the searchers would rarely get in.
WRITE_PAUSE_S = 0.05


def _points(rng: random.Random) -> list[StoredPoint]:
    points: list[StoredPoint] = []
    for _ in range(WRITE_BATCH):
        text = " ".join(f"word{rng.randint(0, 500)}" for _ in range(30))
        points.append(
            StoredPoint(
                str(uuid.uuid4()),
                [rng.random() for _ in range(DIMENSION)],
                {"user_id": USER, "record_id": f"r{rng.randint(0, 50)}", "text": text},
                sparse=document_vector(text),
            )
        )
    return points


def work(role: str, path: Path, seconds: float) -> dict[str, object]:
    """Writes (open, upsert, delete some, close) or searches in a loop; counts ops and errors."""
    store = EdgeVectorStore(path, "race", DIMENSION, lock_timeout=60.0)
    rng = random.Random(role)
    errors: dict[str, int] = {}
    ops = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with store.open() as index:
                if role == "writer":
                    points = _points(rng)
                    index.upsert(USER, points)
                    index.delete_points(USER, [p.id for p in points[:10]])
                else:
                    # Hybrid: reads the dense and the lexical index of the shard.
                    terms = query_vector(f"word{rng.randint(0, 500)}")
                    index.search(USER, [0.1] * DIMENSION, limit=5, sparse=terms)
            ops += 1
        except Exception as exc:
            reason = f"{type(exc).__name__}: {str(exc)[:300]}"
            errors[reason] = errors.get(reason, 0) + 1
        time.sleep(WRITE_PAUSE_S if role == "writer" else READ_PAUSE_S)
    return {"role": role, "ops": ops, "errors": errors}


def integrity(path: Path) -> dict[str, object]:
    """Reads back every point with its payload after the race: a corrupt store fails here."""
    store = EdgeVectorStore(path, "race", DIMENSION)
    errors: dict[str, int] = {}
    read = 0
    try:
        with store.open() as index:
            read = sum(1 for _ in index.scroll(USER))
    except Exception as exc:
        errors[f"{type(exc).__name__}: {str(exc)[:300]}"] = 1
    return {"role": "read-back", "ops": read, "errors": errors}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.edge_race", description=__doc__)
    parser.add_argument("--seconds", type=float, default=25.0)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--role", choices=("writer", "reader"), help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.role is not None:
        print(json.dumps(work(args.role, args.path, args.seconds)))
        return 0
    with tempfile.TemporaryDirectory(prefix="edge-race-") as scratch:
        command = [sys.executable, "-m", "bench.edge_race", "--seconds", str(args.seconds)]
        command += ["--path", scratch, "--role"]
        roles = ["writer"] + ["reader"] * args.readers
        children = [subprocess.Popen([*command, role], stdout=subprocess.PIPE) for role in roles]
        reports = [json.loads(child.communicate()[0]) for child in children]
        reports.append(integrity(Path(scratch)))
    failed = False
    for report in reports:
        print(f"{report['role']}: {report['ops']}")
        for reason, count in report["errors"].items():
            failed = True
            print(f"  {count} x {reason}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
