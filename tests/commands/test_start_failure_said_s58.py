"""A launched run that an unexpected exception stops between its reservation and its start
ends "did not start: <the exception, and where>", its traceback kept in its log; it read
INTERRUPTED, "flowtop closed the store first", the cause in the log alone (``run_guard``)."""

from __future__ import annotations

import errno
import os
import textwrap
from pathlib import Path
from typing import Any, NoReturn

import pytest

from cli_kit import Here, flowtop, stored_runs
from flowtop.cli import build_parser
from flowtop.commands import run
from flowtop.engine.states import StateType
from flowtop.looks import NOT_STARTED
from flowtop.workspace.load_error import Stopped
from flowtop.workspace.workspace import Workspace
from waits import wait_until

ETL = """
from flowtop import Flow, task

@task
def extract():
    return 1

flow = Flow("etl")
flow.add_task(extract)
"""

RUN_ID = "5a58f00dcafe"
LOG = f".flowtop/logs/{RUN_ID}.log"


def launched_here(folder: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """The command a launcher starts, run in this process, with the log it gives it."""
    (folder / "etl.py").write_text(ETL)
    (folder / ".flowtop" / "logs").mkdir(parents=True)
    (folder / LOG).write_text("")
    monkeypatch.chdir(folder)
    args = build_parser("run").parse_args(
        ["run", "etl.py", "--flow", "etl", "--run-id", RUN_ID, "--quiet"]
    )
    return run.main(args)


def no_room(*args: Any, **kwargs: Any) -> NoReturn:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_an_error_after_the_import_ends_the_run_not_started_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flowtop_here: Here
) -> None:
    monkeypatch.setattr(Workspace, "make_runner", no_room)
    with pytest.raises(OSError, match="No space left"):  # raised on: the process exits 1
        launched_here(tmp_path, monkeypatch)
    (stored,) = stored_runs(tmp_path)
    assert stored.state == StateType.FAILED.value and stored.error is not None
    assert stored.error["type"] == NOT_STARTED
    reason = stored.error["message"]
    assert reason.startswith("OSError: [Errno 28] No space left on device ("), reason
    assert f"{Path(__file__).name}:" in reason  # where: its file, line and function
    assert reason.endswith(f", in no_room); traceback in {LOG}"), reason
    assert (tmp_path / LOG).exists()  # where the process's traceback goes
    listed = flowtop_here("history", ".", cwd=tmp_path)
    assert "did not start: OSError: [Errno 28]" in listed.stdout, listed.stdout
    assert "closed the store first" not in listed.stdout


def test_an_error_while_the_file_imports_ends_the_run_not_started_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def out_of_memory(self: Workspace, flow: str | None = None) -> NoReturn:
        raise MemoryError

    monkeypatch.setattr(Workspace, "load_flows", out_of_memory)
    with pytest.raises(MemoryError):
        launched_here(tmp_path, monkeypatch)
    (stored,) = stored_runs(tmp_path)
    assert stored.state == StateType.FAILED.value and stored.error is not None
    assert stored.error["message"].startswith("MemoryError ("), stored.error
    assert "in out_of_memory); traceback in" in stored.error["message"]


def test_a_signal_before_the_run_begins_cancels_it_saying_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stopped(*args: Any, **kwargs: Any) -> NoReturn:
        raise Stopped

    monkeypatch.setattr(Workspace, "make_runner", stopped)
    with pytest.raises(Stopped):
        launched_here(tmp_path, monkeypatch)
    (stored,) = stored_runs(tmp_path)
    assert (stored.state, stored.note) == (StateType.CANCELLED.value, Stopped.why)


#: Put first on a run process's ``PYTHONPATH``: its runner cannot be made.
BREAK_RUNNER = """
from flowtop.workspace.workspace import Workspace

def no_room(*args, **kwargs):
    raise OSError(28, "No space left on device", "/data/spool")

Workspace.make_runner = no_room
"""

#: The same, once its run has ended (recorded): the run's end stays as it was.
BREAK_AFTER = """
from flowtop.commands import run_record

def broken(*args):
    raise RuntimeError("a bug after the run")

run_record.recorded = broken
"""


def hooked(folder: Path, code: str) -> dict[str, str]:
    """The environment of a ``flowtop`` whose processes run ``code`` as they start."""
    (folder / "etl.py").write_text(ETL)
    hook = folder / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(textwrap.dedent(code))
    return {"PYTHONPATH": os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")])}


def test_a_detached_run_that_fails_so_says_why_and_keeps_its_traceback(tmp_path: Path) -> None:
    done = flowtop("run", "etl.py", "--detach", cwd=tmp_path, env=hooked(tmp_path, BREAK_RUNNER))
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip()
    (stored,) = wait_until(
        lambda: [r for r in stored_runs(tmp_path) if r.state != "RUNNING"], "the run's end"
    )
    assert stored.error is not None
    assert stored.error["message"] == (
        "OSError: [Errno 28] No space left on device: '/data/spool' "
        f"(hook/sitecustomize.py:5, in no_room); traceback in .flowtop/logs/{run_id}.log"
    )
    log = tmp_path / ".flowtop" / "logs" / f"{run_id}.log"
    wait_until(lambda: "/data/spool" in log.read_text(), "the traceback in the log")
    assert "Traceback (most recent call last)" in log.read_text()
    watched = flowtop("watch", ".", run_id, cwd=tmp_path)
    assert watched.returncode == 1
    assert "did not start: OSError: [Errno 28] No space left on device" in watched.stdout


def test_an_error_once_the_run_began_leaves_its_end_as_it_was(tmp_path: Path) -> None:
    env = hooked(tmp_path, BREAK_AFTER)
    done = flowtop("run", "etl.py", "--flow", "etl", "--run-id", RUN_ID, cwd=tmp_path, env=env)
    assert done.returncode == 1 and "a bug after the run" in done.stderr, done.stderr
    (stored,) = stored_runs(tmp_path)
    assert (stored.state, stored.error) == (StateType.COMPLETED.value, None)
