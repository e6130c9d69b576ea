"""The retry editor on its own, for its tests: in a host app over a real workspace, and
what its fields, lines and saves show.

Each editor test file had its own copy of these (``test_screens``, the session 49 ones);
a real ``Workspace`` for them comes from the ``load_workspace`` fixture (``conftest.py``).
"""

from __future__ import annotations

import tomllib
from typing import Any

from textual.app import App
from textual.widget import Widget
from textual.widgets import Input, Static

from flowtop.tui.screens import RetryEditor
from flowtop.tui.workspace_view import WorkspaceView
from flowtop.workspace import Workspace

from .snapshot_apps import HostApp


def editor_app(workspace: WorkspaceView, flow: str, task: str) -> HostApp:
    """The retry editor of ``flow``'s ``task``, alone in an app that records its result."""
    return HostApp(lambda: RetryEditor(workspace, flow, task))


def editor_field(app: App[Any], name: str) -> Input:
    """The input of setting ``name`` (``max_retries``, ``retry_jitter_factor``, …)."""
    return app.screen.query_one(f"#field-{name}", Input)


def shown(app: App[Any], widget_id: str) -> str:
    """The text of line ``widget_id`` (an error, a layer, a note); "" while it is hidden."""
    widget = app.screen.query_one(f"#{widget_id}", Static)
    return str(widget.render()) if widget.display else ""


def saved_overrides(workspace: Workspace) -> dict[str, Any]:
    """The workspace's overrides file as read back; {} while there is none."""
    path = workspace.overrides_path
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def drawn_whole(app: Any, widget: Widget) -> bool:
    """Whether each row of ``widget`` is on screen: inside the fields' rows shown, under
    no other widget."""
    fields = app.screen.query_one("#fields").scrollable_content_region
    region = widget.region
    if region.height == 0 or not fields.contains_region(region):
        return False
    rows = range(region.y, region.bottom)
    return all(app.screen.get_widget_at(region.x, y)[0] is widget for y in rows)
