"""What the run keys do: start, rerun, cancel, retry now, give up, edit the policy.

Kept apart from the app's wiring: each action checks it makes sense for the selected
flow/task and otherwise says why in a toast (never markup), then asks the app's
``RunControl`` (run processes through the store, or a runner in this process). The
resulting events come back through the event buffer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text

from flowtop.engine.states import StateType
from flowtop.looks import NOT_STARTED, STATE_LOOK
from flowtop.printable import printable, printable_name
from flowtop.tui.call_scope import Scope, counted_in, scope_note
from flowtop.tui.cancel_keys import CancelKeys
from flowtop.tui.code_rows import added_since
from flowtop.tui.file_rows import (
    broken_flow_file,
    broken_flow_said,
    file_row_said,
    gone_flow_said,
)
from flowtop.tui.launch_queue import Launch, Request, StoreWrite
from flowtop.tui.model import store_full_waits
from flowtop.tui.run_control import (
    InProcessControl,
    RunControlError,
    StoreControl,
    act_on_wait,
    untaken,
)
from flowtop.tui.view_actions import hidden_by_filter

#: The state of a task ``n`` and ``x`` act on.
AWAITING = StateType.AWAITING_RETRY

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from flowtop.engine.events import ErrorInfo
    from flowtop.tui.clock import Clock
    from flowtop.tui.model import RunModel, TaskRow
    from flowtop.tui.run_control import RunControl, WaitAct
    from flowtop.tui.run_store import RunStore
    from flowtop.tui.widgets.task_table import TaskTable
    from flowtop.tui.workspace_view import WorkspaceView
    from flowtop.workspace.store_room import StoreRoom


class NothingToRerun(RunControlError):
    """`f` on a completed run whose code changed nothing since: said, no run started."""


#: How many of a flow's newest runs `R` looks through for the last one that started.
RUNS_BACK_FOR_PARAMETERS = 20


def _did_not_start(error: ErrorInfo | None) -> bool:
    return error is not None and error.type == NOT_STARTED


@dataclass(eq=False)
class CheckedRerun(Launch):
    """`f` on a completed run: its thread asks what the code changed before it starts the
    rerun (``RunActions._rerun_if_changed``). A slow answer is no store held meanwhile,
    so the toast of a launch that waits says what it waits for (``asking``, until then)."""

    asking: bool = True

    @property
    def waiting(self) -> str:
        if self.asking:
            return f"Starting {self.what}: checking what the code changed since…"
        return super().waiting


@dataclass(eq=False)
class QuitCancels(Request):
    """Quitting with "cancel": the cancels are written, then their processes are given
    ``CANCEL_WAIT`` to take them, on the write's thread (keys typed meanwhile wait: `q`
    asked again). A slow one says what it waits for."""

    @property
    def waiting(self) -> str:
        return f"Asking to {self.what}: waiting for their processes to take it…"


class RunActions(CancelKeys):
    """Mixed into ``FlowtopApp``: uses its control, workspace, store and table. The
    launches and the requests go through ``LaunchQueue``: on a thread, the keys pressed
    meanwhile after; `c` and the keys pressed while its cancel lands, ``CancelKeys``."""

    # Provided by FlowtopApp:
    control: RunControl | None
    control_error: str | None
    workspace: WorkspaceView
    store: RunStore
    table: TaskTable
    selected_flow: str | None
    selected_error: str | None
    clock: Clock
    store_room: StoreRoom  # the run store's disk, as the detail pane looks at it

    if TYPE_CHECKING:  # FlowtopApp's own methods the actions call

        @property
        def first_loading(self) -> bool: ...

        def _sync_selection(self) -> None: ...

        def _selected_row(self) -> TaskRow | None: ...

        def _policies_changed(self) -> None: ...

        def _settings_edited(self, name: str, key: str) -> None: ...

        def shutdown(self, *, cancel: bool = False) -> None: ...

        def notify_unstacked(self, message: str, *, severity: SeverityLevel) -> None: ...

    def _say_run_notices(self) -> None:
        """What a run process started here wrote about its run (why the store refused it,
        why a rerun runs a task again): it reached only the run's log."""
        if self.control is None:
            return
        for notice in self.control.notices():
            self.notify(notice, severity="warning", markup=False, timeout=10)

    def _not_ready(self) -> None:
        """A run key before the flows can run: still loading, or why they never will
        (a store that cannot be made: said once in a toast, then on every key)."""
        if self.control_error is not None:
            self.notify(self.control_error, severity="error", markup=False)
        else:
            self.notify("Still loading the flows…", severity="warning", markup=False)

    def _flow_or_warn(self, *, runs: bool = True) -> str | None:
        """The selected flow, or None having said why a key cannot act on it. ``runs``:
        the key runs it, which needs the run store; ``e`` only edits its settings, and a
        store that cannot be opened blocked it ("Cannot run flows: …")."""
        self._sync_selection()
        if runs and self.control is None:
            self._not_ready()
            return None
        if self.selected_error is not None:
            # `e` (runs=False) edits: "to run it" said of it named a key it is not
            edits = f"{self.key_for('edit_retry')} edits a task's retry settings"
            doing, pick_one = (
                # (its flows, listed, run once it loads: `r` on one says so too)
                ("select a flow in the list to run it", "they run once it loads: fix it and save")
                if runs
                else (
                    f"{edits}; select a flow in the list, then its task",
                    f"{edits}; select one, then its task",
                )
            )
            said = file_row_said(
                self.workspace, self.selected_error, doing, pick_one, of_broken=self.store.of_broken
            )
            self.notify(said, severity="warning", markup=False)
            return None
        if self.selected_flow is None:
            self._say_no_flow()
            return None
        flow, gone = self.selected_flow, self.selected_flow not in self.workspace.shapes
        if (runs or gone) and self._said_broken(flow):
            return None  # (`e` edits the settings of a flow its broken file kept)
        if gone:
            live = bool(self.store.live_for(flow) or self.store.loading(flow))
            said = gone_flow_said(self.workspace, flow, live=live)
            self.notify(said, severity="warning", markup=False)
            return None
        return flow

    def _say_no_flow(self) -> None:
        """What a key that acts on a flow says with none selected: the one place of it."""
        if self.first_loading:  # (an empty list while the first load goes on)
            said = "Still loading the flows…"
        elif self.workspace.shapes:
            said = "Select a flow first"
        else:
            said = "No flows here yet: save a .py file that defines a Flow in this folder"
        self.notify_unstacked(said, severity="warning")  # (pressed again: no pile of them)

    def _no_flow_said(self) -> bool:
        """Whether no flow is selected, nor a file's row, said as `r` says it: `o`, `y`,
        `n`, `x` and `w` said in a folder of no flow that they work on a task with an
        error, awaiting retry, or that "this flow" had no live run to switch to."""
        self._sync_selection()
        if self.selected_flow is not None or self.selected_error is not None:
            return False
        self._say_no_flow()
        return True

    def _said_broken(self, flow: str) -> bool:
        """Whether ``flow``'s file failed to load (``broken_flow_file``), said if so: a run
        key runs it once it loads again, and records no run meanwhile."""
        file = broken_flow_file(self.workspace, flow, of_broken=self.store.of_broken)
        if file is not None:
            said = broken_flow_said(self.workspace, flow, file, self.key_for("history"))
            self.notify(said, severity="warning", markup=False)
        return file is not None

    def action_run(self) -> None:
        """Start a run; a @flow with a parameter that has no default asks for values first."""
        name = self._flow_or_warn()
        if name is None:
            return
        if self.workspace.shapes[name].needs_parameters:
            self._ask_parameters(name)
        else:
            self._start(name, None)

    def action_run_with_parameters(self) -> None:
        name = self._flow_or_warn()
        if name is None:
            return
        if not self.workspace.shapes[name].parameters:
            self.notify(
                f"{name} takes no parameters (only a @flow function does): "
                f"press {self.key_for('run')} to run it",
                severity="warning",
                markup=False,
            )
            return
        self._ask_parameters(name)

    def _ask_parameters(self, name: str) -> None:
        from flowtop.tui.screens.run_form import RunForm

        def given(parameters: dict[str, Any] | None) -> None:
            if parameters is not None and not self._said_broken(name):  # (broken meanwhile)
                self._start(name, parameters)

        shape = self.workspace.shapes[name]
        last = self._last_parameters(name)  # else what its file's __main__ block gives it
        if last is None:
            last = shape.main_block_parameters
        check = partial(self.workspace.check_parameters, name)  # by the flow's own code
        self.push_screen(RunForm(name, shape.parameters, last, check), given)

    def _last_parameters(self, name: str) -> Mapping[str, Any] | None:
        """The parameters of ``name``'s newest run that started, None when it has none: one
        that did not (a rerun that found nothing to rerun, a file broken at launch) was
        called with nothing, and `R` took its empty parameters over the last run's. The
        monitor keeps only the newest run, so an older one is read from the history then
        (None when it cannot be read: the form shows what the code gives)."""
        latest = self.store.latest_for(name)
        if latest is None or not _did_not_start(latest.error):
            return None if latest is None else latest.parameters
        try:
            for record in self.workspace.history.runs(name, limit=RUNS_BACK_FOR_PARAMETERS):
                error = record.error or {}
                if error.get("type") != NOT_STARTED:
                    return record.parameters
        except Exception:  # noqa: BLE001 - an unreadable history leaves the code's defaults
            return None
        return None

    def _queue(self, write: StoreWrite) -> None:
        """Start a run, or send a request for one, on a thread: its store write may wait
        for another process (``launch_queue``). A toast says why if it is not made; until
        a started run's first event shows it, ``store.starting`` knows it."""
        if self.control is None:
            self._not_ready()
            return
        self._begin_launch(self.control, write)

    def _starting(self, flow: str) -> RunModel | None:
        """``flow``'s run started from here a moment ago, not on screen yet: keys pressed
        together (``rr``, ``ff``, ``rc``) act on it, as they would once it shows."""
        if self.control is None:
            return None
        return self.store.starting(flow, self.control.still_live)

    def _start(self, name: str, parameters: dict[str, Any] | None) -> None:
        """Start the run; with one already live, ask first (two at once is rarely meant)."""
        if self._after_launch(partial(self._start, name, parameters), asks=True):
            return  # `rr`: asked about the run the first `r` is starting, once it has
        live = self.store.live_for(name)
        starting = self._starting(name)
        if starting is not None:
            live.append(starting)
        if self._behind_cancel(live, partial(self._start, name, parameters), "run", "starts a run"):
            return  # `c y r`: started once the run cancelled has ended
        launch = Launch(f"a run of {name}", lambda control: control.start(name, parameters))
        if not live:
            self._queue(launch)
            return
        from flowtop.tui.screens.confirm import ConfirmScreen

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._queue(launch)
            elif yes is None:  # they ended while it was asked: it stayed up, about no run
                again = self.key_for("run")
                self.notify(f"{name} is not running any more: {again} starts a run", markup=False)

        numbers = ", ".join(f"#{r.number}" if r.number else "one starting" for r in live)
        self.push_screen(
            ConfirmScreen(
                f"{name} is already running ({numbers}). Start another run beside it? "
                f"(then {self.key_for('next_live_run')} switches between them)",
                lambda: any(self._live_now(run) for run in live),  # (a run starting too)
            ),
            confirmed,
        )

    def _source_run(self, name: str) -> RunModel | None:
        starting = self._starting(name)
        if starting is not None:  # the newest run, once it shows: still running
            number = f"Run #{starting.number}" if starting.number else f"A run of {name}"
            self.notify(
                f"{number} is starting: press {self.key_for('cancel')} to cancel it first",
                severity="warning",
                markup=False,
            )
            return None
        run = self.store.latest_for(name)
        if run is None:
            self.notify(
                f"No run of {name} to rerun yet: press {self.key_for('run')} to run it",
                severity="warning",
                markup=False,
            )
        return run

    def action_rerun_failed(self) -> None:
        name = self._flow_or_warn()
        if name is not None:
            self._rerun_failed(name)

    def _rerun_failed(self, name: str) -> None:
        if self._after_launch(partial(self._rerun_failed, name)):
            return  # `ff`: the second asks about the rerun the first is starting
        run = self._source_run(name)
        again = partial(self._rerun_failed, name)
        if run is None or self._behind_cancel([run], again, "rerun_failed", "reruns it"):
            return  # `c y f`: once the run cancelled has ended
        if run.state is not StateType.COMPLETED:
            self._queue(Launch(_rerun_of(run), lambda control: control.rerun_failed(run)))
            return
        rerun = self._rerun_if_changed(run)
        if rerun is not None:
            self._queue(rerun)

    def _rerun_if_changed(self, run: RunModel) -> Launch | None:
        """`f` on the completed ``run``: a rerun that runs only if the code changed since.
        A static flow's code may have added a task or changed a task's call: the process
        holding the code says (``nothing_to_rerun``), asked on the launch's thread, as its
        first step: it may take a second (a busy host, the run's stored results to read),
        which held the screen when asked here; keys pressed meanwhile wait for it as for
        any launch (`ff` starts one rerun). A ``@flow``'s is the same word as
        ``flowtop run --rerun-of``'s (``reruns.replays_nothing``): a failed task its flow
        handled runs again, and so does a call its code added since. When the host
        cannot say, an added task decides; for a ``@flow`` the rerun itself does (a
        launched one with nothing to run ends saying so)."""
        nothing = f"Run #{run.number} of {run.flow} has nothing to rerun"
        shape = self.workspace.shapes.get(run.flow)
        may_run = shape is not None and (shape.dynamic or bool(added_since(run, shape.nodes)))
        if shape is None or (run.run_id is None and not may_run):
            self.notify(nothing, markup=False)
            return None
        workspace, run_id = self.workspace, run.run_id

        def rerun(control: RunControl) -> RunModel:
            said = workspace.nothing_to_rerun(run.flow, run_id) if run_id else None
            launch.asking = False
            if said is None:
                said = "" if may_run else nothing
            if said:
                raise NothingToRerun(said)
            return control.rerun_failed(run)

        def refused(error: RunControlError) -> bool:
            if isinstance(error, NothingToRerun):
                self.notify(error.message, markup=False)  # as ever: no warning
                return True
            return False

        launch = CheckedRerun(_rerun_of(run), rerun, refused)
        return launch

    def action_rerun_task(self) -> None:
        name = self._flow_or_warn()
        if name is not None:
            self._rerun_task(name, self.table.cursor_key)

    def _rerun_task(self, name: str, key: str | None) -> None:
        if self._after_launch(partial(self._rerun_task, name, key)):
            return
        run = self._source_run(name)
        again, does = partial(self._rerun_task, name, key), f"reruns {key}"
        if (
            run is not None
            and key is not None
            and self._behind_cancel([run], again, "rerun_task", does)
        ):
            return  # `c y t`: once the run cancelled has ended
        if run is not None and key is None:  # it did nothing, and said nothing
            self.notify(self._no_task_here(name, "rerun"), severity="warning", markup=False)
        if run is None or key is None:
            return
        flow = self.workspace.shapes.get(run.flow)
        if flow is None or flow.node(key) is None:
            self.notify(
                self._no_task_here(run.flow, "rerun", key), severity="warning", markup=False
            )
            return
        self._queue(Launch(_rerun_of(run), lambda control: control.rerun_task(run, key)))

    def _quit(self, *, cancel: bool, said: Sequence[str] = ()) -> None:
        """Quit; the cancels of runs in their own processes are store writes, made on a
        thread in turn (``launch_queue``): it quits once their processes have taken them
        (``CANCEL_WAIT`` at most), or says why they could not be asked. One not taken by
        then (a process stopped or busy) stays queued, and is said as the app quits: it
        quit at once, silent, the run still RUNNING."""
        control = self.control
        if cancel and isinstance(control, StoreControl):

            def quit_saying(lines: object) -> None:
                self._quit(cancel=False, said=cast("list[str]", lines))

            what = "cancel the runs started here"
            self._queue(
                QuitCancels(what, lambda _: untaken(control.cancel_started_here()), quit_saying)
            )
            return
        self.shutdown(cancel=cancel)
        lines = [f"flowtop: quit; {printable(line)}" for line in said]
        self.exit(0, message=Text("\n".join(lines)) if lines else None)

    def _awaiting(self, verb: str, doing: str) -> tuple[RunModel | None, TaskRow | None]:
        """The live run and the highlighted task's row awaiting retry that ``verb`` acts
        on; else (None, None), said: that the filter hides every task (``doing``: what the
        key does to one), or that ``verb`` works on a task awaiting retry."""
        if self._no_flow_said():
            return None, None
        row = self._selected_row()
        run = self.table.run
        live = run is not None and run.is_live
        hidden = hidden_by_filter(self.table, doing, lambda r: live and r.state is AWAITING)
        if row is None and hidden is not None:
            self.notify(hidden, severity="warning", markup=False)
            return None, None
        if (
            row is None
            or run is None
            or not run.is_live
            or row.state is not StateType.AWAITING_RETRY
        ):
            waiting = STATE_LOOK[StateType.AWAITING_RETRY][0]
            self.notify(
                f"{verb} works on a task awaiting retry ({waiting})",
                severity="warning",
                markup=False,
            )
            return None, None
        return run, row

    def action_retry_now(self) -> None:
        """``n``: the highlighted task's next attempt now. One whose wait is over waits
        for a worker or a slot (``⟳ Awaiting worker``): `n` can start it no sooner, and
        did nothing, said nothing; it says what the task waits for instead."""
        self._sync_selection()
        run, row = self.table.run, self._selected_row()
        if run is not None and row is not None and run.is_live and row.state is AWAITING:
            now = self.clock()  # a full store's disk is the cause the detail pane names
            waits = store_full_waits(row, run.retry_waits(row, now), self.store_room.full(now))
            if waits:
                said = f"{row.key}'s wait is over: it waits for {waits}"
                self.notify(said, severity="warning", markup=False)
                return
        self._on_awaiting("Retry now", "retry {key} now", "retry_now", doing="retry now")

    def action_give_up(self) -> None:
        self._on_awaiting("Give up", "give up on {key}", "give_up", doing="give up on")

    def _on_awaiting(
        self,
        verb: str,
        what: str,
        act: WaitAct,
        *,
        doing: str,
    ) -> None:
        """``verb`` the selected task awaiting retry, aimed at the wait on screen (its
        row's attempt: a wait cut meanwhile is not the next one's); ``what`` (of
        ``{key}``) names the request in the toast of one that waits or fails; ``doing``
        what it does to a task, as "No task to …" says it when the filter hides them all."""
        run, row = self._awaiting(verb, doing)
        if run is None or row is None:
            return
        key, attempt = row.key, row.attempt or None
        aim = (run.run_id or "", key, attempt)
        again = aim in self._aimed  # this window's own key cut that wait a moment ago
        self._aimed.add(aim)

        def sent(applied: object) -> None:
            if applied is False:
                said = self._wait_was_over(key, attempt, again=again)
                self.notify(said, severity="warning", markup=False)

        request = Request(
            what.format(key=key), lambda control: act_on_wait(control, act, run, key, attempt), sent
        )
        self._queue(request)

    @cached_property
    def _aimed(self) -> set[tuple[str, str, int | None]]:
        """The waits `n` and `x` were pressed on here: (run id, task, failed attempt)."""
        return set()

    def _wait_was_over(self, key: str, attempt: int | None, *, again: bool) -> str:
        """Why `n` or `x` did nothing: the wait it was pressed on was over. Cut by this
        window's own key before (``again``), the task moved on; else, with run processes,
        most likely by another window's key, which the second window did not say (it
        said nothing at all, as if its own key had cut the wait)."""
        if again or attempt is None:
            return f"{key} is no longer awaiting a retry"
        if isinstance(self.control, InProcessControl):  # no other window acts on its runs
            return f"The wait of attempt {attempt} of {key} was already over"
        return f"The wait of attempt {attempt} of {key} was already cut (another window?)"

    def _no_task_here(self, flow_name: str, verb: str, gone: str | None = None) -> str:
        """Why a task key found no task: the filter hides them all, or a @flow has shown
        none yet (its tasks appear as it runs), or the row under the cursor is of a task
        the reloaded code no longer has (``gone``: its key; the row stays for its run)."""
        if gone is not None:
            return f"Task {gone} is no longer in {flow_name}: nothing to {verb}"
        if (typed := self.table.filter_text).strip():  # (said as typed: no repr)
            return f"No task of {flow_name} matches the filter '{printable_name(typed)}': Esc clears it"
        return f"No task of {flow_name} to {verb} yet: a @flow's tasks appear as it runs"

    def action_edit_retry(self) -> None:
        flow_name = self._flow_or_warn(runs=False)
        if flow_name is None:
            return
        key = self.table.cursor_key
        gone = key is not None and self.workspace.shapes[flow_name].node(key) is None
        if key is None or gone:  # it did nothing and said nothing; `(gone)` opened a
            # disabled editor: the footer leaves `e` out on both, a press says why
            why = self._no_task_here(flow_name, "edit", key if gone else None)
            self.notify(why, severity="warning", markup=False)
            return
        from flowtop.tui.screens.retry_editor import RetryEditor

        def done(saved: bool | None) -> None:
            if saved:
                self._policies_changed()
                self._settings_edited(flow_name, key)  # what auto-rerun does with them

        scope = self._override_scope(flow_name, key)
        self.push_screen(RetryEditor(self.workspace, flow_name, key, scope=scope), done)

    def _override_scope(self, flow_name: str, key: str) -> Scope | None:
        """What the editor says of the other calls of ``key``'s task, which its override
        leaves alone (``call_scope``): counted in the run shown, else in the flow."""
        shape = self.workspace.shapes[flow_name]
        run = self.table.run
        if run is not None and run.flow == flow_name and run.order:
            return scope_note(key, run.order, counted_in(run), shape.base_policies)
        return scope_note(key, [*shape.nodes, *shape.policies], "in the flow", shape.base_policies)


def _rerun_of(run: RunModel) -> str:
    """What a rerun of ``run`` is called in the toast of a launch that waits."""
    return f"a rerun of run #{run.number} of {run.flow}" if run.number else f"a rerun of {run.flow}"
