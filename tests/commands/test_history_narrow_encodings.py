"""``flowtop history``'s table keeps its columns on a stdout that is not UTF-8.

A flow named ``データ処理`` reaches an ASCII stdout (``LC_ALL=C`` on a terminal,
``PYTHONIOENCODING=ascii``) as ``?????``, five cells, while its column was padded for
the ten its own characters take: every cell after it on that row stood five cells left
of its column.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flowtop.printable import PrintableStream, as_written

APP = Path(__file__).resolve().parents[2] / "app"

FLOWS = {
    "wide.py": """
        from flowtop import Flow, task

        @task
        def one() -> int:
            return 1

        with Flow("データ処理") as flow:
            one()
    """,
    "plain.py": """
        from flowtop import Flow, task

        @task
        def two() -> int:
            return 2

        with Flow("etl") as flow:
            two()
    """,
}


def stream(encoding: str, errors: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors=errors)


@pytest.mark.parametrize(
    ("encoding", "errors", "shown"),
    [
        ("utf-8", "strict", "データ処理"),
        ("ascii", "replace", "?????"),
        ("latin-1", "replace", "?????"),
        ("ascii", "strict", "\\u30c7\\u30fc\\u30bf\\u51e6\\u7406"),  # written escaped then
    ],
)
def test_text_is_measured_as_the_stream_writes_it(encoding: str, errors: str, shown: str) -> None:
    assert as_written("データ処理", stream(encoding, errors)) == shown
    assert as_written("データ処理", PrintableStream(stream(encoding, errors))) == shown


def test_text_the_stream_keeps_is_left_as_it_is() -> None:
    assert as_written("café", stream("latin-1", "replace")) == "café"
    assert as_written("plain", stream("ascii", "strict")) == "plain"


def test_the_history_table_keeps_its_columns_on_an_ascii_stdout(tmp_path: Path) -> None:
    for name, body in FLOWS.items():
        (tmp_path / name).write_text(textwrap.dedent(body))
    env = {**os.environ, "PYTHONPATH": str(APP), "PYTHONIOENCODING": "ascii"}
    ran = subprocess.run(
        [sys.executable, "-m", "flowtop", "run", "."],
        cwd=tmp_path,
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr
    table = subprocess.run(
        [sys.executable, "-m", "flowtop", "history", "."],
        cwd=tmp_path,
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert table.returncode == 0, table.stderr
    header, *rows = table.stdout.decode("ascii").splitlines()
    assert sorted(row.split()[0] for row in rows) == ["?????", "etl"], rows
    number, state = header.index("#"), header.index("STATE")
    assert [(row[number], row[state : state + 10]) for row in rows] == [("1", "COMPLETED ")] * 2, (
        header,
        rows,
    )
