"""Event sinks for headless runs: JSON lines, or a line per state change for people.

Both run on the event bus's own thread, so a slow terminal or pipe never slows a run.
Both write through ``Output`` (``output_stream``), which notices a reader that left
(``flowtop run | head``).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections import Counter
from typing import TextIO

from rich.cells import cell_len

from ..attempt_story import PREDICATE_ASKED
from ..engine import capture_children, status_line
from ..engine.bus import Subscription
from ..engine.events import (
    REUSED_FROM_SOURCE,
    Event,
    RunFinished,
    RunStarted,
    TaskOutput,
    TaskStateChanged,
    json_line,
    strict_surrogates,
)
from ..engine.final_states import RETURNED
from ..engine.states import StateType
from ..formats import (
    RETRY_ONLY,
    clock_time,
    coarse_duration,
    cut_cells,
    fmt_seconds,
    retry_text,
    try_text,
)
from ..looks import STATE_LOOK, UNDONE_STATES, error_said, state_words
from ..printable import as_left_on_screen, printable
from ..tui.clock import LocalClock, system_clock
from .cache_hit_words import CacheSources
from .line_pieces import whole_line_pieces
from .message_lines import after_state_word, whole_line
from .message_lines import one_line as one_line  # (``history`` takes both from here)
from .message_lines import raised_at as raised_at
from .output_stream import READER_GONE as READER_GONE  # (its importers take them from here)
from .output_stream import Output as Output
from .output_stream import TerminalStream as TerminalStream
from .output_stream import is_pipe as is_pipe
from .output_stream import output_lost as output_lost
from .output_stream import silence as silence
from .output_stream import write_whole as write_whole
from .run_lines import finished_line, not_started_line, started_line, unstarted_runs


class JsonPrinter:
    """SPEC §5: one JSON object per line, flushed per batch as they happen."""

    #: Every event is a line.
    wants = None

    def __init__(self, stream: TextIO) -> None:
        self.output = Output(stream)
        #: Events of the batch being written whose lines are out: what a stop's count of
        #: the events not written leaves out (``run_output.end_runs``).
        self.out_of_batch = 0

    def __call__(self, events: list[Event]) -> None:
        lines = (strict_surrogates(json_line(event)) for event in events)
        try:
            for piece in whole_line_pieces(lines):  # never mixed with another writer's lines
                if self.output.write(piece):
                    self.out_of_batch += piece.count("\n")  # (a line per event)
        finally:
            self.out_of_batch = 0

    def tick(self) -> None:
        """JSON lines are events only: nothing to refresh between them."""

    def until_tick(self) -> float:
        """No status line: a command's wait between ticks is ``TICK``."""
        return TICK

    def make_room(self) -> None:
        """A @flow body's line comes next: JSON lines leave nothing to take away."""

    def clear_status_line(self) -> None:
        """The command stops: JSON lines leave no status line to take away."""


def can_redraw(stream: TextIO) -> bool:
    """Whether a live status line may be rewritten in place on ``stream``: a terminal
    that moves its cursor (``TERM=dumb`` prints ``\r`` and escapes as they are)."""
    return stream.isatty() and os.environ.get("TERM") != "dumb"


#: What ``--quiet`` leaves out.
QUIET_STATES = frozenset({StateType.PENDING, StateType.RUNNING, StateType.COMPLETED})


def printed_when_quiet(event: Event) -> bool:
    """Whether ``--quiet`` with no status line prints anything for ``event``: a run's
    start and end, and the steps that are not ``QUIET_STATES`` (a ``@flow`` call's first
    step too, which brings its policy; a reused task's, which its run's end counts)."""
    if type(event) is TaskStateChanged:
        return event.state not in QUIET_STATES or bool(event.policy) or event.reused
    return type(event) is not TaskOutput


