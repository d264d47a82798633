"""The scale-path vector store: a Qdrant server or cluster through qdrant-client.

`location=":memory:"` runs qdrant-client's in-process engine, which serves the tests of this path.
Lexical search counts IDF over the user's points only (`SearchParams.idf` with a corpus filter):
that needs Qdrant 1.19 or later.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from qdrant_client import QdrantClient
from qdrant_client import models as qm

from resources.vectors.base import SearchHit, StoredPoint, VectorIndex, VectorStore
from resources.vectors.errors import VectorStoreError
from resources.vectors.hybrid import (
    DENSE_VECTOR,
    DENSE_WEIGHT,
    LEXICAL_VECTOR,
    LEXICAL_WEIGHT,
    RRF_K,
    plan_search,
    prefetch_limit,
)
from resources.vectors.lexical import SparseVector
from resources.vectors.points import paged_points, payloads_by_record, point_ids_by_record
from resources.vectors.validation import (
    READERS_FIELD,
    canonical_point_id,
    check_limit,
    check_points,
    check_reader,
    check_user_id,
)

__all__ = ["QdrantServerVectorIndex", "QdrantServerVectorStore"]

_PAGE = 256


class QdrantServerVectorStore(VectorStore):
    """A collection on a Qdrant server, reached through one long-lived client.

    With `lexical` (the default) every point also carries a lexical vector, searched with the
    IDF modifier; without, the collection holds dense vectors only.
    """

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        location: str | None = None,
        collection_name: str,
        dimension: int,
        lexical: bool = True,
        check_compatibility: bool = True,
    ) -> None:
        if (url is None) == (location is None):
            raise ValueError(
                "Give QdrantServerVectorStore either url= (a Qdrant server) or "
                'location=":memory:", not both or neither.'
            )
        if dimension <= 0:
            raise ValueError(f"Embedding dimension must be positive, got {dimension}.")
        self.collection_name = collection_name
        self.dimension = dimension
        self.lexical = lexical
        self._url = url
        self._api_key = api_key
        self._location = location
        self._check_compatibility = check_compatibility
        # Created on first open(): constructing a client with a url already talks to the server.
        self._client: QdrantClient | None = None

    def __repr__(self) -> str:
        # The api key, and any credentials in the url, stay out of reprs and logs.
        where = f"url={_redacted(self._url)!r}" if self._url else f"location={self._location!r}"
        return (
            f"QdrantServerVectorStore({where}, collection_name={self.collection_name!r}, "
            f"dimension={self.dimension}, lexical={self.lexical})"
        )

    @contextmanager
    def open(self) -> Iterator[QdrantServerVectorIndex]:
        """A handle on the shared client; the collection is created on first use if missing."""
        yield QdrantServerVectorIndex(
            self._connect(), self.collection_name, self.dimension, lexical=self.lexical
        )

    def close(self) -> None:
        """Close the client (an in-memory collection is gone afterwards)."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def _connect(self) -> QdrantClient:
        if self._client is not None:
            return self._client
        if self._url is not None:
            # The version check runs in a background thread and only warns.
            client = QdrantClient(
                url=self._url,
                api_key=self._api_key,
                check_compatibility=self._check_compatibility,
            )
        else:
            client = QdrantClient(location=self._location)
        try:
            self._ensure_collection(client)
        except VectorStoreError:
            client.close()
            raise
        except Exception as exc:
            client.close()
            where = _redacted(self._url) if self._url else self._location
            reason = f"{type(exc).__name__}: {exc}"
            if self._api_key:
                reason = reason.replace(self._api_key, "***")
            raise VectorStoreError(
                f"Could not prepare collection {self.collection_name} on Qdrant at {where} "
                f"({reason}); check that the server is up and the url and api key are right."
            ) from None
        self._client = client
        return client

    def _ensure_collection(self, client: QdrantClient) -> None:
        name = self.collection_name
        if not client.collection_exists(name):
            try:
                client.create_collection(
                    name,
                    vectors_config=qm.VectorParams(
                        size=self.dimension, distance=qm.Distance.COSINE
                    ),
                    sparse_vectors_config=(
                        {LEXICAL_VECTOR: qm.SparseVectorParams(modifier=qm.Modifier.IDF)}
                        if self.lexical
                        else None
                    ),
                )
            except Exception:
                if not client.collection_exists(name):
                    raise
                # Another process created it first: fine, check it below like any other.
        params = client.get_collection(name).config.params
        if not isinstance(params.vectors, qm.VectorParams) or params.vectors.size != self.dimension:
            raise VectorStoreError(
                f"Qdrant collection {name} does not hold one {self.dimension}-dimension vector "
                "per point; use the embedding model it was built with or another collection."
            )
        lexical = (params.sparse_vectors or {}).get(LEXICAL_VECTOR)
        if self.lexical and (lexical is None or lexical.modifier != qm.Modifier.IDF):
            raise VectorStoreError(
                f"Qdrant collection {name} holds no lexical vectors with the IDF modifier; it was "
                "made by an older syncrag: use the collection syncrag names now."
            )
        with warnings.catch_warnings():
            # qdrant-client's in-process engine ignores payload indexes and says so.
            warnings.filterwarnings(
                "ignore", message="Payload indexes have no effect", category=UserWarning
            )
            # Idempotent on the server; is_tenant groups each user's points together on disk.
            client.create_payload_index(
                name,
                "user_id",
                qm.KeywordIndexParams(type=qm.KeywordIndexType.KEYWORD, is_tenant=True),
                wait=True,
            )
            for field_name in ("record_id", READERS_FIELD):
                client.create_payload_index(
                    name, field_name, qm.PayloadSchemaType.KEYWORD, wait=True
                )


