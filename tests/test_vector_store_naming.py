"""Collection names and point ids: safe, stable and distinct where they must be."""

from __future__ import annotations

import re
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resources.vectors import (
    LEXICAL_SCHEME,
    POINT_ID_NAMESPACE,
    collection_name_for,
    point_id_for,
)


def test_collection_name_follows_the_model_dimension_and_lexical_scheme() -> None:
    assert LEXICAL_SCHEME == "lex1"
    assert collection_name_for("all-MiniLM-L6-v2", 384) == "syncrag__all-minilm-l6-v2__384__lex1"


def test_a_dense_only_collection_keeps_the_name_it_had_before_lexical_vectors() -> None:
    # An index built before lexical vectors lives here; the new name differs, so following the
    # configured collection re-indexes it (ingest.collection_switch), as after a model switch.
    old = collection_name_for("all-MiniLM-L6-v2", 384, None)
    assert old == "syncrag__all-minilm-l6-v2__384"
    assert old != collection_name_for("all-MiniLM-L6-v2", 384)
    assert collection_name_for("m", 8, "lex2") != collection_name_for("m", 8, "lex1")


@pytest.mark.parametrize("scheme", ["", "Lex1", "lex_1", "-lex"])
def test_unsafe_lexical_schemes_are_rejected(scheme: str) -> None:
    with pytest.raises(ValueError, match="scheme"):
        collection_name_for("m", 8, scheme)


def test_models_with_the_same_short_name_get_different_collections() -> None:
    assert collection_name_for("org-a/bge-small", 384) != collection_name_for(
        "org-b/bge-small", 384
    )


@given(st.text(min_size=1, max_size=300).filter(lambda s: re.search(r"[A-Za-z0-9]", s)))
def test_collection_names_use_safe_characters_only(model_name: str) -> None:
    name = collection_name_for(model_name, 384)
    assert re.fullmatch(r"syncrag__[a-z0-9][a-z0-9-]*__384__lex1", name)
    assert len(name) <= 86


def test_long_model_names_stay_distinct_after_truncation() -> None:
    base = "x" * 100
    assert collection_name_for(base + "a", 8) != collection_name_for(base + "b", 8)


@pytest.mark.parametrize(("model", "dimension"), [("all-MiniLM-L6-v2", 0), ("//", 384)])
def test_unusable_collection_inputs_are_rejected(model: str, dimension: int) -> None:
    with pytest.raises(ValueError):
        collection_name_for(model, dimension)


def test_point_id_is_the_documented_uuid5() -> None:
    expected = uuid.uuid5(
        POINT_ID_NAMESPACE,
        "u\x1fs\x1fr\x1f"
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"  # sha256("hello")
        "\x1f0",
    )
    assert point_id_for("u", "s", "r", "hello", 0) == str(expected)


def test_point_id_namespace_never_changes() -> None:
    # Changing it would re-embed every chunk of every user.
    assert str(POINT_ID_NAMESPACE) == "6f0d3c1e-5b8a-5e7c-9a41-2d7f0b9c8e13"


def test_point_id_changes_with_every_part() -> None:
    base = ("user", "sync", "record", "text", 0)
    variants = [
        ("user2", "sync", "record", "text", 0),
        ("user", "sync2", "record", "text", 0),
        ("user", "sync", "record2", "text", 0),
        ("user", "sync", "record", "text2", 0),
        ("user", "sync", "record", "text", 1),
    ]
    ids = {point_id_for(*base), *(point_id_for(*v) for v in variants)}
    assert len(ids) == 6


def test_parts_cannot_run_into_each_other() -> None:
    assert point_id_for("ab", "c", "r", "t", 0) != point_id_for("a", "bc", "r", "t", 0)


def test_negative_occurrence_is_rejected() -> None:
    with pytest.raises(ValueError, match="occurrence"):
        point_id_for("u", "s", "r", "t", -1)
