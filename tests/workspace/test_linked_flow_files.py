"""A flow file that is a symlink: a save of its target reloads it, and a link to nothing
is named as such."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

from waits import WatchStarts

FLOW = "from flowtop import Flow\nflow = Flow({name!r})\n"


def test_a_broken_link_is_named_with_its_target(write, workspace, tmp_path):
    write("etl.py", FLOW.format(name="etl"))
    target = tmp_path.parent / f"{tmp_path.name}-nowhere" / "dangling.py"
    os.symlink(target, tmp_path / "dangling.py")
    ws = workspace()
    assert list(ws.flows) == ["etl"]
    assert str(ws.errors[tmp_path / "dangling.py"]) == (
        f"dangling.py: broken symlink: its target {target} does not exist"
    )


async def next_change(iterator, seconds: float = 5.0):
    return await asyncio.wait_for(anext(iterator), seconds)


async def test_saving_a_link_target_outside_the_folder_reloads_the_link(
    write, workspace, tmp_path, monkeypatch
):
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    elsewhere.mkdir()
    try:
        target = elsewhere / "ext.py"
        target.write_text(FLOW.format(name="ext"))
        link = tmp_path / "ext.py"
        os.symlink(target, link)
        ws = workspace()
        assert ws.flow_files == {"ext": link}
        starts = WatchStarts(monkeypatch)
        stop = asyncio.Event()
        changes = ws.watch(stop)
        watching = asyncio.ensure_future(next_change(changes))
        await starts.on(1, watching)  # the watch is on before the save
        target.write_text(FLOW.format(name="ext2"))
        change = await watching
        assert change.flows == ("ext2",) and change.removed == ("ext",)
        assert ws.flow_files == {"ext2": link}
        link.write_text(FLOW.format(name="ext3"))  # a save through the link
        change = await next_change(changes)
        while "ext3" not in change.flows:
            change = await next_change(changes)
        assert ws.flow_files == {"ext3": link}
        stop.set()
        await changes.aclose()
    finally:
        shutil.rmtree(elsewhere)


async def test_a_link_made_while_watching_is_followed_too(write, workspace, tmp_path, monkeypatch):
    elsewhere = tmp_path.parent / f"{tmp_path.name}-later"
    elsewhere.mkdir()
    try:
        write("etl.py", FLOW.format(name="etl"))
        ws = workspace()
        starts = WatchStarts(monkeypatch)
        stop = asyncio.Event()
        changes = ws.watch(stop)
        watching = asyncio.ensure_future(next_change(changes))
        await starts.on(1, watching)
        target = elsewhere / "late.py"
        target.write_text(FLOW.format(name="late"))
        os.symlink(target, tmp_path / "late.py")
        change = await watching
        while "late" not in change.flows:
            change = await next_change(changes)
        watching = asyncio.ensure_future(next_change(changes))
        await starts.on(2, watching)  # the watch restarts with the target's folder
        target.write_text(FLOW.format(name="late2"))
        change = await watching
        while "late2" not in change.flows:
            change = await next_change(changes)
        assert ws.flow_files["late2"] == Path(tmp_path / "late.py")
        stop.set()
        await changes.aclose()
    finally:
        shutil.rmtree(elsewhere)
