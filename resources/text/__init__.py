"""Text for the index: documents and records as Markdown, cut into token-bounded chunks."""

from resources.text.chunker import Chunk, MarkdownChunker

__all__ = ["Chunk", "MarkdownChunker"]
