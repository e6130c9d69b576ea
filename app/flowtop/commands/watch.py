"""``flowtop watch [PATH] [RUN | --flow NAME]``: follow a run, whoever started it.

Without RUN, the newest live run (of ``--flow NAME``, or of the flows PATH defines), else
the newest run: the run ``cancel --flow NAME`` takes. PATH a flow file: a run of the flows
it defines; the store is its folder's, which every flow file there shares.

Replays the run's events from its start out of the store's event log, then follows
them live, printed as ``flowtop run`` prints its own (human lines, or ``--json``), and
exits with the run's code: 0 completed, 1 anything else. A run whose process died is
marked interrupted here too, so a watch never waits for a run that can no longer end.
Ctrl+C, SIGTERM and SIGHUP stop the watch alone (``flowtop run``'s exit codes: 130, 143,
129), after its live status line is taken away: the run goes on (``flowtop cancel``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeGuard

from ..engine import status_line
from ..engine.events import (
    Event,
    RunFinished,
    RunStarted,
    TaskOutput,
    TaskStateChanged,
    json_record,
)
from ..engine.states import StateType
from ..formats import clock_time, try_text
from ..looks import INTERRUPTED, INTERRUPTED_LOOK, state_words
from ..printable import as_left_on_screen, printable, say, unmarked
from ..workspace.store_errors import unreadable
from .body_lines import BodyLines
from .common import path_first
from .history_gone import reap_quietly
from .line_pieces import into_pipe_whole
from .printers import (
    READER_GONE,
    HumanPrinter,
    JsonPrinter,
    Output,
    can_redraw,
    output_lost,
)
from .run_lines import interrupted_line, name_runs
from .run_signals import stop_like_ctrl_c_on_sigterm
from .run_target import RUN_HELP, add_run_target, too_many
from .store_access import (
    file_scope,
    find_run,
    flow_as_stored,
    live_or_newest,
    split_target,
    store_path,
    usage,
)
from .watch_stage import say_stage, say_starting, say_stopped, stage_cut

if TYPE_CHECKING:
    from ..workspace.history_records import RunRecord
    from ..workspace.run_log import RunInterrupted

#: How often the log is read (seconds).
POLL = 0.05
#: How long ``watch RUN_ID`` waits for a run that is not in the store yet (just detached).
STARTING = 10.0
#: How often a watcher checks that the run's owner is still alive (seconds).
REAP_EVERY = 1.0
#: How long past its announced delay a ``@flow``'s retry may take to start before the
#: watch looks whether its process is still there (``_retry_owner_gone``): on this
#: machine it is waited for while it is, however long it is stopped.
RETRY_GRACE = 30.0


def configure(parser: argparse.ArgumentParser) -> None:
    add_run_target(
        parser,
        run_required=False,
        run_help=f"{RUN_HELP} (default: the newest live run, else the newest run)",
    )
    parser.add_argument(
        "--flow",
        metavar="NAME",
        help="the newest live run of this flow, else its newest; with RUN, whose run number it is",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per event")


def main(args: argparse.Namespace) -> int:
    # SIGTERM (`timeout`, a stopped service) and SIGHUP killed the watch where it stood:
    # no word, and the prompt came back on its half-drawn status line
    stop_like_ctrl_c_on_sigterm()
    extra = too_many(args.target, "[PATH] [RUN]")
    if extra is not None:
        return usage("watch", extra)
    swapped = path_first(args.target, "watch")  # `watch 11 flows`
    if swapped is not None:
        return usage("watch", swapped)
    found = store_path(args.target, "watch")
    if isinstance(found, int):
        return found
    db, run_ref = found
    # a flow file names its flows: not the newest run of another file in its folder
    within = file_scope(split_target(args.target)[0], "watch", db, run_ref)
    args.flow = flow_as_stored(db, args.flow, within)  # `café` spelt either way
    record: RunRecord | int | None
    if run_ref is None:  # the newest live run, else the newest: as `cancel --flow` takes
        chosen = live_or_newest(db, args.flow, "watch", within=within)
        record = chosen if isinstance(chosen, int) else chosen[0]
    else:
        record = find_run(db, run_ref, args.flow, "watch", quiet=True, within=within)
    # A run launched from this folder may not be in the store yet: wait for it, but not
    # for an id no launch here gave out (a typo is said at once).
    waits = run_ref is not None and launched(db.parent, run_ref)
    deadline = time.monotonic() + (STARTING if waits else 0.0)
    while record is None:
        waiting = time.monotonic() < deadline
        if waiting:
            time.sleep(POLL)
        record = find_run(db, run_ref, args.flow, "watch", quiet=waiting, within=within)
    if isinstance(record, int):
        if run_ref is not None:
            say_launch_log(db.parent, run_ref)
        return record
    from ..workspace.run_log import read_without_wal

    stale = read_without_wal(db)  # its -shm unreadable here: the live events may not come
    if stale is not None:
        say(stale, command="flowtop watch")
    try:  # a store too damaged to read: one line, as `history` says it (exit 2)
        return follow(db, record.run_id, json_lines=args.json)
    except sqlite3.Error as exc:
        return usage("watch", unreadable(exc, db))


#: Lines of a run process's own output shown when its run never reached the store.
LOG_LINES = 20


def launched(state_dir: Path, prefix: str) -> bool:
    """Whether a run whose id starts with ``prefix`` was launched from this folder (its
    process keeps a log named by its id, see ``workspace.launcher``)."""
    from ..workspace.launcher import LOGS

    try:
        names = os.listdir(state_dir / LOGS)
    except OSError:
        return False
    prefix = prefix.lower()
    return any(name.startswith(prefix) and name.endswith(".log") for name in names)


def say_launch_log(state_dir: Path, run_id: str) -> None:
    """A run detached with this id that never reached the store: what its process printed
    before it could (``workspace.launcher`` keeps it), if anything."""
    from ..workspace.launcher import LOGS

    log = state_dir / LOGS / f"{run_id}.log"
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return
    if lines:
        shown = "\n".join(f"  {printable(unmarked(line))}" for line in lines[-LOG_LINES:])
        print(f"flowtop watch: its run process wrote ({log}):\n{shown}", file=sys.stderr)


def follow(db: Path, run_id: str, *, json_lines: bool) -> int:
    """Print ``run_id``'s events from its start until it ends; its exit code.

    A run whose process is still importing its flow file has logged nothing: that is
    said at once (``starting``), where the watch printed nothing until the import ended.

    A ``@flow`` run that fails with retries left announces its retry (``retry_in``): the
    retry, a new run linked to it, is followed too, and its end is the exit code, as
    ``flowtop run`` waits for it (a CI job must not fail on a run its retry completed).
    """
    from ..workspace import end_marks
    from ..workspace.log_fold import unsound
    from ..workspace.reaper import end_time
    from ..workspace.row_events import start_left_out
    from ..workspace.run_family import FamilyTail
    from ..workspace.run_log import LogDamage, RunInterrupted, first_event_id
    from ..workspace.store_reader import StoreReader

    # into a pipe, JSON lines no other run's write comes inside, however long
    out = into_pipe_whole(sys.stdout) if json_lines else sys.stdout
    printer = (
        JsonPrinter(out)
        if json_lines
        else HumanPrinter(out, live=can_redraw(out), verbose=True, run_output=True)
    )
    printer.output.says_lost = False  # said in the watch's words (``_output_lost``)
    shown = printer if isinstance(printer, JsonPrinter) else BodyLines(printer)
    running = RunningAttempts(shown if isinstance(shown, BodyLines) else None)
    # A finished run an older flowtop recorded without a log (schema 1): its rows tell.
    backlog = start_left_out(StoreReader(db).events_from_rows(run_id))
    # every event's fields looked at: the printer shows them all, and one that is not what
    # flowtop writes (a crafted store) stopped the watch with a traceback
    tail = FamilyTail(db, run_id, first_event_id(db, run_id), check=unsound)
    next_reap = 0.0
    retry_by: float | None = None  # the announced retry's start is awaited until then
    damaged = False  # a row of its log could not be read (said): its end, perhaps
    heard = False  # an event of it read, or that it has not started yet said
    newest = 0.0  # the newest time its events read so far say: a run with no row ends then
    # The runs its @flow body's subflow calls started (and theirs), as their starts come:
    # their events are shown as ``flowtop run`` shows them, where the watch left them out.
    family = {run_id}
    said_ends: set[str] = set()  # the runs of its family whose interruption was printed
    paused: str | None = None  # its process said stopped so (``say_stopped``)
    first_look = True  # no look at its process yet: one found stopped before, undated
    stage = ""  # what its process waits on, as said (``say_stage``: Dask)
    try:
        while True:
            events = []
            # the events of its family's runs (``FamilyTail``): of those, the run's own,
            # its subflows' and its announced retry's are kept
            read = backlog or tail.read()
            backlog = []
            for event in read:
                if event.run_id == run_id:
                    events.append(event)
                    if isinstance(event, RunFinished) and event.retry_in is not None:
                        retry_by = time.monotonic() + event.retry_in + RETRY_GRACE
                elif retry_by is not None and _retry_of(event, run_id):
                    run_id, retry_by = event.run_id, None
                    family.add(run_id)
                    events.append(event)
                elif event.run_id in family or _subflow_of(event, family):
                    family.add(event.run_id)
                    events.append(event)
            engine_events = [e for e in events if not isinstance(e, RunInterrupted | LogDamage)]
            for damage in events:
                if type(damage) is LogDamage:  # skipped, said where the user looks
                    damaged = True
                    _clear(printer)
                    say(f"warning: {damage.said()} ({db})", command="flowtop watch")
            if engine_events:
                if not heard or any(type(e) is RunStarted for e in engine_events):
                    stage = ""  # (a stage said before its start: connecting, over)
                heard = True
                newest = max(newest, *(event.ts for event in engine_events))
                own = [e for e in engine_events if e.run_id == run_id]
                if paused is not None and own:  # its events say it runs again: first
                    paused = say_stopped(
                        printer, db, run_id, paused, _record_of, resumed_at=own[0].ts
                    )
                # what it waits on changed among them: said where it did (``stage_cut``)
                cut, known = stage_cut(db, run_id, stage, engine_events)
                running.see(engine_events)
                if isinstance(printer, HumanPrinter):
                    _name_parents(printer, engine_events, db)
                for part in (engine_events[:cut], None, engine_events[cut:]):
                    if part is None and known is not None:
                        stage = say_stage(printer, db, run_id, stage, _record_of, True, known)
                    elif part:
                        shown(part)
            if printer.output.reader_gone.is_set():  # `| head`: gone, as a Unix tool goes
                return READER_GONE
            if printer.output.lost is not None:  # nothing more can be shown
                return _output_lost(printer.output, db, run_id)
            for event in events:
                if _last_end(event, run_id):
                    return 0 if event.state is StateType.COMPLETED else 1
                if isinstance(event, RunInterrupted) and event.run_id != run_id:
                    said_ends.add(_say_interrupted(event, printer, running, out, db))
                elif isinstance(event, RunInterrupted):  # its subflows' ends first, if later
                    kin = [e for e in events if isinstance(e, RunInterrupted)]
                    _subflows_first(kin, run_id, said_ends, printer, running, out, db)
                    return _interrupted(event, printer, running, out, db)
            if not events:
                if retry_by is not None and time.monotonic() > retry_by:
                    gone = _retry_owner_gone(db, run_id)
                    if gone is not None:
                        print(
                            f"flowtop watch: run {run_id}'s retry did not start ({gone})",
                            file=sys.stderr,
                        )
                        return 1
                    retry_by = time.monotonic() + REAP_EVERY  # alive: it may be stopped
                printer.tick()  # the status line's clock goes on through a retry wait
                if printer.output.lost is not None:
                    return _output_lost(printer.output, db, run_id)
                now = time.monotonic()
                if now >= next_reap:
                    if printer.output.reader_left():  # (no line written to find it out)
                        return READER_GONE
                    notes = reap_quietly(db, "flowtop watch")  # read-only: not marked
                    why = notes.get(run_id)
                    if why is None:  # its end unreadable, or its row gone: no reaper's
                        why = _ended_unread(db, run_id, damaged)
                    if why is not None:  # ended as its end mark says, if it has one
                        ended = end_marks.ended(db).get(run_id, "") if not damaged else ""
                        # dated as history dates it, not by when this watch noticed
                        at = end_time(db, run_id) or newest or time.time()
                        interrupted = RunInterrupted(run_id, why, at, ended=ended)
                        kin = [  # its subflows, unmarked as it is
                            RunInterrupted(kin, notes[kin], end_time(db, kin) or at)
                            for kin in notes
                            if kin in family
                        ]
                        _subflows_first(kin, run_id, said_ends, printer, running, out, db)
                        return _interrupted(interrupted, printer, running, out, db)
                    next_reap = now + REAP_EVERY
                    if not heard:  # (its owner alive: the reaper found it so)
                        heard = True
                        stage = say_starting(printer, db, run_id, _record_of)
                    else:
                        stage = say_stage(printer, db, run_id, stage, _record_of, bool(newest))
                    # after its start's line: `stopped 18:39:46` came before `starting 18:39:40`
                    paused = say_stopped(printer, db, run_id, paused, _record_of, first=first_look)
                    first_look = False
                if not read:  # (other runs' events read: the next may be its own)
                    time.sleep(POLL)
    except (KeyboardInterrupt, sqlite3.Error) as exc:  # Ctrl+C, SIGTERM, SIGHUP; or a damaged store
        if running.body is not None:  # a body's line not ended, as it is
            running.body.ended_all()
        _clear(printer)  # or the words went after it: `… 2.1s^Cflowtop watch: …`
        if isinstance(exc, sqlite3.Error):  # said by ``main``, on a row of its own
            raise
        how = getattr(exc, "how", "Ctrl+C")
        print(f"flowtop watch: interrupted ({how}); run {run_id} goes on", file=sys.stderr)
        return int(getattr(exc, "exit_code", 130))
    finally:
        tail.close()
        status_line.forget()  # (a body's row left open: no command's, once this one ended)
        if out is not sys.stdout:
            with contextlib.suppress(OSError, ValueError):  # (a reader gone: silenced)
                out.close()


def _record_of(db: Path, run_id: str) -> RunRecord | None:
    """Run ``run_id``'s row in the store; None when it is gone or cannot be read now."""
    from ..workspace.history_records import HistoryError
    from ..workspace.store_reader import StoreReader

    try:
        found = StoreReader(db).with_id_prefix(run_id)
    except (HistoryError, sqlite3.Error):
        return None
    return found[0] if found else None


