"""``flowtop history [PATH]``: past runs from ``.flowtop/history.db``, without the TUI.

A table of runs, or with ``--run`` one run's tasks and every attempt (error, retry
delay, captured output, the final traceback). ``--json`` prints JSON lines for scripts.
Text that came from tasks is printed with control characters made visible, so an
error message full of ANSI escapes cannot repaint the user's terminal.
"""

from __future__ import annotations

import argparse
import io
import sqlite3
import sys
from collections.abc import Mapping, Sequence, Set
from contextlib import closing
from functools import partial
from pathlib import Path

from ..attempt_story import PREDICATE_ASKED, failed_how, rejected_how, wait_story
from ..engine.events import REUSED_FROM_SOURCE, json_record
from ..engine.parameters import describe as describe_parameters
from ..engine.suggest import did_you_mean
from ..formats import (
    RETRY_ONLY,
    cut_cells,
    date_time,
    plural,
    precise_duration,
    state_counts,
    try_text,
)
from ..looks import INTERRUPTED, NOT_STARTED, error_said, run_error_text
from ..printable import Writer, as_left_on_screen, as_written, printable, say
from ..workspace.access import unreachable
from ..workspace.history_records import (
    AttemptRecord,
    HistoryError,
    RunDetail,
    RunRecord,
    TaskRecord,
    source_label,
)
from ..workspace.ownership import stopped_words
from ..workspace.reuse_origin import Origin, origins, said_pruned
from ..workspace.run_log import UNREADABLE, connect_reader, read_without_wal
from ..workspace.run_refs import NoRun
from ..workspace.store_errors import unreadable
from ..workspace.store_reader import StoreReader
from ..workspace.subflow_runs import (
    completed_failures,
    handled_calls,
    handled_note_words,
    handled_words,
    undone_calls,
)
from ..workspace.unstarted_runs import logged_start
from .common import flow_name_hint, places_of, whole_number
from .history_gone import Gone, as_read, detail_as_read, gone_as_read, reap_quietly
from .history_prune import (
    flow_without_runs,
    ignored_by_prune,
    no_runs_of,
    prune,
    pruned_json,
    typed,
)
from .history_subflows import called_runs, print_subflows, subflows_json
from .history_table import Row, short_started, table_lines, terminal_width
from .printers import TerminalStream, one_line, raised_at, write_whole
from .run_lines import record_did_not_start, starting_words
from .store_access import (
    file_scope,
    flow_as_stored,
    linked_store_said,
    run_in_file,
    said_with_move,
    start_logged,
)

#: The most runs ``--limit`` takes; SQLite integers stop at 2**63 - 1.
MAX_LIMIT = 1_000_000_000


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path",
        nargs="?",
        help="flow file or folder whose history to show (default: ./flows, else .)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    parser.add_argument(
        "--run",
        metavar="RUN",
        help="show one run: its number as listed (3 or #3; with --flow NAME when several "
        "flows have one), its run id, or a unique start of one (4 characters or more)",
    )
    parser.add_argument("--flow", metavar="NAME", help="only this flow's runs")
    parser.add_argument(
        "--prune",
        type=whole_number(0, MAX_LIMIT),
        metavar="N",
        help="delete all but the newest N runs of each flow (with --flow: of that flow), "
        "their attempts, events and stored results",
    )
    parser.add_argument(
        "--limit",
        type=typed(whole_number(0, MAX_LIMIT)),  # given, --prune refuses it
        default=50,
        metavar="N",
        help="how many runs to list, newest first (default 50; 0: all)",
    )


