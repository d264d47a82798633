"""The code location loads from settings alone, and its graph is pinned by a snapshot so that a
change to assets, checks, jobs, sensors or schedules shows up in review."""

from __future__ import annotations

from typing import Any

from dagster import AssetsDefinition, Definitions, DynamicPartitionsDefinition, EnvVar
from syrupy.assertion import SnapshotAssertion

from pipelines.definitions import build_definitions


def _graph(defs: Definitions) -> dict[str, Any]:
    """What the code location exposes, without resource values."""
    repo = defs.get_repository_def()
    assets: dict[str, Any] = {}
    for assets_def in defs.assets or []:
        assert isinstance(assets_def, AssetsDefinition)
        for key in assets_def.keys:
            partitions = assets_def.partitions_def
            assets[key.to_user_string()] = {
                "partitions": (
                    partitions.name
                    if isinstance(partitions, DynamicPartitionsDefinition)
                    else repr(partitions)
                ),
                "group": assets_def.group_names_by_key[key],
                "deps": sorted(dep.to_user_string() for dep in assets_def.asset_deps[key]),
                "checks": sorted(c.name for c in assets_def.check_keys),
                "kinds": sorted(assets_def.specs_by_key[key].kinds),
            }
    return {
        "assets": assets,
        "jobs": sorted(j.name for j in repo.get_all_jobs() if not j.name.startswith("__")),
        "schedules": {
            s.name: {
                "cron": s.cron_schedule,
                "job": s.job_name,
                "default_status": s.default_status.value,
            }
            for s in repo.schedule_defs
        },
        "sensors": {
            s.name: {
                "minimum_interval_seconds": s.minimum_interval_seconds,
                "jobs": sorted(j.name for j in s.jobs) if s.has_jobs else [],
                "default_status": s.default_status.value,
            }
            for s in repo.sensor_defs
        },
        "resources": sorted((defs.resources or {}).keys()),
    }


def test_the_definitions_load_from_default_settings() -> None:
    defs = build_definitions({})

    repo = defs.get_repository_def()
    job = defs.resolve_job_def("ingest_user")

    assert isinstance(job.partitions_def, DynamicPartitionsDefinition)
    assert job.partitions_def.name == "users"
    assert {j.name for j in repo.get_all_jobs()} >= {"ingest_user", "enable_sync"}


def test_the_graph_matches_its_snapshot(snapshot: SnapshotAssertion) -> None:
    assert _graph(build_definitions({})) == snapshot


def test_schedules_and_sensor_follow_the_settings() -> None:
    defs = build_definitions(
        {
            "SYNCRAG_INCREMENTAL_POLL_CRON": "*/3 * * * *",
            "SYNCRAG_FULL_RECONCILE_CRON": "30 1 * * 0",
            "SYNCRAG_SENSOR_INTERVAL_SECONDS": "17",
        }
    )

    graph = _graph(defs)

    assert graph["schedules"]["incremental_poll"]["cron"] == "*/3 * * * *"
    assert graph["schedules"]["full_reconcile"]["cron"] == "30 1 * * 0"
    assert graph["sensors"]["sync_webhooks"]["minimum_interval_seconds"] == 17


def test_secrets_are_bound_by_name_not_by_value() -> None:
    secret_pem = "-----BEGIN PRIVATE KEY-----\nnot-a-real-key-0123456789\n-----END PRIVATE KEY-----"
    defs = build_definitions(
        {
            "SYNCRAG_SIGNING_KEY": secret_pem,
            "QDRANT_URL": "http://qdrant.invalid:6333",
            "QDRANT_API_KEY": "qdrant-secret-api-key",
        }
    )

    resources = defs.resources or {}
    shown = repr(resources)

    assert "not-a-real-key-0123456789" not in shown
    assert "qdrant-secret-api-key" not in shown
    assert isinstance(resources["sync_api"].signing_key, EnvVar)
    assert isinstance(resources["vector_store"].qdrant_api_key, EnvVar)
