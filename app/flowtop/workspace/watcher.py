"""Hot reload: one ``watchfiles.awatch`` over the workspace folder.

The folder holds the flow modules, their helpers, ``flowtop.toml`` and
``.flowtop/overrides.toml``, so one watcher sees every file that matters. It watches the
folders where a save can matter (``watch_scope``: the workspace folder, ``.flowtop/``, and
the subfolders an ``import`` can reach, not a data tree's ``year=2024/`` partitions), each
without recursion, and never follows a symlink out of the workspace (a link to ``/usr``
would cost thousands of inotify watches, a link to ``/`` would stop hot reload); a folder
created later is added by restarting the watch, and so is the folder of a symlinked
``.py`` file's or settings file's target (``link_targets``: a save there is a save of the
link). A folder watchfiles cannot watch (its path is no UTF-8: ``lat\xe9 dir/``) is
looked at every ``POLL_EVERY`` seconds instead (``_polled``).

Between two watches none is on: while a new folder is added, during the pause after a
watched folder vanished (``RETRY_FIRST`` .. ``RETRY_MAX``), and, in the monitor, after a
failed watch until its next ``watch`` call. A save then had no watch to see it, and its
flow stayed stale until the next save. So the watcher keeps each watched file's stamp (its
modification time, size, inode) as last seen, and once a watch is on compares: the files
changed, added or deleted meanwhile are reloaded (those of a folder just added too).

The debounce is 50 ms instead of watchfiles' 1.6 s: an editor's save is one burst of
events a few milliseconds long, and the user is waiting to see the table change. The
reload runs in a thread so a slow module import never freezes the event loop (and the
TUI with it), and the batches saved while it runs are read meanwhile (``reloads_meanwhile``:
a file that hangs at import holds no other file's reload back in the monitor).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import weakref
from collections.abc import AsyncIterator, Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from watchfiles import Change

from .link_targets import as_links, linked_files, target_folders
from .places import COPIES_FILE, OVERRIDES_FILE, SETTINGS_FILE, STATE_DIR
from .reloads_meanwhile import Batch, Watching, reloads
from .watch_scope import IGNORED_DIRS, new_folders, real_folder, to_watch
from .watch_scope import watched_folders as watched_folders  # (tests replace it here)

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
#: Seconds between two looks at the files where watchfiles cannot watch (``_polled``).
POLL_EVERY = 0.5


class WatchFilter:
    """Pass ``.py`` saves and the two settings files; drop caches, editor swap/backup files.
    Also ``.flowtop/task_copies.json``: a run recorded the ``with_options`` copies it called
    (``task_copies``), which the flows' policies follow, said by no toast."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __call__(self, change: Change, path: str) -> bool:
        name = Path(path).name
        if name == COPIES_FILE:
            return Path(path).parent == self.root / STATE_DIR
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
        if name.endswith(".toml") and parts != (SETTINGS_FILE,):
            return False  # only the two settings files matter; pyproject.toml & co don't
        return not any(part in IGNORED_DIRS or part.startswith(".") for part in folders)


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
    settings = (root / SETTINGS_FILE, workspace.state_dir / OVERRIDES_FILE)

    def linked(folders: list[Path]) -> dict[Path, tuple[Path, ...]]:
        return linked_files(folders, settings)

    def reopened(change: Change, path: str) -> bool:
        """``.flowtop`` itself changed (``chmod 700`` after a ``chmod 000``): the settings
        file in it, unread while it was closed, is read again (its own stamp is as it was)."""
        return change == Change.modified and Path(path) == workspace.state_dir

    def passes(change: Change, path: str) -> bool:  # saves that matter, and new folders
        return (
            wanted(change, path)
            or bool(as_links(links, Path(path)))
            or (change == Change.added and to_watch(root, Path(path)))
            or reopened(change, path)
        )

    # The first walk at once: a save right after the monitor opened is seen.
    folders = watched_folders(root)
    links = linked(folders)
    seen = _last_seen(workspace, lambda: _known(file_stamps(folders, wanted)))
    backoff = RETRY_FIRST
    first = True
    while True:
        if not first:  # on a thread: a big package tree takes a while, and the monitor
            # waits on this event loop
            folders = await asyncio.to_thread(watched_folders, root)
            links = await asyncio.to_thread(linked, folders)
        first, restart = False, False
        targets = target_folders(links, folders)
        if not _utf8([*folders, *targets]):  # watchfiles cannot take them: look instead
            async for change in _polled(workspace, stop_event, seen, wanted):
                yield change
            return
        halt = _Halt(stop_event)
        batches = awatch(
            *folders,
            *targets,
            watch_filter=passes,
            debounce=debounce,
            step=step,
            stop_event=halt,
            force_polling=force_polling,
            recursive=False,
        )

        async def take(
            changes: set[tuple[Change, str]],
            links: dict[Path, tuple[Path, ...]] = links,  # (this watch's)
            folders: list[Path] = folders,
        ) -> tuple[list[Path], bool]:
            """A batch's files to reload (noted as seen now), and whether the watch
            starts again for it (a new folder, a link added, moved or removed)."""
            paths = sorted(
                {Path(path) for change, path in changes if wanted(change, path)}
                | {link for _, path in changes for link in as_links(links, Path(path))}
                | {settings[1] for change, path in changes if reopened(change, path)}
            )
            _restamp(seen, paths)  # before the reload: a save during it is new again
            if new_folders(root, changes):
                return paths, True  # its files are caught up with once it is watched
            return paths, bool(paths) and await asyncio.to_thread(linked, folders) != links

        watching = Watching(partial(_next_batch, batches), take, partial(_stopped, stop_event))
        watching.arriving = watching.ask()
        try:
            await asyncio.sleep(0)  # the watch is on once that task took its first step
            if not watching.arriving.done():  # (done: it failed to start, said below)
                missed = await asyncio.to_thread(_catch_up, seen, folders, wanted)
                if missed:
                    async for change in reloads(workspace, missed, watching, _reload):
                        yield change
                restart = watching.restart
            while not restart:
                batch, watching.arriving = watching.arriving, None
                if batch is None:
                    batch = watching.ask()
                try:
                    changes = await batch
                except StopAsyncIteration:
                    break
                except Exception as exc:  # noqa: BLE001 - raised as itself unless renewed
                    failure = _unwrapped(exc)  # (awatch's task group wraps it)
                    if not _renewable(failure, root):
                        raise failure from None
                    # A folder listed a moment ago is gone (a build folder, a venv being
                    # reinstalled), or a file's name is no UTF-8 (``_undecodable``): watch
                    # what is there now, after a short pause; what is saved meanwhile, and
                    # the batch the failure lost, are caught up with then.
                    await _pause(stop_event, backoff)
                    backoff = min(backoff * 2, RETRY_MAX)
                    restart = True
                    break
                backoff = RETRY_FIRST  # a batch arrived: this watch works
                paths, restart = await take(changes)
                watching.restart = restart
                if any(change == Change.deleted for change, _ in changes):
                    paths = await watching.rewritten(paths)  # (then a save anew?)
                if paths:  # (and the batches saved meanwhile: ``reloads_meanwhile``)
                    async for change in reloads(workspace, paths, watching, _reload):
                        yield change
                restart = watching.restart
        finally:
            halt.set()  # its watch thread returns within a step
            arriving = watching.arriving
            if arriving is not None:  # closed while it waited: how it ends matters no more
                await asyncio.wait({arriving})
                if not arriving.cancelled():  # read, so asyncio never logs "exception
                    arriving.exception()  # was never retrieved" for a watch we ended
            await batches.aclose()  # its inotify watches go now, not when collected
        if not restart or _stopped(stop_event):
            return


