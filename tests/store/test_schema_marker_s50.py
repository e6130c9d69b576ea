"""A store whose schema version marker was set by hand (``PRAGMA user_version``): a
negative one printed a ``KeyError: 0`` traceback from ``flowtop run`` and ``watch``, and
the monitor said ``Cannot run flows: 0``; a current store marked older (a backup's marker)
failed to migrate again ("table result_batches already exists") and was said to be the
file system's fault. Now the one is named as no store, in one line, and the other is
migrated forward again, its runs kept."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from .conftest import flowtop

FLOW = """
from flowtop import Flow, task

@task
def extract():
    return 1

with Flow("etl") as flow:
    extract()
"""


def mark(store: Path, version: int) -> None:
    with closing(sqlite3.connect(store)) as conn:
        conn.execute(f"PRAGMA user_version = {version}")
        conn.commit()


def test_a_negative_schema_version_is_said_in_one_line_by_each_command(ws) -> None:
    folder = ws(etl=FLOW)
    assert flowtop("run", ".", cwd=folder).returncode == 0
    mark(folder / ".flowtop" / "history.db", -1)
    for command in (("run", "."), ("watch", ".", "1"), ("history", ".")):
        done = flowtop(*command, cwd=folder, timeout=30)
        said = done.stderr.strip()
        assert "Traceback" not in said and "KeyError" not in said, (command, said)
        assert "not a flowtop run store (schema version -1)" in said, (command, said)
        assert done.returncode == 2, (command, done.returncode, said)


def test_a_store_marked_older_than_it_is_is_migrated_again_keeping_its_runs(ws) -> None:
    folder = ws(etl=FLOW)
    assert flowtop("run", ".", cwd=folder).returncode == 0
    mark(folder / ".flowtop" / "history.db", 5)
    again = flowtop("run", ".", cwd=folder)
    assert again.returncode == 0, again.stderr
    listed = flowtop("history", ".", cwd=folder).stdout
    assert [row.split()[1] for row in listed.splitlines()[1:]] == ["2", "1"], listed
