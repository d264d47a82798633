"""RecordingEmbedder: what the pipeline embedded is what the ceiling replays."""

from __future__ import annotations

from bench.recording import RecordingEmbedder
from resources.embedding import FakeEmbedder


def test_it_returns_the_inner_vectors_and_records_the_texts_in_order() -> None:
    inner = FakeEmbedder()
    recording = RecordingEmbedder(inner)

    vectors = recording.embed(["alpha beta", "gamma"])
    recording.embed(["delta"])

    assert vectors == FakeEmbedder().embed(["alpha beta", "gamma"])
    texts, seconds, calls = recording.take()
    assert texts == ["alpha beta", "gamma", "delta"]
    assert calls == 2
    assert seconds >= 0.0


def test_take_starts_afresh_and_empty_calls_are_not_counted() -> None:
    recording = RecordingEmbedder(FakeEmbedder())
    recording.embed(["one"])
    recording.take()

    recording.embed([])

    assert recording.take() == ([], 0.0, 0)


def test_it_describes_the_inner_model() -> None:
    inner = FakeEmbedder(dimension=32, max_tokens=64)
    recording = RecordingEmbedder(inner)
    assert (recording.model_name, recording.dimension, recording.max_tokens) == (
        inner.model_name,
        32,
        64,
    )
    assert recording.count_tokens("two words") == inner.count_tokens("two words")