def _utf8(paths: Iterable[Path]) -> bool:
    """Whether watchfiles can watch each of ``paths``: it hands them to its Rust side as
    UTF-8 text (``lat\xe9 dir/``, a Latin-1 name, failed the watch with "'utf-8' codec
    can't encode … surrogates not allowed", polling too), and names each change by a path
    that must be UTF-8 (``_undecodable``)."""
    try:
        for path in paths:
            str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def _polled(
    workspace: Reloadable, stop_event: Any, seen: dict[Path, Stamp], wanted: WatchFilter
) -> AsyncIterator[WorkspaceChanged]:
    """Hot reload where watchfiles cannot watch (``_utf8``): every ``POLL_EVERY`` seconds
    the watched folders' files are compared with ``seen`` (the catch-up a watch makes
    when it starts), and those changed, added or deleted reloaded, until ``stop_event``."""
    # No batch is read beside a reload (``restart``): the next look sees what it saved.
    watching = Watching(_no_batch, _no_take, partial(_stopped, stop_event))
    watching.restart = True
    root = workspace.root
    while not _stopped(stop_event):
        folders = await asyncio.to_thread(watched_folders, root)
        missed = await asyncio.to_thread(_catch_up, seen, folders, wanted)
        if missed:
            async for change in reloads(workspace, missed, watching, _reload):
                yield change
        await _pause(stop_event, POLL_EVERY)


