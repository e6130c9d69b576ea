"""Event sinks for headless runs: JSON lines, or a line per state change for people.

Both run on the event bus's own thread, so a slow terminal or pipe never slows a run.
Both write through ``Output``, which notices a reader that left (``flowtop run | head``).
"""

from __future__ import annotations

import io
import os
import re
import select
import shutil
import stat
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import TextIO

from rich.cells import cell_len

from ..attempt_story import PREDICATE_ASKED
from ..engine import capture_children, capture_windows, status_line
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
from ..engine.policy import MAX_RETRIES_SET
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
from ..looks import STATE_LOOK, state_words
from ..printable import PrintableStream, as_left_on_screen, printable, say
from ..tui.clock import LocalClock, system_clock
from .cache_hit_words import CacheSources
from .line_pieces import whole_line_pieces
from .message_lines import after_state_word, whole_line
from .message_lines import one_line as one_line  # (``history`` takes both from here)
from .message_lines import raised_at as raised_at
from .run_lines import finished_line, not_started_line, started_line, unstarted_runs

#: Exit status when stdout's reader left early: 128 + SIGPIPE, as a shell reports for a
#: Unix tool that SIGPIPE stopped.
READER_GONE = 141


class Output:
    """A stream whose reader may go away, or whose file cannot grow: then writes stop,
    without a traceback.

    A reader that left sets ``reader_gone``, and ``on_reader_gone`` is called (on the
    writing thread) at every write from then on, so the command can stop its runs,
    including one that starts later (a ``@flow``'s retry), the way SIGPIPE stops a Unix
    tool. Any other write error (a full disk under ``> run.log``) is said once on stderr
    and kept in ``lost``: the runs go on and are recorded, and the command exits 1.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.reader_gone = threading.Event()
        self.on_reader_gone: Callable[[], object] | None = None  # result ignored
        self.lost: OSError | None = None
        #: The lost write's terminal hung up: its SIGHUP says what becomes of the command.
        self.hung_up = False
        #: Whether a lost write is said here, in ``flowtop run``'s words (the runs go on and
        #: are recorded); ``watch``, which neither runs nor records, says it its own way.
        self.says_lost = True
        #: Since when (monotonic) a write is under way, None between writes.
        self.writing_since: float | None = None
        #: ``give_up``'s stop (monotonic) and grace; ``abandoned`` once a write outlived it.
        self.stopping: tuple[float, float] | None = None
        self.abandoned = False

    def write(self, text: str) -> bool:
        """Write ``text``; whether it went out whole."""
        if self.lost is not None or self.abandoned:
            return False
        if not self.reader_gone.is_set():
            try:
                self.writing_since = time.monotonic()
                try:
                    write_whole(self.stream, text)
                except UnicodeEncodeError:  # a lone surrogate (a parameter): see encodable
                    write_whole(self.stream, encodable(text, self.stream))
                self.stream.flush()
                return True
            except BrokenPipeError:
                self.reader_gone.set()
                silence(self.stream)
            except OSError as exc:
                # (asked before ``silence``, which puts /dev/null behind the stream)
                self.lost, self.hung_up = exc, terminal_hung_up(self.stream)
                silence(self.stream)
                if self.says_lost and not self.hung_up:  # its SIGHUP says what becomes of it
                    say(f"{output_lost(exc)}; the run goes on, and is recorded")
                return False
            finally:
                self.writing_since = None
        if self.on_reader_gone is not None:
            self.on_reader_gone()
        return False

    def give_up(self, grace: float) -> None:
        """The command is stopping (SIGTERM, SIGHUP, Ctrl+C): a write still under way
        ``grace`` seconds from now (or from its start, if later) is given up on, and
        nothing is written after it. A reader that stopped reading without leaving
        (``| sleep 60``, a stuck consumer) held the write, and with it the sink's thread,
        the bus's close and the stream's close: the stopped command outlived the signal by
        as long as the reader took. A stream that takes its lines loses none. The first
        stop decides: a second signal does not push the grace back."""
        if self.stopping is None:
            self.stopping = (time.monotonic(), grace)

    def given_up(self) -> bool:
        """Whether a write outlived ``give_up``'s grace: then nothing more is written or
        waited for (what was not written is lost)."""
        since, stopping = self.writing_since, self.stopping
        if not self.abandoned and since is not None and stopping is not None:
            stopped_at, grace = stopping
            self.abandoned = time.monotonic() >= max(since, stopped_at) + grace
        return self.abandoned

    def stuck(self) -> bool:
        """Whether a write given up on is still under way: the stream's lock is held by a
        thread that may never return, so the stream must not be flushed or closed (that
        waits for the lock) but left to the process's exit."""
        return self.writing_since is not None and self.given_up()

    def reader_left(self) -> bool:
        """Whether the reader left while nothing was written: ``watch | head -1`` waited
        for the next event to find out, through a retry wait of an hour. A pipe's write end
        polls as an error (a terminal as hung up) once no one reads it."""
        if self.reader_gone.is_set():
            return True
        try:
            poller = select.poll()
            poller.register(self.stream.fileno(), 0)  # no events asked: errors, hang-ups
            gone = any(flags & (select.POLLERR | select.POLLHUP) for _, flags in poller.poll(0))
        except (AttributeError, OSError, ValueError):  # no poll (Windows), no descriptor
            return False
        if gone:
            self.reader_gone.set()
            silence(self.stream)
        return gone


