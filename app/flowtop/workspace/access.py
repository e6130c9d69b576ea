"""Why this user may not use a workspace's ``.flowtop`` (or a file in it), in one line.

A raw ``PermissionError`` named a file and nothing else: not that the folder is another
user's private one, nor whose it is, nor what to ask them. Each line here names the folder
or file that shuts this user out (the first on the way down from ``.flowtop``), its mode
and owner, and what to do: ask the owner to share it, or run from a copy.
"""

from __future__ import annotations

import errno
import grp
import os
import pwd
import stat
from pathlib import Path
from typing import NamedTuple

from .load_error import LoadError, display_path
from .places import STATE_DIR

#: What an owner runs to share a ``.flowtop`` with a group (README, "What is safe to share").
SHARE = "chmod 2770"
#: The mount table read for where a read-only file system is mounted (``read_only_mount``).
MOUNTS = "/proc/self/mountinfo"


def user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except (KeyError, OverflowError):
        return f"uid {uid}"


def group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except (KeyError, OverflowError):
        return f"gid {gid}"


def mode_and_owner(info: os.stat_result) -> str:
    """``drwxr-s--- alice:data``."""
    return f"{stat.filemode(info.st_mode)} {user_name(info.st_uid)}:{group_name(info.st_gid)}"


def _chain(path: Path) -> list[Path]:
    """The folders from the workspace's ``.flowtop`` down to ``path``, and ``path``
    (only ``path``'s folder and itself when no ``.flowtop`` is above it)."""
    parts = path.parts
    top = len(parts) - 2
    for index in range(len(parts) - 1, -1, -1):
        if parts[index] == STATE_DIR:
            top = index
            break
    return [Path(*parts[: i + 1]) for i in range(max(top, 0), len(parts))]


def _share_or_copy(shown: str) -> str:
    return f"share it with a group you are in ({SHARE} {shown}) or run from a copy of the workspace"


def _mode_allows(info: os.stat_result, bits: int) -> bool:
    """Whether ``info``'s mode gives this user ``bits`` (4 read, 2 write, 1 search): by
    its owner's, its group's or everyone's part, as the kernel picks one. Root is read as
    anyone: refused at all, it runs without the capabilities that pass over modes."""
    if info.st_uid == os.geteuid():
        part = info.st_mode >> 6
    elif info.st_gid == os.getegid() or info.st_gid in os.getgroups():
        part = info.st_mode >> 3
    else:
        part = info.st_mode
    return part & bits == bits


def _not_the_mode(path: Path, info: os.stat_result, bits: int, what: str) -> str | None:
    """Said when ``info``'s mode gives this user ``bits`` and ``path`` refuses ``what``
    all the same: no chmod helps (it advised ``chmod u+rw`` of a file whose mode was
    ``-rw-------``). An immutable or append-only attribute (``chattr +i``) or an ACL
    does it; None when the mode is what refuses."""
    if not _mode_allows(info, bits):
        return None
    shown = display_path(path)
    folder = " -d" if stat.S_ISDIR(info.st_mode) else ""
    return (
        f"{shown} refuses {what} though its mode allows it ({mode_and_owner(info)}): "
        f"see its attributes (lsattr{folder} {shown}: chattr -i "
        f"{shown} clears an immutable one) and its ACL (getfacl {shown})"
    )


def _closed(folder: Path, info: os.stat_result) -> str:
    shown = display_path(folder)
    if (otherwise := _not_the_mode(folder, info, 5, "to be opened")) is not None:
        return otherwise
    if info.st_uid == os.geteuid():
        return f"{shown} is closed even to you, its owner ({mode_and_owner(info)}): chmod u+rwx {shown}"
    owner = user_name(info.st_uid)
    return f"{shown} is private to {owner} ({stat.filemode(info.st_mode)}): ask them to {_share_or_copy(shown)}"


def _not_writable(folder: Path, info: os.stat_result) -> str:
    shown = display_path(folder)
    if (otherwise := _not_the_mode(folder, info, 3, "writes")) is not None:
        return otherwise
    if info.st_uid == os.geteuid():
        return f"{shown} is read-only ({mode_and_owner(info)}): chmod u+w {shown} to write there"
    owner = user_name(info.st_uid)
    return f"{shown} is not writable by you ({mode_and_owner(info)}): ask {owner} to {_share_or_copy(shown)}"


def _not_open(file: Path, info: os.stat_result, write: bool) -> str:
    shown = display_path(file)
    how = "writable" if write else "readable"
    bits, what = (2, "writes") if write else (4, "reads")
    if (otherwise := _not_the_mode(file, info, bits, what)) is not None:
        return otherwise
    if info.st_uid == os.geteuid():
        return f"{shown} is not {how} even by you, its owner ({mode_and_owner(info)}): chmod u+rw {shown}"
    owner = user_name(info.st_uid)
    try:
        folder = os.stat(file.parent)
    except OSError:
        folder = info
    chgrp = f"chgrp {group_name(folder.st_gid)} {shown}; " if folder.st_gid != info.st_gid else ""
    return (
        f"{shown} is {owner}'s and not {how} by you ({mode_and_owner(info)}): ask {owner} to share it "
        f"({chgrp}chmod g+rw {shown})"
    )


def read_only_mount(path: Path) -> Path | None:
    """Where the read-only file system that holds ``path`` (or, when it is missing, the
    nearest folder above it that exists) is mounted, else None. ``os.access`` calls such
    a file "not writable" as it calls one whose mode forbids it, and the chmod that
    advice suggested fails there the same way."""
    here = Path(os.path.abspath(path))
    while True:
        try:
            flags = os.statvfs(here).f_flag
            break
        except (FileNotFoundError, NotADirectoryError):
            if here.parent == here:
                return None
            here = here.parent
        except OSError:  # a folder on the way this user may not look in: said as such
            return None
    return _mount_point(here) if flags & os.ST_RDONLY else None


