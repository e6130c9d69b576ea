"""Writing ``.flowtop/overrides.toml``: the only settings file flowtop ever writes.

The TUI's retry editor changes one task's table; every other table in the file is kept.
The new content goes to a temporary file in the same folder, is flushed and fsynced, and
replaces the old file with ``os.replace``, so a crash leaves either the old file or the
new one, never half of one. The temporary name does not end in ``.toml``, so the watcher
only sees the final rename.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Imported with this module, before any flow folder is first on sys.path: a helper
# `tomli_w.py` in a flows folder would otherwise be what the retry editor imports.
import tomli_w

from .access import explain
from .load_error import LoadError, display_path
from .private import FolderError, file_mode, open_private, private_folder, take_permissions
from .settings import SettingsError, SettingsFileError, parse_settings
from .settings_state import settings_text
from .settings_toml import read_settings_toml

HEADER = (
    "# Written by flowtop's retry editor. Highest settings layer: it beats flowtop.toml\n"
    "# and @task arguments. Delete a table to drop that override.\n\n"
)


def has_comments(text: str) -> bool:
    """Whether TOML ``text`` holds a comment besides the ``HEADER`` flowtop writes: a save
    rewrites the file with tomli-w, which keeps none (nor quoting or list layout), so the
    editor says so. A ``#`` inside a string (``"a#b"``, a multi-line one) is no comment."""
    text = text.removeprefix(HEADER)
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "#":
            return True
        if char in "\"'":
            quote = char * 3 if text.startswith(char * 3, i) else char
            i += len(quote)
            while i < n and not text.startswith(quote, i):
                if char == '"' and text[i] == "\\":
                    i += 1  # an escaped character: \" does not end the string
                elif len(quote) == 1 and text[i] == "\n":
                    break  # an unclosed one-line string: tomllib refuses the file anyway
                i += 1
            i += len(quote)
            continue
        i += 1
    return False


def read_toml(path: Path) -> dict[str, Any]:
    """The file's tables, or an empty dict when it does not exist yet."""
    try:
        text = settings_text(path)  # (not 300 MB, nor a named pipe)
    except FileNotFoundError:
        return {}
    return read_settings_toml(text)


@dataclass(frozen=True, slots=True)
class OnDisk:
    """The file as a save reads it, under its lock, just before it rewrites it."""

    #: Its tables: none when it does not exist yet.
    data: dict[str, Any]
    #: It holds comments of someone's own (``has_comments``), which the rewrite drops.
    commented: bool = False
    #: Where it fails the settings check (None when it passes): it parses, but flowtop
    #: does not use it (its last good version applies), and a save over it kept the
    #: value at fault, said "Saved", and changed nothing.
    problem: LoadError | None = None


def read_for_rewrite(path: Path) -> OnDisk:
    """What a save reads (``OnDisk``); a file that does not parse raises
    ``tomllib.TOMLDecodeError``, one that cannot be read ``OSError``."""
    try:
        text = settings_text(path)  # (not 300 MB, nor a named pipe)
    except FileNotFoundError:
        return OnDisk({})
    try:
        data = read_settings_toml(text)
    except tomllib.TOMLDecodeError:  # a key set twice: by key and lines, as the workspace says
        problem = problem_of(path, text)
        if problem is not None and problem.message.endswith(" at end of file"):  # tomllib: no place
            said = problem.message.removeprefix("invalid TOML: ")
            raise tomllib.TOMLDecodeError(
                f"{said} (at line {problem.line}, column {problem.column})"
            ) from None
        if problem is None or problem.line is None or problem.message.startswith("invalid"):
            raise
        raise tomllib.TOMLDecodeError(f"line {problem.line}: {problem.message}") from None
    return OnDisk(data, has_comments(text), problem_of(path, text))


def problem_of(path: Path, text: str) -> LoadError | None:
    """Where ``text``, as the overrides file at ``path``, fails the check the workspace
    reads it with (``parse_settings``); None when flowtop would use it."""
    try:
        parse_settings(path, text, allow_defaults=False)
    except SettingsFileError as exc:
        return exc.error
    return None


def problem_after(path: Path, data: dict[str, Any]) -> LoadError | None:
    """Where the file would fail that check with ``data`` written in it (``problem_of``)."""
    return problem_of(path, HEADER + tomli_w.dumps(data))


def cannot_update(path: Path, why: str) -> SettingsError:
    """A save refused, for a file that cannot be read or does not parse (``why``)."""
    return SettingsError(f"{display_path(path)} cannot be updated: {why}; fix or delete it first")


def not_in_use(path: Path, problem: LoadError) -> SettingsError:
    """A save refused over a file that parses but fails the check (``OnDisk.problem``), as
    one that does not parse is: the form shows the last good settings, not the file's, and
    a save wrote the user's value beside the one at fault, said "Saved", and changed
    nothing (the last good version still applied)."""
    where = f"line {problem.line}: " if problem.line is not None else ""
    return cannot_update(path, f"{where}{problem.message}")


@dataclass(frozen=True, slots=True)
class OverridesSaved:
    """What a save of the file (``set_override``, ``clear_override``) did besides its
    tables, said by the workspace that rewrote it: the retry editor's toast says that
    the comments are gone. The editor read the file itself before, behind the
    workspace's back (with the flows in a flow host, of the TUI's process)."""

    #: The file held comments of someone's own, which the rewrite did not keep.
    comments_dropped: bool = False


