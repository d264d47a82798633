"""bench.scale's pure helpers: process roles, CPU windows, the run budget, target verdicts, and
the synthetic notes. No timing is asserted: the scenario itself is a bench, not a test."""

from __future__ import annotations

import random

import pytest
import yaml

from bench.scale import small_document, user_name
from bench.scale_procs import ProcessSeen, process_role, window
from bench.scale_report import ScaleResult, runs_bound, verdicts
from bench.scale_stack import PostgresDatabases


def _burst(users: int, runs: int, cpu: float, model_cpu: float, p50: float) -> ScaleResult:
    return ScaleResult(
        users=users,
        docs_per_user=3,
        backend="onnx",
        instance="sqlite",
        initial_ingest_s=1.0,
        initial_runs=1,
        runs=runs,
        runs_by_status={"SUCCESS": runs},
        users_per_run=[users],
        run_seconds_p50=1.0,
        wall_s=1.0,
        p50_s=p50,
        p95_s=p50,
        cpu_s={"run": cpu},
        model_cpu_s=model_cpu,
        peak_rss={},
        processes={},
        tick_p50_s=0.1,
        tick_max_s=0.2,
        ticks=3,
        ticks_with_runs=1,
        searchable=users,
    )


@pytest.mark.parametrize(
    ("cmdline", "parent", "role"),
    [
        (["/v/bin/python", "/v/bin/dagster-daemon", "run", "-w", "w.yaml"], None, "daemon"),
        (
            ["/v/bin/python", "-m", "dagster", "api", "grpc", "--lazy-load-user-code"],
            "daemon",
            "code_server",
        ),
        (
            ["/v/bin/python", "-c", "from multiprocessing.spawn import spawn_main"],
            "code_server",
            "run",
        ),
        (
            ["/v/bin/python", "-c", "from multiprocessing.spawn import spawn_main"],
            "run",
            "run_worker",
        ),
        (
            ["/v/bin/python", "-c", "from multiprocessing.resource_tracker import main"],
            "daemon",
            "other",
        ),
    ],
)
def test_a_process_role_comes_from_its_command_line_or_its_parent(
    cmdline: list[str], parent: str | None, role: str
) -> None:
    assert process_role(cmdline, parent) == role


def test_a_window_counts_what_old_processes_added_and_new_ones_whole() -> None:
    before = {(1, 0.0): ProcessSeen("daemon", 10.0, 100)}
    after = {
        (1, 0.0): ProcessSeen("daemon", 12.5, 150),
        (2, 5.0): ProcessSeen("run", 3.0, 400),
        (3, 6.0): ProcessSeen("run", 1.0, 300),
    }
    spent = window(before, after)
    assert spent.cpu_s == pytest.approx({"daemon": 2.5, "run": 4.0})
    assert spent.peak_rss == {"daemon": 150, "run": 400}
    assert spent.processes == {"daemon": 0, "run": 2}
    assert spent.total_cpu_s == pytest.approx(6.5)


def test_a_reused_pid_is_another_process() -> None:
    before = {(7, 1.0): ProcessSeen("run", 9.0, 100)}
    after = {(7, 1.0): ProcessSeen("run", 9.0, 100), (7, 2.0): ProcessSeen("run", 0.5, 80)}
    assert window(before, after).cpu_s == pytest.approx({"run": 0.5})


@pytest.mark.parametrize(("users", "bound"), [(1000, 40), (100, 4), (5, 1), (30, 2)])
def test_the_run_budget_is_40_per_1000_users_and_at_least_one(users: int, bound: int) -> None:
    assert runs_bound(users) == bound


def test_fixed_cpu_is_what_the_stack_spent_beyond_the_model_per_change() -> None:
    assert _burst(100, 4, cpu=30.0, model_cpu=5.0, p50=1.0).fixed_cpu_per_change_s == 0.25


def test_verdicts_judge_each_target_by_its_figure() -> None:
    judged = verdicts([_burst(100, 4, cpu=10.0, model_cpu=5.0, p50=12.0)], 0.5, "10k / 1M")
    assert [v.met for v in judged] == [True, True, False, True]
    assert "p50" in judged[2].target and judged[2].measured == "12.0 s"


def test_no_tick_measured_is_no_verdict() -> None:
    assert verdicts([], None, "10k / 1M")[-1].met is None


def test_notes_are_distinct_per_user_and_repeatable() -> None:
    first = small_document(user_name(1), 0, random.Random(0))
    assert first == small_document(user_name(1), 0, random.Random(0))
    assert first != small_document(user_name(2), 0, random.Random(0))
    assert small_document("u", 0, random.Random(0), extra="marker zq1").endswith("marker zq1\n")


def test_the_postgres_storage_block_is_the_deployments_on_the_fresh_dagster_database() -> None:
    databases = PostgresDatabases("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    custom = yaml.safe_load(databases.dagster_storage_yaml())["storage"]["custom"]
    assert (custom["module"], custom["class"]) == (
        "pipelines.dagster_storage",
        "PooledPostgresStorage",
    )
    storage = custom["config"]["postgres_db"]
    assert storage["db_name"] == databases.dagster_db != databases.state_db
    assert storage["scheme"] == "postgresql+psycopg2"
    assert databases.state_url.endswith(f"/{databases.state_db}")
