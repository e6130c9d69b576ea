"""A settings file that is a symlink to a file outside the workspace reloads when its
target is saved, as a symlinked flow file does (a shared ``flowtop.toml`` kept in a
config repository): the monitor showed a policy its runs no longer used, and never its
error."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from waits import WatchStarts

FLOW = """
from flowtop import Flow, task

@task
def load():
    return 1

with Flow("etl") as flow:
    load()
"""


async def next_change(iterator, seconds: float = 10.0):
    return await asyncio.wait_for(anext(iterator), seconds)


def timeout_of(ws) -> float | None:
    flow = ws.flows["etl"]
    return ws.policy_for(flow, flow.node("load")).timeout


@pytest.mark.parametrize("name", ["flowtop.toml", ".flowtop/overrides.toml"])
async def test_saving_a_settings_link_target_outside_reloads_it(
    name: str, write, workspace, tmp_path: Path, monkeypatch
):
    elsewhere = tmp_path.parent / f"{tmp_path.name}-settings"
    elsewhere.mkdir()
    try:
        write("etl.py", FLOW)
        target = elsewhere / "shared.toml"
        target.write_text('[flows."etl".tasks."load"]\ntimeout = 4\n')
        link = tmp_path / name
        link.parent.mkdir(exist_ok=True)
        os.symlink(target, link)
        ws = workspace()
        assert timeout_of(ws) == 4
        starts = WatchStarts(monkeypatch)
        stop = asyncio.Event()
        changes = ws.watch(stop)
        watching = asyncio.ensure_future(next_change(changes))
        await starts.on(1, watching)  # the watch is on before the save
        target.write_text('[flows."etl".tasks."load"]\ntimeout = 7\n')
        change = await watching
        assert change.settings_changed and timeout_of(ws) == 7
        target.write_text('[flows."etl".tasks."load"]\ntimeout = "7x"\n')  # broken
        change = await next_change(changes)
        assert change.settings_kept and timeout_of(ws) == 7  # the last good one stays
        assert any(link.name in str(error) for error in change.errors)
        stop.set()
        await changes.aclose()
    finally:
        shutil.rmtree(elsewhere)