def _output_lost(output: Output, db: Path, run_id: str) -> int:
    """Say that the watch stops, its output lost, and what the run it showed is doing
    (a watch leaves it alone): going on, or over. Exit 1, as ``history`` and ``list``."""
    from ..workspace.history_records import HistoryError
    from ..workspace.store_reader import StoreReader

    if output.lost is None or output.hung_up:
        return 1
    try:
        runs = StoreReader(db).with_id_prefix(run_id)
    except (HistoryError, sqlite3.Error):
        runs = []
    if not runs:
        becomes = f"run {run_id} is left as it is"
    elif runs[0].state == "RUNNING":
        becomes = f"run {run_id} goes on"
    else:
        becomes = f"run {run_id} ended {runs[0].state}"
    said = f"{output_lost(output.lost)}, and the watch with it; {becomes}"
    say(said, command="flowtop watch")
    return 1


def _name_parents(printer: HumanPrinter, events: list[Event], db: Path) -> None:
    """Name the run that called a subflow's run, and the run a rerun reruns, by flow and
    number, as ``flowtop history`` does (``child of nightly #13``, ``rerun of #1``): a
    watch reads the watched run's events alone, so their starts never named them and
    the line said ``(child of run 0e3c33aafd90)``. One pruned from the store keeps its id."""
    starts = [event for event in events if isinstance(event, RunStarted)]
    linked = [run_id for event in starts for run_id in (event.parent_run, event.rerun_of)]
    name_runs(printer.names, db, linked)


