"""The tasks a run's process was running as it died, named in the run's note.

A task that called ``os._exit(3)``, the OOM killer or a ``kill -9`` ended a run process
with nothing written, and its run read "its process … is gone", naming none of the tasks
that were running. They are in the store: the RUNNING steps of its log, and the tasks
waiting to retry (a run killed in a retry's wait read a bare "… is gone"). How the
process ended is ``process_ends``'s; where no reader could learn it, the note says the
process "ended without a word", and why: its exit status went to the shell that started
it (``UNSAID``), or to init, the flowtop that launched it (the monitor, ``run --detach``,
whose log of the run stands beside the store) having ended (``ORPHANED``). It read "the
process that started it, which was no flowtop" for those too.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from ..engine.states import StateType
from .log_fold import logged_tasks, stored_tasks
from .run_log import log_columns
from .store_errors import store_file

#: Why a reader cannot say how a process ended, once nobody it can ask knows.
UNSAID = "its exit status went to the process that started it, which was no flowtop"
#: The same for a process a flowtop launched (``launched``), which ended before it.
ORPHANED = (
    "its exit status went to init: the flowtop that started it had ended, "
    "and no flowtop was left to see it"
)
#: The running tasks a note names; the others are counted.
NAMED = 3
#: How many runs' folds are kept (``_folded``).
KEPT = 512

_lock = threading.Lock()


def while_running(conn: sqlite3.Connection, run_id: str, why: str) -> str:
    """``why`` a run's process is gone, with the tasks it was running (or waiting to
    retry) as it went, as its store has them, for a process a reader identified
    (``ownership.owner_gone``: "its process (pid …) …"); for one that is gone, how no
    reader could tell (its pid alone in the parentheses, no ``exit code 3`` beside it:
    ``process_ends``), "it ended without a word", and why. ``why`` alone when none was."""
    running, waiting = _running(conn, run_id) if why.startswith("its process (") else ([], [])
    doing = " and ".join(
        f"{what} {_named(tasks)}"
        for what, tasks in (("running", running), ("waiting to retry", waiting))
        if tasks
    )
    if not doing:
        return why
    if why.endswith(") is gone") and ", " not in why[why.rfind("(") :]:
        unsaid = ORPHANED if launched(store_file(conn), run_id) else UNSAID
        return f"{why}: it ended without a word while {doing} ({unsaid})"
    return f"{why}; it was {doing}"


def _named(tasks: list[str]) -> str:
    """``tasks`` as a note names them: the first ``NAMED``, the others counted."""
    names = ", ".join(tasks[:NAMED])
    if len(tasks) > NAMED:
        names += f" and {len(tasks) - NAMED:,} more"
    return names


def launched(path: Path | None, run_id: str) -> bool:
    """Whether a flowtop launched the process of ``run_id`` (the monitor, a browser tab,
    ``run --detach``): its log of the run (``launcher.LOGS``, kept until the run's end is
    recorded) stands beside the store ``path``. A run the monitor launched and still
    waits for says how its process ended (``process_ends``): no note of this kind."""
    from .launcher import LOGS  # (the launcher imports the reaper, which imports this)

    return path is not None and (path.parent / LOGS / f"{run_id}.log").is_file()


#: run id -> the newest event of its log read, and the tasks it had running and waiting
#: to retry then: a monitor on a read-only store notes a dead run it cannot mark every
#: second (``reaper.unmarked``), and a dead run's log stays as it is.
_folded: dict[str, tuple[int | None, tuple[list[str], list[str]]]] = {}


def _running(conn: sqlite3.Connection, run_id: str) -> tuple[list[str], list[str]]:
    """The tasks of ``run_id`` its store has running, and those waiting to retry, in
    their plan's order."""
    logged = bool(log_columns(conn))
    newest = (
        conn.execute("SELECT max(id) FROM events WHERE run_id = ?", (run_id,)).fetchone()[0]
        if logged
        else None
    )
    with _lock:
        known = _folded.get(run_id)
    if known is not None and known[0] == newest and newest is not None:
        return known[1]
    row = conn.execute("SELECT plan FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    plan = plan_of(None if row is None else row[0])
    tasks = stored_tasks(conn, run_id, plan)
    if tasks is None:
        tasks = logged_tasks(conn, run_id, plan) if logged else []
    found = tuple(
        [task.task for task in tasks if task.state == state.value]
        for state in (StateType.RUNNING, StateType.AWAITING_RETRY)
    )
    doing = (found[0], found[1])
    with _lock:
        _folded[run_id] = (newest, doing)
        while len(_folded) > KEPT:
            _folded.pop(next(iter(_folded)))
    return doing


def plan_of(plan_text: object) -> list[tuple[str, int, str]]:
    """A run's plan as its row keeps it (runs recorded before schema version 5); [] for
    none, or one damaged by hand (its log still says what ran)."""
    try:
        plan = json.loads(plan_text) if isinstance(plan_text, str | bytes) else []
    except ValueError:
        return []
    return plan if isinstance(plan, list) else []
