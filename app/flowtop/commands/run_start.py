"""How ``flowtop run`` gets a run going: its flow file imported once, under a deadline,
and a launched run that cannot start recorded as a run that failed, with the reason.

A run process imports the flow file it runs, so its code is the code saved when it
started. Importing it in a loader process first only made the run import every file
twice (a 5,000-task flow built twice, and a fork) to protect a process whose whole job is
to run that code. So one file is imported here, and a deadline stands in for the
loader's timeout: an import still going after ``[defaults] load_timeout`` ends the
process with the loader's words (``slow.py: import did not finish in 10 s``). Of a
folder, the file whose source defines ``--flow NAME`` is imported the same way, and no
other; when none does (or it does not after all), the others go through loader children,
which name their flows, since one broken file there must not stop the run of another,
and one they are still importing after a few seconds is named (``import_wait``).

A run launched by the TUI, a browser tab or ``--detach`` has a run id its starter is
already watching. Its process reserves that run in the store before importing anything
(RUNNING, owned by this process), so a process that dies while importing leaves a run
that readers mark interrupted. A run that cannot start — the file fails, hangs, is gone or
lacks the flow, the source of a rerun is gone — ends FAILED with the reason, shown by the
TUI's header, ``flowtop watch`` and ``flowtop history``; a rerun that has nothing to
rerun ends so too, but COMPLETED: nothing failed. Any other exception before the run
begins ends it FAILED too, naming the exception and where (``run_guard``).
It used to be a line in the process's log file: ``r`` seemed to do nothing. One cancelled while its file imported
ends CANCELLED all the same, the reason in its note: the cancel came first, and
``flowtop cancel`` had said the run would end as it starts (``unstarted_commands``).

A cancel queued while the file imports ends the run there and then: nothing of the flow
has run, and the process is flowtop's own. The import's watchdog looks for one at each
heartbeat (and the import's end once more), records the run CANCELLED, "cancelled by the
user while its flow file imported", and ends the process, as a timed-out import does. It
used to wait for the import (up to ``load_timeout``: a stuck network import held a
cancelled run "running" for that long) and then begin the run, which the cancel ended
as an ordinary one, ``1 cancelled``: one cancel recorded two ways by the import's length.
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, closing, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

from ..engine.events import ErrorInfo, RunFinished, RunStarted
from ..engine.states import StateType
from ..looks import NOT_STARTED
from ..printable import printable_name, say
from ..workspace.history_records import HistoryError
from ..workspace.import_guard import deadline
from ..workspace.ownership import HEARTBEAT
from ..workspace.places import STATE_DIR, STORE_FILE
from ..workspace.reaper import connect
from ..workspace.unstarted_commands import answer, claim_cancels
from .common import load_problems, no_such_flow
from .import_output import printable_output
from .import_wait import waits_said
from .run_output import forget_log_once_recorded

if TYPE_CHECKING:
    from ..workspace import Workspace
    from ..workspace.history import History

#: The note of a run cancelled while its flow file imported that then could not start.
CANCELLED_WHILE_IMPORTING = "cancelled by the user while its flow file imported"
#: How often (seconds) a run process connecting to its Dask scheduler looks for a cancel.
CONNECT_CANCEL_LOOK = 0.1


class Reservation:
    """A launched run's place in the store, held while its process gets ready to run it."""

    def __init__(
        self,
        history: History,
        flow: str,
        run_id: str,
        rerun_of: str | None = None,
        *,
        state_dir: Path,
    ) -> None:
        self.history = history
        #: Where its launcher put the run's log (``.flowtop``), deleted once the end is in.
        self.state_dir = state_dir
        self.flow = flow
        self.run_id = run_id
        #: A rerun's source, kept by a rerun that fails to start: the next ``f`` on it
        #: reruns that source (``reruns.plan_rerun``), not a run with nothing completed.
        self.rerun_of = rerun_of
        #: ``Runner.start`` with this run id gets the same number back.
        self.number = history.next_number(flow, run_id)
        #: Held while the run's end is recorded, for good by ``end_if_cancelled``: a
        #: cancel taken on the import's watchdog thread and the import's own end (``fail``,
        #: ``stop``) on the main thread record one end, the first.
        self._ending = threading.Lock()
        self._ended = False
        #: The note of the run cancelled before it began: while its flow file imported,
        #: or while its process connected to its Dask scheduler (``connect_cancels``).
        self.cancelled_note = CANCELLED_WHILE_IMPORTING

    def beat(self) -> None:
        """Say the run's process is alive while it gets ready (``HEARTBEAT``), and end
        it at once when a cancel of it is queued (``end_if_cancelled``)."""
        self.history.beat(self.run_id)
        self.end_if_cancelled()

    def end_if_cancelled(self) -> None:
        """When a cancel of the run is queued: record the run CANCELLED, "cancelled by the
        user while its flow file imported", answer the cancel applied, and end this process
        (exit 1, as a cancelled run's): the import cannot be interrupted, and none of the
        flow has run. Else nothing. Called on the import's watchdog thread, and on the main
        thread once the import is over, before the run begins."""
        if not cancel_queued(self.history.path, self.run_id):
            return
        self._ending.acquire()  # not let go once the run ended here: the process ends
        if self._ended:
            self._ending.release()
            return
        claimed = claim_cancels(self.history.path, self.run_id)
        if not claimed:  # the store would not say: the run goes on, as before
            self._ending.release()
            return
        note = self.cancelled_note
        self._end(StateType.CANCELLED, note=note)
        answer(self.history.path, self.run_id, claimed, f"the run did not start: {note}")
        say(f"run #{self.number} of {self.flow}: {note}")
        for stream in (sys.stdout, sys.stderr):
            with suppress(Exception):  # what cannot be written is lost, as in any exit
                stream.flush()
        os._exit(1)

    @property
    def ended(self) -> bool:
        """Whether the run's end is recorded here (failed, stopped, cancelled)."""
        return self._ended

    @property
    def log(self) -> Path:
        """The run's log, where its launcher sends this process's output."""
        from ..workspace.launcher import LOGS

        return self.state_dir / LOGS / f"{self.run_id}.log"

    def fail(self, reason: str, *, keep_log: bool = False) -> None:
        """End the run FAILED before any task ran: ``reason`` is what its starter sees.
        CANCELLED instead when a cancel of it was queued first (``unstarted_commands``):
        ``flowtop cancel`` had said the run would end running no task, and a slow import
        that then timed out made it FAILED, with ``f`` offered on it. ``keep_log``: the
        log stays, for the traceback the process writes there as it exits (``run_guard``)."""
        self._not_started(StateType.FAILED, reason + self._moved_meanwhile(), keep_log=keep_log)

    def _moved_meanwhile(self) -> str:
        """Why a run failed to start besides its reason, when the workspace folder moved
        (``mv proj proj-old``) while its flow file imported: the import looked for its
        files at the old place (``No module named 'helper'``, beside it all along)."""
        went = self.history.place.workspace_moved()
        if went is None:
            return ""
        return (
            f" (the workspace folder moved to {printable_name(str(went))} while its flow "
            "file imported: run it again there)"
        )

    def nothing_to_do(self, reason: str) -> None:
        """End the run COMPLETED before any task ran: a rerun whose every task would be
        reused (``reason``: the plan's words). It did not start, as a run that failed to
        does (TASKS ``-``, its tasks not run, ``f`` on it reruns its source), but nothing
        failed: it read FAILED, so ``watch`` exited 1 on the README's ``--detach`` and
        ``watch`` pattern, the monitor showed the flow ✗ and offered ``f``, and each ``f``
        recorded one more such run. CANCELLED too when a cancel was queued first."""
        self._not_started(StateType.COMPLETED, reason)

    def _not_started(self, state: StateType, reason: str, *, keep_log: bool = False) -> None:
        with self._ending:  # (one cancelled meanwhile on the watchdog thread is ended)
            if self._ended:
                return
            claimed = claim_cancels(self.history.path, self.run_id)
            if claimed:
                note = f"{self.cancelled_note} (it would not have started: {reason})"
                self._end(StateType.CANCELLED, note=note, keep_log=keep_log)
            else:
                error = ErrorInfo(NOT_STARTED, reason, "")
                self._end(state, error=error, keep_log=keep_log)
            answer(self.history.path, self.run_id, claimed, f"the run did not start: {reason}")

    def stop(self, why: str) -> None:
        """End the run CANCELLED before any task ran: its process was stopped (SIGTERM,
        SIGHUP, Ctrl+C: ``why``) while its file imported. It read INTERRUPTED, "flowtop
        closed the store first", which named no signal (a logout's SIGTERM over SSH).
        A cancel queued meanwhile is answered as applied: the run ends cancelled."""
        with self._ending:
            if self._ended:
                return
            claimed = claim_cancels(self.history.path, self.run_id)
            self._end(StateType.CANCELLED, note=why)
            answer(self.history.path, self.run_id, claimed, f"the run did not start: {why}")

    def _end(
        self,
        state: StateType,
        *,
        error: ErrorInfo | None = None,
        note: str = "",
        keep_log: bool = False,
    ) -> None:
        """Record the run's start and end at once, then delete its log, as a run that ran
        has its deleted (README: once its end is recorded): every run that did not start
        left its log, whose one line the store now says. ``keep_log``: written, not deleted."""
        self._ended = True
        now = time.time()
        self.history(
            [
                RunStarted(self.run_id, self.flow, self.number, (), (), (), self.rerun_of, ts=now),
                RunFinished(
                    self.run_id,
                    self.flow,
                    self.number,
                    state,
                    {},
                    0.0,
                    ts=now,
                    error=error,
                    note=note,
                ),
            ]
        )
        if keep_log:
            self.history.flush(10.0)
        else:
            forget_log_once_recorded(self.history, self.state_dir, self.run_id, wait=10.0)


