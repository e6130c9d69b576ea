"""What a saved file does to the screen: the watcher worker, the toast, the flows list.

The workspace reloads itself (``WorkspaceView.watch``); this mixin turns each reload
into what the user sees: a toast that says what changed or failed (a broken file never
takes the app down), the flows list and policies redrawn, and, with auto-rerun on, a
rerun of what failed in the flows that changed. An open retry editor is told too: the
settings it shows may be the ones just saved elsewhere.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import work

from flowtop.tui.messages import WatcherFailed, WorkspaceReloaded
from flowtop.tui.unread_settings import summary_said

if TYPE_CHECKING:
    from textual.app import App

    from flowtop.tui.model import RunModel
    from flowtop.tui.run_store import RunStore
    from flowtop.tui.widgets.flow_list import FlowList
    from flowtop.tui.widgets.task_table import TaskTable
    from flowtop.tui.workspace_view import Change, WorkspaceView

    # The checker sees the mixin as the App it is mixed into (notify, post_message, ...);
    # at run time it is a plain class, so it shadows none of the App's methods.
    _AppBase = App[int]
else:
    _AppBase = object


class ReloadActions(_AppBase):
    """Mixed into ``FlowtopApp``: uses its workspace, store, flows list and caches."""

    # Provided by FlowtopApp:
    workspace: WorkspaceView
    store: RunStore
    table: TaskTable
    flow_list: FlowList
    selected_flow: str | None
    selected_error: str | None
    auto_rerun: bool
    _stop_watch: asyncio.Event | None
    _previews: dict[str, RunModel]
    _policy_cache: dict[tuple[str, str], str]
    _children: dict[str, dict[str, list[str]]]

    if TYPE_CHECKING:  # FlowtopApp's own methods (and other mixins') a reload calls

        def _apply_keymap(self) -> None: ...

        def _show_flows(self) -> None: ...

        def _errors(self) -> dict[str, object]: ...

        def _select_flow(self, name: str) -> None: ...

        def _select_error(self, key: str) -> None: ...

        def _run_for(self, name: str) -> RunModel | None: ...

        def _policies_changed(self) -> None: ...

        def _auto_rerun(self, name: str) -> None: ...

    @work(exclusive=True, group="watch", exit_on_error=False)
    async def _watch_workspace(self) -> None:
        assert self._stop_watch is not None
        try:
            async for change in self.workspace.watch(self._stop_watch):
                self.post_message(WorkspaceReloaded(change))
        except Exception as exc:  # noqa: BLE001 - reload stops; the app keeps running
            self.post_message(WatcherFailed(exc))

    def on_workspace_reloaded(self, message: WorkspaceReloaded) -> None:
        self.apply_change(message.change)

    def on_watcher_failed(self, message: WatcherFailed) -> None:
        self.notify(
            f"File watching stopped: {message.error}", severity="error", markup=False, timeout=10
        )

    def apply_change(self, change: Change) -> None:
        """After a reload: toast, flows list, policies; optionally rerun what failed."""
        errors = list(change.errors)
        summary = summary_said(change)  # a file this user may not read: whose, what to ask
        self.notify(
            summary,
            severity="error" if errors else "information",
            markup=False,
            timeout=6 if errors else 3,
        )
        self._previews.clear()
        self._policy_cache.clear()
        self._children.clear()
        self._apply_keymap()
        self._show_flows()
        if self.selected_error is not None and self.selected_error in self._errors():
            # Shown again: the file's new error (the pane kept the old one, and the table
            # switched to the flow selected before it, under the file's header).
            self._select_error(self.selected_error)
        elif self.selected_error is not None:
            name = self.selected_flow or next(iter(self.workspace.shapes), None)
            if name is not None:
                self.flow_list.select_flow(name)
                self._select_flow(name)
        elif self.selected_flow is not None and self.selected_flow in self.workspace.shapes:
            if self.store.latest_for(self.selected_flow) is None:
                self.table.show_run(self._run_for(self.selected_flow))
            self._policies_changed()
        if self.auto_rerun and not errors:
            for name in self._changed_flows(change):
                self._auto_rerun(name)
        if len(self.screen_stack) > 1:  # an editor's settings may be stale now
            from flowtop.tui.screens.retry_editor import RetryEditor  # as `e` imports it

            for screen in self.screen_stack:
                if isinstance(screen, RetryEditor):
                    screen.settings_reloaded()

    def _changed_flows(self, change: Change) -> list[str]:
        return list(change.flows) or ([self.selected_flow] if self.selected_flow else [])
