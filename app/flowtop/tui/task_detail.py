"""The highlighted task in the detail pane: its policy (the next run's, and a live run's
own when a mid-run edit made them differ), its upstream and downstream tasks, and what
it waits for.

Kept apart from the app's wiring (``app.py``) and from the selection of a flow
(``flow_selection``): this answers what the pane and the policy column say of one task.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowtop.printable import printable
from flowtop.tui.code_rows import edited_mid_run, policy_cell

if TYPE_CHECKING:
    from textual.app import App

    from flowtop.tui.clock import Clock
    from flowtop.tui.model import TaskRow
    from flowtop.tui.widgets.detail_pane import DetailPane
    from flowtop.tui.widgets.task_table import TaskTable
    from flowtop.tui.workspace_view import WorkspaceView
    from flowtop.workspace.flow_shapes import PolicyView

    # The checker sees the mixin as the App it is mixed into; at run time it is a plain
    # class, so it shadows none of the App's methods.
    _AppBase = App[int]
else:
    _AppBase = object


class TaskDetail(_AppBase):
    """Mixed into ``FlowtopApp``: uses its workspace, table, detail pane and caches."""

    # Provided by FlowtopApp:
    workspace: WorkspaceView
    table: TaskTable
    detail: DetailPane
    clock: Clock
    selected_flow: str | None
    selected_error: str | None
    _policy_cache: dict[tuple[str, str], str]
    _children: dict[str, dict[str, list[str]]]  # flow -> task -> downstream

    def _selected_row(self) -> TaskRow | None:
        run, key = self.table.run, self.table.cursor_key
        return run.rows.get(key) if run is not None and key is not None else None

    def _policy(self, key: str) -> PolicyView | None:
        """The next run's policy of ``key``; None when not known: a ``with_options`` copy
        its latest run called that cannot be rebuilt shows that run's own, not a guess."""
        flow = self.workspace.shapes.get(self.selected_flow or "")
        node = flow.node(key) if flow is not None and key not in flow.unpredicted else None
        return node.policy if node is not None else None

    def _policy_summary(self, row: TaskRow) -> str:
        """The policy the next run would use (after reloads and edits; cached per task),
        after a live run's own when that differs (``policy_cell``)."""
        cache_key = (self.selected_flow or "", row.key)
        text = self._policy_cache.get(cache_key)
        if text is None:
            policy = self._policy(row.key)
            text = self._policy_cache[cache_key] = printable(
                policy.summary if policy is not None else row.policy
            )
        run = self.table.run
        return policy_cell(row, text, live=run is not None and run.shows_own_policy)

    def _policies_changed(self) -> None:
        """After the editor saved or a reload: the policy cells and the pane again."""
        self._policy_cache.clear()
        self.table.policies_changed()
        self._update_detail()

    def _update_detail(self) -> None:
        if self.selected_error is not None:
            return
        row = self._selected_row()
        policy = self._policy(row.key) if row is not None else None
        described = (  # class and function names in a policy come from user code
            {k: (printable(v), layer) for k, (v, layer) in policy.layers.items()}
            if policy is not None
            else None
        )
        run = self.table.run
        this_run = (  # the run's own policy, when a mid-run edit made the next's differ
            edited_mid_run(row, printable(policy.summary), live=run.shows_own_policy)
            if row is not None and policy is not None and run is not None
            else ""
        )
        links = self._links(row.key) if row is not None else None
        waiting = ""
        if run is not None and row is not None:
            waiting = run.waiting_for(row.key, links[0] if links else (), self.clock())
        self.detail.show_task(
            row,
            described,
            self.clock(),
            links,
            run.error if run is not None else None,
            run.output if run is not None else "",
            waiting,
            all_busy=run is not None and run.all_busy,
            this_run=this_run,
        )

    def _links(self, key: str) -> tuple[list[str], list[str]] | None:
        """The task's upstream and downstream keys in the selected flow (as loaded now),
        or for a @flow's call, in the run shown (its calls link up as its function runs)."""
        flow = self.workspace.shapes.get(self.selected_flow or "")
        node = flow.node(key) if flow is not None else None
        if flow is None or node is None:
            return None
        if flow.dynamic:
            run = self.table.run
            return run.call_links(key) if run is not None else None
        children = self._children.get(flow.name)
        if children is None:  # once per flow and reload: a 100k-task flow is one pass
            children = self._children[flow.name] = {}
            for other in flow.nodes.values():
                for up in other.upstream:
                    children.setdefault(up, []).append(other.key)
        return list(node.upstream), children.get(key, [])

    def on_task_table_highlighted(self, event: TaskTable.Highlighted) -> None:
        self._update_detail()