def _ended_unread(db: Path, run_id: str, damaged: bool) -> str | None:
    """Why a run whose log, read to its last row, holds no end is over all the same: its
    row is gone from the runs table (nothing names an owner, no reaper ends it), or a row
    of its log could not be read (``damaged``: its end, perhaps) and its row ended. None
    while it may still end (as the monitor's ``unread_ends`` decides)."""
    from ..workspace.history_records import HistoryError
    from ..workspace.store_reader import StoreReader

    try:
        runs = StoreReader(db).with_id_prefix(run_id)
    except (HistoryError, sqlite3.Error):
        return None  # the store is busy or away: looked at again a second later
    if not runs:
        unread = "a row of its log cannot be read" if damaged else "its log holds no end for it"
        return f"its row is gone from the run store's runs table, and {unread}"
    state = runs[0].state
    if not damaged or state == "RUNNING":
        return None
    return f"the store records it {state}; its end cannot be read"


def _retry_owner_gone(db: Path, run_id: str) -> str | None:
    """Why the process of run ``run_id``, which announced a retry, will not start it: gone,
    as the reaper finds a run's owner gone. None while it runs (stopped, or slow to get
    there). One on another machine cannot be looked at: its retry is waited for
    ``RETRY_GRACE`` past the announced delay, then given up on."""
    import sqlite3
    from contextlib import closing

    from ..workspace.ownership import Owner, owner_gone
    from ..workspace.run_log import connect_reader

    try:
        with closing(connect_reader(db)) as conn:
            row = conn.execute(
                "SELECT host, pid, boot_id, proc_start FROM runs WHERE run_id = ?", (run_id,)
            ).fetchone()
    except sqlite3.Error:
        return None  # the store is busy or away: look again later
    if row is None:
        return "the run is no longer in the store"
    host, pid, boot, start = row
    me = Owner.current()
    if pid is None or host != me.host or not boot or boot != me.boot:
        return f"its process runs on {host or 'another machine'}, where it cannot be looked at"
    return owner_gone(Owner(host, pid, boot, start or ""), None)


