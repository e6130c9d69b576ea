"""``flowtop history --prune`` on a (nearly) full disk: done whole, or refused untouched.

With a few hundred KB free, a prune took the runs' ``runs`` rows, then failed to delete
the rest of their rows (4 MB chunks, zeroed through the WAL), said so in three lines and
exited 0: the runs gone, and not a byte of the space it was run for. With less than an
SQLite write needs it did the same, half done.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

import fork_cli
from flowtop.workspace.history import History

from .conftest import env
from .test_full_disk_s45 import fill

RUNS, KEEP = 6, 2


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``where``; skips where that is not allowed."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small tmpfs: a real full disk")
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def make_store(db: Path) -> None:
    """``RUNS`` finished runs of one flow, about 600 KB of step log each (hex of random bytes)."""
    db.parent.mkdir()
    History(db).close()  # the current schema
    with closing(sqlite3.connect(db, isolation_level=None)) as raw:
        raw.execute("BEGIN")
        for number in range(1, RUNS + 1):
            run_id = f"run{number:09d}"
            raw.execute(
                "INSERT INTO runs(run_id, flow, number, state, started, finished) "
                "VALUES (?, 'big', ?, 'COMPLETED', ?, ?)",
                (run_id, number, float(number), number + 0.5),
            )
            raw.execute("INSERT INTO run_numbers VALUES ('big', ?)", (number,))
            for step in range(3):
                body = f'["x","{run_id}",{step},"{os.urandom(100_000).hex()}"]'
                raw.execute("INSERT INTO events(run_id, body) VALUES (?, ?)", (run_id, body))
        raw.execute("COMMIT")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def rows(db: Path) -> dict[str, int]:
    """The store's runs and events rows (its integrity checked first)."""
    with closing(sqlite3.connect(db)) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return {
            table: raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("runs", "events")
        }


def prune_with_free(tmp_path: Path, leave: int) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``flowtop history --prune KEEP`` on a store whose disk has about ``leave`` bytes
    free; the command's outcome and the store (read with the disk's room given back)."""
    disk = tmp_path / "disk"
    with tmpfs(disk, "16m"):
        db = disk / ".flowtop" / "history.db"
        make_store(db)
        fill(disk, leave)
        done = fork_cli.run(
            ["history", str(disk), "--prune", str(KEEP)],
            env=env(),
            timeout=120,
        )
        (disk / "filler").unlink()
        kept = tmp_path / "kept.db"
        with closing(sqlite3.connect(db)) as raw, closing(sqlite3.connect(kept)) as copy:
            raw.backup(copy)
    return done, kept


def test_a_prune_with_no_room_to_write_is_refused_in_one_line_the_store_untouched(
    tmp_path: Path,
) -> None:
    done, kept = prune_with_free(tmp_path, 60 * 1024)
    assert done.returncode == 2, done
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert "cannot prune the run store (nothing was pruned: the disk is full" in line
    assert "free some space" in line
    assert rows(kept) == {"runs": RUNS, "events": 3 * RUNS}


def test_a_prune_on_a_nearly_full_disk_deletes_every_row_of_the_runs_it_removes(
    tmp_path: Path,
) -> None:
    done, kept = prune_with_free(tmp_path, 400 * 1024)
    assert done.returncode == 0, done
    assert f"Removed {RUNS - KEEP} runs" in done.stdout
    assert "next prune" not in done.stderr  # nothing left for it: not half done
    assert rows(kept) == {"runs": KEEP, "events": 3 * KEEP}
