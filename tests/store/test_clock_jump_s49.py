"""A wall clock stepped (NTP, ``date -s``) between a run's events and the monitor's start:
a retry countdown read from the store counts from when the event happened, not from its
wall time as the run process's clock, since stepped, gave it.

The run process here is a ``History`` in this process whose wall clock reads an hour
behind (``time.time`` patched while it writes): stepped forward since, as an NTP
correction of a clock an hour slow does. Its retry waits on a monotonic clock, so it is
due when it was; the monitor read the event's time on today's clock (an hour ago) and
said the retry overdue by an hour.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from io import StringIO
from pathlib import Path

import pytest

from flowtop.commands.printers import HumanPrinter
from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType as S
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.workspace import Workspace
from flowtop.workspace.history import History
from flowtop.workspace.ownership import Owner
from flowtop.workspace.run_log import LogTail
from pilot_kit import wait_for

RUN = "c10c1c10c1c1"
#: How far the machine's clock was stepped forward after the run logged its wait.
JUMP = 3600.0
#: The task failed this long ago, and waits this long before its retry.
AGO, DELAY = 5.0, 60.0

WAITING = """\
from flowtop import Flow, task


@task(max_retries=3, retry_delay=60)
def waiter():
    raise ConnectionError("not yet")


with Flow("waiting") as flow:
    waiter()
"""


@contextmanager
def slow_clock(monkeypatch: pytest.MonkeyPatch, behind: float) -> Iterator[None]:
    """This process's wall clock reads ``behind`` seconds behind, for the block."""
    real = time.time
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: real() - behind)
        yield


def run_waiting_for_a_retry(history: History, now: float) -> None:
    """A run whose task failed ``AGO`` s before ``now`` (its process's wall clock) and
    waits ``DELAY`` s for its retry."""
    history.sink(
        [
            RunStarted(RUN, "waiting", 1, ("waiter",), (4,), ("3× 1m",), None, now - AGO - 1),
            TaskStateChanged(RUN, "waiting", "waiter", S.RUNNING, 1, 4, now - AGO - 1),
            TaskStateChanged(
                RUN, "waiting", "waiter", S.AWAITING_RETRY, 1, 4, now - AGO,
                duration=1.0, retry_in=DELAY,
            ),
        ]
    )  # fmt: skip
    assert history.flush(10)