def _interrupted(
    event: RunInterrupted,
    printer: JsonPrinter | HumanPrinter,
    running: RunningAttempts,
    out: TextIO,
    db: Path,
) -> int:
    """Say that the run watched was interrupted (its process died); the exit code. The
    live status line goes first, as at the run's own end: the words went after it, on its
    row (``…next retry in 0.8s · 0 faile…run ffffdea32563 INTERRUPTED: …``). A human
    watch first ends the attempts that were running, with what they printed
    (``RunningAttempts``); JSON lines gave their output as it came. A run whose process
    ended it, but the store missed that end (a full disk), ends as it did: exit 0 when
    it completed. Its last line reads as a run's end does (``interrupted_line``), its flow
    and number found in the store (``db``) when its start never came."""
    _say_interrupted(event, printer, running, out, db)
    return 0 if event.ended == StateType.COMPLETED.value else 1


def _subflows_first(
    ends: list[RunInterrupted],
    run_id: str,
    said: set[str],
    printer: JsonPrinter | HumanPrinter,
    running: RunningAttempts,
    out: TextIO,
    db: Path,
) -> None:
    """Print the interruptions of ``ends`` of runs other than the watched ``run_id`` not
    ``said`` yet (its subflows', killed with it), before the watched run's own end."""
    for end in ends:
        if end.run_id != run_id and end.run_id not in said:
            said.add(_say_interrupted(end, printer, running, out, db))


