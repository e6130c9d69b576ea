"""Whose pickles flowtop reads back: a cached result is code that runs when read.

Unpickling runs whatever a pickle's ``__reduce__`` names, so, as ssh's StrictModes reads
no key file another user could change, a cached result is read only from a file no
stranger could have written: the store's folders, from its ``.flowtop`` down, and the
file itself are each

* not writable by every user (``chmod o-w``), and
* yours or root's; or made by a member of the group the ``.flowtop`` is shared with
  (group-writable, and of a group you are in: ``chmod 2770``, README "What is safe to
  share"), when that ``.flowtop`` is its owner's share and not one any user could have
  made (in a workspace folder writable by every user, such as ``/tmp``, only yours or
  root's counts).

The folders are opened one by one and each is checked as opened (``fstat``), then the
file: a folder or file swapped meanwhile is the one checked, not the one looked at first.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from ..printable import printable_name
from .access import group_name, mode_and_owner, user_name
from .load_error import display_path
from .places import STATE_DIR
from .store_links import STORE_FILES

_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
#: A named pipe in a result's place must not block the read: it is refused as opened.
_FILE = os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK


class Untrusted(ValueError):
    """A store folder or file that a user other than you (or root, or your group's
    members where the store is shared with it) could have written: its message names it,
    its mode and owner, and why."""


def yours(uid: int) -> bool:
    """Files of yours or root's: root may write anything of yours anyway."""
    return uid in (0, os.geteuid())


def everyone_writes(info: os.stat_result) -> bool:
    return bool(info.st_mode & stat.S_IWOTH)


def _your_groups() -> frozenset[int]:
    return frozenset({os.getegid(), *os.getgroups()})


def store_top(folder: Path) -> Path:
    """The ``.flowtop`` ``folder`` is (or is in); a store folder opened by path that is in
    none is its own top."""
    for here in (folder, *folder.parents):
        if here.name == STATE_DIR:
            return here
    return folder


class _Store:
    """Who may have written in a store, from its top folder's mode."""

    def __init__(self, top: Path, info: os.stat_result) -> None:
        self.top = top
        #: shared with a group you are in: what its members make there is theirs
        shared = bool(info.st_mode & stat.S_IWGRP)
        self.team = shared and info.st_gid in _your_groups()
        self.group = group_name(info.st_gid) if shared else None
        try:
            above = os.stat(top.parent)
        except OSError:
            above = None
        #: the workspace folder holding it, when every user may write in it (``/tmp``)
        self.open_above = above if above is not None and everyone_writes(above) else None

    def refusal(self, path: Path, info: os.stat_result) -> str | None:
        """Why ``path`` (``info``: what was opened of it) may not be read; None if it may."""
        shown = display_path(path)
        if everyone_writes(info):
            return f"{shown} is writable by every user ({mode_and_owner(info)}): chmod o-w {shown}"
        if yours(info.st_uid):
            return None
        owner = user_name(info.st_uid)
        if path == self.top and self.open_above is not None:
            return (
                f"{shown} is {owner}'s ({mode_and_owner(info)}), in {printable_name(str(path.parent))}, "
                f"which every user may write in ({stat.filemode(self.open_above.st_mode)}): "
                "anyone could have made it"
            )
        if self.team:
            return None
        if path == self.top:
            why = "not yours, and not shared with a group you are in"
        else:
            top = display_path(self.top)
            why = (
                f"in {top}, which is not shared with a group you are in"
                if self.group is None
                else f"in {top}, shared with group {self.group}, which you are not in"
            )
        return f"{shown} is {owner}'s ({mode_and_owner(info)}), {why}"


def _below(top: Path, path: Path) -> list[str]:
    return list(path.relative_to(top).parts) if path != top else []


def folder_refusal(folder: Path) -> str | None:
    """Why results may not be kept in, nor read from, the store folder ``folder`` (itself
    or a folder above it in its ``.flowtop``), else None; None too for one that does not
    exist yet (made private) or cannot be looked at (its use says why)."""
    top = store_top(folder)
    try:
        info = os.stat(top)
    except OSError:
        return None
    store = _Store(top, info)
    here = top
    for name in ["", *_below(top, folder)]:
        here = here / name if name else here
        try:
            info = os.stat(here)
        except OSError:
            return None
        why = store.refusal(here, info)
        if why is not None:
            return why
    return None


def store_refusal(path: Path) -> str | None:
    """Why the results stored in the run store ``path`` may not be read back, else None.

    They are pickles, as a cached result is, kept in the store's own tables: a stranger
    who can write the store file, or the write-ahead log beside it, where a rerun reads
    them (``-shm``, ``-journal`` too: SQLite takes pages from those), can make a rerun
    run code as you. Each file is judged as a cached result's is (``_Store.refusal``),
    after the folders above it (``folder_refusal``); the store's mode is not set by
    flowtop once made, so a ``chmod -R 777 .flowtop`` had left them open after the
    folder alone was put right."""
    why = folder_refusal(path.parent)
    if why is not None:
        return why
    top = store_top(path.parent)
    try:
        store = _Store(top, os.stat(top))
    except OSError:
        return None
    for suffix in STORE_FILES:
        part = path.with_name(f"{path.name}{suffix}")
        try:
            info = os.stat(part)
        except FileNotFoundError:
            continue
        why = store.refusal(part, info)
        if why is not None:
            return why
    return None


@contextlib.contextmanager
def _opened(path: str | Path, flags: int, folder: int | None = None) -> Iterator[int]:
    fd = os.open(path, flags, dir_fd=folder)
    try:
        yield fd
    finally:
        os.close(fd)


def read_trusted(file: Path) -> bytes | None:
    """``file``'s bytes (a file of a store folder), or None when it, or a folder on the
    way, does not exist. ``Untrusted`` when it or a folder of its store above it may not
    be read (see the module's docstring); ``OSError`` when it cannot be."""
    top = store_top(file.parent)
    names = _below(top, file)
    try:
        with contextlib.ExitStack() as stack:
            fd = stack.enter_context(_opened(top, _FOLDER))
            store = _Store(top, os.fstat(fd))
            here = top
            _check(store, here, os.fstat(fd))
            for name in names[:-1]:
                fd = stack.enter_context(_opened(name, _FOLDER, fd))
                here = here / name
                _check(store, here, os.fstat(fd))
            fd = stack.enter_context(_opened(names[-1], _FILE, fd))
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise Untrusted(f"{display_path(file)} is not a regular file")
            _check(store, file, info)
            with os.fdopen(os.dup(fd), "rb") as opened:
                return opened.read()
    except FileNotFoundError:
        return None


def _check(store: _Store, path: Path, info: os.stat_result) -> None:
    why = store.refusal(path, info)
    if why is not None:
        raise Untrusted(why)