def main(args: argparse.Namespace) -> int:
    ignored = ignored_by_prune(args)  # `--prune 5 --run 3`: not a prune of run 3
    if ignored is not None:
        return _usage(ignored)
    # JSON escapes control characters itself; everything else is for people
    out: Writer = sys.stdout if args.json else TerminalStream(sys.stdout)
    path = Path(
        args.path if args.path is not None else ("flows" if Path("flows").is_dir() else ".")
    )
    places = places_of(path)
    if isinstance(places, str):  # and where it moved, as `cancel` and `watch` say
        hint = "" if path.exists() or path.is_symlink() else flow_name_hint(path, "flowtop history")
        return _usage(said_with_move(places, str(path), "history", else_hint=hint))
    db = places.store_path
    shut = unreachable(db)  # another user's private .flowtop: not "no run history yet"
    if shut is not None:
        return _usage(shut)
    linked = linked_store_said(db)  # one to nothing (a disk not mounted): not "no history"
    if linked is not None:
        return _usage(linked)
    # Something else where the store belongs: not "does not exist" (it does, and it is in
    # the way of every run recorded here). A file at ``.flowtop``: ``places_of`` said it.
    if db.exists() and not db.is_file():
        return _usage(f"{db} is not a file, where flowtop keeps its run store: move it away")
    if not db.is_file():
        if args.run is not None:  # a run asked for by name is missing, as `watch` says
            return _usage(f"no run {args.run} in {db}: no run is recorded here yet")
        if args.prune is not None and args.json:  # the one object a pruning script reads
            print(pruned_json(0, args.prune, 0, 0, {}))
            return 0
        # under --json, stdout holds JSON lines only (none here): the words go to stderr
        print(
            f"No run history yet: {db} does not exist. Runs are recorded by `flowtop run` and the TUI.",
            file=sys.stderr if args.json else out,
        )
        return 0
    # a flow file names its flows: not the runs of another file in its folder
    within = file_scope(str(path), "history", db, args.run)
    args.flow = flow_as_stored(db, args.flow, within)  # `café` spelt either way
    foreign = None if within is None else within.not_defining(args.flow)
    if foreign is not None:
        return _usage(foreign)
    among = None if within is None or args.flow is not None else within.names
    if args.prune is not None:
        misspelt = flow_without_runs(db, args.flow)  # it pruned nothing, silently
        if misspelt is not None:
            return _usage(misspelt)
        return prune(
            db, args.prune, args.flow, among=among, as_json=args.json, of=str(within or "")
        )
    gone = gone_as_read(db, reap_quietly(db, "flowtop history"))
    history = StoreReader(db)
    try:
        if args.run is not None:
            record = run_in_file(history, args.run, args.flow, "--run", within)
            if isinstance(record, str):
                flows = history.flows() if isinstance(record, NoRun) and args.flow else []
                hint = "" if args.flow in flows else did_you_mean(args.flow or "", flows)
                return _usage(record + hint)  # a misspelt --flow: as `watch` says it
            # each line whole (``write_whole``): under PYTHONUNBUFFERED a write the pipe
            # took only part of, its reader gone (`| head -c 1`), lost the rest and exited
            # 0; --json's one line of 180 KB was such a write (CI failed on it, now and then)
            write = partial(write_whole, sys.stdout) if args.json else out.write
            for line in _detail_text(history, record.run_id, gone, args.json, db).splitlines(True):
                write(line)
            return 0
        listed = history.runs(args.flow, limit=args.limit or None, among=among)
        runs = [as_read(run, gone, history.run_detail) for run in listed]
        for run in runs:
            if run.damage:
                _warn(f"run {_named(run)} ({run.run_id}) in {db}: {run.damage}")
        if not runs:
            if (args.flow is not None or among is not None) and history.runs(limit=1):
                return _usage(no_runs_of(db, history.flows(), args.flow, within))
            print(f"No runs recorded yet in {db}.", file=sys.stderr if args.json else out)
            return 0
        starting = _starting(db, runs)
        unknown = starting | _never_began(db, runs)
        stages = _stages(db, runs)
        if args.json:
            for run in runs:
                said = _run_json(run, run.run_id in starting, stages.get(run.run_id, ""))
                print(json_record(said), file=out)
        else:
            handled = handled_calls(db, runs)
            width = terminal_width(sys.stdout)
            _print_table(runs, out, starting, unknown, handled, width, stages)
        total = history.count(args.flow, among=among) if len(runs) == args.limit else len(runs)
        if total > len(runs) and not args.json:  # after the table, where the eye ends up
            print(f"(newest {len(runs)} of {total:,} runs; --limit N shows more, 0 all)", file=out)
        elif total > len(runs):  # a script reading the lines is not left to think them all
            say(f"newest {len(runs)} of {total:,} runs listed; --limit N lists more, 0 all")
        return 0
    except HistoryError as exc:
        say(str(exc))
        return 2
    except sqlite3.Error as exc:
        say(unreadable(exc, db))
        return 2
    finally:  # read without its write-ahead log: said where the reader's eye ends up
        stale = read_without_wal(db)
        if stale is not None:
            say(stale, command="flowtop history")