def open_for_run(args: argparse.Namespace) -> tuple[Workspace, Reservation | None]:
    """The workspace with its flows loaded, and the launched run's reservation (if any)."""
    from ..workspace import Workspace

    one_file = Path(args.path).is_file()
    if not one_file:  # the file that defines the flow is imported here only (``flow_naming``)
        workspace = Workspace(args.path, import_deadline=lambda path, s: overran(path, s, None))
        workspace.watched = False  # a run's: its load is stamped for no watch
        # what a module prints at import, as its tasks' output; a file waited for, named
        with printable_output(), waits_said(lambda: workspace.settings.load_timeout):
            workspace.load(flow=args.flow)
        return workspace, None
    from .run_guard import RunWorkspace, end_unstarted

    workspace = RunWorkspace(args.path, isolate_imports=False)
    workspace.read_settings()  # the deadline is [defaults] load_timeout
    reservation = None
    if args.run_id and args.flow and not args.no_history:
        try:
            reservation = Reservation(
                workspace.history,
                args.flow,
                args.run_id,
                args.rerun_of,
                state_dir=workspace.state_dir,
            )
        except Exception:  # noqa: BLE001 - a broken store: run.main reports it (history_error)
            reservation = None
    # from here until the run begins, an exception ends the run as not started (run_guard)
    workspace.reservation = reservation
    try:
        with import_deadline(workspace, reservation), printable_output():
            workspace.load_flows(flow=args.flow)
        if reservation is not None:  # one queued since the last look: ended the same way
            reservation.end_if_cancelled()
    except BaseException as exc:  # a signal (``Stopped``) as much as a bug
        if reservation is not None:
            end_unstarted(reservation, exc)
        workspace.close()  # (run.main closes it once it has it)
        raise
    return workspace, reservation


