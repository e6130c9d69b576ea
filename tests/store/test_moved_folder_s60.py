"""A moved workspace folder's loose ends (review of s59's ``store_moved``).

``flowtop cancel OLDPATH RUN``, after the workspace folder was renamed while a detached run
went on, said the store "does not exist (or no more: deleted, it took the runs it recorded
with it …)", or only ``no such file or folder``: the runs were not deleted, they go on where
the folder is now, which the command learns from the run's process (it has the store open
there, and its command line names the old place). And ``mv .flowtop .flowtop-old`` was
taken for a folder that moved: its runs went on recording into a store no flowtop opens at
the workspace (``flowtop history`` said there was none), out of every command's reach, and
the run's process said the store "moved away with its folder". A store renamed is the
workspace's no more: its runs are cancelled as for one deleted, saying it was renamed, and
to what.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from cli_kit import Here
from flowtop.engine.states import StateType
from flowtop.workspace.run_log import RunInterrupted
from flowtop.workspace.store_notices import StoreGone

from .conftest import wait_until
from .test_moved_folder_s59 import _beat_of, _looked_after, gated_run, watched
from .test_store_edges_s49 import live_run


def test_cancel_and_watch_of_the_old_path_say_where_the_workspace_moved(
    tmp_path: Path, here: Here
) -> None:
    first = tmp_path / "proj"
    gate, waiting, run_id = gated_run(first, tmp_path)
    try:
        wait_until(waiting.exists, "the run waiting for its gate")
        moved = tmp_path / "proj-old"
        renamed_at = time.time()
        first.rename(moved)
        store = moved / ".flowtop" / "history.db"
        _looked_after(store, run_id, renamed_at)
        nothing_there = here("cancel", str(first), "1")
        assert nothing_there.returncode == 2
        assert nothing_there.stderr.strip() == (
            f"flowtop cancel: {first}: no such file or folder: the workspace moved to "
            f"{moved}, its run store with it, and its runs go on there: "
            f"flowtop cancel {moved} 1"
        )
        watched_there = here("watch", str(first), run_id)
        assert watched_there.returncode == 2
        assert f"moved to {moved}" in watched_there.stderr
        assert f"flowtop watch {moved} {run_id}" in watched_there.stderr
        bare = here("watch", first.name, cwd=tmp_path)  # (it was taken for a run)
        assert bare.returncode == 2
        assert bare.stderr.startswith("flowtop watch: proj: no such file or folder: ")
        assert f"moved to {moved}" in bare.stderr and "deleted" not in bare.stderr
        by_flow = here("cancel", str(first), "--flow", "gated")
        assert by_flow.returncode == 2
        assert f"moved to {moved}" in by_flow.stderr and "deleted" not in by_flow.stderr
        first.mkdir()  # a folder made again at the old place (a new checkout), no store
        made_again = here("cancel", str(first), "1")
        assert made_again.returncode == 2
        said = made_again.stderr.strip()
        assert said.startswith(f"flowtop cancel: no runs yet: {first}/.flowtop/history.db ")
        assert "deleted" not in said
        assert f"moved to {moved}" in said and f"flowtop cancel {moved} 1" in said
        assert _beat_of(store, run_id)[0] == "RUNNING"  # nothing cancelled it
    finally:
        gate.touch()
    wait_until(lambda: _beat_of(store, run_id)[0] != "RUNNING", "the run's end", timeout=30)
    assert _beat_of(store, run_id)[0] == "COMPLETED"


@pytest.mark.usefixtures("quick_agent")
def test_a_renamed_flowtop_cancels_its_runs_saying_it_was_renamed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, here: Here
) -> None:
    caplog.set_level(logging.WARNING, logger="flowtop.store")
    folder = tmp_path / "ws"
    with live_run(folder) as run:
        (folder / ".flowtop").rename(folder / ".flowtop-old")
        wait_until(lambda: run.done, "the run's end")
        assert run.final_state() is StateType.CANCELLED
        said = run.tasks["waiter"].message
        assert f"its run store {folder / '.flowtop'} was renamed to .flowtop-old while" in said
    said = "\n".join(r.getMessage() for r in caplog.records)
    assert (
        f"run {run.run_id} is cancelled: its run store {folder / '.flowtop'} was renamed to "
        ".flowtop-old while it ran" in said
    )
    assert "moved away" not in said
    cancelled = here("cancel", str(folder), run.run_id)
    assert cancelled.returncode == 2
    assert cancelled.stderr.strip() == (
        f"flowtop cancel: no runs yet: {folder / '.flowtop' / 'history.db'} does not exist "
        "(.flowtop-old/history.db is a run store: .flowtop renamed? flowtop reads "
        ".flowtop/history.db alone, and cancels a live run whose store is renamed)"
    )


@pytest.mark.usefixtures("quick_agent", "quick_client")
def test_a_monitor_says_flowtop_was_renamed(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    with live_run(folder) as run, watched(folder / ".flowtop" / "history.db") as seen:
        wait_until(
            lambda: any(getattr(e, "run_id", "") == run.run_id for e in seen), "the run shown"
        )
        (folder / ".flowtop").rename(folder / ".flowtop-old")
        gone = wait_until(lambda: [e for e in seen if type(e) is StoreGone], "the store said gone")
        assert gone[0].reason.startswith(
            f"The run store {folder / '.flowtop'} was renamed to .flowtop-old, and the runs "
            "it recorded with it: "
        )
        assert "moved away" not in gone[0].reason
        ended = [e for e in seen if isinstance(e, RunInterrupted)]
        assert [e.run_id for e in ended] == [run.run_id]
        assert "was renamed to .flowtop-old while it ran" in ended[0].reason
        wait_until(lambda: run.done, "the run's end")
        assert run.final_state() is StateType.CANCELLED


@pytest.fixture
def quick_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """A store client that looks at its store every 20 ms, not every second."""
    from flowtop.workspace import store_client

    monkeypatch.setattr(store_client, "REAP_EVERY", 0.02)
