"""A lone surrogate in a ``@flow`` parameter: the run is recorded, shown and rerun.

``-p name=$'\\xff'`` (bytes that are not UTF-8 reach Python as ``\\udcff``) or
``"\\ud800"`` in ``--params``: the parameters' JSON held the raw character, SQLite
refused the run's row, and the run went unrecorded (``flowtop run`` exited 1, its history
row INTERRUPTED). Its human output and ``flowtop history`` then raised
``UnicodeEncodeError``, and ``--detach`` could not even start its process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flowtop.workspace.store_reader import StoreReader

from .conftest import env, flowtop, json_lines, wait_until

HELLO = """
    from flowtop import flow, task

    @task
    def greet(name):
        return name

    @flow
    def hello(name: str = "x"):
        return greet(name)
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "hello.py").write_text(textwrap.dedent(HELLO))
    return tmp_path


def stored(folder: Path) -> list[tuple[str, dict[str, object]]]:
    reader = StoreReader(folder / ".flowtop" / "history.db")
    return [(run.state, dict(run.parameters)) for run in reader.runs()]


def test_a_parameter_from_bytes_that_are_not_utf8_is_recorded(folder: Path) -> None:
    # argv as bytes, as a shell passes $'\xff': Python reads it as "\udcff"
    done = subprocess.run(
        [sys.executable, "-m", "flowtop", "run", "hello.py", "-p", b"name=\xff", "--json"],
        cwd=folder,
        capture_output=True,
        env=env(),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"not recorded" not in done.stderr and b"Traceback" not in done.stderr
    assert json_lines(done.stdout.decode())[0]["parameters"] == {"name": "\udcff"}
    assert stored(folder) == [("COMPLETED", {"name": "\udcff"})]


def test_a_lone_surrogate_in_params_is_recorded_shown_and_rerun(folder: Path) -> None:
    done = flowtop("run", "hello.py", "--params", '{"name": "\\ud800"}', cwd=folder)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "not recorded" not in done.stderr
    assert 'started with name="\\ud800"' in done.stdout  # escaped, not raised
    assert "→ '\\ud800'" in done.stdout
    assert stored(folder) == [("COMPLETED", {"name": "\ud800"})]

    listed = flowtop("history", cwd=folder)
    assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr
    assert listed.stdout.splitlines()[1].endswith('with name="\\ud800"')
    one = flowtop("history", "--run", "1", cwd=folder)
    assert one.returncode == 0 and "Traceback" not in one.stderr, one.stderr

    # saved since: the rerun replays the body (unchanged code has nothing to rerun)
    (folder / "hello.py").write_text(textwrap.dedent(HELLO) + "\n")
    rerun = flowtop("run", "hello.py", "--rerun-of", "1", "--json", cwd=folder)
    assert rerun.returncode == 0, rerun.stderr
    # the JSON lines carry a lone high surrogate as U+FFFD (jq 1.6 refuses the line
    # otherwise); the rerun itself got the exact value, as its record says
    assert json_lines(rerun.stdout)[0]["parameters"] == {"name": "\ufffd"}
    assert stored(folder)[-1] == ("COMPLETED", {"name": "\ud800"})


def test_a_detached_run_with_a_lone_surrogate_starts(folder: Path) -> None:
    done = flowtop("run", "hello.py", "--detach", "--params", '{"name": "\\ud800"}', cwd=folder)
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip()
    watched = flowtop("watch", ".", run_id, cwd=folder)
    assert watched.returncode == 0, watched.stdout + watched.stderr
    wait_until(lambda: stored(folder) == [("COMPLETED", {"name": "\ud800"})], "its record")


def test_storable_json_reads_back_the_same() -> None:
    from flowtop.workspace.json_text import storable_json

    given = json.dumps({"a\udcff": ["\ud800é\\", "\\\udfff"]}, ensure_ascii=False)
    text = storable_json(given)
    text.encode("utf-8")  # no longer raises
    assert json.loads(text) == json.loads(given)
    assert storable_json('{"n": "é"}') == '{"n": "é"}'
