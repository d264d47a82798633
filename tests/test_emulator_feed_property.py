"""Property: a client paging the emulator's feed while the source changes ends with the source."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

import anyio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator import EmulatorConfig
from emulator.testing import Harness, harness
from tests import test_emulator_support as support

USER = "prop"
NAMES = [f"f{index}.txt" for index in range(6)]

operations = st.lists(
    st.one_of(
        st.tuples(st.just("page"), st.integers(min_value=1, max_value=4)),
        st.tuples(st.just("write"), st.integers(min_value=0, max_value=len(NAMES) - 1)),
        st.tuples(st.just("delete"), st.integers(min_value=0, max_value=len(NAMES) - 1)),
        st.tuples(st.sampled_from(["incremental", "full"]), st.just(0)),
    ),
    max_size=25,
)


class Consumer:
    """A client that keeps the latest version of each record it was served."""

    def __init__(self, emu: Harness, sync_id: str) -> None:
        self.emu = emu
        self.sync_id = sync_id
        self.cursor: str | None = None
        self.view: dict[str, dict[str, Any]] = {}

    async def page(self, size: int) -> dict[str, Any]:
        params: dict[str, Any] = {"pageSize": size}
        if self.cursor is not None:
            params["cursor"] = self.cursor
        body = await self.emu.page(USER, self.sync_id, **params)
        for item in body["data"]:
            known = self.view.get(item["id"])
            if not item.get("deleted"):
                # Every write has unique content, so a live version is never served twice.
                assert known is None or known.get("hash") != item["hash"], "version served twice"
            self.view[item["id"]] = item
        self.cursor = body["paging"]["cursor"]
        return body

    async def catch_up(self) -> None:
        while True:
            body = await self.page(3)
            if not body["data"] or body["paging"]["remainingRecords"] == 0:
                return


async def _scenario(ops: list[tuple[str, int]]) -> None:
    private, public = support.dev_keys()
    with tempfile.TemporaryDirectory() as folder:
        files = support.source_folder(Path(folder), USER)
        writes = 0
        for name in NAMES[:3]:
            writes += 1
            (files / name).write_text(f"write {writes}\n")
        config = EmulatorConfig(root=Path(folder), public_key_pem=public)
        async with harness(config, private) as emu:
            sync_id = await emu.enable(USER)
            await emu.run(sync_id, "initial")
            consumer = Consumer(emu, sync_id)
            for op, arg in ops:
                if op == "page":
                    await consumer.page(arg)
                elif op == "write":
                    writes += 1
                    (files / NAMES[arg]).write_text(f"write {writes}\n")
                elif op == "delete":
                    (files / NAMES[arg]).unlink(missing_ok=True)
                else:
                    await emu.run(sync_id, op)
            await emu.run(sync_id, "full")
            await consumer.catch_up()
        live = {
            item["externalId"]: item["hash"]["sha256"]
            for item in consumer.view.values()
            if not item.get("deleted")
        }
        expected = {
            path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in files.iterdir()
        }
        assert live == expected


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations)
def test_paging_during_changes_converges_to_the_source(ops: list[tuple[str, int]]) -> None:
    anyio.run(_scenario, ops)
