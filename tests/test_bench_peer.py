"""The peers as the harness drives them: what they embed, and what their cleanup leaves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.peer import Cleanup, LangChainPeer, PeerDocument
from bench.peer_llamaindex import LlamaIndexPeer
from resources.embedding import FakeEmbedder
from resources.text import MarkdownChunker

FAKE = FakeEmbedder(dimension=16)


def document(source: str, paragraphs: int) -> PeerDocument:
    body = "\n\n".join(
        f"Paragraph {n} of {source} talks about ledger cursors and vector payloads at length."
        for n in range(paragraphs)
    )
    return PeerDocument(source, source, f"# {source}\n\n{body}\n")


CHUNKER = MarkdownChunker(FAKE.count_tokens, 64, overlap_tokens=0)


def langchain(cleanup: Cleanup, batch_size: int = 1000) -> LangChainPeer:
    return LangChainPeer(
        encode=FAKE.embed, chunker=CHUNKER, dimension=16, batch_size=batch_size, cleanup=cleanup
    )


@pytest.fixture
def peer() -> Iterator[LangChainPeer]:
    made = langchain("incremental")
    yield made
    made.close()


@pytest.fixture
def llama() -> Iterator[LlamaIndexPeer]:
    made = LlamaIndexPeer(encode=FAKE.embed, chunker=CHUNKER, dimension=16)
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


def test_full_cleanup_deletes_a_document_no_longer_fed_and_embeds_nothing_again() -> None:
    full = langchain("full", batch_size=3)  # batches smaller than a document: no straddling
    try:
        documents = {"u": [document("a.md", 6), document("gone.md", 3)]}
        first = full.index(documents)
        again = full.index(documents)
        after = full.index({"u": [document("a.md", 6)]})

        assert again.embeddings == 0 and again.skipped == first.added
        assert after.embeddings == 0 and after.deleted > 0
        assert full.points_of({"u": {"gone.md"}}) == 0
        assert full.points_of({"u": {"a.md"}}) > 0
        assert full.key == "langchain-full" and 'cleanup="full"' in full.settings
    finally:
        full.close()


def test_incremental_is_labelled_as_the_mistake_it_is() -> None:
    made = langchain("incremental", batch_size=100)
    try:
        assert made.key == "langchain-incremental" and "mistake" in made.settings
    finally:
        made.close()


def test_llamaindex_skips_unchanged_documents_and_deletes_those_no_longer_fed(
    llama: LlamaIndexPeer,
) -> None:
    documents = {"u": [document("a.md", 6), document("gone.md", 3)], "v": [document("a.md", 3)]}

    first = llama.index(documents)
    again = llama.index(documents)
    after = llama.index({"u": [document("a.md", 6)], "v": [document("a.md", 3)]})

    assert first.embeddings == first.added > 3
    assert again.embeddings == 0
    assert after.embeddings == 0 and after.deleted > 0
    assert llama.points_of({"u": {"gone.md"}}) == 0
    assert llama.points_of({"u": {"a.md"}}) > llama.points_of({"v": {"a.md"}}) > 0


def test_llamaindex_re_embeds_every_chunk_of_an_edited_document(llama: LlamaIndexPeer) -> None:
    llama.index({"u": [document("a.md", 6), document("b.md", 6)]})
    edited = PeerDocument("a.md", "a.md", document("a.md", 6).markdown + "\nOne more line.\n")

    after = llama.index({"u": [edited, document("b.md", 6)]})

    assert after.embeddings == llama.points_of({"u": {"a.md"}}) > 1
