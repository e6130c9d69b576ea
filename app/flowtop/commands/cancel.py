"""``flowtop cancel [PATH] (RUN | --flow NAME)``: ask the process that executes a run to cancel it.

The run may belong to any process (a TUI's run process, ``flowtop run`` in cron, another
machine sharing the folder): the command goes into the store's queue, and the owner
applies it within a few tens of milliseconds. Waits (up to ``WAIT`` seconds) to say so.
"""

from __future__ import annotations

import argparse
import shlex
import sqlite3
import sys
import time
from pathlib import Path

from ..formats import fmt_seconds, moment
from ..printable import printable
from ..workspace.history_records import HistoryError, RunRecord
from ..workspace.ownership import stopped_words
from .common import path_first
from .run_target import RUN_HELP, add_run_target, too_many
from .store_access import (
    FileFlows,
    callers,
    file_scope,
    find_run,
    flow_as_stored,
    live_or_newest,
    live_runs,
    split_target,
    store_path,
    usage,
)

#: How long to wait for the owner to take the command (seconds).
WAIT = 5.0


def configure(parser: argparse.ArgumentParser) -> None:
    # RUN or --flow NAME: `flowtop cancel --flow etl` cancels etl's one live run
    add_run_target(parser, run_required=False, run_help=f"{RUN_HELP}; without RUN, --flow NAME")
    parser.add_argument(
        "--flow",
        metavar="NAME",
        help="whose run number RUN is, when several flows have it; without RUN, the run "
        "of NAME that is live, when one is",
    )


def main(args: argparse.Namespace) -> int:
    from ..workspace.history import reap_store
    from ..workspace.owner_agent import enqueue, outcome

    extra = too_many(args.target, "[PATH] [RUN]")
    if extra is not None:
        return usage("cancel", extra)
    swapped = path_first(args.target, "cancel")  # `cancel 11 flows`
    if swapped is not None:
        return usage("cancel", swapped)
    found = store_path(args.target, "cancel")
    if isinstance(found, int):
        return found
    db, run_ref = found
    within = file_scope(
        split_target(args.target)[0], "cancel", db, run_ref
    )  # a file names its flows
    if run_ref is None and args.flow is None:
        return usage("cancel", _which_run(db, within, args.target))
    args.flow = flow_as_stored(db, args.flow, within)  # `café` spelt either way
    reap_store(db)
    if run_ref is None:
        record = _live_run_of(db, args.flow, within, args.target)
    else:
        record = find_run(db, run_ref, args.flow, "cancel", within=within)
    if isinstance(record, int):
        return record
    name = f"run #{record.number} of {printable(record.flow)} ({record.run_id})"
    if record.state != "RUNNING":
        print(
            f"flowtop cancel: {name} is not running ({record.state}){_live_rerun(db, record)}",
            file=sys.stderr,
        )
        return 1
    gone = _gone_unmarked(db, record)
    if gone is not None:  # as not running: there is no process to take a request
        print(
            f"flowtop cancel: {name} is not running: {gone}{_live_rerun(db, record)}",
            file=sys.stderr,
        )
        return 1
    try:
        command_id = enqueue(db, record.run_id, "cancel")
    except HistoryError as exc:  # read-only here (``CommandRefused``), a link put in its place
        print(f"flowtop cancel: {name}: {printable(str(exc))}", file=sys.stderr)
        return 2
    # A process the liveness check just found stopped (``reap_store``) takes nothing
    # until it runs again: said at once, not after the wait.
    deadline = time.monotonic() + (0.0 if stopped_words(record.run_id) else WAIT)
    while True:
        try:
            done = outcome(db, command_id)
        except HistoryError as exc:  # a link put in the store's place since: not read through
            print(
                f"flowtop cancel: {name}: the request is queued, but whether its process took "
                f"it cannot be read: {printable(str(exc))}",
                file=sys.stderr,
            )
            return 2
        if done is not None:
            if done == "applied":
                print(f"Cancelled {name}")
                return 0
            print(f"flowtop cancel: {name}: {done}", file=sys.stderr)
            return 1
        if time.monotonic() >= deadline:
            return _untaken(db, record, name)
        time.sleep(0.02)


def _untaken(db: Path, record: RunRecord, name: str) -> int:
    """Say that the cancel of ``record`` (``name``) is queued, its process not having
    taken it; the exit code. As `c` says it (``cancel_words``): a run that has not begun
    (its flow file imports, its process connects to a Dask scheduler) ends as it starts,
    however long that takes (``Runner.before_begin``), exit 0; a stopped process takes it
    once it runs again (``kill -CONT``), exit 1, as one busy past ``WAIT``."""
    from ..tui.cancel_words import queued_words
    from ..workspace.reaper import gone_unmarked

    gone_unmarked(db)  # a look at its process now: stopped meanwhile?
    try:
        said = queued_words(db, record.run_id, name)
    except (HistoryError, sqlite3.Error, OSError):
        said = None  # unread: said as any process that did not take it
    if said is not None and stopped_words(record.run_id) is None:
        print(said)
        return 0
    if said is not None:
        print(f"flowtop cancel: {said[:1].lower()}{said[1:]}", file=sys.stderr)
        return 1
    print(
        f"flowtop cancel: {name}: its process ({record.owner}) did not take the request within "
        f"{fmt_seconds(WAIT)}; it stays queued",
        file=sys.stderr,
    )
    return 1


