"""Hot reload: one ``watchfiles.awatch`` over the workspace folder.

The folder holds the flow modules, their helpers, ``flowtop.toml`` and
``.flowtop/overrides.toml``, so one watcher sees every file that matters. It watches the
workspace's own folders, each without recursion, and never follows a symlink out of the
workspace (a link to ``/usr`` would cost thousands of inotify watches, a link to ``/``
would stop hot reload); a folder created later is added by restarting the watch, and so
is the folder of a symlinked ``.py`` file's target (``link_targets``: a save there is a
save of the link). The
debounce is 50 ms instead of watchfiles' 1.6 s: an editor's save is one burst of events a
few milliseconds long, and the user is waiting to see the table change. The reload runs
in a thread so a slow module import never freezes the event loop (and the TUI with it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from watchfiles import Change

from .link_targets import as_links, linked_files, target_folders
from .places import OVERRIDES_FILE, STATE_DIR

if TYPE_CHECKING:
    from .changes import WorkspaceChanged


class Reloadable(Protocol):
    """What the watcher needs of a workspace: where it is, and a reload per batch."""

    @property
    def root(self) -> Path: ...

    @property
    def state_dir(self) -> Path: ...

    def reload_paths(self, paths: Iterable[str | os.PathLike[str]]) -> WorkspaceChanged: ...


DEBOUNCE_MS = 50
STEP_MS = 20
#: Pauses before watching again after a watched folder vanished (and, in the monitor,
#: after any failure of the watch): doubled per failure in a row, so a build loop that
#: creates and deletes folders, or a watch that cannot start, is not a busy loop.
RETRY_FIRST = 0.2
RETRY_MAX = 5.0
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
            return parts == (STATE_DIR, OVERRIDES_FILE)
        if name.endswith(".toml") and parts != ("flowtop.toml",):
            return False  # only the two settings files matter; pyproject.toml & co don't
        return not any(part in IGNORED_DIRS or part.startswith(".") for part in folders)


def _real_folder(path: Path) -> bool:
    try:
        return path.is_dir() and not path.is_symlink()
    except OSError:
        return False


def _listable(path: Path) -> bool:
    """Whether this user may list ``path``: a watch on one it may not (another user's
    database folder, mode 700) failed the whole watch, and hot reload stopped for every
    file ("File watching stopped: Permission denied")."""
    return os.access(path, os.R_OK | os.X_OK)


def _skipped_folder(name: str) -> bool:
    return name in IGNORED_DIRS or (name.startswith(".") and name != STATE_DIR)


def _virtualenv(path: Path) -> bool:
    """Whether ``path`` is a virtualenv, whatever its name (``env/``): thousands of
    installed folders, watched one by one, and restarted on each ``pip install``."""
    return (path / "pyvenv.cfg").is_file()


def watched_folders(root: Path) -> list[Path]:
    """The workspace's own folders: the root, ``.flowtop/`` and every real subfolder that
    is not a cache, hidden or a virtualenv and that this user may list; symlinked folders
    are not followed."""
    folders = [root]
    for dirpath, dirnames, _ in os.walk(root, followlinks=False):
        here = Path(dirpath)
        if here != root and here.name == STATE_DIR:
            dirnames[:] = []  # only overrides.toml matters in .flowtop/
            continue
        dirnames[:] = [
            d
            for d in dirnames
            if not _skipped_folder(d)
            and _real_folder(here / d)
            and _listable(here / d)
            and not _virtualenv(here / d)
        ]
        folders.extend(here / d for d in dirnames)
    return folders


def _new_folders(root: Path, changes: Iterable[tuple[Change, str]]) -> list[Path]:
    found = []
    for change, raw in changes:
        path = Path(raw)
        if change != Change.added or not _real_folder(path):
            continue
        try:
            parts = path.relative_to(root).parts
        except ValueError:
            continue
        if (
            parts
            and not any(_skipped_folder(part) for part in parts)
            and STATE_DIR not in parts[:-1]
        ):
            found.append(path)
    return found


def _python_files(folders: Iterable[Path]) -> list[Path]:
    """Files that appeared with new folders before the watch on them started."""
    files: list[Path] = []
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
            dirnames[:] = [d for d in dirnames if not _skipped_folder(d)]
            files.extend(Path(dirpath) / f for f in filenames if f.endswith(".py"))
    return files


async def watch(
    workspace: Reloadable,
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
    root = workspace.root
    wanted = WatchFilter(root)

    links: dict[Path, tuple[Path, ...]] = {}  # symlinked .py files' targets -> the links

    def passes(change: Change, path: str) -> bool:  # saves that matter, and new folders
        return (
            wanted(change, path)
            or bool(as_links(links, Path(path)))
            or (change == Change.added and _real_folder(Path(path)))
        )

    pending: list[Path] = []
    backoff = RETRY_FIRST
    first = True
    while True:
        if first:  # at once: a save right after the monitor opened is seen
            folders = watched_folders(root)
            links = linked_files(folders)
        else:  # on a thread: a tree of thousands of folders (a data lake's partitions)
            # took seconds, on the monitor's event loop, at each new folder
            folders = await asyncio.to_thread(watched_folders, root)
            links = await asyncio.to_thread(linked_files, folders)
        first, restart = False, False
        if pending:  # files of folders created while the watch was being renewed
            if (change := await _reload(workspace, pending)) is not None:
                yield change
            pending = []
        batches = awatch(
            *folders,
            *target_folders(links, folders),
            watch_filter=passes,
            debounce=debounce,
            step=step,
            stop_event=stop_event,
            force_polling=force_polling,
            recursive=False,
        )
        try:
            while True:
                try:
                    changes = await anext(batches)
                except StopAsyncIteration:
                    break
                except (OSError, RuntimeError) as exc:
                    if not _vanished(exc) or not _real_folder(root):
                        raise
                    # A folder listed a moment ago is gone (a build folder, a venv being
                    # reinstalled): watch what is there now, after a short pause.
                    await _pause(stop_event, backoff)
                    backoff = min(backoff * 2, RETRY_MAX)
                    restart = True
                    break
                backoff = RETRY_FIRST  # a batch arrived: this watch works
                created = _new_folders(root, changes)
                paths = sorted(
                    {Path(path) for change, path in changes if wanted(change, path)}
                    | {link for _, path in changes for link in as_links(links, Path(path))}
                )
                if created:
                    pending = await asyncio.to_thread(_python_files, created)
                    restart = True
                elif paths and await asyncio.to_thread(linked_files, folders) != links:
                    restart = True  # a link added, moved or removed
                if paths and (change := await _reload(workspace, paths)) is not None:
                    yield change
                if restart:
                    break
        finally:
            await batches.aclose()  # its inotify watches go now, not when collected
        if not restart or _stopped(stop_event):
            return


def _vanished(exc: BaseException) -> bool:
    """Whether a watch failed because a path it was given is gone: ``FileNotFoundError``
    when the watch starts, watchfiles' "No such file or directory" when it runs."""
    return isinstance(exc, FileNotFoundError) or "No such file or directory" in str(exc)


def _stopped(stop_event: Any) -> bool:
    return stop_event is not None and bool(stop_event.is_set())


async def _pause(stop_event: Any, seconds: float) -> None:
    """Wait ``seconds``, or less when ``stop_event`` (an ``asyncio.Event``) is set."""
    if isinstance(stop_event, asyncio.Event):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop_event.wait(), seconds)
    else:
        await asyncio.sleep(seconds)


async def _reload(workspace: Reloadable, paths: list[Path]) -> WorkspaceChanged | None:
    """Reload on a thread (a slow import never freezes the event loop); None when user code
    raised ``CancelledError`` through the reload: hot reload goes on."""
    try:
        return await asyncio.to_thread(workspace.reload_paths, paths)
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise  # this watcher is being cancelled
        return None
