"""A store on a read-only mount is said to be on one, with no chmod advice.

``os.access`` calls a file on a read-only file system "not writable" as it calls one whose
mode forbids it, so ``flowtop run`` advised ``chmod u+rw …/history.db`` (and a new
workspace ``chmod u+w flows``), which fails there with "Read-only file system". (A mount
in a test is impractical: ``os.statvfs`` and the mount table are stood in for.)
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from flowtop.workspace import access
from flowtop.workspace.access import blocked, explain
from flowtop.workspace.store_errors import store_advice


@pytest.fixture
def mounted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path/mnt``, a workspace on a read-only file system mounted there."""
    mount = tmp_path / "mnt"
    store = mount / "flows" / ".flowtop"
    store.mkdir(parents=True)
    (store / "history.db").write_bytes(b"")
    read_only_mount(mount, tmp_path, monkeypatch)
    return mount


def read_only_mount(mount: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``mount`` read as a read-only file system mounted there (``statvfs``,
    ``access`` and the mount table say so), as it would on a real ``ro`` mount."""
    real_statvfs, real_access = os.statvfs, os.access

    class ReadOnly:
        def __init__(self, result: os.statvfs_result) -> None:
            self.f_flag = result.f_flag | os.ST_RDONLY

    def statvfs(path: Any) -> Any:
        result = real_statvfs(path)
        inside = os.path.realpath(path) + "/"
        return ReadOnly(result) if inside.startswith(f"{mount}/") else result

    def access_(path: Any, mode: int, **kwargs: Any) -> bool:
        inside = os.path.realpath(path) + "/"
        if mode & os.W_OK and inside.startswith(f"{mount}/"):
            return False  # as os.access answers there, even root
        return real_access(path, mode, **kwargs)

    table = tmp_path / "mountinfo"
    table.write_text(
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
        f"99 22 8:1 {tmp_path}/src {mount} ro,relatime shared:1 - ext4 /dev/sda1 rw\n"
    )
    monkeypatch.setattr(os, "statvfs", statvfs)
    monkeypatch.setattr(os, "access", access_)
    monkeypatch.setattr(access, "MOUNTS", str(table), raising=False)  # (absent before)


def test_a_run_on_a_read_only_mount_is_told_so_not_to_chmod(mounted: Path) -> None:
    db = mounted / "flows" / ".flowtop" / "history.db"
    advice = store_advice(
        sqlite3.OperationalError("unable to open database file"), db, writing=True
    )
    assert f"is on a read-only file system (mount point {mounted})" in advice
    assert "chmod" not in advice


def test_a_new_workspace_on_a_read_only_mount_is_told_so(mounted: Path) -> None:
    """``.flowtop`` is still to be made: the nearest folder that exists tells."""
    missing = mounted / "other" / ".flowtop" / "history.db"
    said = blocked(missing, write=True)
    assert said is not None and "chmod" not in said
    assert said.endswith(f"is on a read-only file system (mount point {mounted})")
    erofs = OSError(errno.EROFS, "Read-only file system")
    assert explain(erofs, missing.parent, write=True).endswith(f"(mount point {mounted})")


def test_reading_a_read_only_mount_is_not_blocked(mounted: Path) -> None:
    assert blocked(mounted / "flows" / ".flowtop" / "history.db") is None


def test_a_writable_file_system_is_not_called_read_only(tmp_path: Path) -> None:
    from flowtop.workspace.access import read_only_mount

    assert read_only_mount(tmp_path) is None
    assert read_only_mount(tmp_path / "not" / "there") is None


def test_a_mount_point_with_a_space_is_read_from_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mount table escapes a space as ``\\040``."""
    from flowtop.workspace.access import read_only_mount

    spaced = tmp_path / "my data"
    spaced.mkdir()
    table = tmp_path / "mountinfo"
    escaped = str(spaced).replace(" ", "\\040")
    table.write_text(f"99 1 8:1 / {escaped} ro - ext4 /dev/sda1 ro\n")
    monkeypatch.setattr(access, "MOUNTS", str(table))
    monkeypatch.setattr(os, "statvfs", lambda path: type("R", (), {"f_flag": os.ST_RDONLY}))
    assert read_only_mount(spaced / "flows") == spaced
