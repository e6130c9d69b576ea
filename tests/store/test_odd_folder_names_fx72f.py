"""A workspace folder whose name is not ASCII (``my flows ü ✓``) under an ASCII locale
(``LC_ALL=C PYTHONUTF8=0``, which the README names), or is not UTF-8 at all (``lat\\xe9
dir``), records its runs, and ``history``, ``run --detach``, ``cancel`` and ``watch``
work in it. The store's open checked the file SQLite opened by the name SQLite gave it
(``PRAGMA database_list``), decoded: not UTF-8, SQLite's text could not be read ("Could
not decode to UTF-8 column 'file'", exit 2); not ASCII, ``os.stat`` of it could not encode
it in the C locale (a traceback, exit 1)."""

from __future__ import annotations

import os
import sqlite3
import textwrap
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.workspace.store_errors import store_file

from .conftest import STORE_ENV, WAITING, flowtop

QUICK = """
    from flowtop import Flow, task

    @task
    def one():
        return 1

    with Flow("quick") as flow:
        one()
"""

#: The C locale, with Python's UTF-8 mode off: the file system encoding is ASCII.
ASCII = {**STORE_ENV, "LC_ALL": "C", "PYTHONUTF8": "0"}
#: The name of a folder that is no UTF-8 text: byte 0xe9 (Latin-1's é), as Python names it.
LATIN_1 = os.fsdecode(b"lat\xe9 dir")


@pytest.mark.parametrize(
    ("name", "env"),
    [("my flows ü ✓", ASCII), (LATIN_1, STORE_ENV), (LATIN_1, ASCII)],
    ids=["not-ascii-in-c-locale", "not-utf8", "not-utf8-in-c-locale"],
)
def test_a_folder_of_any_name_records_its_runs(
    tmp_path: Path, name: str, env: dict[str, str]
) -> None:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "quick.py").write_text(textwrap.dedent(QUICK))
    (folder / "waiting.py").write_text(textwrap.dedent(WAITING))

    ran = flowtop("run", str(folder), "--flow", "quick", env=env)
    assert ran.returncode == 0, ran.stderr
    assert "Traceback" not in ran.stderr
    assert "COMPLETED" in ran.stdout

    shown = flowtop("history", str(folder), env=env)
    assert shown.returncode == 0, shown.stderr
    assert "quick" in shown.stdout and "COMPLETED" in shown.stdout

    detached = flowtop("run", str(folder), "--flow", "waiting", "--detach", env=env)
    assert detached.returncode == 0, detached.stderr
    run_id = detached.stdout.strip()
    assert run_id, detached.stdout

    cancelled = flowtop("cancel", str(folder), run_id, env=env)
    assert cancelled.returncode == 0, cancelled.stderr
    assert cancelled.stdout.startswith("Cancelled run #1 of waiting"), cancelled.stdout

    watched = flowtop("watch", str(folder), run_id, env=env)
    assert watched.returncode == 1, watched.stderr  # (its run ended cancelled)
    assert "cancelled by the user" in watched.stdout, watched.stdout  # (started or not yet)

    after = flowtop("history", str(folder), env=env)
    assert after.returncode == 0, after.stderr
    assert "CANCELLED" in after.stdout, after.stdout


def test_the_store_file_of_a_folder_not_utf8_is_its_path(tmp_path: Path) -> None:
    folder = tmp_path / LATIN_1
    folder.mkdir()
    with closing(sqlite3.connect(folder / "history.db")) as conn:
        assert store_file(conn) == folder / "history.db"
    with closing(sqlite3.connect(":memory:")) as conn:
        assert store_file(conn) is None