def write_whole(stream: TextIO, text: str) -> None:
    """Write all of ``text`` to ``stream``, also when its text layer writes straight to
    the raw file (``python -u``, ``PYTHONUNBUFFERED=1``).

    There a write the file takes only part of (a pipe whose reader left halfway through
    it: 64 KiB of 380 KiB) was cut short without a word, as CPython's text layer ignores
    the count the raw file returns: the next write never came, so no broken pipe was
    seen and ``watch | head`` exited 0 (141 without the variable). The bytes are written
    here until all are taken, so the reader's leaving raises ``BrokenPipeError`` as it
    does through a buffered stream."""
    # Past flowtop's stand-in for sys.stdout (the printer's lines are its own): the
    # stand-in's binary stream is a raw one whatever the real stream's buffering.
    real = getattr(stream, "original", stream)
    raw = getattr(real, "buffer", None)
    # (a POSIX stream writes "\n" as it is; on Windows the text layer translates it)
    if not isinstance(raw, io.RawIOBase) or os.linesep != "\n":
        stream.write(text)
        return
    stream.flush()  # what the text layer still holds goes first
    capture_windows.own(text)  # past the stand-in, which notes it: none of a child's lines
    data = memoryview(text.encode(real.encoding or "utf-8", real.errors or "strict"))
    while data:
        written = raw.write(data)
        if written is None:  # a non-blocking descriptor that is full: wait for room
            room = select.poll()  # (``select`` refuses a descriptor numbered 1024 or more)
            room.register(raw.fileno(), select.POLLOUT)
            room.poll()
            continue
        data = data[written:]


def is_pipe(stream: TextIO) -> bool:
    """Whether ``stream`` writes into a pipe (``| head``), whose reader may leave."""
    try:
        return stat.S_ISFIFO(os.fstat(stream.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):  # no descriptor (a test's StringIO)
        return False


def encodable(text: str, stream: object) -> str:
    """``text`` as ``stream`` can encode it: what it cannot (a lone surrogate, as a
    parameter given ``"\\ud800"`` in ``--params`` holds, which no encoding writes) as a
    ``\\ud800`` escape. It raised ``UnicodeEncodeError``: a traceback in place of the
    output. (``printable`` already shows a non-UTF-8 byte's surrogate as ``\\xff``.)"""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    return text.encode(encoding, "backslashreplace").decode(encoding)


class TerminalStream(PrintableStream):
    """A :class:`PrintableStream` that writes what its stream cannot encode escaped
    (:func:`encodable`), instead of raising."""

    def write(self, text: str, /) -> int:
        try:
            return super().write(text)
        except UnicodeEncodeError:
            return self.stream.write(encodable(printable(text), self.stream))


def output_lost(exc: OSError) -> str:
    """What a failed write to stdout means to the user, without a traceback."""
    return f"cannot write to stdout ({exc.strerror or exc}): the output stops here"


def silence(stream: TextIO) -> None:
    """Point ``stream``'s descriptor at /dev/null: what is still buffered, and the
    interpreter's last flush at exit, then go nowhere instead of failing again."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not backed by a descriptor (a StringIO in tests): nothing will flush it
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def terminal_hung_up(stream: TextIO) -> bool:
    """Whether ``stream`` writes to a terminal that hung up (closed): its SIGHUP, not the
    failed write, decides whether the run goes on (``run_signals``)."""
    from .run_signals import hung_up

    try:
        return hung_up(stream.fileno())
    except (AttributeError, OSError, ValueError):  # no descriptor (a test's StringIO)
        return False


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
        #: Each live run's tasks carried over from its source so far: its last line says so.
        self.reused: Counter[str] = Counter()
        #: Each live run's tasks whose budget only ``Retry`` spends (``1/1, +3 on Retry``).
        self.retry_only: dict[str, set[str]] = {}
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
        """Write ``text`` where the status line was, then the status line again below it."""
        if status_line.row_open:  # cleared by another writer, who left its row half-written:
            text = "\n" + text  # that row ends as it is, and this goes below it
            self._status_shown = status_line.row_open = False
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
            self.states[event.run_id] = dict.fromkeys(event.tasks, StateType.PENDING)
            self.started[event.run_id] = self._local(event.ts)
            self.names[event.run_id] = f"{event.flow} #{event.run}"
            planned = zip(event.tasks, event.policies, strict=False)  # none given: none retry-only
            self.retry_only[event.run_id] = {key for key, p in planned if RETRY_ONLY in p}
            return started_line(event, self.names, recorded=self.recorded)
        self.states.pop(event.run_id, None)
        self.retry_only.pop(event.run_id, None)
        self.retry_due.pop(event.run_id, None)
        reused = self.reused.pop(event.run_id, 0)
        return finished_line(event, run_output=self.run_output, reused=reused)

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
        head = f"{stamp} {event.flow}/{event.task} {STATE_LOOK[event.state][0]} {step}"
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
            detail = f": {event.error.type}: {said}" if said else f": {event.error.type}"
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
#: ``max_retries is set; retry_deadline 1s would pass``): the line says only why not.
_RETRY_ALLOWED = re.compile(
    rf"{MAX_RETRIES_SET}|\w+ is in retry_on|\w+ matches retry_on \(\w+\)|\w+ returned True"
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
