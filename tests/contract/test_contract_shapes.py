"""Every JSON answer the client receives from the emulator has the shape SPEC.md documents."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx

from resources.sync_api import AccessCheck
from tests.contract import spec_models as spec
from tests.contract.support import INTEGRATION, USER, ContractEnv, share, write, write_jsonl
from tests.contract.transports import RecordingTransport

Validator = Callable[[Any, httpx.Request, dict[str, str]], None]
SYNC = r"/api/syncs/(?P<sync>[^/]+)"
PERMISSIONS = r"/api/permissions/[^/]+"


def _sent(request: httpx.Request) -> Any:
    return json.loads(request.content)


def _pipeline(request: httpx.Request, pipelines: dict[str, str]) -> str:
    match = re.match(SYNC, request.url.path)
    assert match is not None
    return pipelines[match["sync"]]


ROUTES: list[tuple[str, str, Validator]] = [
    ("POST", r"/api/syncs", lambda body, _, __: spec.validate_enable(body)),
    ("GET", r"/api/syncs", lambda body, _, __: spec.validate_list_syncs(body)),
    ("GET", SYNC, lambda body, _, __: spec.validate_sync_status(body)),
    ("PATCH", SYNC, lambda body, _, __: spec.validate_update(body)),
    (
        "GET",
        rf"{SYNC}/records",
        lambda body, req, pipes: spec.validate_records_page(body, _pipeline(req, pipes)),
    ),
    (
        "GET",
        rf"{SYNC}/records/[^/]+",
        lambda body, req, pipes: spec.validate_get_record(body, _pipeline(req, pipes)),
    ),
    ("POST", rf"{PERMISSIONS}/check", lambda body, _, __: spec.validate_check(body)),
    (
        "POST",
        rf"{PERMISSIONS}/batch-check",
        lambda body, req, _: spec.validate_batch_check(body, len(_sent(req)["checks"])),
    ),
    ("POST", rf"{PERMISSIONS}/list-users", lambda body, _, __: spec.validate_list_users(body)),
    (
        "POST",
        rf"{PERMISSIONS}/list-objects",
        lambda body, _, __: spec.validate_list_objects(body),
    ),
]


def validate_all(recorder: RecordingTransport, pipelines: dict[str, str]) -> list[str]:
    """Validate every recorded JSON exchange; returns `METHOD path-pattern` of each one checked."""
    checked: list[str] = []
    for request, status, raw in recorder.exchanges:
        body = json.loads(raw)
        if status >= 400:
            spec.validate_error(body)
            checked.append(f"{status}")
            continue
        for method, pattern, validate in ROUTES:
            if request.method == method and re.fullmatch(pattern, request.url.path):
                validate(body, request, pipelines)
                checked.append(f"{method} {pattern}")
                break
        else:
            raise AssertionError(f"no SPEC validator for {request.method} {request.url.path}")
    return checked


def test_sync_answers_match_the_spec_through_the_lifecycle(env: ContractEnv) -> None:
    write(env.folder(), "a.txt", "a\n")
    client, recorder = env.recording_client()

    sync = client.enable_sync(USER, INTEGRATION, "files", configuration_name="main")
    client.get_sync(USER, sync.id)
    client.list_syncs(USER)
    client.pull_records(USER, sync.id)
    env.run(sync.id, "initial")
    client.get_sync(USER, sync.id)
    client.list_syncs(USER)
    client.update_sync(USER, sync.id, incremental_accumulator_frequency="5m")
    env.admin("POST", f"syncs/{sync.id}/error", {"message": "Credential revoked."})
    client.get_sync(USER, sync.id)
    client.list_syncs(USER)

    checked = validate_all(recorder, {sync.id: "files"})
    assert len(checked) == 9 and checked.count(f"GET {SYNC}") == 3


def test_record_pages_and_records_of_every_pipeline_match_the_spec(env: ContractEnv) -> None:
    files = env.folder()
    for index in range(5):
        write(files, f"d/f{index}.txt", f"{index}\n")
    write(env.folder(pipeline="tickets", integration="jira"), "T-1.json", '{"title": "T"}')
    write_jsonl(
        env.folder(pipeline="contacts", integration="hubspot"),
        "c.jsonl",
        [{"externalId": "c1", "firstName": "Ana", "emails": []}],
    )
    client, recorder = env.recording_client()
    pipelines: dict[str, str] = {}
    for integration, pipeline in (
        (INTEGRATION, "files"),
        ("jira", "tickets"),
        ("hubspot", "contacts"),
    ):
        sync = client.enable_sync(USER, integration, pipeline)
        pipelines[sync.id] = pipeline
        env.run(sync.id, "initial")
        for page in client.iter_record_pages(USER, sync.id, page_size=2):
            for record in page.records:
                client.get_record(USER, sync.id, record.id)
    files_sync = next(sync_id for sync_id, p in pipelines.items() if p == "files")
    cursor = client.pull_records(USER, files_sync, page_size=100).cursor
    (files / "d/f0.txt").unlink()
    env.run(files_sync, "full")
    client.pull_records(USER, files_sync, cursor=cursor)

    checked = validate_all(recorder, pipelines)
    assert checked.count(f"GET {SYNC}/records") == 3 + 1 + 1 + 1 + 1
    assert checked.count(f"GET {SYNC}/records/[^/]+") == 5 + 1 + 1


def test_permission_answers_match_the_spec(env: ContractEnv) -> None:
    plan = write(env.folder(), "plan.txt", "plan\n")
    share(plan, is_owner=["ana@example.com"], can_read=["carla@acme.com"])
    client, recorder = env.recording_client()
    sync = client.enable_sync(USER, INTEGRATION, "files")
    env.run(sync.id, "initial")
    record = client.pull_records(USER, sync.id).records[0]

    client.check_access(USER, sync.id, record.id, "carla@acme.com")
    client.batch_check_access(
        USER,
        sync.id,
        [AccessCheck(record.id, "user:carla@acme.com"), AccessCheck(record.id, "x", "bad")],
    )
    client.list_users(USER, sync.id, record.id)
    client.list_objects(USER, sync.id, "carla@acme.com")

    checked = validate_all(recorder, {sync.id: "files"})
    assert checked[-4:] == [
        f"POST {PERMISSIONS}/check",
        f"POST {PERMISSIONS}/batch-check",
        f"POST {PERMISSIONS}/list-users",
        f"POST {PERMISSIONS}/list-objects",
    ]


def test_error_answers_are_messages(env: ContractEnv) -> None:
    http = env.http()
    answers = [
        http.get("/api/syncs"),
        http.get("/api/syncs", headers={"Authorization": "Bearer not.a.jwt"}),
        http.get("/api/syncs/00000000-0000-5000-8000-000000000000", headers=env.auth(USER)),
        http.post("/api/syncs", json={"integration": "x"}, headers=env.auth(USER)),
    ]

    assert [answer.status_code for answer in answers] == [401, 401, 404, 400]
    for answer in answers:
        spec.validate_error(answer.json())
    assert answers[0].json() == {"message": "Unauthorized"}
