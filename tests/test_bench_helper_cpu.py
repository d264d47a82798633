"""bench.helper_cpu and bench.vector_cache: helpers' CPU on syncrag's side; cached peer vectors."""

from __future__ import annotations

import subprocess
import sys

from bench import helper_cpu
from bench.vector_cache import PeerEncoder


def test_the_cpu_of_a_child_process_is_counted_as_a_helpers() -> None:
    started = helper_cpu.sample()

    subprocess.run([sys.executable, "-c", "sum(i * i for i in range(3_000_000))"], check=True)
    spent = helper_cpu.since(started)

    assert spent.helpers > 0
    assert spent.own >= 0


def test_the_peer_encoder_serves_cached_texts_and_embeds_only_the_rest() -> None:
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> list[list[float]]:
        calls.append(texts)
        return [[float(len(t))] for t in texts]

    encoder = PeerEncoder(encode)
    encoder.cache = {"known": [9.0]}

    assert encoder.encode(["known", "new", "known"]) == [[9.0], [3.0], [9.0]]
    assert calls == [["new"]] and encoder.served_from_cache == 2

    encoder.cache = None
    assert encoder.encode(["known"]) == [[5.0]]
    assert calls[-1] == ["known"]
