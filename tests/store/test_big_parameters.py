"""A run launched with parameters too long for one command-line argument (the TUI's ``R``
form): Linux takes at most 128 KiB in one, and the launch failed with "Argument list too
long", leaving an empty log behind. Such parameters go through a private file the run
process reads and deletes (``workspace.params_file``)."""

from __future__ import annotations

import errno
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from flowtop.workspace import launcher, params_file
from flowtop.workspace.history_records import HistoryError
from flowtop.workspace.private import private_folder
from flowtop.workspace.store_reader import StoreReader

from .conftest import wait_until

FLOW = """\
from flowtop import flow


@flow(name="bigparams")
def bigparams(items: list, label: str = "x"):
    return len(items) + len(label)
"""

#: 87 KB and 90 KB (the scale tester's), and a lone surrogate the JSON must escape.
BIG = {"items": list(range(14000)), "label": "L" * 90_000 + "é\udcff"}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "dyn.py").write_text(FLOW)
    return tmp_path


def test_parameters_over_the_argument_limit_reach_the_run(folder: Path) -> None:
    state = private_folder(folder / ".flowtop")
    assert len(json.dumps(BIG)) > 128 * 1024
    launched = launcher.launch(folder / "dyn.py", "bigparams", state_dir=state, parameters=BIG)

    def completed() -> Any:
        try:
            stored = StoreReader(state / "history.db").runs()
        except (sqlite3.Error, HistoryError):  # the run process is still creating the store
            return None
        return next((r for r in stored if r.state == "COMPLETED"), None)

    run = wait_until(completed, "the launched run to complete", timeout=60)
    assert run.run_id == launched.run_id
    assert run.parameters == BIG
    # the file read, the log forgotten: deleted just after the run's end is recorded
    wait_until(lambda: not any((state / launcher.LOGS).iterdir()), "the run's log to go")


def test_parameters_short_or_long_go_through_a_file(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never on the command line, which every local user reads (``ps``)."""
    started: list[list[str]] = []

    class Started:
        pid = 4242

        def __init__(self, command: list[str], **_: object) -> None:
            started.append(command)

    monkeypatch.setattr(subprocess, "Popen", Started)
    monkeypatch.setattr(launcher, "reserve_launched", lambda *_: 1)
    state = private_folder(folder / ".flowtop")
    launcher.launch(folder / "dyn.py", "bigparams", state_dir=state, parameters={"items": [1]})
    launched = launcher.launch(folder / "dyn.py", "bigparams", state_dir=state, parameters=BIG)
    short, long = started
    assert short[1:4] == ["-P", "-m", "flowtop.workspace.params_file"]
    assert "--params" not in short
    handed = state / launcher.LOGS / f"{launched.run_id}{params_file.SUFFIX}"
    assert long[1:5] == ["-P", "-m", "flowtop.workspace.params_file", str(handed)]
    assert "--params" not in long
    assert json.loads(handed.read_text(encoding="utf-8")) == BIG
    assert handed.stat().st_mode & 0o077 == 0  # private: parameters may hold secrets


@pytest.mark.parametrize("parameters", [{"n": 1}, BIG], ids=["short", "long"])
def test_a_launch_that_fails_leaves_no_files(
    folder: Path, monkeypatch: pytest.MonkeyPatch, parameters: dict[str, Any]
) -> None:
    def refused(*_: object, **__: object) -> None:
        raise OSError(errno.E2BIG, "Argument list too long")

    monkeypatch.setattr(subprocess, "Popen", refused)
    state = private_folder(folder / ".flowtop")
    with pytest.raises(OSError, match="Argument list too long"):
        launcher.launch(folder / "dyn.py", "bigparams", state_dir=state, parameters=parameters)
    assert list((state / launcher.LOGS).iterdir()) == []


def test_the_run_process_deletes_the_file_even_unread(tmp_path: Path) -> None:
    handed = tmp_path / f"run{params_file.SUFFIX}"
    handed.write_bytes(b"\xff not UTF-8")
    with pytest.raises(UnicodeDecodeError):
        params_file.take(handed)
    assert not handed.exists()


def test_a_parameters_file_gone_before_the_run_starts_is_one_line(tmp_path: Path) -> None:
    """It was a FileNotFoundError traceback in the run's log."""
    done = subprocess.run(
        [sys.executable, "-m", "flowtop.workspace.params_file", str(tmp_path / "gone.json")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().startswith("flowtop run: the run's parameters could not be read")
    assert "Traceback" not in done.stderr
