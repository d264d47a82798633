"""The extracted Markdown of corpus files, for the peer: the same extraction syncrag runs.

The peer's timing starts after extraction (the LangChain indexing API is handed documents), and
unchanged files are extracted once, so repeated scenarios do not pay for it again.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath

from bench.corpus import BenchDocument
from demo import MEDIA_TYPES
from resources.text import ExtractionError, extract_markdown


class ExtractedTexts:
    """Markdown per document, cached by the file's bytes."""

    def __init__(self) -> None:
        self._cache: dict[str, str | None] = {}
        self.failures: dict[str, str] = {}

    def markdown(self, document: BenchDocument) -> str | None:
        """The document's Markdown, or None when it cannot be read as text (syncrag errors it)."""
        data = document.path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest not in self._cache:
            try:
                self._cache[digest] = extract_markdown(
                    data,
                    mime_type=MEDIA_TYPES.get(document.fmt, "text/plain"),
                    name=PurePosixPath(document.external_id).name,
                )
            except ExtractionError as exc:
                self.failures[document.external_id] = str(exc)
                self._cache[digest] = None
        return self._cache[digest]
