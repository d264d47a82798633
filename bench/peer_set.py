"""Which peers a corpus is measured against, each at the settings its label names."""

from __future__ import annotations

from collections.abc import Sequence

from bench.peer import Encode, LangChainPeer, Peer
from bench.peer_llamaindex import LlamaIndexPeer
from resources.text import MarkdownChunker

LANGCHAIN_FULL = "langchain-full"
LANGCHAIN_INCREMENTAL = "langchain-incremental"
LLAMAINDEX = "llamaindex"
# At their best first; the common mistake last. Their order in the first round of each corpus.
ALL_PEERS = (LANGCHAIN_FULL, LLAMAINDEX, LANGCHAIN_INCREMENTAL)
# Where syncrag's speed-up targets are judged: LangChain at its best settings.
REFERENCE_PEER = LANGCHAIN_FULL
LANGCHAIN_BATCH_SIZE = 100  # index()'s default


def make_peers(
    keys: Sequence[str], *, encode: Encode, chunker: MarkdownChunker, dimension: int
) -> list[Peer]:
    """Fresh peers (empty stores and bookkeeping) for `keys`, in that order."""
    peers: list[Peer] = []
    for key in keys:
        if key in (LANGCHAIN_FULL, LANGCHAIN_INCREMENTAL):
            peers.append(
                LangChainPeer(
                    encode=encode,
                    chunker=chunker,
                    dimension=dimension,
                    batch_size=LANGCHAIN_BATCH_SIZE,
                    cleanup="full" if key == LANGCHAIN_FULL else "incremental",
                )
            )
        elif key == LLAMAINDEX:
            peers.append(LlamaIndexPeer(encode=encode, chunker=chunker, dimension=dimension))
        else:
            raise ValueError(f"unknown peer {key!r}")
    return peers