@contextmanager
def connect_cancels(reservation: Reservation | None, doing: str) -> Iterator[None]:
    """While the block runs (the run's process ``doing`` "connecting to the Dask
    scheduler at …", up to ``dask_connect.CONNECT_TIMEOUT``), a cancel queued for the
    reserved run ends it within ``CONNECT_CANCEL_LOOK``, as one queued while its flow
    file imports does (``Reservation.end_if_cancelled``), its note "cancelled by the user
    while ``doing``". It waited for the connect (10 s at an address where nothing
    listens), then read "cancelled by the user while its flow file imported". One that
    fails to connect keeps the note, for a cancel it claims as it ends (``fail``)."""
    if reservation is None:  # typed in a shell: not in the store until it starts
        yield
        return
    reservation.cancelled_note = f"cancelled by the user while {doing}"
    done = threading.Event()
    looking = threading.Lock()  # held while a look may end the process

    def watch() -> None:
        while not done.wait(CONNECT_CANCEL_LOOK):
            with looking:
                if not done.is_set():
                    reservation.end_if_cancelled()

    threading.Thread(target=watch, name="flowtop-connect-cancel", daemon=True).start()
    try:
        yield
    finally:
        with looking:  # (a look ending the run ends this process meanwhile)
            done.set()
    reservation.cancelled_note = CANCELLED_WHILE_IMPORTING  # connected


def cancel_queued(db: Path, run_id: str) -> bool:
    """Whether a cancel of ``run_id`` waits in the store's queue, not taken yet: a read,
    made at every heartbeat of a run whose file imports (``claim_cancels`` writes). False
    when the store cannot be read: the next look tries again."""
    try:
        with closing(connect(db, create=False)) as conn:
            row = conn.execute(
                "SELECT 1 FROM commands WHERE run_id = ? AND kind = 'cancel' "
                "AND taken IS NULL LIMIT 1",
                (run_id,),
            ).fetchone()
    except (sqlite3.Error, HistoryError, OSError):
        return False
    return row is not None


#: What a launched rerun whose plan runs no task says as the reason it did not start.
NOTHING_TO_RERUN = "nothing to rerun"


