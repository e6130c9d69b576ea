"""A launched run's parameters (the TUI's form, its reruns, a browser tab, ``flowtop run
--detach -p``) stay off the run process's command line, which every local user reads
(``ps -eo args``): they were there as ``--params {"api_token": "sk-…"}`` when short.
They go through a private file the run process reads and deletes
(``workspace.params_file``)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from flowtop.workspace import launcher, params_file
from flowtop.workspace.history_records import HistoryError
from flowtop.workspace.private import private_folder
from flowtop.workspace.store_reader import StoreReader

from .conftest import wait_until

FLOW = """\
import time
from pathlib import Path

from flowtop import flow


@flow(name="deploy")
def deploy(api_token: str, go: str):
    while not Path(go).exists():  # held running until the test has read its command line
        time.sleep(0.01)
    return len(api_token)
"""

SECRET = "sk-SECRET-12345"


def test_a_launched_runs_parameters_are_not_on_its_command_line(tmp_path: Path) -> None:
    (tmp_path / "secret.py").write_text(FLOW)
    state = private_folder(tmp_path / ".flowtop")
    go = tmp_path / "go"
    given = {"api_token": SECRET, "go": str(go)}
    launched = launcher.launch(tmp_path / "secret.py", "deploy", state_dir=state, parameters=given)
    cmdline = Path(f"/proc/{launched.pid}/cmdline")  # what `ps` shows
    try:
        # read right after the exec it can still be empty; the flow holds the process
        # (and so its command line) until `go` exists
        shown = wait_until(lambda: cmdline.read_bytes().decode(), "the run's command line")
        assert "--flow=deploy" in shown
        assert SECRET not in shown
        assert "--params" not in shown.split("\0")
    finally:
        go.touch()

    def completed() -> Any:
        try:
            stored = StoreReader(state / "history.db").runs()
        except (sqlite3.Error, HistoryError):  # the run process is still creating the store
            return None
        return next((r for r in stored if r.state == "COMPLETED"), None)

    run = wait_until(completed, "the launched run to complete", timeout=60)
    assert run.run_id == launched.run_id
    assert run.parameters == given  # read from the file, exactly
    assert launched.process is not None
    assert launched.process.wait(timeout=60) == 0
    # the parameters file read and deleted, the log forgotten
    assert list((state / launcher.LOGS).iterdir()) == []


def test_short_parameters_go_through_a_private_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = commands_started(monkeypatch)
    state = private_folder(tmp_path / ".flowtop")
    launched = launcher.launch(
        tmp_path / "secret.py", "deploy", state_dir=state, parameters={"api_token": SECRET}
    )
    (command,) = started
    handed = state / launcher.LOGS / f"{launched.run_id}{params_file.SUFFIX}"
    assert command[1:5] == ["-P", "-m", "flowtop.workspace.params_file", str(handed)]
    assert not any(SECRET in arg for arg in command)
    assert "--params" not in command
    assert json.loads(handed.read_text(encoding="utf-8")) == {"api_token": SECRET}
    assert handed.stat().st_mode & 0o077 == 0  # private: parameters may hold secrets


def test_a_launch_without_parameters_makes_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = commands_started(monkeypatch)
    state = private_folder(tmp_path / ".flowtop")
    launcher.launch(tmp_path / "secret.py", "deploy", state_dir=state, parameters={})
    (command,) = started
    assert command[1:4] == ["-P", "-m", "flowtop"]
    run_id = command[command.index("--run-id") + 1]
    assert [p.name for p in (state / launcher.LOGS).iterdir()] == [f"{run_id}.log"]


def commands_started(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The commands ``launcher.launch`` starts from now on, none of them run."""
    started: list[list[str]] = []

    class Started:
        pid = 4242

        def __init__(self, command: list[str], **_: object) -> None:
            started.append(command)

    monkeypatch.setattr(subprocess, "Popen", Started)
    monkeypatch.setattr(launcher, "reserve_launched", lambda *_: 1)
    return started
