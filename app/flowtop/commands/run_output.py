"""``flowtop run``'s stdout at either end of the command: ``--json``'s own stream made at
its start, every line written to it at the end of the runs however slowly it is read
(``end_runs``), and every stream let go at its end, also one whose reader stopped reading.

A run stopped by a signal exits at once (``interrupted (SIGTERM)``, 143) even when its
stdout's reader has stopped reading (``| sleep 60``, a consumer stuck on something else):
a write that did not finish within ``STOP_GRACE`` of the stop is given up on
(``printers.Output.give_up``), what it did not write is lost, and its stream is left to
the process's exit instead of closed or flushed, which would wait for that write.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TextIO

from ..engine import status_line
from ..engine.events import json_record
from ..printable import say
from .late_output import wait_for_given_up
from .line_pieces import whole_line_stream
from .run_signals import raise_noted, stops_noted

if TYPE_CHECKING:
    from pathlib import Path

    from ..engine.runner import Runner
    from ..workspace import Workspace
    from ..workspace.history import History
    from .printers import HumanPrinter, JsonPrinter, Output

#: How long a stopped ``flowtop run`` lets a write under way finish (seconds).
STOP_GRACE = 1.0


def json_stdout() -> TextIO:
    """The JSON lines' own stream; from now on whatever else writes to fd 1 goes to stderr.

    Under ``--json`` stdout holds JSON lines only: a module printing at import (in this
    process), a thread started by a task, a C extension writing to fd 1 — their output
    lands on stderr, never between two JSON lines.
    """
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    try:
        saved = os.dup(1)
        os.dup2(2, 1)
    except OSError:
        return sys.stdout  # no descriptors to move (an embedded interpreter): as before
    return whole_line_stream(saved)  # (into a pipe, a write no other run's comes inside)


def let_go(out: TextIO, outputs: Iterable[Output]) -> None:
    """Close ``--json``'s stream ``out`` (left open, ``python -W error`` ended on a
    ``ResourceWarning``) unless a write to it was given up on (``outputs``' ``stuck``).

    Such a write holds its stream's lock for as long as the reader does not read: the
    stream is left to the process's exit, where nothing flushes it (the stuck thread
    keeps it alive), and ``sys.stdout``, which the exit does flush, is swapped for
    /dev/null when it is the stream."""
    if any(output.stuck() for output in outputs):
        if out is sys.stdout:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - kept for the process's life
        return
    if out is not sys.stdout:
        with contextlib.suppress(OSError, ValueError):
            out.close()


def end_runs(
    runner: Runner,
    printer: JsonPrinter | HumanPrinter,
    workspace: Workspace,
    args: argparse.Namespace,
) -> bool:
    """The end of ``flowtop run``'s runs, however they ended; whether every event reached
    stdout and the run store.

    The runner is shut down once ``printer`` has written every event, however slowly
    stdout's reader reads (``| jq``, ``| ssh``, a slow disk): the wait gave up after 5 s,
    and ``flowtop run --json | (sleep 8; cat)`` got 610 of 20,002 lines, exit 0. Only a
    stop gives up on it (Ctrl+C, SIGTERM, SIGHUP, before or during the wait: a write
    still under way ``STOP_GRACE`` later, ``Output.give_up``); a stop during the wait
    ends the command as a stop does (130, 143, 129) once the rest is done. A run store's
    sink stuck in user code is given up on once idle for the bus's timeout. Either is
    said with the number of events lost. Then attempts given up on get a moment to
    print (``late_output``), the status line is forgotten, a launched run's log deleted.
    """
    ended = time.monotonic()
    output = printer.output
    with stops_noted(on_stop=lambda: output.give_up(STOP_GRACE)) as pressed:
        left = runner.shutdown(wait=False)
    for sink, count in left:
        say(not_written(count - printer.out_of_batch) if sink is printer else not_recorded(count))
    if not output.reader_gone.is_set():  # what it prints as it stops shows, for a moment
        wait_for_given_up(runner.executor, since=ended)
    status_line.forget()
    forget_launched_log(workspace, args)  # its end is stored, the log says no more
    raise_noted(pressed)
    return not left


def not_written(count: int) -> str:
    """What the printer given up on lost (its write held by a reader not reading)."""
    return (
        f"stdout's reader stopped reading: the last {count:,} events were not written "
        "to it, or only in part"
    )


def not_recorded(count: int) -> str:
    """What the run store's sink given up on lost (stuck, at the runs' end)."""
    return (
        "recording was stuck at the run's end (a task's result whose pickling never "
        f"returns, or a store held locked): the last {count:,} events may not be recorded"
    )


def forget_launched_log(workspace: Workspace, args: argparse.Namespace) -> None:
    """Delete a launched run's log (``r``, ``--detach``) once its end is in the store,
    however the run ended: stopped by SIGTERM or SIGHUP, or by its reader leaving, the
    log stayed though the store had the end (README: deleted once the end is recorded)."""
    if args.run_id is None or args.no_history:
        return
    forget_log_once_recorded(workspace.history, workspace.state_dir, args.run_id)


def forget_log_once_recorded(
    history: History, state_dir: Path, run_id: str, *, wait: float = 5.0
) -> None:
    """Delete launched run ``run_id``'s log in ``state_dir`` once ``history`` has stored
    every event, its end's included, waiting up to ``wait`` seconds for the writes: a log
    outlives only a run the store does not have whole, where it is what tells why. Also
    a run that did not start (``run_start.Reservation``). Where the store moved with its
    folder as the run lived, the log is deleted there (``store_place``), not at ``state_dir``."""
    if history.flush(wait) and not history.lost and history.damage is None:
        from ..workspace.launcher import forget_log

        moved_to = history.place.moved()
        forget_log(state_dir if moved_to is None else moved_to.parent, run_id)


class DetachedIds:
    """``--detach``'s output: each run started, its id on a line of stdout (``--json``: a
    ``run_detached`` line), and once stdout cannot be written (a full disk), on stderr.

    The write of a run's id that failed ended the command with ``cannot write to
    stdout``, exit 1, after its run had started: nothing said that it had, nor which id
    to watch or cancel it by, and the flows after it were not started. Now the runs
    are all started, each said on stderr from the failed write on, and the command
    exits 1 (``lost``), as a ``flowtop run`` whose output is lost does. A reader that
    left (``| head -0``) is told alike, and the command exits 141 (``status``), as
    SIGPIPE ends a Unix tool: it stopped the command there, and the flows after the
    first were not started, unsaid, while the first went on unnamed."""

    def __init__(self, out: TextIO, *, json_lines: bool, named: bool = False) -> None:
        self.out = out
        self.json_lines = json_lines
        #: Several flows' runs (a folder): stderr says whose each bare id is, stdout
        #: keeping the ids alone for ``ids=$(flowtop run flows --detach)``.
        self.named = named and not json_lines
        self.lost: OSError | None = None

    def __call__(self, flow: str, run_id: str) -> None:
        if self.lost is None:
            event = {"event": "run_detached", "flow": flow, "run_id": run_id}
            try:
                print(json_record(event) if self.json_lines else run_id, file=self.out, flush=True)
                if self.named:
                    say(f"{run_id} is {flow}'s run", command="flowtop run")
                return
            except OSError as exc:
                from .printers import output_lost, silence

                self.lost = exc
                silence(self.out)  # the exit's flush of what is held goes nowhere too
                said = f"{output_lost(exc)}; {flow}'s run {run_id} started all the same"
                say(said, command="flowtop run")
                return
        say(f"{flow}'s run {run_id} started", command="flowtop run")

    def status(self) -> int:
        """The command's exit status once every run is started: 0 when each id was
        written, 141 when the reader left, else 1."""
        from .printers import READER_GONE

        if self.lost is None:
            return 0
        return READER_GONE if isinstance(self.lost, BrokenPipeError) else 1


def not_started(names: Sequence[str], how: str) -> str:
    """What a stop (``how``: ``SIGTERM``, ``Ctrl+C``) left of a folder's flows: those
    ``names`` never started, which no run, no line and no store row says. The first
    flow was cancelled, and nothing said the others were never run."""
    which = ", ".join(repr(name) for name in names)
    if len(names) == 1:
        return f"flow {which} was not started: flowtop run was stopped ({how}) before its turn"
    return (
        f"{len(names)} flows were not started: {which}: flowtop run was stopped ({how}) "
        "before their turn"
    )


#: Why a reader that left cancels a run (``flowtop run --json | head -3``), as a stop's
#: ``how`` (``not_started``).
READER_LEFT = "cancelled: the reader of flowtop run's output left (broken pipe)"
READER_LEFT_HOW = "its reader left: broken pipe"


def reader_left(names: Sequence[str], *, on_stderr: bool = False) -> str:
    """Why a reader that left cancels a run, with the flows of a folder run it leaves
    not started (``names``), as a stop names them: a folder run named none. In the
    cancelled run's record (its note) and, ``on_stderr``, on stderr, unless stderr went into
    the same pipe (``2>&1 | head``): then the record alone says it."""
    if not names:
        return READER_LEFT
    left = not_started(names, READER_LEFT_HOW)
    if on_stderr:
        with contextlib.suppress(OSError):  # (stderr's reader left too)
            say(left)
            sys.stderr.flush()
    return f"{READER_LEFT}; {left}"