def _live_run_of(
    db: Path, flow: str, within: FileFlows | None, targets: list[str]
) -> RunRecord | int:
    """The one live run of ``flow`` (``cancel [PATH] --flow NAME`` without RUN), or an
    exit code once why there is none was said: its newest run when none is live (exit 1,
    as for a run that ended), the live ones when several are (exit 2: name one). The
    choice ``watch`` makes (``live_or_newest``), which follows the newest of several."""
    found = live_or_newest(db, flow, "cancel", within=within)
    if isinstance(found, int):
        return found
    record, live = found
    if len(live) <= 1:
        return record  # none live: said "is not running (COMPLETED)" as for RUN given
    return usage(
        "cancel",
        f"flow {flow!r} has {len(live)} live runs: {_listed(live, named=False)}; name one, "
        f"as in flowtop cancel {_path_as_given(targets)}{live[0].run_id}",
    )


def _which_run(db: Path, within: FileFlows | None, targets: list[str]) -> str:
    """What ``cancel`` given neither RUN nor ``--flow`` says: the runs live here that it
    may have meant, each named as it is cancelled. "which run?" alone sent the user to
    ``flowtop history`` to find a run the store knew was the only live one."""
    ask = "which run? give its number or id (see `flowtop history`), or --flow NAME"
    live = live_runs(db, None if within is None else within.names)
    if live is None:  # unreadable now: the question alone
        return f"{ask} for the one live run of NAME"
    live = callers(live)  # (a subflow's run: cancelled with its caller's, not named apart)
    here = "here" if within is None else f"of {within.file}'s flows"
    if not live:
        return f"{ask}; no run {here} is live now"
    cancel = f"flowtop cancel {_path_as_given(targets)}{live[0].run_id}"
    if len(live) == 1:
        return f"which run? the one live run {here} is {_listed(live)}: {cancel}"
    return f"which run? {len(live)} runs {here} are live: {_listed(live)}; name one, as in {cancel}"


def _listed(runs: list[RunRecord], *, named: bool = True) -> str:
    """``etl #3 (ID, started 2 min ago), …``; without ``named``, ``#3 (…)``."""
    now = time.time()
    return ", ".join(
        f"{printable(r.flow) + ' ' if named else ''}#{r.number} "
        f"({r.run_id}, started {moment(r.started, now)})"
        for r in runs
    )


def _path_as_given(targets: list[str]) -> str:
    """The PATH the command was given, quoted for a shell, with a space after it."""
    return "".join(f"{shlex.quote(target)} " for target in targets)


def _gone_unmarked(db: Path, record: RunRecord) -> str | None:
    """Why ``record``, still RUNNING in the store, has no process to cancel it, and why it
    is not marked INTERRUPTED (a read-only store, a full disk), else None (it may run).

    ``reap_store`` marks such a run where it can, and the cancel of it says "not running
    (INTERRUPTED)"; on a store it may only read, the request was queued for nobody and
    refused, naming the read-only mount as if a writable store would let it cancel."""
    from ..workspace.reaper import gone_unmarked, unmarked_because

    gone = gone_unmarked(db).get(record.run_id)
    if gone is None:
        return None
    why = unmarked_because(db)
    unmarked = "" if why is None else f"; it could not be marked INTERRUPTED: {printable(why)}"
    return f"{printable(gone)}, so there is nothing to cancel{unmarked}"


def _live_rerun(db: Path, record: RunRecord) -> str:
    """Where to look instead: the live run that reruns ``record`` — above all a ``@flow``'s
    own retry, which is recorded (and cancellable) as soon as the run before it fails,
    while it waits for its ``retry_delay_seconds``."""
    from ..workspace.store_reader import StoreReader

    try:
        runs = StoreReader(db).runs(record.flow)
    except (HistoryError, sqlite3.Error):
        return ""  # the refusal stands on its own
    reruns: dict[str, list[RunRecord]] = {}
    for run in runs:
        if run.rerun_of is not None:
            reruns.setdefault(run.rerun_of, []).append(run)
    sources = [record.run_id]
    while sources:  # down the chain: #1's retry #2 failed, its retry #3 waits
        for run in reruns.get(sources.pop(), []):
            if run.state == "RUNNING":
                return f"; run #{run.number}, which reruns it, is: flowtop cancel {run.run_id}"
            sources.append(run.run_id)
    return ""
