"""One scenario of one corpus over all its rounds: medians and spreads of what was measured."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.peer import PeerRun
from bench.results import ScenarioResult
from bench.rounds import Spread, spread


@dataclass(frozen=True)
class ScenarioSummary:
    """The rounds of one (corpus, scenario), in round order."""

    rounds: tuple[ScenarioResult, ...]

    @property
    def first(self) -> ScenarioResult:
        return self.rounds[0]

    @property
    def corpus(self) -> str:
        return self.first.corpus

    @property
    def scenario(self) -> str:
        return self.first.scenario

    def over(self, value: Callable[[ScenarioResult], float | None]) -> Spread | None:
        return spread(value(r) for r in self.rounds)

    def counts(self, value: Callable[[ScenarioResult], int | None]) -> str:
        """A count that should not change between rounds: `5`, or `5/6` when it did."""
        seen = [value(r) for r in self.rounds]
        shown = dict.fromkeys("-" if v is None else str(v) for v in seen)
        return "/".join(shown)

    def peer_keys(self) -> list[str]:
        return list(dict.fromkeys(p.key for r in self.rounds for p in r.peers))

    def peer_runs(self, key: str) -> list[PeerRun]:
        return [p for r in self.rounds if (p := r.peer(key)) is not None]

    def peer_settings(self, key: str) -> str:
        runs = self.peer_runs(key)
        return (runs[0].settings or runs[0].name) if runs else key

    def loads(self) -> Spread | None:
        return self.over(lambda r: r.load_average)


def summarise(scenarios: Sequence[ScenarioResult]) -> list[ScenarioSummary]:
    """The rounds grouped per (corpus, scenario), in the order first measured."""
    groups: dict[tuple[str, str], list[ScenarioResult]] = {}
    for result in scenarios:
        groups.setdefault((result.corpus, result.scenario), []).append(result)
    return [
        ScenarioSummary(tuple(sorted(rounds, key=lambda r: r.round))) for rounds in groups.values()
    ]


def find(
    summaries: Sequence[ScenarioSummary], corpus: str, scenario: str
) -> ScenarioSummary | None:
    return next((s for s in summaries if s.corpus == corpus and s.scenario == scenario), None)