def _no_batch() -> asyncio.Future[Batch]:
    raise AssertionError("no batch is asked for while polling")  # pragma: no cover


async def _no_take(batch: Batch) -> tuple[list[Path], bool]:
    raise AssertionError("no batch is taken while polling")  # pragma: no cover


def _next_batch(batches: AsyncIterator[set[tuple[Change, str]]]) -> asyncio.Future[Batch]:
    """The next batch of ``batches``, as it arrives."""
    return asyncio.ensure_future(anext(batches))


class _Halt(asyncio.Event):
    """The stop event one ``awatch`` is given: set when the caller's ``stop_event`` is, or
    when this watcher ends that watch. (``awatch`` sets the event it was given when it is
    cancelled: given the caller's, ending one watch would have stopped the next ones.)"""

    def __init__(self, stop_event: Any) -> None:
        super().__init__()
        self.stop_event = stop_event

    def is_set(self) -> bool:
        return super().is_set() or _stopped(self.stop_event)


#: What a watch knows of a file: its modification time, size and inode (an editor that
#: saves by renaming a new file over it gives a new inode); a symlink's are its target's.
Stamp = tuple[int, int, int]

#: What each workspace's watches have seen, kept from one ``watch`` call to the next: the
#: monitor starts a failed watch again with a new call, and what was saved while none
#: watched must reload then. Weak: a workspace closed and dropped takes its entry along.
_SEEN: weakref.WeakKeyDictionary[Reloadable, dict[Path, Stamp]] = weakref.WeakKeyDictionary()


def _last_seen(
    workspace: Reloadable, current: Callable[[], dict[Path, Stamp]]
) -> dict[Path, Stamp]:
    """What the last watch of ``workspace`` saw, or, for its first watch, what its first
    load was about to import (``stamp_before_load``) or else the ``current`` stamps."""
    try:
        seen = _SEEN.get(workspace)
    except TypeError:  # a workspace that cannot be a weak key: nothing carried over
        return current()
    if seen is None:
        seen = current()
        with contextlib.suppress(TypeError):
            _SEEN[workspace] = seen
    return seen


def stamp_before_load(workspace: Reloadable) -> dict[Path, Stamp]:
    """Note the files as the monitor's first load is about to import them: what the
    workspace's first watch compares with (``_last_seen``), returned. That watch starts
    once the load is in; stamped then, a file deleted or saved while the load imported it
    was no change, and its flows stayed as the load left them (a deleted file's listed and
    runnable, never ``(gone)``). A workspace watched or stamped before keeps what it has."""
    root = workspace.root
    wanted = WatchFilter(root)
    return _last_seen(workspace, lambda: _known(file_stamps(watched_folders(root), wanted)))


def saved_since(seen: dict[Path, Stamp], paths: Iterable[Path]) -> dict[Path, Stamp]:
    """Of ``paths`` in ``seen`` (``stamp_before_load``'s), those saved or deleted since,
    each with the stamp it had there, and noted in ``seen`` as they are now: the load that
    asks drops its import of them, and imports them anew (the watch, once on, does not
    reload them again; ``seen.update`` of what this returned undoes it)."""
    saved = {path: seen[path] for path in paths if path in seen and _stamp(path) != seen[path]}
    _restamp(seen, saved)
    return saved


def restamped(root: Path, seen: dict[Path, Stamp]) -> dict[Path, Stamp | None]:
    """Every watched file of ``root`` noted in ``seen`` as it is now: a first load asked
    again of a fresh host (``reload_beside.LoadWatch``) imports them as they are now (a
    file renamed meanwhile: its new name too), and the watch, once on, reloads none of
    them again. Those changed, each with the stamp it had there (None: it had none)."""
    before = dict(seen)
    _brought_up(seen, file_stamps(watched_folders(root), WatchFilter(root)))
    return {
        path: before.get(path) for path in {*before, *seen} if before.get(path) != seen.get(path)
    }


