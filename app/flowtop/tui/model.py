"""The per-run view model the table, header and detail pane read: built from events only.

The engine tells the TUI everything through events, so this module is the whole of the
UI's knowledge of a run. It is plain Python (no Textual), which keeps the event → row
logic testable on its own and cheap enough to apply tens of thousands of events a second.
Only the latest state of each task is rendered; every attempt is still kept for the
detail pane.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, ClassVar

from flowtop.engine.events import (
    FLOW_BODY,
    RETRIED_NOW,
    REUSED_FROM_SOURCE,
    ErrorInfo,
    RunFinished,
    RunStarted,
    TaskOutput,
    TaskStateChanged,
)
from flowtop.engine.parameters import decode as decode_parameters
from flowtop.engine.states import StateType
from flowtop.formats import OVERDUE, RETRY_ONLY, names_and_more, try_text
from flowtop.looks import INTERRUPTED_LOOK, REUSED_LOOK, STATE_LOOK
from flowtop.printable import printable
from flowtop.tui.clock import LocalClock, system_clock
from flowtop.tui.safe_events import printable_event, unsafe
from flowtop.tui.task_row import AttemptView as AttemptView  # (re-exported: the rows' users)
from flowtop.tui.task_row import TaskRow as TaskRow
from flowtop.workspace.flow_shapes import collector_paused
from flowtop.workspace.history_records import REUSED
from flowtop.workspace.ownership import stopped_words
from flowtop.workspace.reuse_origin import MADE_IN_PRUNED
from flowtop.workspace.run_log import LogEvent, RunInterrupted
from flowtop.workspace.subflow_runs import subflow_calls

S = StateType


#: How a reused task's message names where its result was made: ``reused from run #1``
#: (``RunModel.reused_from``; a store client's events name it already: ``store_client_origins``).
REUSED_FROM = "reused from "

#: The most of a running attempt's output kept while it runs (its end brings all of it).
LIVE_OUTPUT = 64 * 1024


class RunModel:
    """One run of one flow as the UI sees it; or, before any run, the flow's task list.

    Its clocks (``started``, a row's ``started`` and ``retry_due``) are on the TUI's steady
    clock, ``clock``: an event's wall time is put on it once, as it arrives (``local``)."""

    clock: ClassVar[LocalClock] = system_clock
    #: The most attempts it runs at once, as its start says (``RunStarted.workers``), else
    #: (an older flowtop's) the guess ``RunStore.workers`` gives; 0: unknown.
    workers = 0
    #: The flow's shape its rows list (``follow_code``): the event path asks for the shown
    #: run ~30 times a second; following it again walked every row (25 ms per 100,000).
    followed: object = None
    #: A ``@flow``'s own retry: the number of the run it retries and what that run's
    #: function raised, shown while it has no tasks (``RunStore``: once both are known).
    retried: tuple[int, ErrorInfo] | None = None
    #: What its live process waits on, as the store says (``run_stage``: Dask); "" for none.
    stage = ""

    def __init__(
        self,
        flow: str,
        keys: Sequence[str],
        *,
        run_id: str | None = None,
        number: int | None = None,
        max_attempts: Sequence[int] = (),
        policies: Sequence[str] = (),
        rerun_of: str | None = None,
        started: float | None = None,
        parent_run: str | None = None,
        parameters: dict[str, Any] | None = None,
        run_name: str = "",
    ) -> None:
        self.flow = flow
        #: A ``@flow``'s ``flow_run_name`` for this run ("" for none).
        self.run_name = run_name
        #: A ``@flow`` run's arguments by parameter name (JSON values); {} when none.
        self.parameters = parameters or {}
        self.run_id = run_id
        self.number = number
        self.rerun_of = rerun_of
        #: A subflow's run: the id of the run that called it, and ``#3 of parent`` once known.
        self.parent_run = parent_run
        self.parent_label = ""
        #: The subflows it called, as runs of their own, in call order (``subflows``).
        self.children: list[RunModel] = []
        #: The number of the run it reruns (``rerun_of``), once known: ``rerun of #3``;
        #: 0 when the store no longer holds that run (``RunStarted.rerun_number``, a prune).
        self.rerun_number: int | None = None
        #: Where each task its source carried over was made, by key, as that run's rows
        #: say it (``made_where``; a rerun of a rerun names that run, as `history` does):
        #: read as its reused results come, let go of at its end.
        self.origins: dict[str, str] = {}
        self.started = None if started is None else self.local(started)
        self.finished: float | None = None
        self.duration: float | None = None
        #: Why the run ended without its process (interrupted), shown in the header.
        self.note = ""
        #: What reading it from the store found (a row not shown, a link to its parent
        #: refused: ``RunModel.read_noted``), in the header after ``note``: its own, as its end
        #: replaces ``note``, and those words went with it.
        self.read_note = ""
        #: A ``@flow``'s own retry (live as soon as the run before it failed): when its
        #: body starts, on the steady clock (``RunStarted.starts_in``); else None.
        self.body_due: float | None = None
        #: What a ``@flow`` function raised (its run failed because of it), else None.
        self.error: ErrorInfo | None = None
        #: What a ``@flow`` function's body printed or logged itself: as it comes, its end
        #: bringing the whole of it.
        self.output = ""
        #: What a COMPLETED ``@flow`` function returned (its repr, printable), else None.
        self.result: str | None = None
        self.state: StateType | None = S.RUNNING if run_id else None
        initial = S.PENDING if run_id else None
        self.order: list[str] = list(keys)
        n = len(self.order)
        attempts = list(max_attempts) if len(max_attempts) == n else [0] * n
        summaries = list(policies) if len(policies) == n else [""] * n
        with collector_paused():  # one burst of n rows: collecting midway only costs time
            self.rows: dict[str, TaskRow] = {
                key: TaskRow(key, i, initial, attempts[i], summaries[i])
                for i, key in enumerate(self.order)
            }
        for key, summary in zip(self.order, summaries, strict=True):
            if RETRY_ONLY in summary:
                self.rows[key].retry_only = True
        #: Widest TRY text any row can reach (long, compact), for the table's column.
        self.try_widths = _try_widths(attempts, [RETRY_ONLY in p for p in summaries])
        #: How many rows' TRY has a long form (``1/1 (+3 on Retry)``; ``column_fit``).
        self.long_try_rows = sum(
            RETRY_ONLY in p and m > 1 for m, p in zip(attempts, summaries, strict=True)
        )
        self.counts: Counter[StateType | None] = Counter(
            {initial: len(self.order)} if self.order else {}
        )
        self.reused = 0
        #: Its process's newest event time, and each retry's due time on that clock: has it
        #: said anything since a retry was due (``retry_waits``; its heartbeat is no event)?
        self.heard = 0.0
        self.due_at: dict[str, float] = {}
        #: (its tasks, how many were reused) as its end says, for a run whose rows were not
        #: read (a store's replay reads an older subflow run in outline: ``REUSED`` in its
        #: end's counts); None: its rows tell (``all_reused``).
        self.reused_at_end: tuple[int, int] | None = None
        self.interrupted = 0  # rows its dead process left unfinished (counted as cancelled)
        self.process_died = False  # ended by ``RunInterrupted``: its process is gone
        #: Ended as its process ended it, which the store missed (``RunInterrupted.ended``):
        #: what its tasks did after the store's last record is not known here.
        self.end_missed = False
        self.added = 0  # rows added after run_started (@flow tasks), so views know to re-layout
        self.version = 0  # bumps on every change, so views can tell when to re-sort

    def read_noted(self, said: str) -> None:
        """``said`` added to ``read_note`` (its header shows it), once: what reading the
        run found (a part of it not shown, a parent link refused: ``parent_loops``)."""
        said = printable(said)
        if said not in self.read_note:
            self.read_note = f"{self.read_note}; {said}" if self.read_note else said
            self.version += 1

    @classmethod
    def from_started(cls, event: RunStarted) -> RunModel:
        model = cls(
            event.flow,
            event.tasks,
            run_id=event.run_id,
            number=event.run,
            max_attempts=event.max_attempts,
            policies=[printable(p) for p in event.policies],
            rerun_of=event.rerun_of,
            started=event.ts,
            parent_run=event.parent_run,
            parameters=decode_parameters(event.parameters),
            run_name=printable(event.name),
        )
        if event.starts_in is not None and model.started is not None:
            model.body_due = model.started + event.starts_in
        model.workers = event.workers
        model.rerun_number = event.rerun_number  # (a store client's: else ``RunStore``)
        return model

    @property
    def is_live(self) -> bool:
        return self.state is S.RUNNING

    @property
    def label(self) -> str:
        """``extract #7``, as `history` and `watch` name a run."""
        return f"{self.flow} #{self.number}"

    @property
    def rerun_source(self) -> str:
        """The run it reruns: ``#3``, as `history`'s RERUN OF column says it; ``a pruned
        run`` once the store holds it no more (that column's ``(pruned)``); "" while not
        known, or no rerun."""
        if self.rerun_number is None:
            return ""
        return f"#{self.rerun_number}" if self.rerun_number else "a pruned run"

    @property
    def subflows(self) -> list[str]:
        """Its subflow runs' labels (``child #1``), in call order."""
        return [child.label for child in self.children]

    def subflow_calls(self) -> list[tuple[RunModel, list[RunModel]]]:
        """Its subflow calls in call order, each as its last run and the runs it retried: a
        subflow's own retry (``retries=N``) is a run of its own, a child of the same parent
        and a rerun of the run it retries. A call is what its last run did: one whose retry
        completed did not fail (the header said ``(1 subflow failed, …)``, listing ``✗``).
        Grouped as the history groups a stored run's (``subflow_runs.subflow_calls``)."""
        return subflow_calls(self.children)

    @property
    def shows_own_policy(self) -> bool:
        """Its POLICY cells and detail pane name the policy it ran with when the next
        run's differs (``code_rows.policy_cell``): any run that started, which records
        its policy per task. Once only a live one, or one edited while it was: a monitor
        opened after a settings change showed a finished run's TRY against its own
        budget (``3/6``) beside the next run's ``4× …``, with no ``≠``."""
        return self.run_id is not None

    def made_where(self) -> dict[str, str]:
        """Where each task it carried over from its source was made, by key, as its rows
        say it (``reused from run #1``): a rerun of it names that run, not this one, which
        made no attempt of them (``RunStore``)."""
        if not self.reused:  # (a rerun's start asks: no walk of a big run that reused none)
            return {}
        return {
            key: row.message
            for key, row in self.rows.items()
            if row.reused and row.message.startswith(REUSED_FROM)
        }

    def reused_from(self, key: str) -> str:
        """What a task carried over from its source says: where it was made, as `history`
        names it (``origins``, else its source), ``reused from the source run`` unknown."""
        said = self.origins.get(key)
        if said is None and self.rerun_number is not None:
            said = f"{REUSED_FROM}run #{self.rerun_number}" if self.rerun_number else MADE_IN_PRUNED
        return said or REUSED_FROM_SOURCE

    def body_waits(self, now: float) -> float | None:
        """Seconds until this flow-level retry's body starts; None once it has (or this
        run is no such retry): the header says so, not a bare "Running" with no tasks."""
        due = self.body_due
        if due is None or not self.is_live or self.rows or now >= due:
            return None
        return due - now

    @property
    def look(self) -> tuple[str, str, str]:
        """Its symbol, word and look: ``⚡ Interrupted`` when its process died (as the
        history says it), not the ``✗ Failed`` its state is."""
        return INTERRUPTED_LOOK if self.process_died else STATE_LOOK[self.state]

    @property
    def all_reused(self) -> bool:
        """Completed with no task run again: every task reused (carried over from its
        source, or a cached result), every subflow run of it too; one with neither ran
        its body alone. Its parent's subflow list says it ``↺``, as a reused task's row.
        A walk that sees each run once: a crafted store's runs naming each other parent
        made it recurse without end (``RecursionError``: the monitor died opening it)."""
        seen, stack = {id(self)}, [self]
        while stack:
            run = stack.pop()
            tasks, reused = run.reused_at_end or (len(run.rows), run.reused)
            if run.state is not S.COMPLETED or not (tasks or run.children) or reused != tasks:
                return False
            fresh = [child for child in run.children if id(child) not in seen]
            seen.update(id(child) for child in fresh)
            stack += fresh
        return True

    @property
    def called_look(self) -> tuple[str, str, str]:
        """Its ``look`` in its parent's subflow list: ``↺ Reused`` when ``all_reused``."""
        return REUSED_LOOK if self.all_reused else self.look

    def call_links(self, key: str) -> tuple[list[str], list[str]] | None:
        """A @flow call's upstream and downstream calls in this run (None: no such call)."""
        row = self.rows.get(key)
        if row is None:
            return None
        return list(row.upstream), [k for k in self.order if key in self.rows[k].upstream]

    @property
    def all_busy(self) -> bool:
        """Live, with an attempt running on each of its workers: a task due to start
        waits for one of them to end."""
        return self.is_live and 0 < self.workers <= self.counts[S.RUNNING]

    def state_text(self, row: TaskRow, now: float) -> str:
        """``row``'s state as this run's table shows it (``TaskRow.state_text``)."""
        return row.state_text(now, all_busy=self.all_busy)

    def waiting_for(self, key: str, upstream: Sequence[str], now: float | None = None) -> str:
        """Why a pending task of this live run has not started ("" when it is not one):
        upstream tasks still to finish, else a worker or a slot of its tags' limits
        (``[concurrency] "tag:db"``), which keeps it pending without a word of its own.
        Also why a retry past its due time (at ``now``) has not started (``retry_waits``)."""
        row = self.rows.get(key)
        if row is None or self.state is not S.RUNNING:
            return ""
        if row.state is S.AWAITING_RETRY and now is not None:
            return self.retry_waits(row, now)
        if row.state is not S.PENDING:
            return ""
        unfinished = [
            up
            for up in upstream
            if (other := self.rows.get(up)) and (other.state is None or not other.state.is_final)
        ]
        if unfinished:
            return f"upstream {names_and_more(unfinished, 3)} to finish"
        return "a free worker, or a slot of a concurrency limit on its tags"

    def retry_waits(self, row: TaskRow, now: float) -> str:
        """What a retry whose wait is over waits for ("" while its wait is not, or for the
        moment its attempt takes to start): its run's process, found stopped (``stopped_words``);
        a free worker when each runs an attempt (``8 of 8 busy``); else its process, first if
        silent since, or a slot of its tags' limits, if any; a worker only if their number is
        not: it said "a free worker" with 7 of 8 idle, its process stopped."""
        if row.retry_due is None or now < row.retry_due:
            return ""
        if paused := stopped_words(self.run_id or ""):  # no guess: `(stopped or busy)`
            return f"its run's process, which {paused.removeprefix('its process ')}"
        running = self.counts[S.RUNNING]
        if self.all_busy:
            return f"a free worker ({running:,} of {self.workers:,} busy)"
        if now - row.retry_due <= OVERDUE:
            return ""
        slot = "a slot of a concurrency limit on its tags, if it has any"
        if self.heard < self.due_at.get(row.key, self.heard + 1):
            said = (
                "its run's process, which has reported nothing since the retry was due "
                f"(stopped or busy), or {slot}"
            )
        else:
            said = f"{slot}, or its run's process, too busy to start it (it has reported since)"
        if running and not self.workers:  # (how many it has is not known: all may be busy)
            return f"a free worker ({running:,} running), or {said}"
        return said

    def elapsed(self, now: float) -> float | None:
        """Its time so far, or in all once ended; a flow retry's counts from its body's
        start, as its recorded duration does (its wait is not its work)."""
        if self.duration is not None:
            return self.duration
        start = self.started if self.body_due is None else self.body_due
        if start is None:
            return None
        return max(0.0, now - start)

    def apply(self, event: LogEvent) -> str | None:
        """Fold one event of this run in; return the task key whose row changed
        (``FLOW_BODY``: what its ``@flow`` body printed grew)."""
        if isinstance(event, TaskStateChanged):
            if event.ts > self.heard:
                self.heard = event.ts
            row = self.rows.get(event.task)
            if row is None:
                row = self._add_row(event)
            self._task_event(row, event)
            self.version += 1
            return row.key
        if isinstance(event, TaskOutput):
            if event.ts > self.heard:
                self.heard = event.ts
            if event.task != FLOW_BODY:
                return self._output_so_far(event)
            if self.state is not S.RUNNING:
                return None  # its end has it all
            so_far = self.output + printable(event.text)
            self.output = so_far if len(so_far) <= LIVE_OUTPUT else "…" + so_far[-LIVE_OUTPUT:]
            self.version += 1
            return FLOW_BODY  # the detail pane, which ends with it, is drawn anew
        if isinstance(event, RunFinished | RunInterrupted):
            self.origins = {}  # its reused results came before its end
        if isinstance(event, RunFinished):
            self.state = event.state
            self.duration = event.duration
            self.finished = self.local(event.ts)
            if event.error is not None:  # text from user code: no escapes reach the screen
                self.error = ErrorInfo(*(printable(part) for part in event.error))
            self.output = printable(event.output)
            self.result = None if event.result is None else printable(event.result)
            self.note = printable(event.note) or self.note
            if REUSED in event.counts:  # read in outline: its rows do not tell
                said = sum(n for state, n in event.counts.items() if state != REUSED)
                self.reused_at_end = (said, event.counts[REUSED])
            self.version += 1
        elif isinstance(event, RunInterrupted):
            # Its process died: the run can't go on. FAILED, shown as interrupted (as the
            # store says it), with the reason; or, its end missed by the store, as it ended.
            if event.ended:
                self.state, self.end_missed, self.note = S(event.ended), True, event.reason
            else:
                self.state, self.process_died = S.FAILED, True
                self.note = f"interrupted: {event.reason}"
            self.finished = self.local(event.ts)
            # from its body's start (a @flow retry's delay is no work: 0 if killed in it)
            start = self.started if self.body_due is None else self.body_due
            if start is not None:
                self.duration = max(0.0, self.finished - start)
            for row in self.rows.values():
                if row.state in (S.PENDING, S.RUNNING, S.AWAITING_RETRY):
                    self._interrupt(row, self.note, event.ts)
            self.version += 1
        return None

    def local(self, ts: float) -> float:
        """An event's wall time ``ts`` on the steady clock, now that it arrives: now, less
        its age by the wall clock (read from the store), none when it is not in the past
        (a live event, or a wall clock set back since)."""
        now, wall = self.clock.readings()
        return ts + (now - wall) if ts < wall else now

    def _interrupt(self, row: TaskRow, note: str, ts: float) -> None:
        """A task its run's dead process left unfinished: no countdown or clock goes on
        for it (as the store marks it ``INTERRUPTED``). An attempt it was running ran
        until ``ts``, the process's last sign of life (0: not known), as the store records
        it: the TIME cell was blank and the detail pane read ``⚡ …``, as if still running."""
        if row.interrupted:
            return
        running = row.state is S.RUNNING
        self.counts[row.state] -= 1
        self.counts[S.CANCELLED] += 1
        self.interrupted += 1
        row.state, row.interrupted, row.message = S.CANCELLED, True, note
        row.retry_due = None
        last = row.attempts[-1] if row.attempts else None
        if last is not None and last.state is S.RUNNING:  # a failed one keeps its failure
            last.state, last.message, last.interrupted = S.CANCELLED, note, True
            if running and last.duration is None and ts >= last.started > 0:
                last.duration = row.duration = ts - last.started

    def _output_so_far(self, event: TaskOutput) -> str | None:
        """What a running attempt printed since the last event: shown under it as it comes;
        its end brings the whole output, which takes the place of these pieces."""
        row = self.rows.get(event.task)
        last = row.attempts[-1] if row is not None and row.attempts else None
        if (
            row is None
            or last is None
            or last.number != event.attempt
            or last.state is not S.RUNNING
        ):
            return None  # the attempt ended meanwhile: its end has it all
        so_far = last.output + printable(event.text)
        last.output = so_far if len(so_far) <= LIVE_OUTPUT else "…" + so_far[-LIVE_OUTPUT:]
        return row.key

    def list_unstarted(self, keys: Sequence[str]) -> None:
        """A run that did not start, of a flow whose tasks are known: list them, not run.
        It had no rows, so nothing could be selected: `e` on the task whose setting kept
        the run from starting (a `retry_on` that no longer resolves) did nothing."""
        if self.order or self.is_live:
            return
        for i, key in enumerate(keys):
            self.rows[key] = TaskRow(key, i, None, 0, "")
        self.order = list(keys)
        self.counts[None] += len(keys)
        self.added += len(keys)
        self.version += 1

    def _add_row(self, event: TaskStateChanged) -> TaskRow:
        """A task of a ``@flow`` function, announced when the function reaches it."""
        policy = printable(event.policy)  # its first step (PENDING) names it
        row = TaskRow(event.task, len(self.order), None, event.max_attempts, policy)
        row.retry_only = RETRY_ONLY in policy
        row.upstream = event.upstream
        self.rows[event.task] = row
        self.order.append(event.task)
        self.counts[None] += 1
        self.added += 1
        self.long_try_rows += row.retry_only and event.max_attempts > 1
        self._widen_try(event.max_attempts, row.retry_only)
        return row

    def _widen_try(self, max_attempts: int, retry_only: bool) -> None:
        """``try_widths`` wide enough for a budget of ``max_attempts`` too: the TRY column
        is as wide as they say (``3/4``: 3 cells), and ``10/11`` would be cut."""
        long, compact = _try_widths([max_attempts], [retry_only])
        self.try_widths = (max(long, self.try_widths[0]), max(compact, self.try_widths[1]))

    def _task_event(self, row: TaskRow, ev: TaskStateChanged) -> None:
        if (
            ev.error is not None or ev.output or ev.message or ev.result or ev.delay_explained
        ) and unsafe(ev):
            ev = printable_event(ev)
        state = ev.state
        if row.state is not state:
            self.counts[row.state] -= 1
            self.counts[state] += 1
            if row.interrupted:  # a late word of a process thought dead: it is counted once
                row.interrupted = False
                self.interrupted -= 1
        row.state = state
        row.attempt = ev.attempt
        if ev.max_attempts and ev.max_attempts != row.max_attempts:
            # (a start that did not say its budgets: an older flowtop's)
            row.max_attempts = ev.max_attempts
            self._widen_try(ev.max_attempts, row.retry_only)
        row.message = ev.message
        if state is S.RUNNING:
            row.started = self.local(ev.ts)
            row.retry_due = None
            row.add_attempt(AttemptView(ev.attempt, ev.ts, retried_now=ev.message == RETRIED_NOW))
            return
        if ev.error is not None:
            row.error = ev.error
        if ev.duration is not None:
            row.duration = ev.duration
        if ev.result is not None:
            row.result = ev.result
        if state is S.AWAITING_RETRY:
            row.retry_due = self.local(ev.ts) + (ev.retry_in or 0.0)
            self.due_at[row.key] = ev.ts + (ev.retry_in or 0.0)
            row.delay_explained = ev.delay_explained
        else:
            row.retry_due = None
        if state is S.COMPLETED and ev.reused:
            row.reused = True
            self.reused += 1
            if ev.message == REUSED_FROM_SOURCE:  # named, as history does
                row.message = self.reused_from(row.key)
            row.add_attempt(
                AttemptView(
                    ev.attempt,
                    ev.ts,
                    state=S.COMPLETED,
                    result=ev.result,
                    message=row.message,
                    reused=True,
                )
            )
            return
        last = row.attempts[-1] if row.attempts else None
        if last is None or last.number != ev.attempt or last.reused:
            return  # upstream failed or cancelled before any attempt
        if last.state is S.RUNNING or state in (S.FAILED, S.CANCELLED):
            last.state = state  # an attempt ends, or a wait for retry is given up or cancelled
        if ev.duration is not None:
            last.duration = ev.duration
        last.error = ev.error or last.error
        last.output = ev.output or last.output
        if ev.result is not None:
            last.result = ev.result
        if ev.retry_in is not None:
            last.retry_in = ev.retry_in
            last.delay_explained = ev.delay_explained
        if ev.retry_in is not None or last.retry_in is None:  # a wait's cancel keeps its why
            last.message = ev.message or last.message


def store_full_waits(row: TaskRow, waiting: str, full: str) -> str:
    """What a retry whose wait is over waits for (``waiting``: ``RunModel.waiting_for``),
    given the run store's disk (``full``: ``StoreRoom.full``, "" when it has room). A full
    one is the cause: its run's process cannot record the attempt's start, or anything
    since (not even its heartbeat), so no worker or slot the monitor counts explains it,
    and "a slot …, or its run's process (stopped or busy)" sent the user to the wrong place."""
    if not full or not waiting or row.state is not S.AWAITING_RETRY:
        return waiting
    return (
        f"room in the run store: {full}, so its run's process cannot record what it does "
        "(the retry may have started: it shows once there is room)"
    )


def _try_widths(max_attempts: Sequence[int], retry_only: Sequence[bool]) -> tuple[int, int]:
    """The widest TRY texts (long, compact) over every (max, retry only) pair present."""
    long = compact = 3
    for m, only in set(zip(max_attempts, retry_only, strict=True)):
        long = max(long, len(try_text(m, m, only)), len(try_text(1, m, only)))
        compact = max(
            compact,
            len(try_text(m, m, only, compact=True)),
            len(try_text(1, m, only, compact=True)),
        )
    return long, compact


class RunStartedElsewhere(RunStarted):
    """A run's start, as the store client hands it over when another client (a TUI, a
    browser tab, ``flowtop run``) started the run: see ``RunStore._newest``."""

    __slots__ = ()
