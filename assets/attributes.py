"""The assets' attributes that depend on settings, applied by the definitions function: the kind
of the embedding runtime, owners and tags. The `@asset`s carry the defaults (ONNX Runtime), so
nothing here reads the environment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dagster import AssetsDefinition, AssetSpec

# Kind of each embedding backend's runtime (SYNCRAG_EMBEDDING_BACKEND); the fake has none.
RUNTIME_KINDS: Mapping[str, str | None] = {
    "onnx-int8": "onnx",
    "onnx": "onnx",
    "sentence-transformers": "pytorch",
    "fake": None,
}
_ALL_RUNTIME_KINDS = frozenset(kind for kind in RUNTIME_KINDS.values() if kind)
# Kinds are kept as tags under this prefix; they are replaced through `kinds=`, not the tags.
_KIND_TAG_PREFIX = "dagster/kind/"


def with_settings_attributes(
    assets: Sequence[AssetsDefinition],
    *,
    embedding_backend: str,
    owners: Sequence[str],
    tags: Mapping[str, str],
) -> list[AssetsDefinition]:
    """`assets` with the runtime's kind in place of the default's, and the owners and tags."""
    runtime = RUNTIME_KINDS.get(embedding_backend)

    def apply(spec: AssetSpec) -> AssetSpec:
        kinds = set(spec.kinds)
        if kinds & _ALL_RUNTIME_KINDS:  # the asset that embeds: name the configured runtime
            kinds = (kinds - _ALL_RUNTIME_KINDS) | ({runtime} if runtime else set())
        return spec.replace_attributes(
            kinds=kinds,
            owners=[*spec.owners, *(o for o in owners if o not in spec.owners)],
            tags={
                **{k: v for k, v in spec.tags.items() if not k.startswith(_KIND_TAG_PREFIX)},
                **tags,
            },
        )

    return [asset.map_asset_specs(apply) for asset in assets]