def _detail_text(
    history: StoreReader, run_id: str, gone: Mapping[str, Gone], as_json: bool, db: Path
) -> str:
    """One run as ``--run`` prints it, and a warning on stderr for each part of its log
    or row that cannot be read (left out). Written whole, once it is: an event whose
    fields are not what flowtop writes (a crafted store) failed the printing halfway,
    and the run is then read again with every event's fields looked at."""
    with history.one_read():  # the run, its subflows' runs, those its cache hits name
        called = called_runs(history, run_id, gone)  # (``history_subflows``)
        for checked in (False, True):
            detail = detail_as_read(history.run_detail(run_id, checked=checked), gone)
            text = io.StringIO()
            # (looked at once read: a run that has logged since shows its start)
            starting = bool(_starting(db, [detail.run]))
            stage = _stages(db, [detail.run]).get(run_id, "")
            began = not _never_began(db, [detail.run]) and not record_did_not_start(detail.run)
            try:
                if as_json:
                    _print_detail_json(detail, text, starting, subflows_json(called), stage)
                else:
                    # a cache hit names its run as pruned once it is (``reuse_origin``)
                    shown = said_pruned(detail, history.pruned)
                    made = origins(
                        shown, lambda run: said_pruned(history.run_detail(run), history.pruned)
                    )
                    done = detail.run.state == "COMPLETED"
                    handled = undone_calls(called) if done else (0, 0)
                    _print_detail(
                        shown,
                        text,
                        made,
                        starting=starting,
                        began=began,
                        caught=handled,
                        stage=stage,
                    )
                    print_subflows(called, text)
            except UNREADABLE:
                if checked:
                    raise
                continue
            break
    named = _named(detail.run)
    if detail.run.damage:
        _warn(f"run {named} ({run_id}) in {db}: {detail.run.damage}")
    for damage in detail.damage:
        _warn(f"{damage.said(named)} ({db})")
    return text.getvalue()


def _starting(db: Path, runs: Sequence[RunRecord]) -> set[str]:
    """The live runs of ``runs`` that have logged nothing, their process still importing
    the flow file: said as ``watch`` and ``cancel`` say them (``STARTING_WORDS``), not as
    a ``@flow`` that has reached no task yet (``0 tasks: running``). A subflow's run is
    recorded as its start is logged."""
    live = (r for r in runs if r.state == "RUNNING" and r.parent is None)
    return {r.run_id for r in live if not start_logged(db, r.run_id)}


def _stages(db: Path, runs: Sequence[RunRecord]) -> dict[str, str]:
    """What the live runs of ``runs`` wait on, by id, as their process said (``run_stage``:
    connecting to a Dask scheduler, a Dask worker to join): said in their NOTE."""
    from ..workspace.run_stage import stages_in

    return stages_in(db) if any(r.state == "RUNNING" for r in runs) else {}


def _never_began(db: Path, runs: Sequence[RunRecord]) -> set[str]:
    """The interrupted runs of ``runs`` whose log holds no start (``logged_start``): their
    process died importing the flow file (or before its first steps reached the store),
    so their tasks are not known. Their TASKS read ``0 tasks``, a ``@flow`` that called
    none, where the README and the monitor say such a run started no task (``-``)."""
    ended = [r for r in runs if r.state == INTERRUPTED and not r.counts and not r.tasks]
    if not ended:
        return set()
    try:
        with closing(connect_reader(db)) as conn:
            return {r.run_id for r in ended if logged_start(conn, r.run_id) is None}
    except (sqlite3.Error, *UNREADABLE):
        return set()  # unknown: said as any other run


def _named(run: RunRecord) -> str:
    """``etl #3``, as the table lists it (its id is said beside it)."""
    return f"{printable(run.flow)} #{run.number}"


def _warn(said: str) -> None:
    """A warning on stderr: one line, what and where (a damaged or crafted store)."""
    say(f"warning: {said}", command="flowtop history")


def _usage(message: str) -> int:
    say(message, command="flowtop history")
    return 2


# -- human output -------------------------------------------------------------------
def clean(text: str) -> str:
    """Task-provided text with control characters (ANSI escapes, NULs) made visible."""
    return printable(text)


