"""The error a command raises for a mistake its user can fix: `main` prints it on one line."""

from __future__ import annotations

from collections.abc import Sequence


class UserError(Exception):
    """A person's mistake (an unknown user, an empty argument): one sentence, exit code 1.

    `details` are printed below the sentence, one per line (e.g. the records meant instead).
    """

    def __init__(self, sentence: str, *, details: Sequence[str] = (), exit_code: int = 1) -> None:
        super().__init__(sentence)
        self.details = list(details)
        self.exit_code = exit_code
