"""The workspace: flow files loaded robustly, hot reload, layered settings, run history.

Nothing here imports Textual; the CLI drives :class:`Workspace`, the TUI drives
:class:`RemoteWorkspace` (its flows live in a flow host process). The names load on first
use: a process that imports ``flowtop.workspace.remote_workspace`` must not import the
loader with it (the TUI never runs user code, issue 13).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .changes import WorkspaceChanged
    from .load_error import LoadError
    from .remote_workspace import RemoteWorkspace
    from .settings import Settings, SettingsError
    from .workspace import Workspace

_HOMES = {
    "LoadError": "load_error",
    "RemoteWorkspace": "remote_workspace",
    "Settings": "settings",
    "SettingsError": "settings",
    "Workspace": "workspace",
    "WorkspaceChanged": "changes",
}

__all__ = [
    "LoadError",
    "RemoteWorkspace",
    "Settings",
    "SettingsError",
    "Workspace",
    "WorkspaceChanged",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
