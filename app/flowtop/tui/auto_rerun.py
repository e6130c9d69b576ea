"""Auto-rerun (`a`): which saves rerun which flow's failed tasks, and when.

A flow's failed tasks rerun when what they would run with changed: the flow's code (a
reload names the flow, ``change.flows``), or the settings of the tasks the rerun runs
again. A settings file saved is one reload for every flow; it reran the selected flow
whatever it changed, so a table added for another flow, or a mere ``touch``, repeated
the failed tasks' side effects (a load into a warehouse, an e-mail). Now a flow reruns
only when the settings of a task it would run again changed in this reload
(``changed_for``) and differ from those its failed run ran with (``ran_with_other``: a
value put back as it was reruns nothing). Settings every flow runs with (``[defaults]
workers``, ``executor``, ``[variables]``, ``[concurrency]``: ``RanWith.run_wide``) cannot
be told apart by flow: their change reruns the selected flow, as every settings save did.

What a run ran with is compared value by value (``_exactly``), not as the table's summary
(``3× 1s timeout 30s``), which rounds: a timeout of 30 made 30.4 read the same, and its
failed tasks never reran with it. The run itself records only that summary: the values
are those of the shapes in force as it started (``RanWith.since``), when its summary
agrees; else the summary is all there is to compare. The settings every flow runs with are
the workspace's (the flow host's) own reading of the files, never read here on the UI
thread at each save.

A run that was live as its settings changed keeps the settings it started with: it
reran nothing, then ended ``✗`` on its old settings, the new ones never tried. Now a
toast says so, and once that run ends failed, its failed tasks rerun with the new ones
(``_pending``), unless it ran with them after all (another window's rerun of the same
save, started after it). A flow file saved while its run is live (the fix, typed as the
failed task counts down its retries) fared the same: the rerun asked for at once found
the run live, and none followed as it ended failed. It waits for the run too
(``_rerun_code``), whatever settings that run ran with.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from flowtop.code_settings import settings_table
from flowtop.engine.states import StateType
from flowtop.printable import printable
from flowtop.tui.code_rows import NOT_IN_RUN
from flowtop.tui.file_rows import broken_flow_file
from flowtop.tui.launch_queue import Launch
from flowtop.tui.model import RunModel
from flowtop.tui.run_control import AlreadyRerunning, RunControlError
from flowtop.workspace.changes import WorkspaceChanged
from flowtop.workspace.settings import RUN_TABLES

if TYPE_CHECKING:
    from textual.app import App

    from flowtop.tui.launch_queue import StoreWrite
    from flowtop.tui.run_store import RunStore
    from flowtop.tui.workspace_view import Change, WorkspaceView
    from flowtop.workspace.flow_shapes import FlowShape, PolicyView

    _AppBase = App[int]  # as in ``run_actions``: the checker sees the App it is mixed into
else:
    _AppBase = object


def rerun_keys(run: RunModel) -> list[str]:
    """The tasks a rerun of the failed ``run`` runs again: its rows that did not complete
    (failed, never started, cancelled), not those the code added since it ran."""
    return [
        key
        for key, row in run.rows.items()
        if row.state is not StateType.COMPLETED and row.code_mark != NOT_IN_RUN
    ]


def _exactly(view: PolicyView) -> tuple[tuple[str, str], ...]:
    """A policy's values, whatever layer each comes from: its described values (a
    predicate's name) and the editor's texts of them, written in full (the table's
    summary rounds: ``0.123s``)."""
    values = [(f"={name}", value) for name, (value, _) in view.layers.items()]
    return tuple(sorted([*values, *view.texts.items()]))


def changed_for(before: FlowShape, now: FlowShape, keys: Iterable[str]) -> bool:
    """Whether the settings in force for any task ``keys`` of a flow differ between its
    shapes ``before`` and ``now`` (a task the code lost or gained says nothing: its code
    changed, which the reload says of the flow)."""
    seen: dict[tuple[int, int], bool] = {}  # the tasks of one @task share a policy
    for key in keys:
        old, new = before.node(key), now.node(key)
        if old is None or new is None or old.policy is new.policy:
            continue
        pair = (id(old.policy), id(new.policy))
        if pair not in seen:
            seen[pair] = _exactly(old.policy) != _exactly(new.policy)
        if seen[pair]:
            return True
    return False


def ran_with_other(
    run: RunModel, shape: FlowShape, keys: Iterable[str], ran: FlowShape | None = None
) -> bool:
    """Whether ``run`` ran any task ``keys`` with a policy other than ``shape``'s now.
    ``ran``: the flow's shape in force as the run started (None: not known); a task's
    policy there is what it ran with when the run's own summary of it agrees, compared
    value by value. Else the summaries are compared, as the table's POLICY cell does
    (``≠ 3× 2s → 0× 2s``); a task whose run does not say counts as other."""
    for key in keys:
        node, row = shape.node(key), run.rows.get(key)
        if node is None or row is None:
            continue
        old = ran.node(key) if ran is not None else None
        if old is not None and row.policy and row.policy == printable(old.policy.summary):
            if old.policy is not node.policy and _exactly(old.policy) != _exactly(node.policy):
                return True
        elif not row.policy or row.policy != printable(node.policy.summary):
            return True
    return False


def run_tables(workspace: WorkspaceView) -> str | None:
    """``RUN_TABLES`` as a run reads them now, as one text to compare: as the workspace
    read them; from the file for a workspace that does not say (a test's). None when they
    cannot be read (the settings error says why, and stops the run)."""
    tables = workspace.settings.run_tables
    if tables is None:
        try:
            tables = {name: settings_table(name, workspace.state_dir) for name in RUN_TABLES}
        except (OSError, ValueError):
            return None
    return json.dumps(tables, sort_keys=True, default=str)


@dataclass(frozen=True)
class RanWith:
    """What the flows ran with as a reload was applied: to tell what the next changed."""

    shapes: Mapping[str, FlowShape]
    #: What every flow runs with: workers, executor, result size, drop-in mode, and the
    #: ``RUN_TABLES`` (last). Not ``[defaults]``' policy values: each task's policy says
    #: them; nor what no run reads (keys, ``on_quit``, ``load_timeout``: a failed run's
    #: file was imported).
    run_wide: tuple[Any, ...]
    #: When they came in force, on ``RunModel.clock``: a run started since ran with them.
    since: float = 0.0


@dataclass(frozen=True)
class Pending:
    """A live run whose flow's settings changed: once it ends failed, a rerun follows."""

    run_id: str
    #: Task settings changed (the run's own POLICY says whether it ran with them), not
    #: only settings every flow runs with, which no run records.
    tasks: bool
    #: The flow's code changed (its file saved): the run ran the old code, a rerun
    #: follows whatever settings it ran with.
    code: bool = False
    #: Settings changed (said as such), not only the code.
    settings: bool = True


def _reads_settings(change: Change) -> bool:
    """Whether ``change`` may have changed a settings file (a change of a workspace
    that does not say, a test's, may have)."""
    return not isinstance(change, WorkspaceChanged) or change.settings_changed


class AutoRerun(_AppBase):
    """Mixed into ``FlowtopApp``: uses its workspace, store and launch queue."""

    # Provided by FlowtopApp:
    workspace: WorkspaceView
    store: RunStore
    selected_flow: str | None
    auto_rerun: bool
    #: What the flows ran with at the last reload (None before the workspace was shown).
    _ran_with: RanWith | None = None
    #: Run id -> its flow's shape as it started (None: not known, it started before the
    #: shapes last noted came in force), for each flow's latest run not completed and
    #: each pending one (``_note_starts``).
    _started_with: Mapping[str, FlowShape | None] = {}

    if TYPE_CHECKING:  # FlowtopApp's own methods (and other mixins')

        def key_for(self, action: str) -> str: ...

        def _after_launch(self, call: Callable[[], None], *, asks: bool = False) -> bool: ...

        def _starting(self, flow: str) -> RunModel | None: ...

        def _queue(self, write: StoreWrite) -> None: ...

        def _refusal(self, error: RunControlError) -> str: ...

        def _settings_stop_runs(self) -> bool: ...

        def _update_header(self) -> None: ...

    @cached_property
    def _pending(self) -> dict[str, Pending]:
        """Flow -> its live run to rerun the failed tasks of once it ends (see above)."""
        return {}

    @cached_property
    def _after_parent(self) -> dict[str, set[str]]:
        """A parent's live run -> the subflows' flows whose failed runs its rerun would
        rerun (``_rerun_by_parent``): rerun on their own once it ends, unless it reruns."""
        return {}

    def action_toggle_auto_rerun(self) -> None:
        self.auto_rerun = not self.auto_rerun
        state = "on" if self.auto_rerun else "off"
        if not self.auto_rerun:
            self._pending.clear()
            self._after_parent.clear()
        self.notify(f"Auto-rerun of failed tasks on save: {state}", markup=False, timeout=2)
        self._update_header()

    def _note_ran_with(self, change: Change | None = None) -> RanWith:
        """What the flows run with now (kept for the next reload), after what the runs
        started since the last one ran with (``_note_starts``). A workspace that does not
        say its ``[variables]`` and ``[concurrency]`` has them read again only when
        ``change`` may have changed them."""
        settings, before = self.workspace.settings, self._ran_with
        self._note_starts(before)
        if before is None or change is None or _reads_settings(change):
            tables = run_tables(self.workspace)
        else:
            tables = before.run_wide[-1]
        run_wide = (
            settings.workers,
            settings.executor,
            settings.max_result_bytes,
            settings.prefect_compat,
            tables,
        )
        self._ran_with = RanWith(dict(self.workspace.shapes), run_wide, RunModel.clock())
        return self._ran_with

    def _note_starts(self, before: RanWith | None) -> None:
        """Each flow's latest run, and each pending one, not noted yet: the shape its
        flow had in ``before`` when it started after ``before`` came in force. A completed
        run has no task to rerun: its shape is not kept (a big flow's is big)."""
        known, noted = self._started_with, {}
        runs = [self.store.latest_for(name) for name in self.workspace.shapes]
        runs += [self.store.runs.get(pending.run_id) for pending in self._pending.values()]
        for run in runs:
            if run is None or run.run_id is None or run.state is StateType.COMPLETED:
                continue
            if run.run_id in known:
                noted[run.run_id] = known[run.run_id]
            elif before is not None and run.started is not None and run.started >= before.since:
                noted[run.run_id] = before.shapes.get(run.flow)
            else:
                noted[run.run_id] = None
        self._started_with = noted

    def _rerun_changed(self, change: Change, *, rerun: bool) -> None:
        """After a reload: with ``rerun`` (auto-rerun on, and the settings let a run
        start), rerun the failed tasks of the flows whose code or task settings changed,
        and the selected flow's when settings every flow runs with did; a flow whose run
        is live waits for it to end (``_pending``)."""
        before, now = self._ran_with, self._note_ran_with(change)
        if not rerun:
            return
        code = list(change.flows)
        for name in code:
            if not self._rerun_by_parent(name, code):
                self._rerun_code(name)
        if before is None or not _reads_settings(change):  # (flow files: their flows only)
            return
        wide = before.run_wide != now.run_wide and self.selected_flow not in (None, *code)
        asked: list[str] = []
        for name, shape in now.shapes.items():
            old, run = before.shapes.get(name), self.store.latest_for(name)
            if name in code or old is None or run is None:
                continue
            keys = rerun_keys(run)
            tasks = changed_for(old, shape, keys)
            if not tasks and not (wide and name == self.selected_flow):
                continue
            live = run if run.is_live else self._starting(name)
            if live is not None:
                self._rerun_when_ended(name, live, tasks=tasks)
            elif run.state is StateType.CANCELLED or not tasks or self._ran_other(run, shape):
                asked.append(name)
        for name in asked:
            if not self._rerun_by_parent(name, asked):
                self._auto_rerun(name)

    def _rerun_by_parent(self, name: str, rerun: Collection[str]) -> bool:
        """Whether ``name``'s newest run is a subflow's whose parent's run (its flow's
        newest) reruns it: the parent's failed run is rerun too (its flow among those
        ``rerun``), and a parent's rerun reruns its subflows' runs (``subflow_reruns``).
        Rerun on its own as well, its failed tasks ran twice for one save (a load into a
        warehouse twice). A parent's run still live decides as it ends (``_after_parent``)."""
        run = self.store.latest_for(name)
        parent = None if run is None else self.store.runs.get(run.parent_run or "")
        if (
            parent is None
            or parent.run_id is None
            or parent.flow == name
            or self.store.latest_for(parent.flow) is not parent
        ):
            return False
        if parent.is_live:
            self._after_parent.setdefault(parent.run_id, set()).add(name)
            return True
        return parent.flow in rerun and parent.state is StateType.FAILED

    def _ran_other(self, run: RunModel, shape: FlowShape) -> bool:
        """Whether the failed ``run`` ran a task it would run again with other settings
        than ``shape``'s (``ran_with_other``, with what it started with if known)."""
        ran = self._started_with.get(run.run_id) if run.run_id is not None else None
        return ran_with_other(run, shape, rerun_keys(run), ran)

    def _rerun_code(self, name: str) -> None:
        """``name``'s flow file was saved: rerun its failed tasks now, or once its live
        run (or the one starting) ends failed."""
        if self._after_launch(partial(self._rerun_code, name)):
            return
        run = self.store.latest_for(name)
        live = run if run is not None and run.is_live else self._starting(name)
        if live is not None and name in self.workspace.shapes:
            self._rerun_when_ended(name, live, tasks=False, code=True)
        else:
            self._auto_rerun(name)

    def _rerun_when_ended(
        self, name: str, run: RunModel, *, tasks: bool, code: bool = False
    ) -> None:
        """Rerun ``name``'s failed tasks once its live ``run`` ends failed, for a save
        of its settings or (``code``) of its flow file; each said once a run."""
        if run.run_id is None:
            return
        known = self._pending.get(name)
        kept = known if known is not None and known.run_id == run.run_id else None
        self._pending[name] = Pending(
            run.run_id,
            tasks or (known is not None and known.tasks),
            code or (kept is not None and kept.code),
            not code or (kept is not None and kept.settings),
        )
        number = f"run #{run.number}" if run.number else "its run"
        if code and (kept is None or not kept.code):
            self.notify(
                f"Auto-rerun is on: {number} of {name} runs the code it started with; "
                "if it fails, its failed tasks rerun with the saved code",
                markup=False,
            )
        elif not code and (kept is None or not kept.settings):
            self.notify(
                f"Auto-rerun is on: {number} of {name} keeps the settings it started with; "
                "if it fails, its failed tasks rerun with the new ones",
                markup=False,
            )

    def _settings_edited(self, name: str, key: str) -> None:
        """The retry editor saved (or cleared) the settings of ``name``'s task ``key``:
        with auto-rerun on, say when its failed tasks rerun with them: as they load, or
        once its live run ends failed; or that none will, ``key`` having completed (a
        rerun reuses it)."""
        run = self.store.latest_for(name)
        if not self.auto_rerun or run is None:
            return
        live = run if run.is_live else self._starting(name)
        row = (live or run).rows.get(key)
        done = row is not None and row.state is StateType.COMPLETED and row.code_mark != NOT_IN_RUN
        if done and (live is not None or run.state is StateType.FAILED):
            number = f"run #{(live or run).number}" if (live or run).number else "its run"
            self.notify(
                f"Auto-rerun is on, but {key} completed in {number} of {name}: a rerun "
                "reuses its result, so these settings rerun nothing",
                markup=False,
            )
        elif live is not None:
            self._rerun_when_ended(name, live, tasks=True)
        elif run.state is StateType.FAILED:
            self.notify(
                f"Auto-rerun is on: the failed tasks of {name} rerun "
                "as soon as the new settings load",
                markup=False,
            )

    def _runs_ended(self, run_ids: Collection[str]) -> None:
        """Runs ended (``event_flush``): a pending rerun whose run ended failed starts,
        unless that run ran with the settings in force now; a subflow's that waited for
        its parent's run (``_rerun_by_parent``) too, unless that parent's rerun starts."""
        fire: list[str] = []
        for name, pending in list(self._pending.items()):
            if pending.run_id not in run_ids:
                continue
            del self._pending[name]
            run, shape = self.store.runs.get(pending.run_id), self.workspace.shapes.get(name)
            if (
                not self.auto_rerun
                or run is None
                or shape is None
                or self.store.latest_for(name) is not run
                or run.state is not StateType.FAILED
                or self._settings_stop_runs()
            ):
                continue
            if pending.code or not pending.tasks or self._ran_other(run, shape):
                fire.append(name)
        for parent_id in [run_id for run_id in self._after_parent if run_id in run_ids]:
            children = self._after_parent.pop(parent_id)
            parent = self.store.runs.get(parent_id)
            if self.auto_rerun and (parent is None or parent.flow not in fire):
                fire += [name for name in children if name not in fire]  # not rerun by it
        for name in fire:
            if not self._rerun_by_parent(name, fire):
                self._auto_rerun(name)

    def _auto_rerun(self, name: str) -> None:
        if self._after_launch(partial(self._auto_rerun, name)):
            return
        run = self.store.latest_for(name)
        if run is None or name not in self.workspace.shapes:
            return
        if broken_flow_file(self.workspace, name, of_broken=self.store.of_broken):
            return  # its file failed to load: a rerun would not start (its error is shown)
        if run.state is StateType.CANCELLED:  # no failed task: said, not silently skipped
            key = self.key_for("rerun_failed")
            self.notify(
                f"Auto-rerun: {name}'s last run was cancelled, not failed: {key} reruns it",
                markup=False,
            )
            return
        if run.state is not StateType.FAILED or run.is_live or self._starting(name) is not None:
            return

        def refused(exc: RunControlError) -> bool:
            # Every TUI open on the folder sees the save: the store lets one of them
            # start the rerun; the others say which run it is (it shows in a moment).
            if isinstance(exc, AlreadyRerunning):
                self.notify(self._refusal(exc), markup=False)
                return True
            return False

        def started(_: RunModel) -> None:
            self.notify(f"Auto-rerun of failed tasks in {name}", markup=False)

        what = f"a rerun of run #{run.number} of {name}" if run.number else f"a rerun of {name}"
        rerun = Launch(what, lambda control: control.rerun_failed(run), refused, started)
        self._queue(rerun)