class HumanPrinter:
    """A readable line per state change; on a TTY, a live one-line summary below them."""

    #: A batch is written at once: none of its events is out before all are (``JsonPrinter``).
    out_of_batch = 0
    #: False under ``--no-history``: a run's start says it is no run of the store's.
    recorded = True

    def __init__(
        self, stream: TextIO, *, live: bool, verbose: bool = True, run_output: bool = False
    ) -> None:
        self.output = Output(stream)
        self.live = live
        self.verbose = verbose
        #: The events this printer prints anything for, when not all: ``--quiet`` into a
        #: file or pipe (cron, CI, a run started from the TUI) has no status line to keep
        #: counts for, and prints a line for few steps (``Subscription.wants``).
        self.wants = None if verbose or live else printed_when_quiet
        #: Print what a ``@flow`` body printed under its run's last line: ``watch`` does,
        #: for a run in another process; ``run`` does not (it reached the terminal live).
        self.run_output = run_output
        #: What attempts printed, under their steps' lines: not in a launched run's log.
        self.task_output = True
        self.sources = CacheSources()  # whether the runs cache hits name were pruned
        self.states: dict[str, dict[str, StateType]] = {}
        #: Each live run's start on a steady clock (its event's wall time is put on it once,
        #: as the TUI does: `watch` joins runs late; a clock set back must not stop it).
        self.clock: LocalClock = system_clock
        self.started: dict[str, float] = {}
        #: Each live run's tasks awaiting a retry: when it is due (steady clock).
        self.retry_due: dict[str, dict[str, float]] = {}
        self.names: dict[str, str] = {}
        #: How many runs of each flow are live, and the flows two of whose runs were live at
        #: once: from then on their tasks' lines say whose they are (``_describe_step``).
        self.live_runs: Counter[str] = Counter()
        self.numbered: set[str] = set()
        #: Each live run's tasks carried over from its source so far: its last line says so.
        self.reused: Counter[str] = Counter()
        #: Each live run's tasks whose budget only ``Retry`` spends (``1/1, +3 on Retry``).
        self.retry_only: dict[str, set[str]] = {}
        #: Each live subflow run's parent run, and how many of a live run's subflow runs
        #: ended without completing (its end line says them when it completed).
        self.parents: dict[str, str] = {}
        self.failed_subflows: Counter[str] = Counter()
        #: Of those, the cancelled ones (``1 subflow cancelled, handled by the flow``).
        self.cancelled_subflows: Counter[str] = Counter()
        self._status_shown = False
        self._last_status = 0.0  # when the status line was last drawn (monotonic)
        #: Batches come on the bus's sink thread, ticks from the command's own thread.
        self._lock = threading.Lock()

    def tick(self) -> None:
        """Redraw the live status line between events, so its clock keeps counting
        through a long retry wait: once a second (``until_tick``). A tick a hair early
        counts: ``flowtop run`` woke a second after a wait that began just before the line
        was drawn, found it 0.99 s old, and its clock moved every 2 s."""
        if not self.live or self.until_tick() > TICK_SLACK:
            return
        with self._lock:
            self._last_status = time.monotonic()  # due a second on, drawn or not
            if status_line.row_open or capture_children.writing():  # another writer's row
                return
            if self._status_shown or self.states:  # taken away by make_room: back again
                self._draw("")

    def until_tick(self) -> float:
        """Seconds until ``tick`` redraws the status line: ``TICK`` after its last drawing
        (an event's line draws it too), so a command waits for that, not a fixed second."""
        if not self.live:
            return TICK
        return max(0.0, self._last_status + TICK - time.monotonic())

    def make_room(self) -> None:
        """A @flow body's line comes next: take the live status line away first, so the
        line is not written after it. The next event or tick draws it again below."""
        with self._lock:
            if self._status_shown:
                self.output.write("\r\x1b[2K")
                self._status_shown = False

    def clear_status_line(self) -> None:
        """The command stops (Ctrl+C, SIGTERM): take the live status line away for good,
        so that its last words go on a row of their own. The row is cleared even when no
        status line is thought drawn: a stop can come between drawing it and saying so,
        and the terminal's own ``^C`` echo waits there too. Not waited for long: the stop
        may have come while this thread held the lock."""
        if not self.live:
            return
        locked = self._lock.acquire(timeout=TICK)
        try:
            self.output.write("\r\x1b[2K")
            self._status_shown = False
        finally:
            if locked:
                self._lock.release()

    def __call__(self, events: list[Event]) -> None:
        with self._lock:
            self._print(events)

    def _print(self, events: list[Event]) -> None:
        if self.wants is not None:  # given events the bus did not sort (`flowtop watch`)
            events = [e for e in events if self.wants(e)]
        # names of flows, tasks and exceptions come from user code too: every line is made
        # printable, not only the messages, before the status line's own escape is added
        unstarted = unstarted_runs(events)
        said = (self._line(event, unstarted) for event in events)
        lines = [printable(line) for line in said if line]
        self._draw("\n".join(lines) + "\n" if lines else "")

    def _line(self, event: Event, unstarted: set[str]) -> str:
        """``describe``, but a run that never started (``unstarted``) is one line, at its
        end: its recorded start read as a ``@flow``'s (``tasks appear as the flow reaches
        them``), whatever the flow."""
        if event.run_id not in unstarted:
            return self.describe(event)
        return not_started_line(event) if isinstance(event, RunFinished) else ""

    def _draw(self, text: str) -> None:
        """Write ``text`` where the status line was, then the status line again below it;
        another writer's row (``row_open``) is looked at and written after in one turn."""
        with status_line.row_turn():
            self._draw_now(text)

    def _draw_now(self, text: str) -> None:
        if status_line.row_open:  # cleared by another writer, who left its row half-written:
            self._status_shown = False
            if not text:  # events with no line (a body's output, --quiet's steps): a
                return  # progress bar's row stays open, redrawn in place by its `\r`s
            text = "\n" + text  # that row ends as it is, and this goes below it
            status_line.row_open = False
        if self._status_shown:
            text = "\r\x1b[2K" + text
            self._status_shown = False
        if self.live and not capture_children.writing():  # a child's rows are not drawn on
            # One row, never wrapped: a carriage return goes back to the start of the last
            # row only, so each redraw of a wrapped line left its first rows behind.
            status = self._status_in(shutil.get_terminal_size().columns - 1)
            if status:
                text += status
                self._status_shown = True
                self._last_status = time.monotonic()
        if text:
            self.output.write(text)

    def describe(self, event: Event) -> str:
        if isinstance(event, TaskOutput):  # printed under its attempt's line, once it ends
            return ""
        if not isinstance(event, RunStarted | RunFinished):  # a task's step: the most of them
            return self._describe_step(event)
        if isinstance(event, RunStarted):
            self.live_runs[event.flow] += event.run_id not in self.states  # (a flow's retry: in)
            if self.live_runs[event.flow] > 1:
                self.numbered.add(event.flow)
            self.states[event.run_id] = dict.fromkeys(event.tasks, StateType.PENDING)
            self.started[event.run_id] = self._local(event.ts)
            self.names[event.run_id] = f"{event.flow} #{event.run}"
            planned = zip(event.tasks, event.policies, strict=False)  # none given: none retry-only
            self.retry_only[event.run_id] = {key for key, p in planned if RETRY_ONLY in p}
            if event.parent_run is not None:
                self.parents[event.run_id] = event.parent_run
            return started_line(event, self.names, recorded=self.recorded)
        if self.states.pop(event.run_id, None) is not None:
            self.live_runs[event.flow] -= 1
        self.retry_only.pop(event.run_id, None)
        self.retry_due.pop(event.run_id, None)
        reused = self.reused.pop(event.run_id, 0)
        parent = self.parents.pop(event.run_id, None)
        if parent is not None and event.state in UNDONE_STATES and event.retry_in is None:
            self.failed_subflows[parent] += 1  # (a retry to come: not failed yet)
            self.cancelled_subflows[parent] += event.state is StateType.CANCELLED
        failed = self.failed_subflows.pop(event.run_id, 0)
        cancelled = self.cancelled_subflows.pop(event.run_id, 0)
        return finished_line(
            event,
            run_output=self.run_output,
            reused=reused,
            failed_subflows=failed,
            cancelled_subflows=cancelled,
        )

    def _describe_step(self, event: TaskStateChanged) -> str:
        run_states = self.states.get(event.run_id)
        if run_states is not None:
            run_states[event.task] = event.state
            self.reused[event.run_id] += event.reused
            due = self.retry_due.setdefault(event.run_id, {})
            if event.state is StateType.AWAITING_RETRY:
                due[event.task] = self._local(event.ts) + (event.retry_in or 0.0)
            else:
                due.pop(event.task, None)
        if RETRY_ONLY in event.policy:  # a @flow call, announced: its policy comes with it
            self.retry_only.setdefault(event.run_id, set()).add(event.task)
        if not self.verbose and event.state in QUIET_STATES:
            return ""  # --quiet: no clock formatted for a line nobody sees
        stamp = clock_time(event.ts)
        if event.state is StateType.AWAITING_RETRY:
            step = f"retry in {fmt_seconds(event.retry_in or 0)}"
        else:
            step = state_words(event.state)
        # Two runs of a flow at once (one subflow called for two cities side by side):
        # `city-report #2/get_weather`, else the two runs' lines read alike.
        run = event.flow
        if event.flow in self.numbered:
            run = self.names.get(event.run_id, event.flow)
        head = f"{stamp} {run}/{event.task} {STATE_LOOK[event.state][0]} {step}"
        attempt = ""
        only = event.task in self.retry_only.get(event.run_id, ())  # its budget is Retry's
        if event.attempt:
            tries = try_text(
                event.attempt, event.max_attempts, only, inline=True, reused=event.reused
            )
            attempt = f" (attempt {tries})"
        detail = ""
        if event.error is not None and event.state in (StateType.AWAITING_RETRY, StateType.FAILED):
            # a retry's line is progress, one row; a failure's message is whole (its cause)
            final = event.state is StateType.FAILED
            said = (whole_line if final else one_line)(event.error.message)  # "": the type
            # a ``Failed(...)`` the task returned says so, as a flow's does
            returned = "the task " if event.error.type.startswith(RETURNED) else ""
            detail = f": {returned}{error_said(event.error.type, said)}"
            at = raised_at(event.error.traceback, event.error.message)
            detail += f" ({printable(at)})" if at else ""
            # a task with no retry options included: its Retry budget went unused too
            stopped_early = event.attempt < event.max_attempts
            # (an error that says it is never retried, as one not sent to a worker does,
            # needs no second clause: "… — never retried; not retried: it cannot be sent")
            said_so = said.endswith("never retried")
            if event.state is StateType.FAILED and event.message and stopped_early and not said_so:
                detail += f"; not retried: {_why_not_retried(one_line(event.message))}"
        elif event.state is StateType.AWAITING_RETRY:  # no error: its result was rejected
            detail = f": {one_line(event.message) or PREDICATE_ASKED}"
            detail += "" if event.result is None else f" → {one_line(event.result, 60)}"
        elif event.state is StateType.COMPLETED:
            detail = f" → {one_line(event.result or '', 60)}"
            if event.reused and event.message in ("", REUSED_FROM_SOURCE):
                detail = " (reused)"
            elif event.message:  # a cached result's source, or why not: whole (its advice)
                detail = f" ({whole_line(self.sources.said(event.message))}){detail}"
        elif event.message and event.state in (
            StateType.UPSTREAM_FAILED,
            StateType.FAILED,
            StateType.CANCELLED,
        ):
            said = whole_line(event.message)  # the reason the task ended so
            # beside the state's word, a reason that starts with it does not say it again
            beside = "" if attempt else after_state_word(state_words(event.state), said)
            detail = beside or f": {said}"
        if event.output and self.task_output:  # what it printed or logged, under its end
            shown = as_left_on_screen(event.output).rstrip("\n")
            detail += "".join(f"\n  │ {part}" for part in shown.split("\n"))
        return head + attempt + detail

    def _local(self, ts: float) -> float:
        """An event's wall time on the steady clock: its age by the wall clock, once."""
        now, wall = self.clock.readings()
        return ts + (now - wall) if ts < wall else now

    def _status_in(self, width: int) -> str:
        """The status line in ``width`` cells, one row: without its zero counts when the
        whole line is wider, then cut. On an 80-column terminal a retry's whole line
        (``slow #3: 0/2 done · 0 running · 1 retrying · next retry in 8.0s · 0 failed ·
        12s``) was cut in its clock, which read ``1…``; and still too wide (a 60-column
        pane), its end was cut all the same: now what comes before the clock is."""
        status = printable(self.status())
        if cell_len(status) <= width:
            return status
        status = printable(self.status(zeros=False))
        head, sep, clock = status.rpartition(" · ")
        if cell_len(status) <= width or cell_len(sep + clock) >= width // 2:
            return cut_cells(status, width)
        return cut_cells(head, width - cell_len(sep + clock)) + sep + clock

    def status(self, *, zeros: bool = True) -> str:
        """Each live run's counts, soonest retry and clock; ``zeros=False`` leaves out
        the counts that are 0 (``0 running``), not the ``done`` one."""
        parts = []
        now = self.clock()
        for run_id, states in self.states.items():
            counts = Counter(states.values())
            elapsed = max(0.0, now - self.started[run_id])
            due = self.retry_due.get(run_id)
            # the soonest retry: counted down, or said overdue (its process stopped)
            soonest = f" · {_soonest(min(due.values()) - now)}" if due else ""
            running, retrying = counts[StateType.RUNNING], counts[StateType.AWAITING_RETRY]
            failed = counts[StateType.FAILED] + counts[StateType.UPSTREAM_FAILED]
            counted = [
                (running, f"{running} running"),
                (retrying, f"{retrying} retrying{soonest}"),
                (failed, f"{failed} failed"),
            ]
            said = [
                f"{counts[StateType.COMPLETED]}/{len(states)} done",
                *(words for n, words in counted if zeros or n),
                coarse_duration(elapsed),
            ]
            parts.append(f"{self.names[run_id]}: {' · '.join(said)}")
        return " | ".join(parts)