def nothing_to_rerun(workspace: Workspace, args: argparse.Namespace, flow: str, why: str) -> None:
    """Say that the rerun of ``flow`` would run no task (``why``: its plan's words); a
    launched one (``--run-id``: ``--detach``, the monitor) ends its reserved run as a run
    that did not start, with that reason, COMPLETED (``Reservation.nothing_to_do``). Its
    number was reserved, and its id printed or shown, before its process could plan the
    rerun, and it ran on: ``COMPLETED 2 completed (2 reused)``, a run that did nothing
    read as one that did it all, where the same rerun typed in a shell says so and
    records nothing. The reservation is taken here
    for a folder's flow too, which ``open_for_run`` reserves none for (its launcher
    did); ``next_number`` gives a run reserved already its own number back."""
    say(why)
    if args.run_id is None or args.no_history:
        return
    reservation = Reservation(
        workspace.history, flow, args.run_id, args.rerun_of, state_dir=workspace.state_dir
    )
    reservation.nothing_to_do(f"{NOTHING_TO_RERUN}: {why}")


def import_deadline(
    workspace: Workspace, reservation: Reservation | None
) -> AbstractContextManager[None]:
    """An import cannot be interrupted: one still going after ``load_timeout`` ends this
    process (exit 2), after saying so and failing the reserved run. Meanwhile the run's
    heartbeat goes on, so a reader on another host does not take a slow import for a
    dead owner."""
    seconds = workspace.settings.load_timeout
    beat = reservation.beat if reservation is not None else None
    return deadline(
        seconds,
        lambda: overran(workspace.path, seconds, reservation),
        tick=beat,
        every=HEARTBEAT / 2,
        backstop=True,  # (a C call holding the GIL starves the deadline's thread)
    )


def overran(path: Path, seconds: float, reservation: Reservation | None) -> None:
    """Importing ``path`` took longer than ``seconds``: say so, fail the reserved run,
    and end this process (exit 2), since nothing can stop the import."""
    from ..workspace.load_error import display_path, import_overran

    reason = f"{display_path(path)}: {import_overran(seconds)}"
    say(reason)
    if reservation is not None:
        reservation.fail(reason)
    os._exit(2)


def _same_folder(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` are one folder (``b`` may be gone)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def fail_unopened(args: argparse.Namespace, said: str) -> None:
    """End a launched run whose PATH could not be opened (``said``: why) FAILED with that
    reason, in the store its launcher reserved it in. Its flow file deleted after the
    monitor listed it, the process exited 2 before it opened the store, and readers marked
    the run INTERRUPTED, "its process (pid …, exit code 2) is gone". That store is the one
    of the file's folder, as for a file that is there (``Places.of``); when that one does
    not hold the run RUNNING, the one its log is in (``launcher.launched_into``), said:
    the folder moved (``mv flows flows-old``, even with ``mkdir flows`` after), or it was
    a link re-pointed or removed as the run started. Neither holding it, nothing is."""
    if args.run_id is None or args.flow is None or args.no_history:
        return
    given = Path(os.path.abspath(args.path))
    if given.suffix != ".py":
        return
    state_dir, moved = given.parent / STATE_DIR, ""
    if not reserved_here(state_dir / STORE_FILE, args.run_id):
        from ..workspace.launcher import launched_into

        now = launched_into(args.run_id)  # (its log, open as this process's output)
        if now is None or not reserved_here(now / STORE_FILE, args.run_id):
            return
        if not _same_folder(now, state_dir):  # (the same store, read busy a moment ago)
            moved = (
                f" (the workspace folder is no longer at {printable_name(str(given.parent))}; "
                f"its run store is now at {printable_name(str(now))})"
            )
        state_dir = now
    from ..workspace.history import open_live_history
    from ..workspace.load_error import display_path

    # the launcher gives the path whole: the reason names the file as other reasons do
    reason = said.replace(args.path, display_path(args.path), 1) + moved
    try:  # (a locked or broken store: the exit 2 and its line stand, the run reads as before)
        history = open_live_history(state_dir)
        try:
            reserved = Reservation(
                history, args.flow, args.run_id, args.rerun_of, state_dir=state_dir
            )
            reserved.fail(reason)
        finally:
            history.close()
    except Exception:
        logging.getLogger("flowtop.run").debug("could not end run %s", args.run_id, exc_info=True)


def reserved_here(db: Path, run_id: str) -> bool:
    """Whether the store ``db`` holds ``run_id`` RUNNING, as its launcher reserved it."""
    try:
        with closing(connect(db, create=False)) as conn:
            row = conn.execute(
                "SELECT 1 FROM runs WHERE run_id = ? AND state = 'RUNNING'", (run_id,)
            ).fetchone()
    except (sqlite3.Error, HistoryError, OSError):
        return False
    return row is not None


def why_not_started(workspace: Workspace, flow: str) -> str:
    """Why ``flow`` cannot run from ``workspace``: its load and settings errors, or its absence."""
    problems = load_problems(workspace)
    if not problems:
        from ..workspace.load_error import display_path

        problems.append(f"{display_path(workspace.path)}: {no_such_flow(flow, workspace.flows)}")
    return "; ".join(problems)
