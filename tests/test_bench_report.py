"""bench.report and bench.docs: the Markdown a run writes, and the docs page it keeps current."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from bench.cli import main
from bench.docs import BEGIN, END, splice, update_benchmarks_doc
from bench.report import render_markdown, times, verdict
from bench.results import BenchResults
from bench.targets import evaluate_targets
from tests.test_bench_targets import results


def test_the_report_has_both_tables_memory_latency_and_targets() -> None:
    run = results()
    run.targets = evaluate_targets(run)

    text = render_markdown(run)

    assert "## Scenarios: synthetic" in text
    assert "| initial | 1 | 105.0 | 1000 |" in text
    assert "| no_change | b100 | 2.00 | 88 | 20.00x |" in text
    assert "| edit_1pct | 1.00 | 0.50 | 2.00x |" in text
    assert "| delete_5pct | b100 | 1.00 | 0 | 3.33x | - | 17 |" in text
    assert "| 10x | 1200 | 10000 |" in text
    assert "p50 14.0 s, p95 15.8 s over 3 changes" in text
    assert "NOT met" in text and "| met |" in text


def test_skipped_corpora_are_named_with_the_reason() -> None:
    run = results()
    run.corpora["python-docs"] = "absent on this machine"
    assert "Skipped: absent on this machine" in render_markdown(run)


def test_formatting_helpers() -> None:
    assert times(None) == "-" and times(1.234) == "1.23x" and times(250.0) == "250x"
    assert [verdict(v) for v in (True, False, None)] == ["met", "NOT met", "not measured"]


def test_results_round_trip_through_json() -> None:
    data = json.loads(results().to_json())
    assert data["scenarios"][0]["syncrag"]["embeddings"] == 1000
    assert data["latency"]["p50"] == 14.0


def test_splice_replaces_only_the_generated_part() -> None:
    page = f"# Benchmarks\n\nHand-written prose.\n\n{BEGIN}\nold numbers\n{END}\n\n## Findings\n"

    updated = splice(page, "new numbers")

    assert "old numbers" not in updated
    assert updated.startswith("# Benchmarks\n\nHand-written prose.")
    assert updated.endswith(f"{BEGIN}\nnew numbers\n{END}\n\n## Findings\n")
    assert splice(updated, "new numbers") == updated


def test_a_page_without_markers_gets_them_appended(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text("# Benchmarks\n\nProse.\n")

    update_benchmarks_doc(page, "numbers")

    assert page.read_text() == f"# Benchmarks\n\nProse.\n\n{BEGIN}\nnumbers\n{END}\n"


def test_results_read_back_from_json_render_the_same() -> None:
    run = results()
    run.targets = evaluate_targets(run)

    again = BenchResults.from_json(run.to_json())

    assert again == run
    assert render_markdown(again) == render_markdown(run)


def test_the_cli_renders_a_results_json_again(tmp_path: Path) -> None:
    run = results()
    run.mode = "default"
    source = tmp_path / "in.json"
    run.write_json(source)
    out = tmp_path / "out"

    code = main(["--render", str(source), "--out", str(out), "--no-docs"])

    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "bench-default.json",
        "bench-default.md",
        "bench-default.png",
    ]
    assert (out / "bench-default.png").read_bytes().startswith(b"\x89PNG")
    assert "| initial | 1 | 105.0 |" in (out / "bench-default.md").read_text()


def test_rounds_are_reported_as_medians_with_their_range_and_order() -> None:
    run = results()
    second = copy.deepcopy(run.scenarios[1])
    second.round, second.order = 1, ["b100", "ceiling", "syncrag"]
    second.syncrag.seconds = 0.3
    second.peers[0].seconds = 3.0
    second.load_average = 2.5
    run.scenarios.insert(2, second)
    run.scenarios[1].order = ["syncrag", "ceiling", "b100"]

    text = render_markdown(run)

    assert "| no_change | syncrag | 0.20 [0.10-0.30] | 0 | 1x |" in text
    # 20x in the first round, 10x in the second
    assert "| no_change | b100 | 2.50 [2.00-3.00] | 88 | 15.00x [10.00-20.00] |" in text
    assert "| 2 | b100, ceiling, syncrag | - | 2.50 |" in text
