"""The LangChain peer as the harness drives it: counts its embeddings, and what cleanup leaves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.peer import LangChainPeer, PeerDocument
from resources.embedding import FakeEmbedder
from resources.text import MarkdownChunker

FAKE = FakeEmbedder(dimension=16)


def document(source: str, paragraphs: int) -> PeerDocument:
    body = "\n\n".join(
        f"Paragraph {n} of {source} talks about ledger cursors and vector payloads at length."
        for n in range(paragraphs)
    )
    return PeerDocument(source, source, f"# {source}\n\n{body}\n")


@pytest.fixture
def peer() -> Iterator[LangChainPeer]:
    chunker = MarkdownChunker(FAKE.count_tokens, 64, overlap_tokens=0)
    made = LangChainPeer(encode=FAKE.embed, chunker=chunker, dimension=16, batch_size=1000)
    yield made
    made.close()


def test_a_first_index_embeds_every_chunk_and_a_repeat_embeds_none(peer: LangChainPeer) -> None:
    documents = {"u": [document("a.md", 6), document("b.md", 2)]}

    first = peer.index(documents)
    again = peer.index(documents)

    assert first.embeddings == first.added > 2
    assert again.embeddings == 0 and again.skipped == first.added


def test_incremental_cleanup_leaves_a_document_that_is_no_longer_fed(peer: LangChainPeer) -> None:
    peer.index({"u": [document("a.md", 3), document("gone.md", 3)]})

    peer.index({"u": [document("a.md", 3)]})

    assert peer.points_of({"u": {"gone.md"}}) > 0
    assert peer.points_of({"u": {"never.md"}}) == 0


def test_points_are_counted_per_user(peer: LangChainPeer) -> None:
    peer.index({"u": [document("a.md", 2)], "v": [document("a.md", 2)]})
    assert peer.points_of({"u": {"a.md"}}) == peer.points_of({"v": {"a.md"}}) > 0
    assert peer.points_of({"u": set()}) == 0
