"""Hot reload: one ``watchfiles.awatch`` over the workspace folder.

The folder holds the flow modules, their helpers, ``flowtop.toml`` and
``.flowtop/overrides.toml``, so one recursive watcher sees every file that matters. The
debounce is 50 ms instead of watchfiles' 1.6 s: an editor's save is one burst of events a
few milliseconds long, and the user is waiting to see the table change. The reload runs
in a thread so a slow module import never freezes the event loop (and the TUI with it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from watchfiles import Change

if TYPE_CHECKING:
    from .workspace import Workspace, WorkspaceChanged

DEBOUNCE_MS = 50
STEP_MS = 20
IGNORED_DIRS = frozenset(
    {
        "__pycache__",
        "node_modules",
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        ".idea",
        ".vscode",
    }
)
STATE_DIR = ".flowtop"


class WatchFilter:
    """Pass ``.py`` saves and the two settings files; drop caches, editor swap/backup files."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __call__(self, change: Change, path: str) -> bool:
        name = Path(path).name
        if (
            not name.endswith((".py", ".toml"))
            or name.startswith((".#", "#"))
            or name.endswith("~")
        ):
            return False
        try:
            parts = Path(path).relative_to(self.root).parts
        except ValueError:
            return False
        folders = parts[:-1]
        if folders[:1] == (STATE_DIR,):
            return parts == (STATE_DIR, "overrides.toml")
        if name.endswith(".toml") and parts != ("flowtop.toml",):
            return False  # only the two settings files matter; pyproject.toml & co don't
        return not any(part in IGNORED_DIRS or part.startswith(".") for part in folders)


async def watch(
    workspace: Workspace,
    stop_event: Any = None,
    *,
    debounce: int = DEBOUNCE_MS,
    step: int = STEP_MS,
    force_polling: bool | None = None,
) -> AsyncIterator[WorkspaceChanged]:
    """Reload on every batch of saves and yield what changed, until ``stop_event`` is set."""
    from watchfiles import awatch

    # inotify misses files created in a folder that appears after the watch started.
    with contextlib.suppress(OSError):
        workspace.state_dir.mkdir(exist_ok=True)
    async for changes in awatch(
        workspace.root,
        watch_filter=WatchFilter(workspace.root),
        debounce=debounce,
        step=step,
        stop_event=stop_event,
        force_polling=force_polling,
    ):
        paths = sorted({Path(path) for _, path in changes})
        try:
            change = await asyncio.to_thread(workspace.reload_paths, paths)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # this watcher is being cancelled
            continue  # raised by user code in the reload thread: hot reload goes on
        yield change