#: The clauses of a retry decision that said yes (``policy.decide``'s reasons read
#: ``max_retries is set; retry_deadline 1s would pass``, ``retries is set`` for Prefect's
#: spelling: ``RetryPolicy.budget_set``): the line says only why not.
_RETRY_ALLOWED = re.compile(
    r"(?:max_)?retries is set|[\w.]+ is in retry_on|\w+ matches retry_on \([\w.]+\)|\w+ returned True"
    r"|retry_predicate returned .+ \(true\)|task raised Retry"
)


def _why_not_retried(reason: str) -> str:
    """Why a failed attempt with retries left was the last: ``ValueError is not in
    retry_on``, ``retry_predicate returned False``, ``retry_deadline 1s would pass``."""
    clauses = reason.split("; ")
    while len(clauses) > 1 and _RETRY_ALLOWED.fullmatch(clauses[0]):
        clauses.pop(0)
    return "; ".join(clauses)


#: The live status line's clock is redrawn this often while no event comes.
TICK = 1.0
#: How early a tick may come and still redraw (a wait's wake-up is not to the microsecond).
TICK_SLACK = 0.01


def _soonest(left: float) -> str:
    """``next retry in 12.0s``, or ``retry overdue 6m44s`` (its run process stopped)."""
    said = retry_text(left).lower()
    return f"next {said}" if said.startswith("retry") else f"retry {said}"


def subscribed(printer: JsonPrinter | HumanPrinter) -> Subscription:
    """``printer`` as the runner's sink: a ``@flow`` body's own output reaches the same
    terminal after what the printer holds, it takes only the events it prints, and a
    stopped command stops waiting for it once its stdout is given up (``Output``)."""
    return Subscription(
        printer,
        before_output=printer.make_room,
        wants=printer.wants,
        given_up=printer.output.given_up,
    )
