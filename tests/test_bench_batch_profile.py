"""`python -m bench.batch_profile` runs one batch run under the profiler and splits its CPU."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.batch_profile import profile


@pytest.mark.slow
def test_the_profile_splits_a_batch_runs_cpu_into_events_model_and_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile(tmp_path, users=2, batch=2, backend="fake")

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("one ingest_users run over 2 users")
    shares = {line.split("  ")[1].strip(): line for line in lines[1:]}
    assert set(shares) == {"CPU in all", "Dagster's events", "embedding model", "everything else"}
    assert "s per change" in shares["Dagster's events"]