def fmt_counts(counts: dict[str, int]) -> str:
    return state_counts(counts) or "-"


#: The most of a run's name (``flow_run_name``) the table shows: one made from a long
#: parameter padded every row to its width (``--run N`` shows it whole).
NAME_CELLS = 40


def _print_table(
    runs: list[RunRecord],
    out: Writer,
    starting: Set[str],
    unknown: Set[str] = frozenset(),
    handled: Mapping[str, tuple[int, int]] | None = None,
    width: int | None = None,
    stages: Mapping[str, str] | None = None,
) -> None:
    """``unknown``: the runs whose tasks are not known (``_never_began``, ``_starting``);
    ``handled``: the failed subflow calls each run's body caught, and how many of them
    were cancelled, by id (its NOTE: ``subflow_runs.handled_calls``);
    ``width``: the terminal's, which the table is fitted to (``history_table``);
    ``stages``: what live runs wait on, by id (``_stages``)."""
    handled, stages = handled or {}, stages or {}
    rows = []
    for r in runs:
        # measured as the stream will write them: `データ処理` reaches an ASCII one as `?????`
        name = as_written(cut_cells(clean(r.name), NAME_CELLS), out) if r.name else ""
        cells = (
            clean(r.flow),
            f"{r.number} ({name})" if name else str(r.number),
            r.state,
            date_time(r.started),
            precise_duration(r.duration),
            "-" if r.run_id in unknown else _tasks_cell(r),  # none known (yet)
            source_label(r.rerun_of, r.rerun_of_number),
            r.run_id,
            clean(
                _note(r, r.run_id in starting, handled.get(r.run_id, (0, 0)), stages.get(r.run_id))
            ),
        )
        written = tuple(as_written(cell, out) for cell in cells)
        rows.append(Row(written, str(r.number), name, short_started(r.started)))
    for line in table_lines(rows, width):
        print(line, file=out)


def _tasks_cell(run: RunRecord) -> str:
    """TASKS: the run's counts, else how many tasks it has; ``-`` for a run that did not
    start, whose ``0 tasks`` read as a ``@flow`` that called none."""
    if run.counts:
        return fmt_counts(run.counts) + _reused(run)
    return "-" if record_did_not_start(run) else plural(run.tasks, "task") + _reused(run)


def _reused(run: RunRecord) -> str:
    """`` (3 reused)``, as the monitor's header says it: a rerun's tasks all read
    completed, and most of them were not run."""
    return f" ({run.reused:,} reused)" if run.reused else ""


def _note(
    run: RunRecord,
    starting: bool = False,
    handled: tuple[int, int] = (0, 0),
    stage: str | None = None,
) -> str:
    """The NOTE column: a @flow run's parameters (which day a nightly run was for), a
    subflow's parent run, then who runs it (live; ``starting: …`` first while its process
    imports the flow file), why it was interrupted, why it never started, or what its
    @flow function raised (its first line: a run whose tasks all completed failed for
    that); ``handled``: how many of its subflow calls failed, its body catching them, and
    how many of those were cancelled, said with its failed tasks when it completed, as
    ``flowtop run``'s end line says them, shortest (``1 task, 1 subflow failed, handled``,
    ``1 subflow cancelled, handled``: ``subflow_runs.handled_note_words``); ``stage``: what
    a live run's process waits on (``_stages``), first: the import's words past it."""
    note = (_stopped(run) or run.owner) if run.state == "RUNNING" else run.note
    if starting or stage:  # (a stage when live only: ``run_stages``)
        note = f"{starting_words(stage or '') if starting else stage}; {note}"
    error = run.error or {}
    why = ""
    if error.get("type") == NOT_STARTED:
        why = run_error_text(NOT_STARTED, error.get("message", ""))
    elif error.get("type"):
        first = error.get("message", "").strip().split("\n", 1)[0]
        why = run_error_text(error["type"], one_line(first, 60))
    given = f"with {describe_parameters(run.parameters, 20)}" if run.parameters else ""
    caught = handled_note_words(completed_failures(run), *handled)
    parts = (given, run.child_of, caught, note, why, run.damage)
    return "; ".join(part for part in parts if part)


