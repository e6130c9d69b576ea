"""Two clients of one run store rerunning the same run: the store starts one rerun.

Two TUIs on one folder both rerun on a save (auto-rerun), or two users press `f` within
a second of each other: each client's own copy still shows the source finished, so only
the store can tell that a rerun of it is live already.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from flowtop.tui.model import RunModel
from flowtop.tui.run_control import RunControlError, StoreControl
from flowtop.workspace.history_records import RunRecord
from flowtop.workspace.store_client import StoreClient
from flowtop.workspace.store_reader import StoreReader
from pilot_kit import wait_for

from .conftest import ETL, env, flowtop, wait_until

DB = Path(".flowtop") / "history.db"


def runs(folder: Path) -> list[RunRecord]:
    return sorted(StoreReader(folder / DB).runs(), key=lambda r: r.number)


def failed_run(ws: Callable[..., Path]) -> tuple[Path, RunRecord]:
    """A workspace whose etl run #1 failed (its load task)."""
    folder = ws(etl=ETL)
    done = flowtop("run", ".", "--flow", "etl", "--quiet", cwd=folder)
    assert done.returncode == 1, done.stderr
    (source,) = runs(folder)
    assert source.state == "FAILED"
    return folder, source


def settle(folder: Path) -> None:
    """Let every rerun end, so no run process outlives the test."""
    wait_until(lambda: all(r.state != "RUNNING" for r in runs(folder)), "the reruns to end", 30)


