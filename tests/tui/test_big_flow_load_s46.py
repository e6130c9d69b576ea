"""A flow of many tasks loads without the garbage collector scanning it over and over.

A 100,000-task flow took the monitor 2.1 s from opening its folder to its rows, and
``flowtop list --json`` 3.5 s: the collections that its objects set off (in the flow
host's import, the loader child's, the TUI's reading of the shapes) scanned every object
made so far, none of them garbage, and the loader child sent each task's policy
description whole (53 MB of JSON). These tests check the behaviour around that: the
collector is paused while a flow file is imported and back on after it, and what the
loader child sends once per policy reaches ``flowtop list`` whole, for every task.
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from flowtop.tui.app import FlowtopApp
from flowtop.workspace.flow_shapes import collector_paused
from flowtop.workspace.loader_process import run_child
from flowtop.workspace.remote_workspace import RemoteWorkspace
from flowtop.workspace.workspace_description import describe_workspace
from pilot_kit import wait_for

#: ``fanout-1000`` in small: one ``@task`` called N times, a fan-in, and a task with a
#: policy of its own. The import writes down whether the collector was on.
FANOUT = """
import gc
from pathlib import Path

from flowtop import Flow, task

Path(__file__).with_suffix(".gc").write_text(str(gc.isenabled()))


@task(retry_on=[TimeoutError], max_retries=3, retry_delay=0.3)
def fetch_page(page: int) -> int:
    return page * 10


@task
def count(*pages: int) -> int:
    return len(pages)


@task(max_retries=1)
def report(total: int) -> None:
    pass


with Flow("fanout") as flow:
    report(count(*[fetch_page(i) for i in range(N)]))
"""


@pytest.fixture
def fanout(tmp_path: Path) -> Iterator[Path]:
    """A folder with the fan-out of 300 calls, the test run from it."""
    (tmp_path / "fanout.py").write_text("N = 300\n" + FANOUT)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(cwd)


def test_collector_paused_turns_the_collector_back_on_only_if_it_was() -> None:
    def failed_import() -> None:
        with collector_paused():
            assert not gc.isenabled()
            raise KeyError("an import that failed")

    assert gc.isenabled()
    with pytest.raises(KeyError):
        failed_import()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # someone else's pause is not ended here
    finally:
        gc.enable()


def test_pauses_that_overlap_leave_the_collector_on_once_the_last_ends() -> None:
    """A load's thread and the screen's may pause at once, the first ending first: the
    collector stays off until the second ends, then is on (never left off for good)."""
    load, screen = ExitStack(), ExitStack()
    load.enter_context(collector_paused())
    screen.enter_context(collector_paused())
    load.close()
    assert not gc.isenabled()
    screen.close()
    assert gc.isenabled()


def test_the_flow_host_imports_a_flow_file_with_the_collector_paused(fanout: Path) -> None:
    workspace = RemoteWorkspace(str(fanout))
    try:
        workspace.load()
        assert (fanout / "fanout.gc").read_text() == "False"
        shape = workspace.shapes["fanout"]
        assert len(shape.nodes) == 302
        assert len(shape.nodes["count"].upstream) == 300
        assert shape.nodes["fetch_page-300"].policy is shape.nodes["fetch_page"].policy
        assert shape.nodes["report"].policy.summary.startswith("1×")
        (fanout / "fanout.gc").unlink()
        workspace.reload_paths([fanout / "fanout.py"])  # a save: imported again, paused too
        assert (fanout / "fanout.gc").read_text() == "False"
    finally:
        workspace.close()
    assert gc.isenabled()  # the TUI's side reads the shapes paused, then collects again


#: A flow file whose flow says, when it is freed, which import made it.
MARKED = """
import weakref
from pathlib import Path

from flowtop import Flow, task

IMPORT = len(list(Path(__file__).parent.glob("import-*"))) + 1
Path(__file__).with_name(f"import-{IMPORT}").touch()


@task
def step() -> None:
    pass


with Flow("marked") as flow:
    step()

weakref.finalize(flow, Path(__file__).with_name(f"freed-{IMPORT}").touch)
"""


async def test_the_flow_host_frees_the_flow_a_save_replaced(tmp_path: Path) -> None:
    """Its flows hold reference cycles (a module and its functions), which only a
    collection frees, and a host that paused the collector while it loaded never counted
    up to one: each save of a 100,000-task flow left the old one in the host (+70 MB)."""
    (tmp_path / "marked.py").write_text(MARKED)
    workspace = RemoteWorkspace(str(tmp_path))
    try:
        workspace.load()
        workspace.reload_paths([tmp_path / "marked.py"])
        assert (tmp_path / "import-2").exists()
        deadline = time.monotonic() + 15  # a safety timeout, not a timing check
        while not (tmp_path / "freed-1").exists():
            assert time.monotonic() < deadline, "the replaced flow was never freed"
            await asyncio.sleep(0.02)
        assert not (tmp_path / "freed-2").exists()  # the flow loaded now stays
    finally:
        workspace.close()


def test_the_loader_child_sends_each_policy_once_and_flowtop_list_gets_it_per_task(
    fanout: Path,
) -> None:
    request = {"kind": "describe", "path": str(fanout), "cwd": str(fanout), "timeout": 30}
    reply = run_child(request)
    assert reply["error"] is None, reply
    tasks = reply["flows"]["fanout"]["tasks"]
    # fetch_page's, count's (the defaults), report's: each policy and its values as data
    assert len(reply["policies"]) == 6
    assert [task["policy"] for task in tasks[:300]] == [0] * 300
    assert [task["policy_values"] for task in tasks[:300]] == [1] * 300
    described = describe_workspace(str(fanout))
    assert described.problems == []
    listed = {task["task"]: task for task in described.flows["fanout"]["tasks"]}
    assert len(listed) == 302
    assert listed["fetch_page-17"]["policy"]["max_retries"] == {"value": "3", "layer": "task"}
    assert listed["fetch_page-17"]["policy"]["retry_on"] == {
        "value": "TimeoutError",
        "layer": "task",
    }
    assert listed["report"]["policy"]["max_retries"] == {"value": "1", "layer": "task"}
    assert listed["count"]["upstream"] == [
        "fetch_page",
        *(f"fetch_page-{i}" for i in range(2, 301)),
    ]


async def test_the_monitor_shows_every_row_of_a_fan_out_it_opened(fanout: Path) -> None:
    (fanout / "fanout.py").write_text("N = 3000\n" + FANOUT)
    workspace = RemoteWorkspace(str(fanout))
    app = FlowtopApp(workspace, load=True, run_processes=True, watch=False)
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await wait_for(pilot, lambda: len(app.table.keys) == 3002, "the fan-out's rows")
            table = app.table
            assert table.keys[:2] == ["fetch_page", "fetch_page-2"]
            assert table.keys[-2:] == ["count", "report"]
            run = table.run
            assert run is not None
            assert table.policy_source is not None
            assert table.policy_source(run.rows["fetch_page-2999"]).startswith("3×")
            assert table.policy_source(run.rows["report"]).startswith("1×")
            app.shutdown()
    finally:
        workspace.close()
