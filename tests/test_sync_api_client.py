"""The Sync API client against a fake Paragon built from SPEC.md's examples (both doc variants)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import httpx
import jwt
import pytest

from resources.sync_api import (
    AccessCheck,
    SyncApiAuthError,
    SyncApiBadRequest,
    SyncApiConfigError,
    SyncApiError,
    SyncApiNotFound,
    SyncApiProtocolError,
    SyncStatus,
)
from tests.test_sync_api_support import (
    PROJECT_ID,
    FakeParagon,
    make_client,
    reply,
    rsa_key_pair,
)

SYNC_ID = "a11347bd-d510-5489-9068-e5fded55a28c"
RECORD_ID = "3ce16e33-0163-564d-98ce-99b0a25ab375"
SYNC_PATH = f"/api/syncs/{SYNC_ID}"
RECORDS_PATH = f"{SYNC_PATH}/records"
PERMS_PATH = f"/api/permissions/{SYNC_ID}"

ENABLED = {
    "id": SYNC_ID,
    "userId": "user-42",
    "integration": "googledrive",
    "pipeline": "files",
    "projectId": PROJECT_ID,
    "status": "INITIALIZING",
}
STATUS = {
    "status": "IDLE",
    "credentialId": "0aea7d3a-b5f7-4488-890e-d51a5cf4f8f1",
    "summary": {
        "totalRecords": 1000,
        "syncedRecordsCount": 1000,
        "lastSyncedAt": "2025-07-07T19:00:00.000Z",
        "latestCursor": "Y3Vyc29yOjEwMDA=",
    },
}
FILE = {
    "id": RECORD_ID,
    "externalId": "1AbCdEf",
    "name": "Q2 plan.docx",
    "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "size": 48231,
    "url": "https://docs.google.com/document/d/1AbCdEf",
    "createdAt": "2025-06-01T10:00:00Z",
    "updatedAt": "2025-07-01T09:30:00Z",
    "parentFolderId": "0BxFolder",
}


def record(n: int) -> dict[str, object]:
    return {**FILE, "id": f"rec-{n}", "externalId": f"ext-{n}"}


def page(ids: list[int], cursor: str | None, remaining: int) -> dict[str, object]:
    paging: dict[str, object] = {
        "totalRecords": 5,
        "totalActiveRecords": 5,
        "remainingRecords": remaining,
        "lastSeen": 1751360000000,
    }
    if cursor is not None:
        paging["cursor"] = cursor
    return {"data": [record(n) for n in ids], "paging": paging}


def only_request(fake: FakeParagon) -> httpx.Request:
    assert len(fake.requests) == 1
    return fake.requests[0]


def test_requests_carry_a_bearer_token_for_the_calling_user() -> None:
    fake = FakeParagon().on("GET", "/api/syncs", reply(200, {"data": []}))

    with make_client(fake) as client:
        client.list_syncs("user-42")

    scheme, token = only_request(fake).headers["Authorization"].split(" ")
    claims = jwt.decode(
        token, rsa_key_pair()[1], algorithms=["RS256"], audience=f"useparagon.com/{PROJECT_ID}"
    )
    assert scheme == "Bearer"
    assert claims["sub"] == "user-42"


def test_enable_sync_posts_the_documented_body() -> None:
    fake = FakeParagon().on("POST", "/api/syncs", reply(200, ENABLED))

    with make_client(fake) as client:
        sync = client.enable_sync(
            "user-42",
            "googledrive",
            "files",
            configuration={"folderId": "0BxFolder"},
            configuration_name="default",
            credential_id="cred-1",
        )

    assert fake.json_bodies() == [
        {
            "integration": "googledrive",
            "pipeline": "files",
            "configuration": {"folderId": "0BxFolder"},
            "configurationName": "default",
            "credentialId": "cred-1",
        }
    ]
    assert (sync.id, sync.status, sync.user_id, sync.project_id) == (
        SYNC_ID,
        SyncStatus.INITIALIZING,
        "user-42",
        PROJECT_ID,
    )


def test_enable_sync_sends_an_empty_configuration_by_default() -> None:
    fake = FakeParagon().on("POST", "/api/syncs", reply(200, ENABLED))

    with make_client(fake) as client:
        client.enable_sync("user-42", "googledrive", "files")

    assert fake.json_bodies() == [
        {"integration": "googledrive", "pipeline": "files", "configuration": {}}
    ]


def test_list_syncs_filters_by_credential() -> None:
    listing = {
        "data": [
            {
                "id": SYNC_ID,
                "integration": "googledrive",
                "pipeline": "files",
                "status": "IDLE",
                "configurationName": "default",
                "dateCreated": "2025-07-07T18:00:00Z",
                "dateUpdated": "2025-07-07T19:00:00Z",
            }
        ]
    }
    fake = FakeParagon().on("GET", "/api/syncs", reply(200, listing))

    with make_client(fake) as client:
        syncs = client.list_syncs("user-42", credential_id="cred-1")

    assert only_request(fake).url.params["credentialId"] == "cred-1"
    assert [(s.id, s.configuration_name, s.status) for s in syncs] == [
        (SYNC_ID, "default", SyncStatus.IDLE)
    ]
    assert syncs[0].date_updated == datetime(2025, 7, 7, 19, 0, tzinfo=UTC)


def test_get_sync_fills_the_id_the_status_example_leaves_out() -> None:
    fake = FakeParagon().on("GET", SYNC_PATH, reply(200, STATUS))

    with make_client(fake) as client:
        sync = client.get_sync("user-42", SYNC_ID)

    assert sync.id == SYNC_ID
    assert sync.status is SyncStatus.IDLE
    assert sync.summary is not None
    assert sync.summary.latest_cursor == "Y3Vyc29yOjEwMDA="
    assert sync.summary.last_synced_at == datetime(2025, 7, 7, 19, 0, tzinfo=UTC)


def test_update_sync_patches_only_the_given_fields() -> None:
    accepted = {
        "id": SYNC_ID,
        "data": {"incrementalAccumulatorFrequency": "5m"},
        "message": "Update request accepted and is being processed",
    }
    fake = FakeParagon().on("PATCH", SYNC_PATH, reply(200, accepted))

    with make_client(fake) as client:
        answer = client.update_sync("user-42", SYNC_ID, incremental_accumulator_frequency="5m")
        with pytest.raises(ValueError, match="credential_id"):
            client.update_sync("user-42", SYNC_ID)

    assert fake.json_bodies() == [{"incrementalAccumulatorFrequency": "5m"}]
    assert answer == accepted


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"id": SYNC_ID}, {"id": SYNC_ID}),
        ("Sync successfully disabled", {"message": "Sync successfully disabled"}),
        (b"", {}),
    ],
)
def test_disable_and_reenable_accept_any_documented_body(
    body: object, expected: dict[str, object]
) -> None:
    fake = (
        FakeParagon()
        .on("POST", f"{SYNC_PATH}/disable", reply(200, body))
        .on("POST", f"{SYNC_PATH}/reenable", reply(200, body))
    )

    with make_client(fake) as client:
        assert client.disable_sync("user-42", SYNC_ID) == expected
        assert client.reenable_sync("user-42", SYNC_ID) == expected

    assert [(r.method, r.url.path) for r in fake.requests] == [
        ("POST", f"{SYNC_PATH}/disable"),
        ("POST", f"{SYNC_PATH}/reenable"),
    ]


def test_delete_sync_and_its_404() -> None:
    fake = FakeParagon().on(
        "DELETE", SYNC_PATH, reply(200, {}), reply(404, {"message": "Sync not found"})
    )

    with make_client(fake) as client:
        assert client.delete_sync("user-42", SYNC_ID) is None
        with pytest.raises(SyncApiNotFound, match="Sync not found") as caught:
            client.delete_sync("user-42", SYNC_ID)

    assert caught.value.status_code == 404
    assert (caught.value.method, caught.value.path) == ("DELETE", SYNC_PATH)


def test_pull_records_sends_page_size_and_cursor_and_parses_the_page() -> None:
    body = {"data": [FILE], "paging": page([], "Y3Vyc29yOjE=", 999)["paging"]}
    fake = FakeParagon().on("GET", RECORDS_PATH, reply(200, body))

    with make_client(fake) as client:
        result = client.pull_records("user-42", SYNC_ID, cursor="Y3Vyc29yOjA=", page_size=50)

    params = only_request(fake).url.params
    assert (params["pageSize"], params["cursor"]) == ("50", "Y3Vyc29yOjA=")
    assert result.cursor == "Y3Vyc29yOjE="
    assert result.remaining_records == 999
    assert result.last_seen == datetime(2025, 7, 1, 8, 53, 20, tzinfo=UTC)
    assert not result.caught_up
    [parsed] = result.records
    assert (parsed.id, parsed.external_id, parsed.size, parsed.deleted) == (
        RECORD_ID,
        "1AbCdEf",
        48231,
        False,
    )
    assert parsed.raw["parentFolderId"] == "0BxFolder"


def test_pull_records_without_a_cursor_starts_from_the_beginning() -> None:
    fake = FakeParagon().on("GET", RECORDS_PATH, reply(200, page([], None, 0)))

    with make_client(fake) as client:
        client.pull_records("user-42", SYNC_ID)

    assert "cursor" not in only_request(fake).url.params


def test_iter_record_pages_follows_cursors_until_caught_up() -> None:
    fake = FakeParagon().on(
        "GET",
        RECORDS_PATH,
        reply(200, page([1, 2], "c2", 3)),
        reply(200, page([3, 4], "c4", 1)),
        reply(200, page([5], "c5", 0)),
    )

    with make_client(fake) as client:
        pages = list(client.iter_record_pages("user-42", SYNC_ID, cursor="c0", page_size=2))

    assert [r.url.params.get("cursor") for r in fake.requests] == ["c0", "c2", "c4"]
    assert [p.cursor for p in pages] == ["c2", "c4", "c5"]
    assert [r.id for p in pages for r in p.records] == [f"rec-{n}" for n in range(1, 6)]
    assert pages[-1].caught_up


def test_iter_record_pages_stops_at_an_empty_page() -> None:
    fake = FakeParagon().on(
        "GET", RECORDS_PATH, reply(200, page([1], "c1", 4)), reply(200, page([], "c1", 4))
    )

    with make_client(fake) as client:
        pages = list(client.iter_record_pages("user-42", SYNC_ID))

    assert len(pages) == 2
    assert pages[-1].caught_up


def test_iter_record_pages_ends_rather_than_loop_without_a_cursor() -> None:
    fake = FakeParagon().on("GET", RECORDS_PATH, reply(200, page([1], None, 4)))

    with make_client(fake) as client:
        pages = list(client.iter_record_pages("user-42", SYNC_ID))

    assert len(pages) == 1
    assert not pages[-1].caught_up


def test_iter_record_pages_ends_rather_than_loop_on_a_repeated_cursor() -> None:
    fake = FakeParagon().on("GET", RECORDS_PATH, reply(200, page([1], "same", 4)))

    with make_client(fake) as client:
        pages = list(client.iter_record_pages("user-42", SYNC_ID, cursor="same"))

    assert len(pages) == 1
    assert not pages[-1].caught_up


def test_iter_record_pages_reads_the_old_snake_case_docs() -> None:
    old_page = {
        "data": [record(1), {"id": "gone", "external_id": "x", "deleted": True}],
        "paging": {
            "total_records": 2,
            "total_active_records": 1,
            "remaining_records": 0,
            "cursor": "c1",
            "last_seen": "2025-07-01T08:53:20Z",
        },
    }
    fake = FakeParagon().on("GET", RECORDS_PATH, reply(200, old_page))

    with make_client(fake) as client:
        [only] = list(client.iter_record_pages("user-42", SYNC_ID))

    assert only.caught_up
    assert (only.total_records, only.total_active_records) == (2, 1)
    assert only.last_seen == datetime(2025, 7, 1, 8, 53, 20, tzinfo=UTC)
    assert [(r.id, r.external_id, r.deleted) for r in only.records] == [
        ("rec-1", "ext-1", False),
        ("gone", "x", True),
    ]


def test_get_record_unwraps_data_and_returns_tombstones() -> None:
    tombstone = {"data": {"id": RECORD_ID, "external_id": "1AbCdEf", "deleted": True}}
    fake = FakeParagon().on(
        "GET", f"{RECORDS_PATH}/{RECORD_ID}", reply(200, {"data": FILE}), reply(200, tombstone)
    )

    with make_client(fake) as client:
        live = client.get_record("user-42", SYNC_ID, RECORD_ID)
        gone = client.get_record("user-42", SYNC_ID, RECORD_ID)

    assert (live.name, live.deleted) == ("Q2 plan.docx", False)
    assert (gone.external_id, gone.deleted) == ("1AbCdEf", True)


def test_get_record_404_is_not_found() -> None:
    fake = FakeParagon().on("GET", f"{RECORDS_PATH}/{RECORD_ID}", reply(404, {"message": "x"}))

    with make_client(fake) as client, pytest.raises(SyncApiNotFound, match="user-42"):
        client.get_record("user-42", SYNC_ID, RECORD_ID)


def test_download_content_returns_bytes_and_type() -> None:
    pdf = b"%PDF-1.7 binary \x00\xff"
    fake = FakeParagon().on(
        "GET",
        f"{RECORDS_PATH}/{RECORD_ID}/content",
        reply(200, pdf, headers={"Content-Type": "application/pdf"}),
    )

    with make_client(fake) as client:
        content = client.download_content("user-42", SYNC_ID, RECORD_ID)

    assert (content.data, content.content_type) == (pdf, "application/pdf")
    assert pdf.decode("latin-1") not in repr(content)


def test_ids_are_escaped_in_paths() -> None:
    fake = FakeParagon()

    with make_client(fake) as client, pytest.raises(SyncApiNotFound):
        client.get_record("user-42", "../admin", "a/b")

    assert only_request(fake).url.raw_path == b"/api/syncs/..%2Fadmin/records/a%2Fb"


def test_check_access_posts_object_user_role() -> None:
    fake = FakeParagon().on("POST", f"{PERMS_PATH}/check", reply(200, {"hasAccess": True}))

    with make_client(fake) as client:
        allowed = client.check_access("user-42", SYNC_ID, RECORD_ID, "ana@acme.com")

    assert allowed is True
    assert fake.json_bodies() == [{"object": RECORD_ID, "user": "ana@acme.com", "role": "can_read"}]


def test_batch_check_access_pairs_results_with_checks() -> None:
    checks = [
        AccessCheck("a657df3b-17e2-5989-bc5f-13ddb7fdab41", "user:ana@acme.com"),
        AccessCheck("other", "user:bob@acme.com", "can_write"),
    ]
    answer = {
        "result": [
            {
                "allowed": True,
                "request": {
                    "object": "file:a657df3b-17e2-5989-bc5f-13ddb7fdab41",
                    "user": "user:ana@acme.com",
                    "relation": "can_read",
                },
            },
            {"error": "object not found"},
        ]
    }
    fake = FakeParagon().on("POST", f"{PERMS_PATH}/batch-check", reply(200, answer))

    with make_client(fake) as client:
        results = client.batch_check_access("user-42", SYNC_ID, checks)
        assert client.batch_check_access("user-42", SYNC_ID, []) == []

    assert fake.json_bodies() == [{"checks": [c.to_json() for c in checks]}]
    assert results[0].allowed and results[0].request.role == "can_read"
    assert results[0].request.object == "file:a657df3b-17e2-5989-bc5f-13ddb7fdab41"
    assert (results[1].allowed, results[1].error, results[1].request) == (
        False,
        "object not found",
        checks[1],
    )


def test_batch_check_access_refuses_a_result_count_mismatch() -> None:
    fake = FakeParagon().on("POST", f"{PERMS_PATH}/batch-check", reply(200, {"result": []}))

    with make_client(fake) as client, pytest.raises(SyncApiProtocolError, match="1 sent"):
        client.batch_check_access("user-42", SYNC_ID, [AccessCheck("o", "u")])


def test_list_users_and_list_objects() -> None:
    fake = (
        FakeParagon()
        .on("POST", f"{PERMS_PATH}/list-users", reply(200, {"users": ["ana@acme.com"]}))
        .on("POST", f"{PERMS_PATH}/list-objects", reply(200, {"objects": [RECORD_ID]}))
    )

    with make_client(fake) as client:
        users = client.list_users("user-42", SYNC_ID, RECORD_ID, role="is_owner")
        objects = client.list_objects("user-42", SYNC_ID, "ana@acme.com", object_type="folder")

    assert (users, objects) == (["ana@acme.com"], [RECORD_ID])
    assert fake.json_bodies() == [
        {"object": RECORD_ID, "role": "is_owner"},
        {"objectType": "folder", "user": "ana@acme.com", "role": "can_read"},
    ]


def test_401_names_the_likely_causes() -> None:
    fake = FakeParagon().on("GET", "/api/syncs", reply(401, {"message": "Unauthorized"}))

    with make_client(fake) as client, pytest.raises(SyncApiAuthError) as caught:
        client.list_syncs("user-42")

    message = str(caught.value)
    assert f"useparagon.com/{PROJECT_ID}" in message
    assert "aud" in message and "expired" in message and "signing key" in message
    assert caught.value.status_code == 401


def test_400_is_a_bad_request_with_a_truncated_body() -> None:
    fake = FakeParagon().on("GET", RECORDS_PATH, reply(400, {"message": "bad cursor " + "x" * 900}))

    with make_client(fake) as client, pytest.raises(SyncApiBadRequest) as caught:
        client.pull_records("user-42", SYNC_ID, cursor="nonsense")

    assert "bad cursor" in caught.value.body_excerpt
    assert len(caught.value.body_excerpt) <= 300
    assert len(str(caught.value)) < 600


def test_no_token_appears_in_any_error() -> None:
    def echo_headers(request: httpx.Request) -> httpx.Response:
        # A careless server that echoes the request's headers into its error body.
        return httpx.Response(401, json={"headers": dict(request.headers)})

    fake = (
        FakeParagon()
        .on("GET", "/api/syncs", echo_headers)
        .on("GET", SYNC_PATH, lambda r: httpx.Response(404, text=r.headers["Authorization"]))
        .on("GET", RECORDS_PATH, lambda r: httpx.Response(503, text=str(r.headers)))
    )
    errors: list[SyncApiError] = []

    with make_client(fake) as client:
        for call in (
            lambda: client.list_syncs("user-42"),
            lambda: client.get_sync("user-42", SYNC_ID),
            lambda: client.pull_records("user-42", SYNC_ID),
        ):
            with pytest.raises(SyncApiError) as caught:
                call()
            errors.append(caught.value)

    tokens = {r.headers["Authorization"].split(" ")[1] for r in fake.requests}
    assert len(errors) == 3
    for error in errors:
        text = str(error) + repr(error) + error.body_excerpt + repr(error.args)
        for token in tokens:
            _, claims, signature = token.split(".")
            # Excerpts are truncated, so look for pieces of the token, not only the whole of it.
            assert claims not in text
            assert signature[:40] not in text


def test_debug_log_names_method_path_status_and_attempt_but_no_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeParagon().on("GET", "/api/syncs", reply(503), reply(200, {"data": []}))

    with caplog.at_level(logging.DEBUG, logger="syncrag.sync_api"), make_client(fake) as client:
        client.list_syncs("user-42")

    lines = [r.getMessage() for r in caplog.records if r.name == "syncrag.sync_api"]
    assert lines == ["GET /api/syncs -> 503 (attempt 1)", "GET /api/syncs -> 200 (attempt 2)"]
    token = fake.requests[0].headers["Authorization"].split(" ")[1]
    assert token not in caplog.text


def test_non_json_body_is_a_protocol_error() -> None:
    fake = FakeParagon().on("GET", SYNC_PATH, reply(200, "<html>gateway</html>"))

    with make_client(fake) as client, pytest.raises(SyncApiProtocolError, match="not JSON"):
        client.get_sync("user-42", SYNC_ID)


def test_unknown_status_is_a_protocol_error() -> None:
    fake = FakeParagon().on("GET", SYNC_PATH, reply(200, {"id": SYNC_ID, "status": "SYNCING"}))

    with make_client(fake) as client, pytest.raises(SyncApiProtocolError, match="SYNCING"):
        client.get_sync("user-42", SYNC_ID)


def test_base_url_may_carry_an_on_prem_path_prefix() -> None:
    fake = FakeParagon().on("GET", "/sync/api/syncs", reply(200, {"data": []}))

    with make_client(fake, base_url="https://ms-sync.acme.internal/sync/") as client:
        client.list_syncs("user-42")

    assert str(only_request(fake).url) == "https://ms-sync.acme.internal/sync/api/syncs"


def test_base_url_must_be_http() -> None:
    with pytest.raises(SyncApiConfigError, match="not an http"):
        make_client(FakeParagon(), base_url="sync.useparagon.com")


def test_close_and_context_manager() -> None:
    fake = FakeParagon()
    client = make_client(fake)
    with client as entered:
        assert entered is client
        assert not client.closed
    assert client.closed
    assert "sync.example.test" in repr(client)


def test_request_bodies_are_json() -> None:
    fake = FakeParagon().on("POST", "/api/syncs", reply(200, ENABLED))

    with make_client(fake) as client:
        client.enable_sync("user-42", "googledrive", "files")

    request = only_request(fake)
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content)["integration"] == "googledrive"