#: Started by two processes at once: each waits for the file ``go``, then asks its own
#: client for a rerun of the run given, and prints what came of it.
RACER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from flowtop.workspace.store_client import StoreClient

    folder, source = Path(sys.argv[1]), sys.argv[2]
    client = StoreClient(folder / ".flowtop" / "history.db", lambda events: None)
    print("ready", flush=True)
    while not (folder / "go").exists():
        time.sleep(0.001)
    try:
        launched = client.start(folder / "etl.py", "etl", rerun_of=source)
    except Exception as exc:  # run_numbers.RerunRunning
        print("refused", exc.number, exc.source_number)
    else:
        print("started", launched.number)
    """
)


def test_two_processes_rerunning_one_run_at_once_start_one_rerun(
    ws: Callable[..., Path],
) -> None:
    folder, source = failed_run(ws)
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(folder), source.run_id],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env(),
        )
        for _ in range(2)
    ]
    try:
        for racer in racers:  # both loaded and waiting: slow to start is not "later"
            assert racer.stdout is not None and racer.stdout.readline() == "ready\n"
        (folder / "go").touch()
        said = sorted(racer.communicate(timeout=30)[0].strip() for racer in racers)
    finally:
        for racer in racers:
            if racer.poll() is None:
                racer.kill()
    settle(folder)
    assert said == ["refused 2 1", "started 2"]
    reruns = [r for r in runs(folder) if r.rerun_of == source.run_id]
    assert [r.number for r in reruns] == [2]


def test_a_rerun_is_refused_while_one_of_the_same_run_is_starting_and_allowed_after(
    ws: Callable[..., Path],
) -> None:
    """The check covers a rerun whose process is still importing its flow (recorded by
    its launcher, not started yet), and lets go once that rerun ended."""
    from flowtop.workspace.run_numbers import RerunRunning

    folder, source = failed_run(ws)
    first = StoreClient(folder / DB, lambda events: None)
    second = StoreClient(folder / DB, lambda events: None)
    try:
        launched = first.start(folder / "etl.py", "etl", rerun_of=source.run_id)
        with pytest.raises(RerunRunning) as refused:
            second.start(folder / "etl.py", "etl", rerun_of=source.run_id, task="load")
        assert (refused.value.run_id, refused.value.number) == (launched.run_id, 2)
        assert refused.value.source_number == 1
        settle(folder)
        again = second.start(folder / "etl.py", "etl", rerun_of=source.run_id)
        assert again.number == 3
        settle(folder)
    finally:
        first.close()
        second.close()
    assert [r.rerun_of for r in runs(folder)] == [None, source.run_id, source.run_id]


def control_on(folder: Path) -> StoreControl:
    workspace: Any = SimpleNamespace(
        state_dir=folder / ".flowtop", flow_files={"etl": folder / "etl.py"}
    )
    return StoreControl(workspace, lambda events: None)


async def test_the_second_window_is_told_which_rerun_is_running_and_who_started_it(
    ws: Callable[..., Path],
) -> None:
    folder, source = failed_run(ws)
    shown = RunModel("etl", ("extract", "load"), run_id=source.run_id, number=1)
    shown.state = None  # finished, as each window's copy says
    window_a, window_b = control_on(folder), control_on(folder)
    try:
        rerun = window_a.rerun_failed(shown)
        assert rerun.number == 2
        with pytest.raises(RunControlError) as refused:
            window_b.rerun_failed(shown)
        assert refused.value.message == (
            "Run #2, a rerun of #1, is already running (started in another window)"
        )
        with pytest.raises(RunControlError) as again:
            window_a.rerun_task(shown, "load")
        assert "Run #2, a rerun of #1, is already running (started here)" in again.value.message
    finally:
        window_a.close(cancel=False)
        window_b.close(cancel=False)
        settle(folder)
    assert len(runs(folder)) == 2


async def test_auto_rerun_on_a_save_another_window_already_reran_starts_nothing(
    ws: Callable[..., Path],
) -> None:
    """TUI A and B both have auto-rerun on; one save reloads both. A's rerun is in the
    store before B's reload is applied: B says so and starts none (it started #3)."""
    from flowtop.tui.app import FlowtopApp
    from flowtop.workspace import Workspace
    from pilot_kit import screen_text

    folder, source = failed_run(ws)
    workspace = Workspace(folder)
    workspace.load()
    app = FlowtopApp(workspace, watch=False, run_processes=True)
    other = StoreClient(folder / DB, lambda events: None)
    try:
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
            app.flow_list.select_flow("etl")
            await wait_for(
                pilot, lambda: app.store.latest_for("etl") is not None, "the failed run", 10
            )
            await pilot.press("a")
            other.start(folder / "etl.py", "etl", rerun_of=source.run_id)  # window A's
            saved: Any = SimpleNamespace(
                flows=["etl"], errors=[], summary=lambda: "etl.py reloaded"
            )
            app.apply_change(saved)  # B's reload of the same save
            await wait_for(
                pilot,
                lambda: "Run #2, a rerun of #1, is already running" in screen_text(app),
                "the notice",
            )
            assert "Auto-rerun of failed tasks in etl" not in screen_text(app)
            await wait_for(
                pilot,
                lambda: (run := app.store.latest_for("etl")) is not None and run.number == 2,
                "the other window's rerun to show",
                20,
            )
            app.shutdown(cancel=False)
    finally:
        other.close()
        workspace.close()
        settle(folder)
    assert [r.number for r in runs(folder)] == [1, 2]


async def test_f_on_a_run_another_window_pruned_says_so_and_starts_nothing(
    ws: Callable[..., Path],
) -> None:
    """It started a run that failed at once: "did not start: no run with id …"."""
    folder, source = failed_run(ws)
    done = flowtop("history", ".", "--prune", "0", "--json", cwd=folder)
    assert done.returncode == 0, done.stderr
    shown = RunModel("etl", ("extract", "load"), run_id=source.run_id, number=1)
    shown.state = None  # finished, as the window's copy says
    window = control_on(folder)
    try:
        with pytest.raises(RunControlError) as refused:
            window.rerun_failed(shown)
    finally:
        window.close(cancel=False)
    assert refused.value.say(lambda action: "r") == (
        "Run #1 of etl is no longer in the history (pruned): press r to run the flow"
    )
    assert runs(folder) == []
