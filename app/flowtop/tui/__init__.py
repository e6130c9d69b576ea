"""The Textual app. Importing this package is cheap: Textual loads only in ``run_tui``.

``flowtop --help`` and ``flowtop run`` never pay for the UI; the engine and workspace
never import from here.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowtop.workspace.remote_workspace import RemoteWorkspace

    from .app import FlowtopApp


def run_tui(path: str, *, executor: str | None = None) -> int:
    """Open the TUI on a flow file or folder; return the exit status."""
    from flowtop.workspace.launch_gate import stops_wait_for_launches
    from flowtop.workspace.remote_workspace import RemoteWorkspace

    from .app import FlowtopApp
    from .terminal_reset import saved_terminal

    # Runs execute in processes of their own (``--executor`` goes to them); None means
    # ``[defaults] executor`` from flowtop.toml.
    options: dict[str, Any] = {"executor": executor} if executor is not None else {}
    # The flow files are imported by a flow host process, never here (issue 13).
    workspace = RemoteWorkspace(path)
    app = FlowtopApp(workspace, runner_options=options, load=True, run_processes=True)
    if sys.platform != "win32":  # a SIGCONT resumes it only after its own stop (ctrl+z)
        from .resume_guard import guard_resume

        guard_resume(app)
    # a hang-up as a run starts leaves it started; a kill leaves the terminal as it was,
    # and the run store closed as `q` closes it (no -wal nor -shm left by this reader)
    stops_wait_for_launches(saved_terminal(lambda: _close(app, workspace)))
    try:
        app.run()
    finally:
        stops_wait_for_launches()  # Textual put the terminal back: a kill leaves it be
        app.shutdown()
        workspace.close()
    return app.return_code or 0


def _close(app: FlowtopApp, workspace: RemoteWorkspace) -> None:
    """What ``q`` closes as the monitor ends, when SIGTERM or SIGHUP ends it."""
    app.shutdown()
    workspace.close()


__all__ = ["run_tui"]