class QdrantServerVectorIndex(VectorIndex):
    """A handle on one collection of a Qdrant client; every write waits until it is visible."""

    def __init__(
        self, client: QdrantClient, collection_name: str, dimension: int, *, lexical: bool = True
    ) -> None:
        self._client = client
        self._collection = collection_name
        self._dimension = dimension
        self._lexical = lexical

    def upsert(self, user_id: str, points: Sequence[StoredPoint]) -> None:
        checked = check_points(user_id, points, self._dimension, lexical=self._lexical)
        if not checked:
            return
        # update_filter makes the write tenant-safe: an id owned by another user is not touched.
        self._client.upsert(
            self._collection,
            [
                qm.PointStruct(
                    id=pid,
                    vector=vector
                    if sparse is None
                    else {DENSE_VECTOR: vector, LEXICAL_VECTOR: _sparse(sparse)},
                    payload=payload,
                )
                for pid, vector, sparse, payload in checked
            ],
            wait=True,
            update_filter=_user_filter(user_id),
        )

    def delete_points(self, user_id: str, point_ids: Sequence[str]) -> int:
        ids: list[Any] = sorted({canonical_point_id(pid) for pid in point_ids})
        if not ids:
            return 0
        return self._delete(_user_filter(user_id, qm.HasIdCondition(has_id=ids)))

    def delete_record(self, user_id: str, record_id: str) -> int:
        return self._delete(_user_filter(user_id, _match("record_id", record_id)))

    def point_ids_for_records(self, user_id: str, record_ids: Sequence[str]) -> dict[str, set[str]]:
        points = self._records_points(user_id, record_ids, ["record_id"])
        return point_ids_by_record(record_ids, points)

    def points_for_records(
        self, user_id: str, record_ids: Sequence[str]
    ) -> dict[str, dict[str, dict[str, Any]]]:
        return payloads_by_record(record_ids, self._records_points(user_id, record_ids, True))

    def retrieve(
        self, user_id: str, point_ids: Sequence[str], *, with_vectors: bool = True
    ) -> list[StoredPoint]:
        ids: list[Any] = sorted({canonical_point_id(pid) for pid in point_ids})
        if not ids:
            return []
        flt = _user_filter(user_id, qm.HasIdCondition(has_id=ids))
        return list(self._scroll(flt, with_payload=True, with_vectors=with_vectors))

    def search(
        self,
        user_id: str,
        vector: Sequence[float] | None,
        limit: int = 10,
        *,
        sparse: SparseVector | None = None,
        readable_by: str | None = None,
    ) -> list[SearchHit]:
        check_limit(limit)
        flt = _user_filter(user_id)
        if readable_by is not None:
            # `should` beside `must`: at least one of them holds, a listed reader or no list.
            flt.should = [
                _match(READERS_FIELD, check_reader(readable_by)),
                qm.IsEmptyCondition(is_empty=qm.PayloadField(key=READERS_FIELD)),
            ]
        plan = plan_search(vector, sparse, dimension=self._dimension, lexical=self._lexical)
        if plan.matches_nothing:
            return []
        dense, lexical = plan.dense, plan.lexical
        # Every stage carries the user filter: none may read past its tenant. IDF is counted
        # over this user's points only, so other tenants' documents do not sway the ranking.
        idf = qm.SearchParams(idf=qm.IdfCorpusParams(corpus=_user_filter(user_id)))
        if lexical is None:
            response = self._client.query_points(
                self._collection, query=dense, query_filter=flt, limit=limit, with_payload=True
            )
        elif dense is None:
            response = self._client.query_points(
                self._collection,
                query=_sparse(lexical),
                using=LEXICAL_VECTOR,
                query_filter=flt,
                search_params=idf,
                limit=limit,
                with_payload=True,
            )
        else:
            depth = prefetch_limit(limit)
            response = self._client.query_points(
                self._collection,
                prefetch=[
                    qm.Prefetch(query=dense, filter=flt, limit=depth),
                    qm.Prefetch(
                        query=_sparse(lexical),
                        using=LEXICAL_VECTOR,
                        filter=flt,
                        params=idf,
                        limit=depth,
                    ),
                ],
                query=qm.RrfQuery(rrf=qm.Rrf(k=RRF_K, weights=[DENSE_WEIGHT, LEXICAL_WEIGHT])),
                query_filter=flt,
                limit=limit,
                with_payload=True,
            )
        return [
            SearchHit(id=str(hit.id), score=hit.score, payload=hit.payload or {})
            for hit in response.points
        ]

    def scroll(
        self, user_id: str | None = None, *, with_vectors: bool = False
    ) -> Iterator[StoredPoint]:
        flt = None if user_id is None else _user_filter(user_id)
        return self._scroll(flt, with_payload=True, with_vectors=with_vectors)

    def count(self, user_id: str | None = None) -> int:
        flt = None if user_id is None else _user_filter(user_id)
        return self._client.count(self._collection, count_filter=flt, exact=True).count

    def _delete(self, flt: qm.Filter) -> int:
        # The delete response carries no count; counting first is exact for a single writer.
        matched = self._client.count(self._collection, count_filter=flt, exact=True).count
        if matched:
            self._client.delete(self._collection, qm.FilterSelector(filter=flt), wait=True)
        return matched

    def _records_points(
        self, user_id: str, record_ids: Sequence[str], with_payload: bool | list[str]
    ) -> Iterator[StoredPoint]:
        if not record_ids:
            return iter(())
        condition = qm.FieldCondition(key="record_id", match=qm.MatchAny(any=list(record_ids)))
        return self._scroll(
            _user_filter(user_id, condition), with_payload=with_payload, with_vectors=False
        )

    def _scroll(
        self, flt: qm.Filter | None, *, with_payload: bool | list[str], with_vectors: bool
    ) -> Iterator[StoredPoint]:
        return paged_points(
            lambda offset: self._client.scroll(
                self._collection,
                scroll_filter=flt,
                limit=_PAGE,
                offset=offset,
                with_payload=with_payload,
                with_vectors=with_vectors,
            ),
            with_vectors=with_vectors,
        )


def _sparse(sparse: SparseVector) -> qm.SparseVector:
    return qm.SparseVector(indices=list(sparse.indices), values=list(sparse.values))


def _match(key: str, value: str) -> qm.FieldCondition:
    return qm.FieldCondition(key=key, match=qm.MatchValue(value=value))


def _user_filter(user_id: str, *conditions: qm.Condition) -> qm.Filter:
    return qm.Filter(must=[_match("user_id", check_user_id(user_id)), *conditions])


def _redacted(url: str | None) -> str | None:
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
