"""The tasks a run's process was running as it died, named in the run's note.

A task that called ``os._exit(3)``, the OOM killer or a ``kill -9`` ended a run process
with nothing written, and its run read "its process … is gone", naming none of the tasks
that were running. They are in the store: the RUNNING steps of its log, and the tasks
waiting to retry (a run killed in a retry's wait read a bare "… is gone"). How the
process ended is ``process_ends``'s; where no reader could learn it, the note says the
process "ended without a word", and why: its exit status went to the shell that started
it (``UNSAID``), or to init, the flowtop that launched it (the monitor, ``run --detach``,
whose log of the run stands beside the store) having ended (``ORPHANED``). It read "the
process that started it, which was no flowtop" for those too. A monitor that launched the
run and reaped its process writes how it ended in its launcher file (``process_ends``):
another client reads it there (``told_end``), and says the status went to that monitor
while it is open (``LAUNCHER_HAS``), never that it had ended. A subflow's run shares the
process of the run that called it, whose id alone the launcher's files bear: they are
read under that id (``launched_as``), where a detached parent's child read "… which was
no flowtop" beside a plain detached run's "went to init".
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from ..engine.states import StateType
from .log_fold import logged_tasks, stored_tasks
from .ownership import boot_id, host_name, pid_running, process_start
from .process_ends import said
from .run_log import columns, log_columns
from .store_errors import store_file

#: Why a reader cannot say how a process ended, once nobody it can ask knows.
UNSAID = "its exit status went to the process that started it, which was no flowtop"
#: The same for a process a flowtop launched (``launched``), which ended before it.
ORPHANED = (
    "its exit status went to init: the flowtop that started it had ended, "
    "and no flowtop was left to see it"
)
#: The same for one whose launcher is open still (or elsewhere), with its pid, which
#: has yet to write how the process ended (``process_ends.note_end``).
LAUNCHER_HAS = "its exit status went to the flowtop that started it ({})"
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
    said = doing(conn, run_id) if why.startswith("its process (") else ""
    if not said:
        return why
    if _bare(why):
        return f"{why}: it ended without a word while {said} ({_unsaid(conn, run_id)})"
    return f"{why}; it was {said}"


def doing(conn: sqlite3.Connection, run_id: str) -> str:
    """``running work`` / ``waiting to retry load``: what the tasks of ``run_id`` were
    doing, as its store has them (a dead run's, kept: ``_folded``); "" for none."""
    running, waiting = _running(conn, run_id)
    return " and ".join(
        f"{what} {named(tasks)}"
        for what, tasks in (("running", running), ("waiting to retry", waiting))
        if tasks
    )


def _bare(why: str) -> bool:
    """Whether ``why`` names a process that is gone without saying how it ended."""
    return (
        why.startswith("its process (")
        and why.endswith(") is gone")
        and ", " not in why[why.rfind("(") :]
    )


def told_end(conn: sqlite3.Connection, run_id: str, why: str) -> str:
    """``why`` a run's process is gone, with how it ended as its launcher wrote it
    (``process_ends.note_end``) where this reader could not tell (the monitor that
    launched it had reaped it): "its process (pid 7 on vm, killed by SIGKILL) is gone"."""
    if not _bare(why):
        return why
    code = _launcher(store_file(conn), launched_as(conn, run_id))[1]
    if code is None:
        return why
    return f"{why[: -len(') is gone')]}, {said(code)}) is gone"


def _unsaid(conn: sqlite3.Connection, run_id: str) -> str:
    """Why no reader can say how the process of ``run_id`` ended."""
    path = store_file(conn)
    root = launched_as(conn, run_id)
    if not launched(path, root):
        return UNSAID
    who = _launcher(path, root)[0]
    return ORPHANED if who is None else LAUNCHER_HAS.format(who)


def launched_as(conn: sqlite3.Connection, run_id: str) -> str:
    """The run whose id a launcher knows the process of ``run_id`` by: the outermost run
    that called it as a subflow (its ``parent``, and theirs) in the same process (its
    row's ``owner``, "host:pid:…"), whose log and launcher file stand beside the store;
    ``run_id`` itself for a top-level run (or a store older than subflows)."""
    if "parent" not in columns(conn, "runs"):
        return run_id
    query = "SELECT parent, owner FROM runs WHERE run_id = ?"
    row = conn.execute(query, (run_id,)).fetchone()
    here, seen = run_id, {run_id}
    while row is not None and row[0] is not None and row[0] not in seen:
        above = conn.execute(query, (row[0],)).fetchone()
        if above is None or _process(above[1]) != _process(row[1]):
            break  # (pruned, or it called this run from another process)
        here = row[0]
        seen.add(here)
        row = above
    return here


def _process(owner: object) -> str:
    """The process an owner column names ("host:pid:token" -> "host:pid"): the token of a
    run its launcher reserved is ``launched`` until the run's process writes its own."""
    return owner.rpartition(":")[0] if isinstance(owner, str) else ""


def _launcher(path: Path | None, run_id: str) -> tuple[str | None, int | None]:
    """What the launcher file of ``run_id`` beside the store ``path`` says: its launcher
    ("pid 7 on vm") unless it is certainly gone, and how the run's process ended (None:
    not written, or no such file: a launcher that did not stay, ``run --detach``)."""
    from .launcher import LAUNCHER, LOGS  # (the launcher imports the reaper, which imports this)

    if path is None:
        return None, None
    try:
        lines = (path.parent / LOGS / f"{run_id}{LAUNCHER}").read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None, None
    first, *rest = lines.splitlines() or [""]
    code = None
    for line in rest:
        word, _, value = line.partition(" ")
        if word == "exit" and value.lstrip("-").isdigit():
            code = int(value)
    host, pid, boot, start = ([*first.split(), "", "", "", ""])[:4]
    if not pid.isdigit():
        return None, code
    if host == host_name() and (
        boot != (boot_id() or "-") or not pid_running(int(pid)) or process_start(int(pid)) != start
    ):
        return None, code  # (ended, or its pid names another process now)
    return f"pid {pid} on {host}", code


def named(names: list[str]) -> str:
    """``names`` (tasks, runs) as a note names them: the first ``NAMED``, the others
    counted."""
    said = ", ".join(names[:NAMED])
    if len(names) > NAMED:
        said += f" and {len(names) - NAMED:,} more"
    return said


def launched(path: Path | None, run_id: str) -> bool:
    """Whether a flowtop launched the process of ``run_id`` (the monitor, a browser tab,
    ``run --detach``): its log of the run (``launcher.LOGS``, kept until the run's end is
    recorded) stands beside the store ``path``. A run the monitor launched and still
    waits for says how its process ended (``process_ends``): no note of this kind."""
    from .launcher import LOGS  # (the launcher imports the reaper, which imports this)

    return path is not None and (path.parent / LOGS / f"{run_id}.log").is_file()


#: (store, run id) -> the newest event of its log read, and the tasks it had running and
#: waiting to retry then: a monitor on a read-only store notes a dead run it cannot mark
#: every second (``reaper.unmarked``), and a dead run's log stays as it is. By store: a
#: copy of a folder holds its runs under the same ids, its logs grown apart.
_folded: dict[tuple[Path, str], tuple[int, tuple[list[str], list[str]]]] = {}


def _running(conn: sqlite3.Connection, run_id: str) -> tuple[list[str], list[str]]:
    """The tasks of ``run_id`` its store has running, and those waiting to retry, in
    their plan's order."""
    logged = bool(log_columns(conn))
    newest = (
        conn.execute("SELECT max(id) FROM events WHERE run_id = ?", (run_id,)).fetchone()[0]
        if logged
        else None
    )
    path = store_file(conn)
    key = None if newest is None or path is None else (path, run_id)
    with _lock:
        known = None if key is None else _folded.get(key)
    if known is not None and known[0] == newest:
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
    split = (found[0], found[1])
    if key is not None and newest is not None:
        with _lock:
            _folded[key] = (newest, split)
            while len(_folded) > KEPT:
                _folded.pop(next(iter(_folded)))
    return split


def plan_of(plan_text: object) -> list[tuple[str, int, str]]:
    """A run's plan as its row keeps it (runs recorded before schema version 5); [] for
    none, or one damaged by hand (its log still says what ran)."""
    try:
        plan = json.loads(plan_text) if isinstance(plan_text, str | bytes) else []
    except ValueError:
        return []
    return plan if isinstance(plan, list) else []