def _say_interrupted(
    event: RunInterrupted,
    printer: JsonPrinter | HumanPrinter,
    running: RunningAttempts,
    out: TextIO,
    db: Path,
) -> str:
    """Print the interruption of a run of the family watched (``_interrupted``), the
    watched run's or a subflow's, whose process died with its parent's: it printed
    none, the parent's INTERRUPTED line last with its subflow's task still running. The
    run's id."""
    if running.body is not None:
        running.body.ended(event.run_id)
    _clear(printer)
    if isinstance(printer, JsonPrinter):
        print(json_record(event.as_json()), file=out, flush=True)
    else:
        lines = running.ended_by(event, printer.retry_only)
        name = printer.names.get(event.run_id) or _run_name(event, db)
        states = printer.states.get(event.run_id)
        started = running.started.get(event.run_id)
        lines.append(interrupted_line(event, name, states, started))
        print("\n".join(lines), file=out, flush=True)
    return event.run_id


def _run_name(event: RunInterrupted, db: Path) -> str:
    """``hang #9``: the flow and number of a run whose start was never read, as its
    interruption holds them (the reaper's) or its row (the watch's own look)."""
    if event.flow:
        return f"{event.flow} #{event.run}"
    record = _record_of(db, event.run_id)
    return f"run {event.run_id}" if record is None else f"{record.flow} #{record.number}"


