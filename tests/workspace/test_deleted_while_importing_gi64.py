"""A flow file deleted while the monitor's first load imports it.

The monitor's watch starts once the first load is in, and its first look at the folder
was taken then: a file deleted while the flow host imported it was never in what the
watch had seen, so its deletion was no change, and its flow stayed listed (and runnable,
`r` offered) for good, where a monitor that had finished loading listed it ``(gone)``.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from flowtop.workspace import RemoteWorkspace, Workspace
from flowtop.workspace.changes import WorkspaceChanged
from waits import WatchStarts, until, wait_until

#: A flow file whose import waits while ``GATE`` (a file the test controls) exists, after
#: saying it started there.
HELD = """
import time
from pathlib import Path

from flowtop import Flow, task

GATE = Path({gate!r})
GATE.write_text("importing")
held_until = time.monotonic() + 30  # a test that failed midway lets go anyway
while GATE.exists() and time.monotonic() < held_until:
    time.sleep(0.01)


@task
def s():
    raise ValueError("nope")


with Flow("slowimport") as flow:
    s()
"""


@pytest.mark.parametrize("in_process", [False, True], ids=["flow-host", "in-process"])
async def test_a_file_deleted_while_the_first_load_imports_it_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_process: bool
) -> None:
    """The monitor's (its flow host), and an embedded in-process ``Workspace``'s, which
    stamps its files before its first load the same way (``watcher.stamp_before_load``)."""
    gate = tmp_path / "gate.txt"  # not a file the watcher reloads
    gate.write_text("")
    flow_file = tmp_path / "slowimport.py"
    flow_file.write_text(HELD.format(gate=str(gate)), encoding="utf-8")
    starts = WatchStarts(monkeypatch)
    made = Workspace(tmp_path, isolate_imports=False) if in_process else RemoteWorkspace(tmp_path)
    with made as workspace:
        loaded: list[WorkspaceChanged] = []
        loading = threading.Thread(target=lambda: loaded.append(workspace.load()))
        loading.start()
        try:
            await asyncio.to_thread(
                wait_until, lambda: gate.read_text() == "importing", "the import to start"
            )
            flow_file.unlink()
        finally:
            gate.unlink()
            await asyncio.to_thread(loading.join)
        assert workspace.flow_files == {"slowimport": flow_file}  # imported before it went

        stop = asyncio.Event()
        changes = workspace.watch(stop)
        watching = asyncio.ensure_future(asyncio.wait_for(anext(changes), 20))
        try:
            await starts.on(1, watching)
            assert starts.missed[0] == [flow_file]  # the deletion, caught up with
            change = await watching
            assert change.removed == ("slowimport",)
            await until(lambda: "slowimport" not in workspace.flow_files, "the flow removed")
        finally:
            stop.set()
            watching.cancel()
            await asyncio.wait({watching})
            await changes.aclose()
