"""The deployment files in deploy/ parse and agree with each other: every variable the instance
and workspace settings read is given to the services that load them, the compose file names only
real settings and files, and the image pins the torch the project pins. (Running them is the job
of tests/e2e/test_e2e_deploy_postgres.py; the compose file itself is not run by the tests.)"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipelines.settings import SETTINGS

REPO_ROOT = Path(__file__).resolve().parents[1]
DEPLOY = REPO_ROOT / "deploy"
DAGSTER_SERVICES = ("code-server", "daemon", "webserver")


def _load(name: str) -> Any:
    return yaml.safe_load((DEPLOY / name).read_text())


def _env_sources(node: Any) -> Iterator[str]:
    """The variables named by Dagster's `{env: NAME}` sources anywhere in a config."""
    if isinstance(node, dict):
        if set(node) == {"env"}:
            yield str(node["env"])
        for value in node.values():
            yield from _env_sources(value)
    elif isinstance(node, list):
        for item in node:
            yield from _env_sources(item)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return _load("docker-compose.yaml")


def _environment(compose: dict[str, Any], service: str) -> dict[str, str]:
    return {k: str(v) for k, v in compose["services"][service].get("environment", {}).items()}


def _command(compose: dict[str, Any], service: str) -> list[str]:
    command = compose["services"][service]["command"]
    return command.split() if isinstance(command, str) else [str(part) for part in command]


@pytest.mark.parametrize("name", ["dagster.yaml", "workspace.yaml", "docker-compose.yaml"])
def test_every_yaml_file_parses_to_a_mapping(name: str) -> None:
    assert isinstance(_load(name), dict)


def test_the_instance_keeps_its_credentials_in_the_environment() -> None:
    instance = _load("dagster.yaml")
    database = instance["storage"]["custom"]["config"]["postgres_db"]
    for field in ("hostname", "port", "db_name", "username", "password"):
        assert set(database[field]) == {"env"}, field
    assert database["scheme"] == "postgresql+psycopg2"


def test_the_run_queue_allows_one_run_per_user_partition() -> None:
    coordinator = _load("dagster.yaml")["run_coordinator"]
    assert coordinator["class"] == "QueuedRunCoordinator"
    assert coordinator["config"]["max_concurrent_runs"] >= 1
    assert {
        "key": "dagster/partition",
        "value": {"applyLimitPerUniqueValue": True},
        "limit": 1,
    } in coordinator["config"]["tag_concurrency_limits"]


def test_the_services_that_load_the_instance_get_every_variable_it_reads(
    compose: dict[str, Any],
) -> None:
    instance_vars = set(_env_sources(_load("dagster.yaml")))
    workspace_vars = set(_env_sources(_load("workspace.yaml")))
    assert instance_vars and workspace_vars
    for service in DAGSTER_SERVICES:
        given = set(_environment(compose, service))
        assert instance_vars | {"DAGSTER_HOME"} <= given, service
        if service != "code-server":
            assert workspace_vars <= given, service


def test_the_daemon_and_webserver_reach_the_code_server_the_compose_file_starts(
    compose: dict[str, Any],
) -> None:
    server = _command(compose, "code-server")
    assert server[:5] == ["dagster", "code-server", "start", "-m", "pipelines.definitions"]
    port = server[server.index("-p") + 1]
    for service in ("daemon", "webserver"):
        environment = _environment(compose, service)
        assert environment["DAGSTER_CODE_SERVER_HOST"] == "code-server"
        assert environment["DAGSTER_CODE_SERVER_PORT"] == port
        command = _command(compose, service)
        assert command[command.index("-w") + 1] == f"{environment['DAGSTER_HOME']}/workspace.yaml"
    assert _command(compose, "receiver")[:3] == ["syncrag", "webhooks", "serve"]


def test_the_compose_file_names_only_real_syncrag_settings(compose: dict[str, Any]) -> None:
    known = {s.name for s in SETTINGS}
    for service in ("code-server", "receiver"):
        named = {k for k in _environment(compose, service) if k.startswith(("SYNCRAG_", "QDRANT_"))}
        assert named - known == set(), service
    assert "SYNCRAG_STATE_URL" in _environment(compose, "receiver")
    # The state URL is resource config, shown in the UI: its password travels as PGPASSWORD.
    state_url = _environment(compose, "code-server")["SYNCRAG_STATE_URL"]
    assert ":${POSTGRES_PASSWORD" not in state_url


def test_the_files_the_compose_file_and_the_image_use_exist(compose: dict[str, Any]) -> None:
    build = compose["services"]["code-server"]["build"]
    context = (DEPLOY / build["context"]).resolve()
    assert context == REPO_ROOT
    dockerfile = context / build["dockerfile"]
    for volume in compose["services"]["postgres"]["volumes"]:
        source = volume.split(":")[0]
        if source.startswith("./"):
            assert (DEPLOY / source).is_file(), source
    for source in re.findall(r"^COPY (.+) \S+$", dockerfile.read_text(), flags=re.MULTILINE):
        for path in source.split():
            assert (context / path).exists(), path


def test_the_image_installs_the_torch_the_project_pins() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    [torch] = [d for d in pyproject["project"]["dependencies"] if d.startswith("torch==")]
    assert f"pip install {torch} " in (DEPLOY / "Dockerfile").read_text()
