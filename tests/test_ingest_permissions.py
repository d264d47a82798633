"""The permission filter of `search_user_as`: hints narrow the candidates, the Permissions API
decides, and anything it does not confirm is withheld."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from ingest.permissions import MAX_CONSECUTIVE_FAILURES, HintOutcome, ReaderHint, ReaderHints
from ingest.search import search_user_as
from resources.embedding import FakeEmbedder
from resources.state import LedgerRecord, RecordState
from resources.sync_api import (
    AccessCheck,
    AccessCheckResult,
    RetryPolicy,
    SyncApiAuthError,
    SyncApiBadRequest,
    SyncApiUnavailable,
)
from resources.vectors import (
    QdrantServerVectorStore,
    SearchHit,
    StoredPoint,
    VectorStore,
    document_vector,
    point_id_for,
)
from tests.test_sync_api_support import FakeParagon, make_client, reply

USER = "alice"
QUERY = "quarterly lighthouse budget"


class FakePermissions:
    """The Permissions API's batch-check over a table {(sync, record): readers}."""

    def __init__(self, readers: dict[tuple[str, str], set[str]]) -> None:
        self.readers = readers
        self.failing_syncs: dict[str, Exception] = {}
        self.checked: list[tuple[str, list[str]]] = []

    def batch_check_access(
        self, user_id: str, sync_id: str, checks: Sequence[AccessCheck]
    ) -> list[AccessCheckResult]:
        assert user_id == USER
        self.checked.append((sync_id, [c.object for c in checks]))
        if sync_id in self.failing_syncs:
            raise self.failing_syncs[sync_id]
        results = []
        for check in checks:
            email = check.user.removeprefix("user:")
            if (sync_id, check.object) not in self.readers:
                results.append(AccessCheckResult(False, check, error="unknown object"))
            else:
                allowed = email in self.readers[(sync_id, check.object)]
                results.append(AccessCheckResult(allowed, check))
        return results


@pytest.fixture
def embedder() -> FakeEmbedder:
    return FakeEmbedder(dimension=16)


@pytest.fixture
def store(embedder: FakeEmbedder) -> Iterator[VectorStore]:
    made = QdrantServerVectorStore(location=":memory:", collection_name="perm", dimension=16)
    try:
        yield made
    finally:
        made.close()


def put(
    store: VectorStore,
    embedder: FakeEmbedder,
    sync: str,
    record: str,
    readers: list[str] | None,
    chunks: int = 1,
) -> None:
    points = []
    for i in range(chunks):
        text = f"{QUERY} part {i} of {record}"
        payload: dict[str, Any] = {"user_id": USER, "sync_id": sync, "record_id": record}
        payload["text"] = text
        if readers is not None:
            payload["readers"] = readers
        [vector] = embedder.embed([text])
        points.append(
            StoredPoint(
                point_id_for(USER, sync, record, text, 0),
                vector,
                payload,
                sparse=document_vector(text),
            )
        )
    with store.open() as index:
        index.upsert(USER, points)


def records_of(hits: Sequence[SearchHit]) -> set[str]:
    return {h.payload["record_id"] for h in hits}


def test_only_records_the_api_confirms_are_returned(
    store: VectorStore, embedder: FakeEmbedder
) -> None:
    put(store, embedder, "drive", "shared", ["alice@example.com", "dan@example.com"])
    put(store, embedder, "drive", "private", ["alice@example.com"])
    put(store, embedder, "drive", "unhinted", None)
    put(store, embedder, "drive", "revoked", ["dan@example.com"])  # hint stale: access removed
    api = FakePermissions(
        {
            ("drive", "shared"): {"alice@example.com", "dan@example.com"},
            ("drive", "private"): {"alice@example.com"},
            ("drive", "unhinted"): {"dan@example.com"},
            ("drive", "revoked"): {"alice@example.com"},
        }
    )

    result = search_user_as(embedder, store, api, USER, QUERY, "Dan@Example.com", limit=10)

    assert records_of(result.hits) == {"shared", "unhinted"}
    assert result.withheld_denied == 1  # revoked: hinted, but the API says no
    assert result.withheld_unconfirmed == 0
    # The hint kept "private" from being asked about at all; one request for the sync.
    assert [(sync, sorted(ids)) for sync, ids in api.checked] == [
        ("drive", ["revoked", "shared", "unhinted"])
    ]


def test_the_owner_sees_every_record_they_may_read(
    store: VectorStore, embedder: FakeEmbedder
) -> None:
    put(store, embedder, "drive", "shared", ["alice@example.com", "dan@example.com"])
    put(store, embedder, "drive", "private", ["alice@example.com"])
    api = FakePermissions(
        {("drive", "shared"): {"alice@example.com"}, ("drive", "private"): {"alice@example.com"}}
    )
    result = search_user_as(embedder, store, api, USER, QUERY, "alice@example.com", limit=10)
    assert records_of(result.hits) == {"shared", "private"}