def logged_an_hour_behind(db: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[History, float]:
    """The run process (this process's store writer, open on ``db``) logged its wait
    ``JUMP`` behind; its clock is right now. It stays open (its run live) for the caller
    to close; with when it logged, by its clock then."""
    with slow_clock(monkeypatch, JUMP):
        history = History(db)
        logged_at = time.time()
        run_waiting_for_a_retry(history, logged_at)
    return history, logged_at


@contextmanager
def stepped_run(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[History]:
    """``logged_an_hour_behind`` in ``folder``'s store, for the block."""
    (folder / ".flowtop").mkdir(exist_ok=True)
    history, _ = logged_an_hour_behind(folder / ".flowtop" / "history.db", monkeypatch)
    try:
        yield history
    finally:
        history.close()


def seconds_left(text: str) -> float:
    """``55.0`` of ``⟳ Retry in 55.0s`` or ``next retry in 55s``; -1 for overdue."""
    found = re.search(r"[Rr]etry in (\d+(?:\.\d+)?)s\b", text)
    if found is None:
        overdue = re.search(r"[Oo]verdue", text)
        assert overdue is not None, text
        return -1.0
    return float(found.group(1))


async def test_the_monitor_opened_after_the_clock_was_stepped_counts_down_right(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It said ``⟳ Overdue 59m05s``: the retry was due in 55 s."""
    (tmp_path / "waiting.py").write_text(WAITING)
    with stepped_run(tmp_path, monkeypatch):
        workspace = Workspace(tmp_path)
        workspace.load()
        app = FlowtopApp(workspace, watch=False, run_processes=True)
        try:
            async with app.run_test(size=(120, 36)) as pilot:
                await wait_for(pilot, lambda: app.store.latest_for("waiting"), "the run shown")
                run = app.store.latest_for("waiting")
                assert run is not None
                said = run.state_text(run.rows["waiter"], RunModel.clock())
                app.shutdown(cancel=False)
        finally:
            workspace.close()
    assert DELAY - AGO - 10 < seconds_left(said) <= DELAY - AGO, said


def test_watch_counts_down_to_the_next_retry_right(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``flowtop watch``'s status line (its events come from the same log tail)."""
    with stepped_run(tmp_path, monkeypatch):
        tail = LogTail(tmp_path / ".flowtop" / "history.db")
        try:
            events = tail.read(limit=100)
        finally:
            tail.close()
    printer = HumanPrinter(StringIO(), live=False)
    printer(events)  # type: ignore[arg-type]  # the run's own events: engine events only
    assert DELAY - AGO - 10 < seconds_left(printer.status()) <= DELAY - AGO, printer.status()


def logged_times(db: Path) -> list[float]:
    """The times of the run's start and steps, as a reader of the log is given them."""
    tail = LogTail(db)
    try:
        events = tail.read(limit=100)
        return [e.ts for e in events if isinstance(e, RunStarted | TaskStateChanged)]
    finally:
        tail.close()


def test_events_logged_after_the_step_are_not_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run goes on after the step: its later events have today's times already, for
    a tail that read its earlier ones before (the writer put the step on record since)
    as for one that reads them all now."""
    db = tmp_path / "history.db"
    history, before = logged_an_hour_behind(db, monkeypatch)
    tail = LogTail(db)
    try:
        first = [e.ts for e in tail.read(limit=100) if isinstance(e, RunStarted | TaskStateChanged)]
        after = time.time()
        history.sink([TaskStateChanged(RUN, "waiting", "waiter", S.RUNNING, 2, 4, after)])
        assert history.flush(10)
        (later,) = tail.read(limit=100)
        times = logged_times(db)
    finally:
        tail.close()
        history.close()
    expected = [t + JUMP for t in (before - AGO - 1, before - AGO - 1, before - AGO)]
    assert first == pytest.approx(expected, abs=0.1)
    assert later.ts == after
    assert times == pytest.approx([*first, after], abs=0.01)  # (read at another instant)


def test_a_run_of_another_machine_or_boot_is_read_as_it_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another machine's boot clock says nothing of this one's: its times stay as logged."""
    db = tmp_path / "history.db"
    history, before = logged_an_hour_behind(db, monkeypatch)
    me = Owner.current()
    try:
        for host, boot in (("elsewhere", None), (None, "another-boot")):
            with closing(sqlite3.connect(db)) as raw, raw:
                raw.execute(
                    "UPDATE runs SET host = coalesce(?, host), boot_id = coalesce(?, boot_id)",
                    (host, boot),
                )
            assert logged_times(db) == [before - AGO - 1, before - AGO - 1, before - AGO]
            with closing(sqlite3.connect(db)) as raw, raw:  # back to this machine
                raw.execute("UPDATE runs SET host = ?, boot_id = ?", (me.host, me.boot))
    finally:
        history.close()


def test_a_store_from_before_the_clock_was_kept_reads_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store no newer flowtop migrated (read-only, say) has nothing to correct with."""
    db = tmp_path / "history.db"
    history, before = logged_an_hour_behind(db, monkeypatch)
    history.close()
    with closing(sqlite3.connect(db)) as raw:  # as schema version 11 left it
        if "clock" in {row[1] for row in raw.execute("PRAGMA table_info(runs)")}:
            raw.execute("ALTER TABLE runs DROP COLUMN clock")
        raw.execute("PRAGMA user_version = 11")
    assert logged_times(db) == [before - AGO - 1, before - AGO - 1, before - AGO]
