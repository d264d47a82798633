"""The Embedder interface: a model's name, dimension, token limit, token count and vectors."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from resources.embedding.errors import EmbeddingInputTooLongError


class Embedder(ABC):
    """Turns texts into L2-normalised vectors; refuses texts longer than the model reads."""

    @property
    @abstractmethod
    def model_name(self) -> str:
        """A stable short name of the model (vector collections are named after it)."""

    @property
    @abstractmethod
    def dimension(self) -> int:
        """The length of every vector."""

    @property
    @abstractmethod
    def max_tokens(self) -> int:
        """The most tokens (special tokens included) the model reads without truncating."""

    @abstractmethod
    def count_tokens(self, text: str) -> int:
        """The text's token count with the model's own tokenizer, special tokens included."""

    def count_tokens_many(self, texts: Sequence[str]) -> list[int]:
        """`count_tokens` of each text; runtimes with a batch tokenizer count on all cores."""
        return [self.count_tokens(text) for text in texts]

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One L2-normalised vector per text, in order.

        Raises EmbeddingInputTooLongError rather than let the model truncate a text.
        """
        if not texts:
            return []
        return self._encode_checked(list(texts))

    def _encode_checked(self, texts: list[str]) -> list[list[float]]:
        """Checks every text's length, then encodes. A runtime that tokenizes anyway overrides
        this to check the lengths of its own tokenization instead of counting twice."""
        self._check_lengths([self.count_tokens(text) for text in texts])
        return self._encode(texts)

    def _check_lengths(self, counts: Sequence[int]) -> None:
        limit = self.max_tokens
        for position, count in enumerate(counts):
            if count > limit:
                raise EmbeddingInputTooLongError(
                    f"Text {position} has {count} tokens but {self.model_name} reads at most "
                    f"{limit}; chunk it with MarkdownChunker before embedding."
                )

    @abstractmethod
    def _encode(self, texts: list[str]) -> list[list[float]]:
        """The vectors of texts already known to fit the model."""
