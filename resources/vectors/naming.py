"""Names in the vector store: collection names per embedding model and lexical scheme, and
deterministic point ids."""

from __future__ import annotations

import hashlib
import re
import uuid

from resources.vectors.lexical import LEXICAL_SCHEME

__all__ = ["POINT_ID_NAMESPACE", "collection_name_for", "point_id_for"]

# Fixed forever: changing it changes every point id, so every chunk would be re-embedded.
POINT_ID_NAMESPACE = uuid.UUID("6f0d3c1e-5b8a-5e7c-9a41-2d7f0b9c8e13")

_UNSAFE = re.compile(r"[^a-z0-9]+")
_MAX_SLUG = 64
_SEPARATOR = "\x1f"


def collection_name_for(
    model_name: str, dimension: int, lexical_scheme: str | None = LEXICAL_SCHEME
) -> str:
    """The collection for one embedding model and lexical scheme, e.g.
    "syncrag__all-minilm-l6-v2__384__lex1"; without a scheme (dense vectors only, as syncrag
    kept before lexical vectors) "syncrag__all-minilm-l6-v2__384".

    The whole model name is kept (an organisation prefix becomes part of the slug) so that two
    models with the same short name never share a collection. A new lexical scheme names a new
    collection, so an index built under another is rebuilt, as after a model switch. Only
    [a-z0-9-] survive, which makes the name safe both for Qdrant and as an Edge shard directory.
    """
    if dimension <= 0:
        raise ValueError(f"Embedding dimension must be positive, got {dimension}.")
    slug = _UNSAFE.sub("-", model_name.lower()).strip("-")
    if not slug:
        raise ValueError(
            f"Model name {model_name!r} has no letters or digits to name a collection."
        )
    if len(slug) > _MAX_SLUG:
        # Keep long names distinct after truncation.
        digest = hashlib.sha256(model_name.encode()).hexdigest()[:8]
        slug = f"{slug[: _MAX_SLUG - 9].rstrip('-')}-{digest}"
    name = f"syncrag__{slug}__{dimension}"
    if lexical_scheme is None:
        return name
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", lexical_scheme):
        raise ValueError(f"Lexical scheme {lexical_scheme!r} must be lower-case [a-z0-9-].")
    return f"{name}__{lexical_scheme}"


def point_id_for(
    user_id: str, sync_id: str, record_id: str, chunk_text: str, occurrence: int
) -> str:
    """The point id of one chunk: stable while the chunk's text is, whatever moves around it.

    `occurrence` is how many earlier chunks of the same record have the identical text, so that
    repeated chunks (a boilerplate footer) get distinct ids.
    """
    if occurrence < 0:
        raise ValueError(f"Chunk occurrence must be zero or more, got {occurrence}.")
    text_hash = hashlib.sha256(chunk_text.encode()).hexdigest()
    name = _SEPARATOR.join((user_id, sync_id, record_id, text_hash, str(occurrence)))
    return str(uuid.uuid5(POINT_ID_NAMESPACE, name))