def _print_detail(
    detail: RunDetail,
    out: Writer,
    made: Mapping[str, Origin] | None = None,
    *,
    starting: bool = False,
    began: bool = True,
    caught: tuple[int, int] = (0, 0),
    stage: str = "",
) -> None:
    """One run as ``--run`` prints it; ``made``: where its reused tasks' results were made
    (``reuse_origin``); ``starting``: it has logged nothing yet (``_starting``);
    ``began``: False for one that never did (``_never_began``, ``record_did_not_start``),
    whose tasks are not known: ``run id … · 0 tasks`` read as a ``@flow`` that called none;
    ``caught``: its failed subflow calls and how many of them were cancelled, said with
    its failed tasks as handled when it completed, as ``flowtop run``'s end line says them;
    ``stage``: what its live process waits on (``_stages``)."""
    run = detail.run
    source = source_label(run.rerun_of, run.rerun_of_number)
    rerun = f"  rerun of {source}" if source else ""
    child = f"  {run.child_of}" if run.child_of else ""
    named = f" ({clean(run.name)})" if run.name else ""
    print(
        f"{clean(run.flow)} #{run.number}{named}  {run.state}  started {date_time(run.started)}  "
        f"duration {precise_duration(run.duration)}{rerun}{clean(child)}",
        file=out,
    )
    tasks = max(run.tasks, len(detail.tasks))  # a @flow plans none: its tasks are as reached
    counts = fmt_counts(run.counts) if run.counts else "running" if run.state == "RUNNING" else ""
    counts += _reused(run) if counts else ""
    head = f"run id {run.run_id} · {plural(tasks, 'task')}"
    if not began:  # its note, or why it did not start, follows
        head, counts = f"run id {run.run_id}", ""
    if starting:  # it read ``0 tasks: running``, as a @flow that reached none
        head, counts = f"run id {run.run_id} · {starting_words(stage)}", ""
    handled = handled_words(completed_failures(run), *caught)
    head += f": {counts}" if counts else ""  # (none: a @flow that called no task)
    print(f"{head} {handled[0]}" if handled else head, file=out)
    if run.parameters:
        print(f"parameters: {clean(describe_parameters(run.parameters))}", file=out)
    if detail.result is not None:  # what its @flow function returned, as a task's result
        print(f"result: {clean(detail.result)}", file=out)
    if run.note and run.state != "RUNNING":  # why it was interrupted
        print(f"note: {clean(run.note)}", file=out)
    if stage and not starting:  # what it waits on now: a Dask worker
        print(f"note: {clean(stage)}", file=out)
    if paused := _stopped(run):  # its retries read overdue, and nothing said why
        print(f"note: {paused}", file=out)
    if run.error:  # what its @flow function raised, or why it never started
        print(clean(run_error_text(run.error["type"], run.error.get("message", ""))), file=out)
        for line in clean(run.error.get("traceback", "").rstrip("\n")).split("\n"):
            if line:  # (made printable whole: a frame's file name keeps its line)
                print(f"  {line}", file=out)
    if detail.output:  # what the @flow body printed itself
        print("flow output:", file=out)
        for line in as_left_on_screen(detail.output).rstrip("\n").split("\n"):
            print(f"  {clean(line)}", file=out)
    for task in detail.tasks:
        print(file=out)
        _print_task(task, out, (made or {}).get(task.task))


def _print_task(task: TaskRecord, out: Writer, origin: Origin | None = None) -> None:
    """One task of a run (``origin``: where its result was made, if it was reused)."""
    if task.reused:  # no attempt of this run made it: where its result came from instead
        parts = [clean(task.task), task.state, reused_how(task, origin)]
        if task.duration is not None:
            parts.append(precise_duration(task.duration))
    else:
        tries = try_text(task.attempts, task.max_attempts, RETRY_ONLY in task.policy)
        parts = [
            clean(task.task),
            task.state,
            f"attempt {tries}",
            precise_duration(task.duration),
        ]
    print("  ".join(parts), file=out)
    if task.policy:
        print(f"  policy: {task.policy}", file=out)
    if task.result is not None and task.state == "COMPLETED":
        print(f"  result: {clean(task.result)}", file=out)
    if task.message and not task.reused:
        print(f"  {clean(task.message)}", file=out)
    attempts = task.attempt_records
    for attempt, after in zip(attempts, [*attempts[1:], None], strict=False):  # and the next
        _print_attempt(attempt, after, out)


