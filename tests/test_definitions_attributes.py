"""The assets' settings-dependent attributes, as the loaded code location shows them: the kind of
the configured embedding runtime, owners and tags, and code references to the local files or to
the repository."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import (
    AssetSpec,
    CodeReferencesMetadataValue,
    LocalFileCodeReference,
    UrlCodeReference,
)

from pipelines.definitions import build_definitions

ROOT = Path(__file__).resolve().parents[1]


def _specs(environ: dict[str, str]) -> dict[str, AssetSpec]:
    specs = build_definitions(environ).resolve_all_asset_specs()
    return {spec.key.to_user_string(): spec for spec in specs}


@pytest.mark.parametrize(
    ("backend", "kinds"),
    [
        (None, {"qdrant", "onnx"}),  # the default, onnx-int8: ONNX Runtime
        ("onnx", {"qdrant", "onnx"}),
        ("sentence-transformers", {"qdrant", "pytorch"}),
        ("fake", {"qdrant"}),
    ],
)
def test_vector_index_names_the_configured_runtime(backend: str | None, kinds: set[str]) -> None:
    environ = {"SYNCRAG_EMBEDDING_BACKEND": backend} if backend else {}
    specs = _specs(environ)
    assert set(specs["vector_index"].kinds) == kinds
    assert set(specs["synced_records"].kinds) == {"python", "sql"}


def test_owners_and_tags_come_from_the_settings() -> None:
    specs = _specs(
        {"SYNCRAG_ASSET_OWNERS": "ada@example.com,team:search", "SYNCRAG_ASSET_TAGS": "tier=1"}
    )
    for spec in specs.values():
        assert list(spec.owners) == ["ada@example.com", "team:search"]
        assert spec.tags["tier"] == "1"
    assert not any(spec.owners for spec in _specs({}).values())


def _references(spec: AssetSpec) -> list[object]:
    value = spec.metadata["dagster/code_references"]
    assert isinstance(value, CodeReferencesMetadataValue)
    return list(value.code_references)


def test_code_references_point_at_the_local_files_by_default() -> None:
    [reference] = _references(_specs({})["vector_index"])
    assert isinstance(reference, LocalFileCodeReference)
    assert reference.file_path == str(ROOT / "assets" / "vector_index.py")


def test_code_references_link_to_the_repository_when_set() -> None:
    specs = _specs(
        {"SYNCRAG_CODE_GIT_URL": "https://github.com/acme/syncrag", "SYNCRAG_CODE_GIT_BRANCH": "v2"}
    )
    [reference] = _references(specs["synced_records"])
    assert isinstance(reference, UrlCodeReference)
    assert reference.url.startswith(
        "https://github.com/acme/syncrag/tree/v2/assets/synced_records.py#L"
    )


def test_the_asset_keys_are_unchanged() -> None:
    assert set(_specs({})) == {"synced_records", "vector_index"}
