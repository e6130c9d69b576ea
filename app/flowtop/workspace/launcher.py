"""Starting a run in a process of its own, which outlives whoever started it.

A run started from the TUI, a browser tab or ``flowtop run --detach`` executes in a new
``flowtop run`` process in its own session: a hang-up of the terminal, ``q`` in the TUI
or a closed tab never reaches it. It imports the flow file afresh, so the run uses the
code and settings saved when it started. The starter picks the run id, so it can watch
the run (or print its id) before the process has even imported the flows. A client's
rerun (``exclusive``) is recorded before its process starts, refused when one of the same
source is live already (``run_numbers.reserve_rerun``). Any other run is recorded before
its process starts too (``reserve``), and none starts when that write fails (a full disk,
a read-only store): it would run unseen, ``watch ID`` saying "no run with id".
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sqlite3
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine.records import new_run_id
from ..printable import NOTICE_MARK
from . import params_file, process_ends, store_schema
from .closing_writes import fold_wal
from .helper_process import python_command, unserved
from .history_records import HistoryError
from .json_text import storable_json
from .launch_gate import launching
from .ownership import LAUNCHED, Owner
from .ownership import LOGS as LOGS  # (the folder of run logs: see below)
from .places import STATE_DIR, STORE_FILE
from .private import open_private
from .reaper import BUSY_TIMEOUT_MS, connect
from .run_numbers import hand_over, record_run, reserve_launched, reserve_rerun
from .store_errors import FULL, LOCKED, cause, store_advice

# The run processes' own output goes here, what the store does not hold (notices, prints
# outside any task, an ``os.system`` child's lines: ``capture_windows``; a task's prints
# and its ``Popen`` children's lines are the store's alone: ``child_files``): what says
# why a run never reached the store (a crash while importing), kept until the run's end
# is recorded (``forget_log``); a full disk names its room. A run's parameters go through
# a private file there too, which the run process deletes (``params_file``), never its
# command line: every local user reads those (``ps``). Its name, ``LOGS``, is
# ``ownership``'s: it finds a launched run's process by its log.

#: Beside a run's log, its launcher file, for a launcher that stays to wait for the run's
#: process (the monitor): who it is, and how the process ended (``process_ends``).
LAUNCHER = ".launcher"
#: Where the kernel says what a run process's output (its log) is now (Linux).
OUTPUT = "/proc/self/fd/1"


class NotRecorded(HistoryError, OSError):
    """A run not started because the store would not take its record: one line saying
    where and why, for ``--detach`` (a ``HistoryError``), and an ``OSError`` for the TUI's
    "Could not start the run: …"."""


@dataclass(frozen=True, slots=True)
class Launched:
    run_id: str
    pid: int
    log: Path
    #: Its run number (None if the store could not be written yet: the run process says).
    number: int | None = None
    #: What the run process's notices in ``log`` say they are by, ``flowtop run[MARK]: …``
    #: (``printable.NOTICE_MARK``): the run's own output there cannot pass for one.
    notice_mark: str = ""
    #: The run process, for a launcher that stays to wait for it as it ends (the TUI:
    #: ``tui.child_reaper``); let go of, it stays a zombie until the next process starts.
    process: subprocess.Popen[bytes] | None = field(default=None, compare=False, repr=False)


def launch(
    path: Path,
    flow: str,
    *,
    state_dir: Path,
    rerun_of: str | None = None,
    task: str | None = None,
    executor: str | None = None,
    workers: int | None = None,
    parameters: Mapping[str, Any] | None = None,
    exclusive: bool = False,
    busy_ms: int | None = None,
) -> Launched:
    """Start ``flowtop run PATH --flow FLOW`` detached; return at once with its run id.

    With ``exclusive``, a rerun (``rerun_of`` a full run id) is recorded first, and
    ``run_numbers.RerunRunning`` raised, no process started, when its source or another
    rerun of it is live, ``run_numbers.SourceGone`` when it is gone (with the store: no
    ``.flowtop`` is made for a refusal), and ``run_numbers.StoreBusy`` when another process
    held the store past ``busy_ms`` (the reaper's 5 s unless given)."""
    with launching():  # a SIGHUP meanwhile waits for its end (``launch_gate``)
        run_id = new_run_id()
        store = state_dir / STORE_FILE
        waits = {} if busy_ms is None else {"busy_ms": busy_ms}
        reserved = (
            reserve_rerun(store, flow, run_id, rerun_of, **waits)
            if exclusive and rerun_of is not None
            else None
        )
        # ``--flow=NAME``: a name starting with "-" (a flow named "--detach") is a value,
        # not an option that leaves ``--flow`` without one
        args = ["run", str(path), f"--flow={flow}", "--run-id", run_id, "--quiet"]
        if rerun_of is not None:
            args += ["--rerun-of", rerun_of]
        if task is not None:
            args += [f"--task={task}"]
        if executor is not None:
            args += ["--executor", executor]
        if workers is not None:
            args += ["--workers", str(workers)]
        given = None
        if parameters:  # JSON values (``--param``, the TUI's form): JSON carries them exactly,
            # a lone surrogate escaped (UTF-8 cannot write it)
            given = storable_json(json.dumps(dict(parameters), ensure_ascii=False))
        mark = secrets.token_hex(4)
        logs = state_dir / LOGS
        log, handed = logs / f"{run_id}.log", logs / f"{run_id}{params_file.SUFFIX}"
        try:
            if given is None:
                command = python_command("-m", "flowtop", *args)
            else:  # not in argv, which any local user reads (and Linux caps at 128 KiB)
                params_file.put(handed, given)
                command = python_command("-m", params_file.__name__, str(handed), *args)
            # never through a link another member of a shared .flowtop put at its name
            with open(open_private(log, os.O_WRONLY | os.O_TRUNC), "wb", buffering=0) as out:
                if reserved is None:  # the log first: a folder it cannot be made in is said so
                    reserved = reserve(store, flow, run_id, busy_ms=busy_ms or BUSY_TIMEOUT_MS)
                process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # no SIGHUP from the terminal, no ^C from its group
                    close_fds=True,
                    env=run_environment(os.environ, mark),
                )
        except BaseException:
            if reserved is not None:  # no process will take it: the record goes
                hand_over(store, run_id, None)
            for made in (log, handed):  # nothing will write or read them (a new run id's)
                with contextlib.suppress(OSError):
                    made.unlink(missing_ok=True)
            raise
        process_ends.note_file(process.pid, logs / f"{run_id}{LAUNCHER}", log)
        if reserved is not None:
            hand_over(store, run_id, process.pid)
            return Launched(run_id, process.pid, log, reserved, mark, process)
        # Recorded now, with the new process as its owner: killed before it reserved the run
        # itself (its interpreter still starting), it left nothing, and `watch ID` waited.
        number = reserve_launched(store, flow, run_id, process.pid)
        return Launched(run_id, process.pid, log, number, mark, process)


