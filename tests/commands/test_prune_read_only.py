"""``flowtop history --prune`` of a store it cannot write says that pruning needs write access.

On a read-only mount it said "cannot use the run store (attempt to write a readonly
database); a run needs write access to … (flowtop history and watch only read it)": the
words of a run refused, for a command that started none. Now the prune is refused by
name, with the store's path and what is in the way, before ``--prune 0`` asks anything.

The mount is real where one can be made (``test_read_only_dead_runs.mount``); the file
system's answers are stood in for otherwise, as ``tests/workspace/test_readonly_mount``
does.
"""

from __future__ import annotations

import argparse
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.commands import history
from workspace.test_readonly_mount import read_only_mount

from .test_read_only_dead_runs import FLOW, flowtop, mount

__all__ = ["mount"]  # (a fixture: used by name)


def prune_args(path: Path, keep: int, *, as_json: bool = False) -> argparse.Namespace:
    """``flowtop history PATH --prune KEEP``, as the command line parses it."""
    return argparse.Namespace(
        path=str(path), json=as_json, run=None, flow=None, prune=keep, limit=50
    )


def refusal(db: Path, mounted: Path) -> str:
    """What the prune says of the store ``db`` on the read-only mount ``mounted``."""
    return (
        f"flowtop history: {db}: cannot prune the run store: pruning needs write access "
        f"to {db.parent} and its files (flowtop history without --prune only reads it): "
        f".flowtop/history.db is on a read-only file system (mount point {mounted})"
    )


def runs_in(db: Path) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT count(*) FROM runs").fetchone()[0])


@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_pruning_a_store_on_a_read_only_mount_says_pruning_needs_write_access(
    mount: tuple[Path, Path], as_json: bool
) -> None:
    source, mounted = mount
    (source / "etl.py").write_text(FLOW)
    made = flowtop("run", ".", cwd=source)
    assert made.returncode == 0, made.stderr
    store = mounted / ".flowtop" / "history.db"

    done = flowtop("history", ".", "--prune", "0", *(["--json"] * as_json), cwd=mounted)

    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == refusal(store, mounted)
    assert "a run needs" not in done.stderr
    assert done.stdout == ""
    assert runs_in(source / ".flowtop" / "history.db") == 1


@pytest.fixture
def stood_in_mount(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path/mnt`` with a store of one run, then answered for as a read-only mount."""
    mount = tmp_path / "mnt"
    mount.mkdir()
    (mount / "etl.py").write_text(FLOW)
    made = flowtop("run", ".", cwd=mount)
    assert made.returncode == 0, made.stderr
    read_only_mount(mount, tmp_path, monkeypatch)
    return mount


def test_a_prune_refused_write_access_is_said_before_prune_0_asks(
    stood_in_mount: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """At a terminal, ``--prune 0`` asks first: not a question whose yes cannot be done."""
    db = stood_in_mount / ".flowtop" / "history.db"
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)

    def asked(prompt: str = "") -> str:
        raise AssertionError(f"asked {prompt!r} of a prune that cannot be done")

    monkeypatch.setattr("builtins.input", asked)
    monkeypatch.chdir(stood_in_mount)  # (the file is said from here, as in the other test)

    code = history.main(prune_args(Path("."), 0))

    assert code == 2
    assert capsys.readouterr().err.strip() == refusal(db, stood_in_mount)
    assert runs_in(db) == 1  # (here SQLite could have written it: nothing was tried)
