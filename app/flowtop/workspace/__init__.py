"""The workspace: flow files loaded robustly, hot reload, layered settings, run history.

Nothing here imports Textual; the TUI and the CLI both drive :class:`Workspace`.
"""

from .loader import LoadError
from .settings import Settings, SettingsError
from .workspace import Workspace, WorkspaceChanged

__all__ = ["LoadError", "Settings", "SettingsError", "Workspace", "WorkspaceChanged"]
