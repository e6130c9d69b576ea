"""A lone surrogate in what a task wrote reads back from the store as it was written.

``print("\\udcff")`` (bytes that are not UTF-8, read with ``surrogateescape``), an error
message holding one, a traceback's ``File "caf\\udce9.py"`` (a flow file whose name is
not UTF-8): SQLite takes UTF-8 only, and the store kept each as ``?``. ``history --run
--json`` then showed ``"? lone"`` where ``run --json`` showed ``"\\udcff lone"``, and the
TUI's ``o`` opened a file that does not exist.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flowtop import Flow, task
from flowtop.tui.error_actions import failing_line
from flowtop.workspace.history import History
from flowtop.workspace.store_reader import StoreReader

from .conftest import env, flowtop, json_lines, run_into

OUTPUT = "\udcff lone\n\ud800 and \udfff too\n"
MESSAGE = "bad \udcfe here"


@pytest.fixture(autouse=True)
def _no_failure_log_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine's failure line (logger ``flowtop.task_engine``) quotes the message with
    its surrogate; pytest keeps the line in the test's report, which pytest-xdist cannot
    send to its controller (its channel takes UTF-8 only): the worker crashed."""
    monkeypatch.setattr(logging.getLogger("flowtop.task_engine"), "disabled", True)


def talk() -> None:
    print(OUTPUT, end="")
    raise ValueError(MESSAGE)


def test_output_message_and_traceback_read_back_exactly(tmp_path: Path) -> None:
    flow = Flow("talker")
    flow.add_task(task(talk, name="talk"), key="talk")
    history = History(tmp_path / "history.db")
    try:
        run = run_into(history, flow)
    finally:
        history.close()
    ran = run.tasks["talk"].attempts[-1]
    assert ran.output == OUTPUT and ran.error is not None

    stored = StoreReader(tmp_path / "history.db").run_detail(run.run_id).task("talk")
    attempt = stored.attempt_records[-1]
    assert attempt.output == OUTPUT
    assert stored.error_message == attempt.error_message == MESSAGE
    assert attempt.traceback == ran.error.traceback
    assert attempt.traceback is not None and attempt.traceback.endswith(f": {MESSAGE}\n")


FLOW = """
    from flowtop import flow, task

    @task
    def talk():
        print("\\udcff lone")
        raise ValueError("bad \\udcfe here")

    @flow
    def talker():
        return talk()
"""


def test_history_json_escapes_them_as_run_json_does(tmp_path: Path) -> None:
    (tmp_path / "talker.py").write_text(textwrap.dedent(FLOW))
    ran = flowtop("run", "talker.py", "--json", cwd=tmp_path)
    assert ran.returncode == 1 and "Traceback" not in ran.stderr, ran.stderr
    assert '"output": "\\udcff lone\\n"' in ran.stdout

    shown = flowtop("history", "--run", "1", "--json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert '"output": "\\udcff lone\\n"' in shown.stdout and "? lone" not in shown.stdout
    (task_record,) = [line for line in json_lines(shown.stdout) if line.get("task") == "talk"]
    (attempt,) = task_record["attempts"]
    assert attempt["output"] == "\udcff lone\n"
    assert attempt["error"]["message"] == "bad \udcfe here"


FLOW_IN_CAFE = """from flowtop import flow, task

@task
def boom():
    raise ValueError("x")

@flow
def cafe():
    return boom()
"""


@pytest.mark.skipif(sys.platform != "linux", reason="a file name that is not UTF-8")
def test_a_flow_file_named_in_bytes_that_are_not_utf8_keeps_its_path(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.py")  # "caf\udce9.py", as Python reads the name
    try:
        (tmp_path / name).write_text(FLOW_IN_CAFE)
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system takes UTF-8 names only")
    ran = subprocess.run(
        [sys.executable, "-m", "flowtop", "run", os.fsencode(name), "--json"],
        cwd=tmp_path,
        capture_output=True,
        env=env(),
        timeout=60,
    )
    assert ran.returncode == 1, ran.stderr.decode(errors="replace")
    shown = flowtop("history", "--run", "1", "--json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    (task_record,) = [line for line in json_lines(shown.stdout) if line.get("task") == "boom"]
    traceback = task_record["attempts"][0]["error"]["traceback"]
    assert f'File "{tmp_path / name}", line 5, in boom' in traceback
    # what the TUI's ``o`` opens: the file itself
    assert failing_line(traceback, tmp_path / name, tmp_path) == ((tmp_path / name).resolve(), 5)


def test_a_surrogate_pair_in_a_message_is_not_cut_a_character_early(tmp_path: Path) -> None:
    """A high surrogate then a low one, as two code points, reads back (escaped as JSON)
    as the one character they make: the message, taken back from the traceback's end by
    its stored length, began one character early (``" bad 😀"``)."""

    def pair() -> None:
        raise ValueError("bad \ud83d\ude00")

    flow = Flow("pairs")
    flow.add_task(task(pair, name="pair"), key="pair")
    history = History(tmp_path / "history.db")
    try:
        run = run_into(history, flow)
    finally:
        history.close()
    stored = StoreReader(tmp_path / "history.db").run_detail(run.run_id).task("pair")
    attempt = stored.attempt_records[-1]
    assert stored.error_message == attempt.error_message == "bad \U0001f600"
    assert attempt.traceback is not None and attempt.traceback.endswith(": bad \U0001f600\n")
