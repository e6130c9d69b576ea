"""What the monitor says of a big run, found by an explorer at scale (rv396).

1. The filter's count follows the run: ``/fail`` typed before anything failed read
   ``filter: fail (0 of 2)`` for good beside the two rows the failure brought in (in a
   2,001-task run, ``(40 of 2,001)`` over 41 rows).
2. Saving many flow files at once (a ``git checkout``) says so in one short toast, not
   in toasts naming every file that covered half an 80x24 screen for seconds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtop import Flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.reload_actions import reload_said
from flowtop.workspace.changes import WorkspaceChanged
from flowtop.workspace.load_error import LoadError
from pilot_kit import screen_text, toasts_said, wait_for, wait_for_run, wait_for_text

from .conftest import Calls, FakeWorkspace, demo_flow

SIZE = (120, 36)


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()  # the task it holds ends, so the runner shuts down


@pytest.fixture
def late_failure(tmp_path: Path, gate: threading.Event) -> Iterator[FakeWorkspace]:
    """``a`` fails once ``gate`` is set; ``b``, downstream, then fails upstream."""

    @task(max_retries=0)
    def a() -> int:
        assert gate.wait(30)
        raise RuntimeError("boom")

    @task
    def b(x: int) -> int:
        return x

    with Flow("filter-count") as flow:
        b(a())
    workspace = FakeWorkspace(tmp_path, {"filter-count": flow})
    yield workspace
    gate.set()
    for runner in workspace.runners:
        runner.shutdown(wait=True)


async def test_the_filter_s_count_follows_rows_that_come_to_match(
    late_failure: FakeWorkspace, gate: threading.Event
) -> None:
    app = FlowtopApp(late_failure, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: (
                app.table.run is not None and app.table.run.rows["a"].state is StateType.RUNNING
            ),
            "a to run",
        )
        await pilot.press("right", "slash", *"fail", "enter")
        await wait_for_text(pilot, app, "filter: fail (0 of 2)", "No tasks match the filter")
        gate.set()
        await wait_for_run(pilot, app, StateType.FAILED)
        await wait_for(pilot, lambda: app.table.keys == ["a", "b"], "the failed rows to show")
        await wait_for_text(pilot, app, "filter: fail (2 of 2)")
        assert "(0 of 2)" not in screen_text(app)


def saved(tmp_path: Path, first: int, last: int) -> WorkspaceChanged:
    """What a reload of ``flow_FIRST.py`` … ``flow_LAST.py`` (one flow each) says."""
    names = [f"flow_{i:03}.py" for i in range(first, last + 1)]
    return WorkspaceChanged(
        paths=tuple(tmp_path / name for name in names),
        modules=tuple(names),
        flows=tuple(f"flow-{i:03}" for i in range(first, last + 1)),
    )


def test_a_reload_of_many_files_names_the_first_few_and_counts_the_rest(tmp_path: Path) -> None:
    said, failing = reload_said(saved(tmp_path, 1, 150), {}, {})
    assert (said, failing) == (
        "Reloaded flow_001.py, flow_002.py, flow_003.py and 147 more files (150 flows)",
        False,
    )
    assert reload_said(saved(tmp_path, 1, 4), {}, {})[0] == (  # a few: each named, as before
        "Reloaded flow_001.py, flow_002.py, flow_003.py, flow_004.py (4 flows)"
    )
    new = [f"flow_{i:03}.py" for i in range(1, 11)]  # ten new files among them
    said, _ = reload_said(saved(tmp_path, 1, 150), {}, {}, added=new)
    assert said == (
        "Loaded flow_001.py, flow_002.py, flow_003.py and 7 more files, "
        "reloaded flow_011.py, flow_012.py, flow_013.py and 137 more files (150 flows)"
    )


def test_a_reload_of_many_files_still_names_a_broken_one_where_it_breaks(tmp_path: Path) -> None:
    broken = LoadError(tmp_path / "flow_151.py", 3, None, "SyntaxError: invalid syntax")
    change = saved(tmp_path, 1, 150)
    with_error = WorkspaceChanged(
        paths=(*change.paths, broken.path),
        modules=change.modules,
        flows=change.flows,
        errors=(broken,),
    )
    said, failing = reload_said(with_error, {}, {str(broken.path): broken})
    assert failing and said.startswith(f"{broken}; reloaded flow_001.py, ")
    assert said.endswith("and 147 more files (150 flows)") and ":3: SyntaxError" in said
    # 150 files saved again that fail as before: the first named, the rest counted
    errors = {str(p): LoadError(p, 1, None, "NameError: x") for p in change.paths}
    said, failing = reload_said(WorkspaceChanged(paths=change.paths), errors, errors)
    first = errors[str(change.paths[0])]
    assert (said, failing) == (f"Still failing: {first}; 149 more files still failing", True)


async def test_a_checkout_s_reloads_say_it_in_one_toast(tmp_path: Path, calls: Calls) -> None:
    """150 files saved at once come as a few reloads (here five of 30): one toast stays,
    saying them all; a reload of a few files after a lone one still says each its own."""
    workspace = FakeWorkspace(tmp_path, {"demo": demo_flow(calls)})
    app = FlowtopApp(workspace)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, lambda: workspace.changes is not None, "the watcher")
        assert workspace.changes is not None
        with toasts_said(app) as said:
            for batch in range(5):
                workspace.changes.put_nowait(saved(tmp_path, batch * 30 + 1, batch * 30 + 30))
                await wait_for(pilot, lambda n=batch + 1: len(said) == n, "the reload's toast")
        await wait_for(pilot, lambda: len(app._notifications) == 1, "one toast")
        (toast,) = app._notifications
        assert toast.message == (
            "Reloaded flow_001.py, flow_002.py, flow_003.py and 147 more files (150 flows)"
        )
        assert said[0] == (
            "Reloaded flow_001.py, flow_002.py, flow_003.py and 27 more files (30 flows)"
        )
        await wait_for_text(pilot, app, "and 147 more files")


async def test_reloads_of_a_few_files_keep_a_toast_each(tmp_path: Path, calls: Calls) -> None:
    workspace = FakeWorkspace(tmp_path, {"demo": demo_flow(calls)})
    app = FlowtopApp(workspace)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, lambda: workspace.changes is not None, "the watcher")
        assert workspace.changes is not None
        with toasts_said(app) as said:
            for first in (1, 2):
                workspace.changes.put_nowait(saved(tmp_path, first, first))
                await wait_for(pilot, lambda n=first: len(said) == n, "the reload's toast")
        assert said == ["Reloaded flow_001.py (1 flow)", "Reloaded flow_002.py (1 flow)"]
        assert [toast.message for toast in app._notifications] == said
