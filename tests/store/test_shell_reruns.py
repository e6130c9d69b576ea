"""``flowtop run --rerun-of`` from a shell is held back like the TUI's ``f``.

The store refuses a rerun while its source, or another rerun of it, is live, checking
and recording it in one transaction (``reserve_rerun``). The TUI reserved so; a shell's
``--rerun-of`` did not reserve at all (two shells rerunning run #1 at once both ran), a
``--detach`` passed the reference on as typed (``--rerun-of 1`` with no run #1 yet took
its own run for the source, and a later rerun of it looped for good), and a store
locked past the wait let the TUI's rerun go on unchecked.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from flowtop.engine.events import ErrorInfo, RunFinished, RunStarted
from flowtop.engine.runner import new_run_id
from flowtop.engine.states import StateType
from flowtop.looks import NOT_STARTED
from flowtop.workspace.history import History
from flowtop.workspace.history_records import RunRecord
from flowtop.workspace.store_reader import StoreReader

from .conftest import ETL, flowtop, wait_until

DB = Path(".flowtop") / "history.db"


def runs(folder: Path) -> list[RunRecord]:
    return sorted(StoreReader(folder / DB).runs(), key=lambda r: r.number)


@pytest.fixture
def failed(ws: Callable[..., Path]) -> tuple[Path, RunRecord]:
    """A workspace whose etl run #1 failed; the next run of it completes."""
    folder = ws(etl=ETL)
    assert flowtop("run", "etl.py", "--quiet", cwd=folder).returncode == 1
    (source,) = runs(folder)
    (folder / "ok").touch()
    return folder, source


def reserve_as_the_tui_does(folder: Path, source: RunRecord) -> str:
    """A rerun of ``source`` recorded live, owned by this (living) process."""
    from flowtop.workspace.run_numbers import reserve_rerun

    run_id = new_run_id()
    assert reserve_rerun(folder / DB, "etl", run_id, source.run_id) == 2
    return run_id


REFUSED = (
    "flowtop run: etl: run #2, a rerun of #1, is already running: a run is rerun once at a time"
)


@pytest.mark.parametrize("detach", [False, True])
def test_a_shell_rerun_is_refused_while_another_rerun_of_its_source_is_live(
    failed: tuple[Path, RunRecord], detach: bool
) -> None:
    folder, source = failed
    reserve_as_the_tui_does(folder, source)
    extra = ("--detach",) if detach else ()
    done = flowtop("run", "etl.py", "--rerun-of", "1", *extra, cwd=folder, timeout=20)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(REFUSED), done.stderr
    assert done.stdout == ""
    assert [r.number for r in runs(folder)] == [1, 2]  # nothing started, no number taken


def test_a_shell_rerun_holds_back_the_next_one_and_runs_as_reserved(
    failed: tuple[Path, RunRecord],
) -> None:
    folder, source = failed
    first = flowtop("run", "etl.py", "--rerun-of", "1", "--detach", cwd=folder)
    assert first.returncode == 0, first.stderr
    run_id = first.stdout.strip()
    (reserved,) = [r for r in runs(folder) if r.run_id == run_id]  # before its process ran
    assert reserved.number == 2 and reserved.rerun_of == source.run_id
    wait_until(lambda: all(r.state != "RUNNING" for r in runs(folder)), "the rerun to end", 30)
    assert [(r.number, r.state) for r in runs(folder)] == [(1, "FAILED"), (2, "COMPLETED")]
    again = flowtop("run", "etl.py", "--rerun-of", "1", "--quiet", cwd=folder)
    assert again.returncode == 0, again.stderr  # the rerun ended: the next may start
    assert runs(folder)[-1].rerun_of == source.run_id


def test_detach_with_a_run_that_is_not_there_is_refused_not_launched(
    ws: Callable[..., Path],
) -> None:
    folder = ws(etl=ETL)
    done = flowtop("run", "etl.py", "--rerun-of", "1", "--detach", cwd=folder, timeout=20)
    assert done.returncode == 2, done.stdout
    assert "no run #1 of flow 'etl'" in done.stderr and done.stdout == ""
    time.sleep(0.5)  # a launched process would have reserved its run by now
    assert runs(folder) == []


def test_a_rerun_of_a_run_that_named_itself_as_its_source_ends(ws: Callable[..., Path]) -> None:
    """What ``--detach --rerun-of 1`` left in a store with no run #1: a run that did not
    start, recorded as a rerun of itself. A rerun of it walked that chain for good."""
    folder = ws(etl=ETL)
    history = History(folder / DB)
    try:
        run_id = new_run_id()
        number = history.next_number("etl", run_id)
        why = ErrorInfo(NOT_STARTED, "run #1 of etl is still running", "")
        history(
            [
                RunStarted(run_id, "etl", number, (), (), (), run_id, ts=time.time()),
                RunFinished(run_id, "etl", number, StateType.FAILED, {}, 0.0, error=why),
            ]
        )
        assert history.flush(10)
    finally:
        history.close()
    (folder / "ok").touch()
    done = flowtop("run", "etl.py", "--rerun-of", "1", "--quiet", cwd=folder, timeout=20)
    assert done.returncode == 0, done.stderr  # every task runs: its source completed none


def test_a_store_held_past_the_wait_refuses_the_rerun_instead_of_leaving_it_unchecked(
    failed: tuple[Path, RunRecord],
) -> None:
    from flowtop.workspace.launcher import launch
    from flowtop.workspace.run_numbers import StoreBusy, reserve_rerun

    folder, source = failed
    holder = sqlite3.connect(folder / DB, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process, stuck mid-write
    try:
        with pytest.raises(StoreBusy, match=r"another flowtop process has held the run store"):
            reserve_rerun(folder / DB, "etl", new_run_id(), source.run_id, busy_ms=200)
        with pytest.raises(OSError, match=r"try again in a moment") as raised:
            launch(
                folder / "etl.py",
                "etl",
                state_dir=folder / ".flowtop",
                rerun_of=source.run_id,
                exclusive=True,
                busy_ms=200,
            )
        assert str(folder / DB) in str(raised.value)  # the TUI: "Could not start the run: …"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not (folder / ".flowtop" / "logs").exists() or not any(
        (folder / ".flowtop" / "logs").iterdir()
    )  # no run process was started
    assert [r.number for r in runs(folder)] == [1]


def test_a_store_held_past_the_wait_refuses_a_shell_rerun_in_one_line() -> None:
    """`flowtop run --rerun-of` while another process held the store for 30 s ended in a
    traceback (exit 1), where a plain run said one line (exit 2)."""
    import argparse

    from flowtop.commands.run import rerun_start
    from flowtop.workspace.history_records import HistoryError

    class Held:
        def __init__(self) -> None:
            self.flows = {"etl": object()}

        @property
        def history(self) -> object:
            raise HistoryError("history.db: cannot use the run store (database is locked)")

    args = argparse.Namespace(rerun_of="1", task=None, parameters={})
    said = rerun_start(Held(), "etl", args)  # type: ignore[arg-type]
    assert said == "history.db: cannot use the run store (database is locked)"