def _mount_point(path: Path) -> Path:
    """The mount point ``path`` is under: the longest in the mount table that holds it
    (a bind mount has its source's device, so no walk up by ``st_dev`` finds it), else
    the topmost folder above it still on a read-only file system."""
    real = os.path.realpath(path)
    try:
        with open(MOUNTS, encoding="utf-8", errors="surrogateescape") as table:
            points = [_unescape(line.split()[4]) for line in table if len(line.split()) > 4]
    except OSError:
        points = []
    under = [p for p in points if real == p or real.startswith(p.rstrip("/") + "/")]
    if under:
        return Path(max(under, key=len))
    top = Path(real)
    try:
        while top.parent != top and os.statvfs(top.parent).f_flag & os.ST_RDONLY:
            top = top.parent
    except OSError:  # a folder above this user may not look in: the mount is below it
        pass
    return top


def _unescape(field: str) -> str:
    """A mountinfo path: spaces, tabs, newlines and backslashes are octal escapes there."""
    for code in ("\\040", "\\011", "\\012", "\\134"):
        field = field.replace(code, chr(int(code[1:], 8)))
    return field


def _read_only_fs(path: Path) -> str | None:
    """``path`` is on a read-only file system, said with where it is mounted: no mode
    change helps (remount it writable, or run from a writable copy)."""
    mount = read_only_mount(path)
    if mount is None:
        return None
    return f"{display_path(path)} is on a read-only file system (mount point {mount})"


def blocked(path: Path, *, write: bool = False) -> str | None:
    """Why this user cannot read ``path`` (``write``: change it, or make it when it is
    missing), said for the first folder or file that shuts them out on the way down from
    the workspace's ``.flowtop``, or for the read-only file system it is on; None when
    the modes let them (or cannot tell)."""
    if write and (read_only := _read_only_fs(path)) is not None:
        return read_only
    chain = _chain(path)
    for index, here in enumerate(chain):
        try:
            info = os.stat(here)
        except FileNotFoundError:  # to be made in the folder before it
            if write:
                folder = chain[index - 1] if index else here.parent
                if os.path.isdir(folder) and not os.access(folder, os.W_OK):
                    return _not_writable(folder, os.stat(folder))
            return None
        except OSError:  # the folder above shuts this user out
            above = here.parent
            if index == 0 and os.path.isdir(above) and not os.access(above, os.X_OK):
                return _closed(above, os.stat(above))
            return None
        last = index == len(chain) - 1
        if stat.S_ISDIR(info.st_mode):
            if not os.access(here, os.X_OK) or (last and not os.access(here, os.R_OK)):
                return _closed(here, info)
            if last and write and not os.access(here, os.W_OK):
                return _not_writable(here, info)
        elif last and not os.access(here, os.W_OK if write else os.R_OK):
            return _not_open(here, info, write)
    return None


def explain(exc: OSError, path: Path, *, write: bool = False) -> str:
    """``exc``, raised using ``path``, as one line saying why and what to do."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return blocked(path, write=write) or f"{display_path(path)}: permission denied"
    if exc.errno == errno.EROFS:
        return _read_only_fs(path) or f"{display_path(path)} is on a read-only file system"
    return f"{display_path(path)}: {exc.strerror or exc}"


def refused(exc: BaseException) -> str | None:
    """``exc`` as ``explain`` says it when it refused this user a file it names (a store
    it may not open: ``[Errno 13] Permission denied: '…/history.db'``), else None."""
    if isinstance(exc, PermissionError) and exc.filename:
        return explain(exc, Path(os.fsdecode(exc.filename)))
    return None


def unreachable(path: Path) -> str | None:
    """Why ``path`` cannot even be looked at (a folder on the way is another user's
    private one), else None: ``Path.exists`` raised ``PermissionError`` there."""
    try:
        os.stat(path)
    except PermissionError as exc:
        return explain(exc, path)
    except OSError:
        return None
    return None


class Unread(NamedTuple):
    """Why ``overrides.toml`` cannot be read, and whether that stops a command."""

    line: str
    stops: bool


def unread_overrides(path: Path) -> Unread | None:
    """Why this user cannot read the overrides file ``path`` (None when they can, or when
    it does not exist). In another user's private ``.flowtop`` (the user cannot look in)
    they are that user's: said, and flowtop.toml's settings apply (``list``, a
    ``--no-history`` run; a recorded run fails on the store, saying the same). A file this
    user may not read in a ``.flowtop`` they may use is part of the settings every run of
    the workspace takes: running without it would retry differently, so it stops the
    command, naming its owner and what to ask."""
    try:
        os.stat(path)
    except PermissionError as exc:
        shown = display_path(path)
        return Unread(
            f"{shown} is not read (flowtop.toml's settings apply): {explain(exc, path)}", False
        )
    except OSError:
        return None
    why = blocked(path)
    if why is None:
        return None
    return Unread(f"{display_path(path)}: cannot read settings: {why}", True)


def unread_settings(error: LoadError) -> str | None:
    """The line ``unread_overrides`` says for ``error``, when it is the workspace's error
    of a settings file this user may not read (``cannot read settings: [Errno 13]
    Permission denied: '…'``, which names no owner and asks nothing), else None."""
    if not error.message.startswith("cannot read settings: "):
        return None
    unread = unread_overrides(error.path)
    return None if unread is None else unread.line
