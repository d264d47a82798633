"""Example questions for the demo, one per sample user, each answered by that user's documents
and by no one else's."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["EXAMPLE_QUERIES"]

EXAMPLE_QUERIES: Mapping[str, str] = MappingProxyType(
    {
        # Store operations manual: "out of the deck ovens by 06:15".
        "alice": "By what time must the first tray of croissants be out of the oven?",
        # Battery postmortem: a damaged separator in cell group 3 of Tern unit 07.
        "bob": "What caused the battery thermal event on Tern unit 07?",
        # Records retention policy and practice handbook: 7 years after the matter closes.
        "carol": "How long do we keep closed client matter files?",
    }
)