def test_records_the_api_cannot_confirm_are_withheld(
    store: VectorStore, embedder: FakeEmbedder
) -> None:
    put(store, embedder, "drive", "doc", ["dan@example.com"])
    put(store, embedder, "crm", "deal", None)
    put(store, embedder, "drive", "gone", None)
    api = FakePermissions({("drive", "doc"): {"dan@example.com"}})
    api.failing_syncs["crm"] = SyncApiBadRequest("The Permissions API serves file syncs only.")

    result = search_user_as(embedder, store, api, USER, QUERY, "dan@example.com", limit=10)

    assert records_of(result.hits) == {"doc"}
    assert result.withheld_unconfirmed == 2  # the CRM deal (400) and the unknown object


def test_an_unreachable_api_withholds_everything(
    store: VectorStore, embedder: FakeEmbedder
) -> None:
    put(store, embedder, "drive", "doc", ["dan@example.com"], chunks=2)
    api = FakePermissions({("drive", "doc"): {"dan@example.com"}})
    api.failing_syncs["drive"] = SyncApiUnavailable("503 after 5 attempts")

    result = search_user_as(embedder, store, api, USER, QUERY, "dan@example.com", limit=5)

    assert result.hits == []
    assert result.withheld_unconfirmed == 2


def test_a_refused_token_fails_the_query_instead_of_withholding_quietly(
    store: VectorStore, embedder: FakeEmbedder
) -> None:
    put(store, embedder, "drive", "doc", ["dan@example.com"])
    api = FakePermissions({("drive", "doc"): {"dan@example.com"}})
    api.failing_syncs["drive"] = SyncApiAuthError(
        "refused: fix SYNCRAG_SIGNING_KEY", status_code=401
    )

    with pytest.raises(SyncApiAuthError):
        search_user_as(embedder, store, api, USER, QUERY, "dan@example.com", limit=5)


def test_over_fetches_then_trims_to_the_limit(store: VectorStore, embedder: FakeEmbedder) -> None:
    for i in range(9):
        put(store, embedder, "drive", f"doc{i}", None)
    api = FakePermissions({("drive", f"doc{i}"): {"dan@example.com"} for i in range(9)})

    result = search_user_as(embedder, store, api, USER, QUERY, "dan@example.com", limit=2)

    assert len(result.hits) == 2
    # 3 x 2 candidates were asked of the store and checked, in one request.
    assert [len(ids) for _, ids in api.checked] == [6]


def test_an_empty_email_is_refused(store: VectorStore, embedder: FakeEmbedder) -> None:
    with pytest.raises(ValueError, match="email"):
        search_user_as(embedder, store, FakePermissions({}), USER, QUERY, " user: ")


def ledger_record(sync_id: str, record_id: str) -> LedgerRecord:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    return LedgerRecord(
        sync_id=sync_id,
        record_id=record_id,
        user_id=USER,
        external_id=None,
        name=record_id,
        mime_type="text/plain",
        url=None,
        source_updated_at=None,
        metadata_hash="h",
        content_hash=None,
        state=RecordState.PENDING,
        error=None,
        attempts=0,
        chunk_count=None,
        raw={},
        first_seen_at=now,
        updated_at=now,
    )


def hints_over(fake: FakeParagon) -> ReaderHints:
    return ReaderHints(make_client(fake, retry=RetryPolicy(max_attempts=1)))


def test_readers_are_lower_cased_and_unknown_when_empty_or_possibly_cut() -> None:
    path = "/api/permissions/s1/list-users"
    fake = FakeParagon().on(
        "POST",
        path,
        reply(body={"users": ["Dan@Example.com", "user:alice@example.com"]}),
        reply(body={"users": []}),
        reply(body={"users": [f"u{i}@example.com" for i in range(1000)]}),
    )
    hints = hints_over(fake)
    first, empty, cut = (hints.readers_of(ledger_record("s1", f"r{i}")) for i in range(3))
    assert first == ReaderHint(["alice@example.com", "dan@example.com"], HintOutcome.READERS)
    assert empty.readers is None and cut.readers is None


def test_a_sync_without_permission_sync_is_asked_once() -> None:
    fake = FakeParagon().on(
        "POST", "/api/permissions/crm/list-users", reply(400, {"message": "no"})
    )
    hints = hints_over(fake)
    outcomes = [hints.readers_of(ledger_record("crm", f"r{i}")).outcome for i in range(5)]
    assert outcomes == [HintOutcome.NOT_APPLICABLE] * 5
    assert len(fake.requests) == 1


def test_failures_never_raise_and_stop_the_asking_after_a_few_in_a_row() -> None:
    fake = FakeParagon().on("POST", "/api/permissions/s1/list-users", reply(500, {"message": "x"}))
    hints = hints_over(fake)
    outcomes = [hints.readers_of(ledger_record("s1", f"r{i}")) for i in range(10)]
    assert all(o == ReaderHint(None, HintOutcome.FAILED) for o in outcomes)
    assert len(fake.requests) == MAX_CONSECUTIVE_FAILURES


def test_a_refused_token_is_raised_not_counted_as_an_outage() -> None:
    fake = FakeParagon().on(
        "POST", "/api/permissions/s1/list-users", reply(401, {"message": "Unauthorized"})
    )
    hints = hints_over(fake)

    with pytest.raises(SyncApiAuthError, match="SYNCRAG_PARAGON_PROJECT_ID"):
        hints.readers_of(ledger_record("s1", "r0"))
