"""The first screen lists what is in while a slow file still imports.

With one file of five importing for seconds (``time.sleep(4)`` at its top), a new
monitor showed "Loading flows…" and nothing else until every file had loaded (4.5 s in
a terminal): no flow, and no live run, though a run another flowtop started needs no
flow file to be shown. Now the flow host says each file's flows as it imports them, the
TUI lists them (selectable, runnable) with a last row naming the file still importing,
and the store's runs show at once (1.3 s, the monitor's own start).

Here the slow file waits for a ``release`` file the test writes once it has seen what
it checks, so nothing depends on a timing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from flow_texts import HELD_UNTIL_RELEASE, QUICK
from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.first_load import loading_row
from flowtop.tui.widgets.flow_list import LOADING
from flowtop.workspace import RemoteWorkspace
from flowtop.workspace.history import History
from pilot_kit import screen_text, wait_for

LATE = QUICK.replace('"quick"', '"late"')
#: A second ``quick``, in a file after the first: refused once the load is over.
DUPLICATE = QUICK.replace("one", "two")


@pytest.fixture
def folder(write: Callable[[str, str], Path], tmp_path: Path) -> Path:
    """``a_quick.py``, ``b_slow.py`` (held until ``release``), ``c_late.py``, and
    ``d_dup.py``, which defines ``quick`` again."""
    write("flowtop.toml", "[defaults]\nload_timeout = 30\n")
    write("a_quick.py", QUICK)
    write("b_slow.py", HELD_UNTIL_RELEASE)
    write("c_late.py", LATE)
    write("d_dup.py", DUPLICATE)
    return tmp_path


@pytest.fixture
def remote(folder: Path) -> Iterator[RemoteWorkspace]:
    workspace = RemoteWorkspace(folder)
    yield workspace
    (folder / "release").touch()  # (a failed test's slow import ends too)
    workspace.close()


def wait_until(condition: Callable[[], bool], load: threading.Thread) -> bool:
    """Whether ``condition`` held while ``load`` still ran (10 s at most)."""
    import time

    end = time.monotonic() + 10
    while not condition():
        if not load.is_alive() or time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


def test_the_flows_of_files_imported_before_a_slow_one_are_listed_while_it_imports(
    folder: Path, remote: RemoteWorkspace
) -> None:
    load = threading.Thread(target=remote.load)
    load.start()
    try:
        # (``flows_heard`` changes last: the screen reads the flows once it has)
        assert wait_until(lambda: remote.flows_heard == 1, load), "quick came with the load"
        assert load.is_alive()  # b_slow.py still importing
        assert remote.flow_files == {"quick": folder / "a_quick.py"}
        assert list(remote.shapes["quick"].nodes) == ["one"]
        assert remote.settings.load_timeout == 30  # the settings came with them
    finally:
        (folder / "release").touch()
        load.join()
    assert list(remote.shapes) == ["quick", "slow", "late"]  # the load's word
    assert remote.flow_files["quick"] == folder / "a_quick.py"  # (not d_dup.py's)
    assert [str(e) for e in remote.errors.values()] == [
        "d_dup.py:9: flow 'quick' is already defined in a_quick.py"
    ]
    heard = remote.flows_heard
    remote.reload_paths([folder / "c_late.py"])  # a reload is as it was: no news of flows
    assert remote.flows_heard == heard


def live_run(folder: Path) -> History:
    """A run of ``late`` another flowtop is running: recorded in the store, its task
    running (the store's writer, this process, is alive)."""
    history = History(folder / ".flowtop" / "history.db")
    started = RunStarted("feedc0de0001", "late", 1, ("one",), (1,), ("none",), ts=1000.0)
    running = TaskStateChanged("feedc0de0001", "late", "one", StateType.RUNNING, 1, 1, 1001.0)
    history([started, running])
    assert history.flush()
    return history


def listed(app: FlowtopApp) -> list[str]:
    flows = app.flow_list
    return [flows.get_option_at_index(at).id or "" for at in range(flows.option_count)]


async def test_the_monitor_shows_a_live_run_and_runs_a_flow_while_a_file_still_imports(
    folder: Path, remote: RemoteWorkspace
) -> None:
    history = live_run(folder)
    app = FlowtopApp(remote, load=True, watch=False, run_processes=True)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            live = app.store.live_for
            await wait_for(pilot, lambda: bool(live("late")), "the live run", timeout=10)
            await wait_for(pilot, lambda: "flow:quick" in listed(app), "quick", timeout=10)
            assert not (folder / "release").exists()  # (b_slow.py still importing)
            assert listed(app)[-1] == LOADING
            assert "late (gone)" not in screen_text(app)  # its file has not loaded yet
            await wait_for(pilot, lambda: "b_slow.py" in screen_text(app), "the slow file named")
            flows = app.flow_list
            flows.focus()
            flows.highlighted = listed(app).index(LOADING) - 1
            await pilot.press("down")  # the last flow: down does not wrap to the top
            assert flows.highlighted == listed(app).index(LOADING) - 1
            flows.select_flow("quick")
            await pilot.pause()
            await pilot.press("r")  # quick runs, in a run process of its own
            await wait_for(
                pilot,
                lambda: (
                    (run := app.store.latest_for("quick")) is not None
                    and run.state is StateType.COMPLETED
                ),
                "the run of quick to complete",
            )
            assert app.selected_flow == "quick"
            (folder / "release").touch()
            # (its flows can be listed a tick before the load's end takes the row away)
            await wait_for(pilot, lambda: not app.first_loading, "the load's end")
            assert LOADING not in listed(app) and "b_slow.py" not in screen_text(app)
            assert listed(app)[:3] == ["flow:quick", "flow:slow", "flow:late"]
            assert app.selected_flow == "quick"
    finally:
        history.close()


def test_the_loading_row_names_the_file_on_a_line_of_its_own() -> None:
    slow = Path("flows") / "slow.py"
    assert loading_row(None) == "⋯ loading"
    assert loading_row((slow, 0.5)) == "⋯ loading"
    assert loading_row((slow, 3.2)) == "⋯ importing 3s\n  slow.py"