def reserve(db: Path, flow: str, run_id: str, *, busy_ms: int) -> int | None:
    """Record the run ``run_id`` (RUNNING, owned by this process until ``hand_over``)
    before its process starts; its number. None when there is no store yet (the run
    process makes it) or another process held it past ``busy_ms`` (the run process waits
    longer, and records the run itself). Raises ``NotRecorded`` when the store cannot be
    written (a full disk, read-only): no client would see the run."""
    if not db.is_file():
        return None
    me = Owner.current()
    owner = f"{me.host}:{os.getpid()}:{LAUNCHED}"
    try:
        conn = connect(db, busy_ms=busy_ms)
        try:
            store_schema.check_version(conn, db)  # a newer store: its run process says so
            try:
                with store_schema.write_transaction(conn):
                    return record_run(conn, flow, run_id, owner, me)
            except sqlite3.OperationalError as exc:
                # a full disk: the write-ahead log may hold the room (``fold_wal``)
                if cause(exc) != FULL or not fold_wal(conn, db):
                    raise
            with store_schema.write_transaction(conn):
                return record_run(conn, flow, run_id, owner, me)
        finally:
            conn.close()
    except HistoryError:
        return None
    except sqlite3.Error as exc:
        if cause(exc) == LOCKED:
            return None
        raise NotRecorded(
            f"{db}: cannot record the run ({exc}); {store_advice(exc, db, writing=True)}: "
            "a run it cannot record would go unseen"
        ) from None


def launched_into(run_id: str) -> Path | None:
    """The ``.flowtop`` whose store the launcher reserved the run ``run_id`` in, as this
    process (the run's) has its log open as its output (``launch``): where that folder is
    now, even once its workspace folder moved (``mv flows flows-old``), which the flow
    file's path no longer tells. None when this process's output is no such log (not
    launched, the log deleted) or this cannot be told (no ``/proc``)."""
    try:
        target = os.readlink(OUTPUT)
    except OSError:
        return None
    log = Path(target)
    if not log.is_absolute() or log.name != f"{run_id}.log" or log.parent.name != LOGS:
        return None  # (a log deleted since reads ``… (deleted)``)
    state_dir = log.parent.parent
    return state_dir if state_dir.name == STATE_DIR and os.path.lexists(log) else None


def run_environment(environ: Mapping[str, str], notice_mark: str) -> dict[str, str]:
    """A run process's environment: ``environ`` with its notices' mark, without what
    textual-serve set when the launcher is an app it serves (a user's own ``COLUMNS``
    stays everywhere else; under textual-serve it was overwritten already)."""
    environment = unserved(environ)
    environment[NOTICE_MARK] = notice_mark
    return environment


def forget_log(state_dir: Path, run_id: str) -> None:
    """Delete a launched run's log once its end is in the store (or it is pruned): every
    run the TUI or ``--detach`` started left one, holding its whole output, until a prune.
    Its parameters file too, left when its process died before it read it, and its
    launcher file."""
    for name in (f"{run_id}.log", f"{run_id}{params_file.SUFFIX}", f"{run_id}{LAUNCHER}"):
        with contextlib.suppress(OSError):
            (state_dir / LOGS / name).unlink()