def stamp_of(path: Path) -> Stamp | None:
    """``path``'s stamp now (``_stamp``): to tell whether it was saved since."""
    return _stamp(path)


def _stamp(path: Path) -> Stamp | None:
    """``path``'s stamp; None for a folder or no file. A named pipe, a broken symlink or
    a symlink loop has one too (the link's own): the flows list shows such a file with
    ``✗``, and one deleted while no watch was on stayed listed for good."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        try:
            st = os.lstat(path)  # a link to nothing, or to itself
        except (OSError, ValueError):
            return None
    if stat.S_ISDIR(st.st_mode):
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def file_stamps(folders: Iterable[Path], wanted: WatchFilter) -> dict[Path, Stamp | None]:
    """The files a watch of ``folders`` reloads (those ``wanted`` passes directly in them,
    symlinked ones too), by path; a folder that could not be listed (though there) maps to
    None: what its files are now is unknown, not gone."""
    stamps: dict[Path, Stamp | None] = {}
    for folder in folders:
        try:
            names = [entry.path for entry in os.scandir(folder)]
        except (FileNotFoundError, NotADirectoryError):
            continue  # gone, and its files with it
        except OSError:
            stamps[folder] = None  # (too many open files, an I/O error)
            continue
        for name in names:
            if wanted(Change.modified, name) and (stamp := _stamp(Path(name))) is not None:
                stamps[Path(name)] = stamp
    return stamps


def _catch_up(seen: dict[Path, Stamp], folders: Iterable[Path], wanted: WatchFilter) -> list[Path]:
    """The files added, changed or deleted since ``seen`` was true (while no watch was on,
    or in a folder not watched until now); ``seen`` is brought up to date."""
    return _brought_up(seen, file_stamps(folders, wanted))


def _brought_up(seen: dict[Path, Stamp], now: dict[Path, Stamp | None]) -> list[Path]:
    """``_catch_up`` with the stamps ``now`` (a folder not listed: None)."""
    unknown = {folder for folder, stamp in now.items() if stamp is None}
    # as it was: no reload saying it is gone
    now.update({path: stamp for path, stamp in seen.items() if path.parent in unknown})
    missed = sorted(path for path in seen.keys() | now.keys() if seen.get(path) != now.get(path))
    seen.clear()
    seen.update(_known(now))
    return missed


def _known(stamps: dict[Path, Stamp | None]) -> dict[Path, Stamp]:
    return {path: stamp for path, stamp in stamps.items() if stamp is not None}


def _restamp(seen: dict[Path, Stamp], paths: Iterable[Path]) -> None:
    """Note ``paths`` as they are now, about to be reloaded (a deleted one forgotten)."""
    for path in paths:
        stamp = _stamp(path)
        if stamp is None:
            seen.pop(path, None)
        else:
            seen[path] = stamp


def _unwrapped(exc: Exception) -> Exception:
    """What ended a watch: ``awatch`` runs its thread in a task group, whose
    ``ExceptionGroup`` said only "unhandled errors in a TaskGroup (1 sub-exception)"."""
    while isinstance(exc, ExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _renewable(failure: Exception, root: Path) -> bool:
    """Whether a new watch goes on where ``failure`` ended one, with the workspace folder
    still there: a watched folder vanished, or a batch named a file whose name is no
    UTF-8."""
    return (_vanished(failure) or _undecodable(failure)) and real_folder(root)


def _undecodable(exc: BaseException) -> bool:
    """Whether watchfiles failed on a file name that is not UTF-8 (``touch $'bad\\xff.py'``):
    its ``Unable to decode path "…/bad\\xFF.py" to string`` loses that whole batch, and the
    watch with it. The new watch's catch-up reloads the batch's files (the loader reads such
    a name, shown as ``bad\\xff.py``); hot reload went off and on at each such save."""
    return isinstance(exc, RuntimeError) and str(exc).startswith("Unable to decode path")


def _vanished(exc: BaseException) -> bool:
    """Whether a watch failed because a path it was given is gone: ``FileNotFoundError``
    when the watch starts, watchfiles' "No such file or directory" when it runs."""
    return isinstance(exc, FileNotFoundError) or (
        isinstance(exc, OSError | RuntimeError) and "No such file or directory" in str(exc)
    )


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
