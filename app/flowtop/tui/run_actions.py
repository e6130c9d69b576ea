"""What the run keys do: start, rerun, cancel, retry now, give up, edit the policy.

Kept apart from the app's wiring: each action checks it makes sense for the selected
flow/task and otherwise says why in a toast (never markup), then calls the engine's
thread-safe handles. The resulting events come back through the event buffer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowtop.engine.states import StateType

if TYPE_CHECKING:
    from flowtop.tui.model import RunModel, RunStore
    from flowtop.tui.widgets.task_table import TaskTable


if TYPE_CHECKING:
    from textual.app import App

    from flowtop.tui.model import TaskRow

    _Base = App[int]  # the mixin only ever lives in FlowtopApp: type it as an App
else:
    _Base = object


class RunActions(_Base):
    """Mixed into ``FlowtopApp``: uses its runner, workspace, store, table and handles."""

    # Provided by FlowtopApp:
    runner: Any
    workspace: Any
    store: RunStore
    handles: dict[str, Any]
    table: TaskTable
    selected_flow: str | None
    selected_error: str | None
    auto_rerun: bool
    key_for: Callable[[str], str]  # the live key of an action (after [keys])
    _sync_selection: Callable[[], None]
    _selected_row: Callable[[], TaskRow | None]
    _policies_changed: Callable[[], None]

    def _handle(self, run: RunModel | None) -> Any:
        """The engine's handle of a run started this session (None for previews)."""
        if run is None or run.run_id is None:
            return None
        return self.handles.get(run.run_id)

    def _track(self, handle: Any) -> None:
        self.handles[handle.run_id] = handle

    def _flow_or_warn(self) -> Any:
        self._sync_selection()
        if self.runner is None:
            self.notify("Still loading the flows…", severity="warning", markup=False)
            return None
        if self.selected_error is not None or self.selected_flow is None:
            self.notify(
                "Select a flow first (this file failed to load)", severity="warning", markup=False
            )
            return None
        flow = self.workspace.flows.get(self.selected_flow)
        if flow is None:
            self.notify(
                f"Flow {self.selected_flow} is not loaded", severity="warning", markup=False
            )
        return flow

    def action_run(self) -> None:
        flow = self._flow_or_warn()
        if flow is not None:
            self._track(self.runner.start(flow))

    def _source_run(self, verb: str) -> Any:
        flow = self._flow_or_warn()
        if flow is None:
            return None, None
        run = self.store.latest_for(flow.name)
        handle = self._handle(run)
        if handle is None:
            self.notify(
                f"No run of {flow.name} to {verb} yet: press {self.key_for('run')} to run it",
                severity="warning",
                markup=False,
            )
            return None, None
        if not handle.done:
            self.notify(
                f"Run #{handle.number} is still running: "
                f"press {self.key_for('cancel')} to cancel it first",
                severity="warning",
                markup=False,
            )
            return None, None
        return flow, handle

    def action_rerun_failed(self) -> None:
        flow, handle = self._source_run("rerun")
        if handle is None:
            return
        if handle.state is StateType.COMPLETED:
            self.notify(f"Run #{handle.number} of {flow.name} has nothing to rerun", markup=False)
            return
        self._track(self.runner.rerun_failed(handle, flow=flow))

    def action_rerun_task(self) -> None:
        flow, handle = self._source_run("rerun")
        key = self.table.cursor_key
        if handle is None or key is None:
            return
        if flow.node(key) is None:
            self.notify(f"Task {key} is no longer in {flow.name}", severity="warning", markup=False)
            return
        self._track(self.runner.rerun_task(handle, key, flow=flow))

    def action_cancel(self) -> None:
        self._sync_selection()
        handle = self._handle(self.table.run)
        if handle is None or handle.done:
            self.notify("Nothing is running here", severity="warning", markup=False)
            return
        from flowtop.tui.screens.confirm import ConfirmScreen

        def confirmed(yes: bool | None) -> None:
            if yes:
                handle.cancel()

        self.push_screen(
            ConfirmScreen(f"Cancel run #{handle.number} of {handle.flow.name}?"), confirmed
        )

    def _awaiting(self, verb: str) -> tuple[Any, str | None]:
        self._sync_selection()
        row = self._selected_row()
        handle = self._handle(self.table.run)
        if row is None or handle is None or row.state is not StateType.AWAITING_RETRY:
            self.notify(
                f"{verb} works on a task awaiting retry (⟳)", severity="warning", markup=False
            )
            return None, None
        return handle, row.key

    def action_retry_now(self) -> None:
        handle, key = self._awaiting("Retry now")
        if handle is not None and not handle.retry_now(key):
            self.notify(f"{key} is no longer awaiting a retry", severity="warning", markup=False)

    def action_give_up(self) -> None:
        handle, key = self._awaiting("Give up")
        if handle is not None and not handle.give_up(key):
            self.notify(f"{key} is no longer awaiting a retry", severity="warning", markup=False)

    def action_edit_retry(self) -> None:
        flow = self._flow_or_warn()
        key = self.table.cursor_key
        if flow is None or key is None:
            return
        from flowtop.tui.screens.retry_editor import RetryEditor

        flow_name: str = flow.name

        def done(saved: bool | None) -> None:
            if saved:
                self._policies_changed()
                run = self.store.latest_for(flow_name)
                if self.auto_rerun and run is not None and run.state is StateType.FAILED:
                    self.notify(
                        f"Auto-rerun is on: the failed tasks of {flow_name} rerun "
                        "as soon as the new settings load",
                        markup=False,
                    )

        self.push_screen(RetryEditor(self.workspace, flow_name, key), done)

    def _auto_rerun(self, name: str) -> None:
        run = self.store.latest_for(name)
        handle = self._handle(run)
        if run is None or run.state is not StateType.FAILED or name not in self.workspace.flows:
            return
        if handle is not None and handle.done:
            self._track(self.runner.rerun_failed(handle, flow=self.workspace.flows[name]))
            self.notify(f"Auto-rerun of failed tasks in {name}", markup=False)
