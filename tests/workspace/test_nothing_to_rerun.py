"""``nothing_to_rerun``: whether `f` on a completed run of a static flow would rerun a
task, asked of the process holding the code (the monitor imports no flow file).

A call changed since the run (``extract("/orders")`` saved as ``extract("/customers")``)
reruns that task and what it feeds, as ``flowtop run --rerun-of N`` does; the monitor
looked only for added tasks and said "nothing to rerun".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from flowtop.engine.states import StateType
from flowtop.workspace import RemoteWorkspace, Workspace

SALES = """
from flowtop import Flow, task


@task
def extract(path):
    return [path]


@task
def report(rows):
    return len(rows)


with Flow("sales") as flow:
    report(extract("{table}"))
"""

NOTHING = "Run #1 of sales has nothing to rerun"


@pytest.fixture
def first_run(write: Callable[[str, str], Path], tmp_path: Path) -> Iterator[Workspace]:
    """A workspace whose store holds run #1 of ``sales``, completed with ``/orders``."""
    write("sales.py", SALES.format(table="/orders"))
    with Workspace(tmp_path) as ws:
        ws.load()
        runner = ws.make_runner()
        try:
            handle = runner.start(ws.flows["sales"])  # held: its values are read as stored
            assert handle.final_result().state is StateType.COMPLETED
            assert runner.bus.flush(timeout=10)
        finally:
            runner.shutdown(wait=True)
        assert ws.history.flush(10)
        yield ws


def run_id(ws: Workspace) -> str:
    return ws.history.runs()[0].run_id


def test_a_changed_call_has_something_to_rerun(
    first_run: Workspace, write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    ws = first_run
    assert ws.nothing_to_rerun("sales", run_id(ws)) == NOTHING
    ws.reload_paths([write("sales.py", SALES.format(table="/customers"))])
    assert ws.nothing_to_rerun("sales", run_id(ws)) == ""


def test_the_host_answers_for_the_monitor(
    first_run: Workspace, write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    remote = RemoteWorkspace(tmp_path)
    try:
        remote.load()
        assert remote.nothing_to_rerun("sales", run_id(first_run)) == NOTHING
        remote.reload_paths([write("sales.py", SALES.format(table="/customers"))])
        assert remote.nothing_to_rerun("sales", run_id(first_run)) == ""
        assert remote.nothing_to_rerun("sales", "no-such-run") == ""  # the rerun says why
        assert remote.nothing_to_rerun("gone", run_id(first_run)) == ""
    finally:
        remote.close()