#: A temporary file older than this was left by a writer that was killed: remove it.
STALE_TMP_SECONDS = 60.0


def write_toml_atomic(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` with ``data`` as TOML, atomically (``write_atomic``)."""
    write_atomic(path, (HEADER + tomli_w.dumps(data)).encode("utf-8"))


#: How long a writer waits for another process's hold on a file (a save takes milliseconds;
#: well within the time the TUI gives its flow host to answer, so the lock is what is said).
LOCK_WAIT = 2.0


@contextlib.contextmanager
def locked(lock_path: Path, busy: Callable[[str], Exception] = TimeoutError) -> Iterator[None]:
    """One reader-writer of a file at a time, across processes: two windows saving at
    once each read the other's change before writing their own. Raises ``busy(message)``
    when another process held it for ``LOCK_WAIT`` seconds (stopped mid-save): said,
    rather than a window frozen for good. A lock this user may not open is a
    ``FolderError`` saying whose it is."""
    try:
        # never through a link another member of a shared .flowtop put at its name
        lock = os.fdopen(open_private(lock_path, os.O_WRONLY | os.O_APPEND), "a")
    except FolderError:
        raise
    except OSError as exc:
        raise FolderError(
            f"cannot lock {lock_path}: {explain(exc, lock_path, write=True)}"
        ) from None
    with lock:
        try:
            import fcntl
        except ImportError:  # no flock here: a write may still race another process's
            yield
            return
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise busy(
                        f"{lock_path}: another flowtop process has held it for {LOCK_WAIT:g} s"
                    ) from None
                time.sleep(0.01)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_atomic(path: Path, payload: bytes) -> None:
    """Replace ``path`` with ``payload`` atomically and durably: a crash leaves the old file
    or the new one, never half of either. A new file takes the permissions of its folder
    (``private.py``: 0600 in a private ``.flowtop``); one that exists keeps its mode, and
    when another user owned it, gains the folder's too: its owner keeps their access to
    what is now this user's file. A folder this user may not write is a ``FolderError``.
    A symbolic link of this user's at ``path`` is written through: its target is replaced
    so, in its own folder (``own_link_target``)."""
    target = own_link_target(path)
    folder = private_folder(path.parent) if target is None else target.parent
    path = path if target is None else target
    _remove_stale_temporaries(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        mode = file_mode(folder)
    else:
        mode = stat.S_IMODE(info.st_mode)
        if info.st_uid != os.geteuid():
            mode |= file_mode(folder)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise FolderError(f"cannot write {path}: {explain(exc, folder, write=True)}") from None
    try:
        take_permissions(fd, folder)  # its group
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError, AttributeError):  # make the rename itself durable (POSIX)
        handle_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(handle_fd)
        finally:
            os.close(handle_fd)


def own_link_target(path: Path) -> Path | None:
    """Where a save of ``path`` goes when it is a symbolic link of this user's (a settings
    file kept in a dotfiles folder): its target, fully resolved (a new file, when the link
    is broken). Replaced by a plain file, the link was gone and its target never changed,
    with nothing said. Another user's link (any member of a shared ``.flowtop`` could put
    one there, to a file of yours) is replaced, never written through: None, as for a file."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid():
        return None
    return Path(os.path.realpath(path))


def with_task_values(
    data: dict[str, Any], flow: str, task: str, values: dict[str, Any]
) -> dict[str, Any]:
    """``data`` with one task table updated; a None value removes that key."""
    tasks = data.setdefault("flows", {}).setdefault(flow, {}).setdefault("tasks", {})
    table = tasks.setdefault(task, {})
    for key, value in values.items():
        if value is None:
            table.pop(key, None)
        else:
            table[key] = list(value) if isinstance(value, tuple) else value
    return prune(data, flow, task)


def has_task(data: dict[str, Any], flow: str, task: str) -> bool:
    """Whether the overrides ``data`` hold a table for the task."""
    return task in data.get("flows", {}).get(flow, {}).get("tasks", {})


def without_task(data: dict[str, Any], flow: str, task: str) -> dict[str, Any]:
    tasks = data.get("flows", {}).get(flow, {}).get("tasks", {})
    if isinstance(tasks, dict):
        tasks.pop(task, None)
    return prune(data, flow, task)


def prune(data: dict[str, Any], flow: str, task: str) -> dict[str, Any]:
    """Drop the task, flow and ``flows`` tables that became empty."""
    flows = data.get("flows", {})
    tasks = flows.get(flow, {}).get("tasks", {})
    if task in tasks and not tasks[task]:
        del tasks[task]
    if flow in flows and not flows[flow].get("tasks") and set(flows[flow]) <= {"tasks"}:
        del flows[flow]
    if "flows" in data and not data["flows"]:
        del data["flows"]
    return data


def _remove_stale_temporaries(path: Path) -> None:
    """Temporaries a killed writer left (``.overrides.toml.*.tmp``), once they are old."""
    now = time.time()
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            if now - stale.stat().st_mtime > STALE_TMP_SECONDS:
                stale.unlink()