class RunningAttempts:
    """The watched run's attempts still running, each with what it printed so far.

    A human watch prints an attempt's output under the line of its end (``HumanPrinter``),
    and a run whose process was killed never logs that end: its watch showed ``grind ▶
    running`` then ``run … INTERRUPTED``, and nothing the attempt printed, where
    ``history --run`` and the monitor show the attempt interrupted, keeping its output.
    So with the line a run's ``@flow`` body left unended, held into a file (``body``).
    """

    def __init__(self, body: BodyLines | None = None) -> None:
        self.body = body
        #: Each running attempt's start by run and task, and its output's parts.
        self._open: dict[tuple[str, str], tuple[TaskStateChanged, list[str]]] = {}
        #: Each run's body's start (wall clock), for its duration at its interruption:
        #: a ``@flow`` retry's is its delay's end, as ``reaper.interrupt`` counts it.
        self.started: dict[str, float] = {}

    def see(self, events: list[Event]) -> None:
        """Open an attempt at its RUNNING step, keep its output, close it at its end."""
        for event in events:
            if type(event) is RunStarted:
                self.started[event.run_id] = event.ts + (event.starts_in or 0.0)
            elif type(event) is TaskStateChanged:
                key = (event.run_id, event.task)
                if event.state is StateType.RUNNING:
                    self._open[key] = (event, [])
                else:
                    self._open.pop(key, None)
            elif type(event) is TaskOutput:
                opened = self._open.get((event.run_id, event.task))
                if opened is not None and opened[0].attempt == event.attempt:
                    opened[1].append(event.text)

    def ended_by(self, event: RunInterrupted, retry_only: dict[str, set[str]]) -> list[str]:
        """A line per attempt of ``event``'s run left running, as ``HumanPrinter`` ends
        one (``09:36:35 grindy/grind ⚡ interrupted (attempt 1/1): why``), each with
        what it printed below it (``  │ grind step 0``), in the order they started."""
        symbol, words = INTERRUPTED_LOOK[0], state_words(INTERRUPTED)
        lines = []
        for (run_id, task), (start, parts) in self._open.items():
            if run_id != event.run_id:
                continue
            only = task in retry_only.get(run_id, ())
            tries = try_text(start.attempt, start.max_attempts, only, inline=True)
            attempt = f" (attempt {tries})" if tries else ""
            line = f"{clock_time(event.ts)} {start.flow}/{task} {symbol} {words}{attempt}"
            line += f": {event.reason}"
            shown = as_left_on_screen("".join(parts)).rstrip("\n")
            line += "".join(f"\n  │ {part}" for part in shown.split("\n")) if shown else ""
            lines.append(printable(line))
        return lines


def _clear(printer: JsonPrinter | HumanPrinter) -> None:
    """Take the live status line away before the watch's last words; a row a body left
    half-written ends as it is, not erased with it (``clear_status_line``)."""
    if status_line.row_open:
        status_line.row_open = False
        printer.output.write("\n")
    printer.clear_status_line()


def _last_end(event: object, run_id: str) -> TypeGuard[RunFinished]:
    """Whether ``event`` ends run ``run_id`` with no retry of its own to follow."""
    return isinstance(event, RunFinished) and event.run_id == run_id and event.retry_in is None


def _subflow_of(event: object, runs: set[str]) -> bool:
    """Whether ``event`` starts a subflow's run that one of ``runs`` called."""
    return isinstance(event, RunStarted) and event.parent_run in runs


def _retry_of(event: object, run_id: str) -> bool:
    """Whether ``event`` starts the retry that run ``run_id`` announced."""
    return isinstance(event, RunStarted) and event.rerun_of == run_id