def reused_how(task: TaskRecord, origin: Origin | None) -> str:
    """Where a reused task's result came from, in place of its attempt: a cache entry
    (``cached result of etl #2, 2026-12-04 10:54:38``, as the engine said it), or the
    run whose attempt made it, up the chain of reruns (``reused from run #1, attempt 2``;
    a rerun of a rerun named its source, which made no attempt of it). It read
    ``attempt   -``, or ``attempt 1  -`` and the source unnamed."""
    message = clean(task.message)
    if message and message != REUSED_FROM_SOURCE:
        return message
    if origin is not None:
        return clean(origin.said())
    return f"{REUSED_FROM_SOURCE}, attempt {task.attempts}" if task.attempts else REUSED_FROM_SOURCE


def _print_attempt(attempt: AttemptRecord, after: AttemptRecord | None, out: Writer) -> None:
    how = failed_how(attempt, after)
    rejected = rejected_how(attempt, after)
    state = attempt.state if how is None else f"FAILED, {how[0]}"
    state = state if rejected is None else f"COMPLETED, {rejected}"
    line = f"  attempt {attempt.number}  {state}  {precise_duration(attempt.duration)}"
    if rejected is not None:  # it completed: why it was retried all the same, and its result
        why = one_line(attempt.message) or PREDICATE_ASKED
        line += f"  {why} → {one_line(attempt.result or '', 60)}"
    if attempt.error_type is not None:
        line += f"  {clean(_first_line(attempt.error_type, attempt.error_message or ''))}"
        at = raised_at(attempt.traceback or "", attempt.error_message or "")
        if at and attempt.state != "FAILED":  # a final failure prints its whole traceback
            line += f" ({clean(at)})"
    print(line, file=out)
    pad = "      "
    if attempt.retry_in is not None:
        why = f" ({clean(attempt.delay_explained)})" if attempt.delay_explained else ""
        print(f"{pad}{wait_story(attempt, after)}{why}", file=out)
    if attempt.error_message and "\n" in attempt.error_message:
        _block("message", attempt.error_message, out)
    if attempt.output:
        _block("output", as_left_on_screen(attempt.output), out)
    if attempt.traceback and attempt.state == "FAILED":
        _block("traceback", attempt.traceback, out)


def _block(title: str, text: str, out: Writer) -> None:
    print(f"      {title}:", file=out)
    for line in clean(text.rstrip("\n")).split("\n"):  # whole: a file name keeps its line
        print(f"        {line}", file=out)


def _first_line(error_type: str, text: str) -> str:
    """An attempt's error on its line: its message's first line, ``…`` after it when more
    follow; a failed state its task returned as returned (``returned Failed('1 rows
    bad')``, ``looks.error_said``), as ``flowtop run`` and the monitor say it."""
    first, _, rest = text.partition("\n")
    return error_said(error_type, first) + (" …" if rest else "")


# -- JSON output --------------------------------------------------------------------
def _run_json(run: RunRecord, starting: bool, stage: str = "") -> dict[str, object]:
    """A run's ``record: run`` object; ``"starting": true`` while its process imports the
    flow file and has logged nothing (the table's ``starting: …``): a script read such a
    run as a ``@flow`` running with no task reached yet; ``"stopped": true`` while its
    process is stopped (``_stopped``); ``"stage"``: what it waits on (``_stages``)."""
    said: dict[str, object] = {"starting": True} if starting else {}
    if _stopped(run):
        said["stopped"] = True
    if stage:
        said["stage"] = stage
    return {"record": "run", **run.as_json(), **said}


def _stopped(run: RunRecord) -> str | None:
    """What is said of live ``run`` whose process is stopped (``kill -STOP``, Ctrl+Z), as
    the reaper's look (``reap_quietly``) found it: ``its process is stopped (paused, pid
    N: kill -CONT N resumes it)``; None for one that runs, or ended."""
    return stopped_words(run.run_id) if run.state == "RUNNING" else None


def _print_detail_json(
    detail: RunDetail, out: Writer, starting: bool, called: Mapping[str, object], stage: str = ""
) -> None:
    said = _run_json(detail.run, starting, stage)
    print(json_record({**said, **detail.own_json(), **called}), file=out)
    for task in detail.tasks:
        print(
            json_record({"record": "task", "run_id": detail.run.run_id, **task.as_json()}),
            file=out,
        )
