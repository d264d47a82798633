"""bench.machine: CPU model and memory read from /proc text."""

from __future__ import annotations

import pytest

from bench.machine import cpu_model, describe_machine, memory_gib


def test_cpu_model_is_the_model_name_line() -> None:
    text = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\n"
    assert cpu_model(text) == "Intel(R) Xeon(R) Processor"


def test_cpu_model_without_a_model_name_is_unknown() -> None:
    assert cpu_model("processor : 0\n") == "unknown"


def test_memory_is_memtotal_in_gib() -> None:
    assert memory_gib("MemTotal:       24731708 kB\nMemFree: 1 kB\n") == pytest.approx(
        23.59, abs=0.01
    )
    assert memory_gib("") is None


def test_the_description_names_cores_and_versions() -> None:
    machine = describe_machine()
    assert machine["nproc"] >= 1
    assert set(machine["versions"]) >= {"torch", "langchain-core", "qdrant-edge-py"}
