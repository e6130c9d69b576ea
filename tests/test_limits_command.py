"""``flowtop limits``: the workspace's concurrency limits and the processes holding their
slots, read without changing anything (as ``prefect concurrency-limit inspect``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from flowtop.cli import main

HOLD = (
    "import time; from flowtop.concurrency.sync import concurrency\n"
    "with concurrency('database', occupy=2):\n    print('held', flush=True); time.sleep(60)"
)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flowtop.toml").write_text(
        "[concurrency]\ndatabase = 3\napi = { limit = 5, slot_decay_per_second = 2.0 }\n"
    )
    return tmp_path


def limits_json(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> dict[str, list[dict[str, object]]]:
    assert main(["limits", str(path), "--json"]) == 0
    data: dict[str, list[dict[str, object]]] = json.loads(capsys.readouterr().out)
    return data


def test_who_holds_the_slots_and_whether_it_is_gone(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert limits_json(workspace, capsys)["holders"] == []  # nothing taken yet: no file
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD], cwd=workspace, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        data = limits_json(workspace, capsys)
        assert [(limit["name"], limit["slots"], limit["held"]) for limit in data["limits"]] == [
            ("database", 3, 2.0),
            ("api", 5, 0.0),
        ]
        assert [(h["limit"], h["slots"], h["pid"], h["gone"]) for h in data["holders"]] == [
            ("database", 2, holder.pid, False)
        ]
        assert main(["limits", str(workspace)]) == 0
        text = capsys.readouterr().out
        assert "database: 2 of 3 slots held" in text
        assert f"  2 by pid {holder.pid} on " in text
        assert "api: 0 of 5 slots held, 2 freed per second" in text
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    assert limits_json(workspace, capsys)["holders"][0]["gone"] is True
    assert main(["limits", str(workspace)]) == 0
    assert "(its process is gone: given back at the next request)" in capsys.readouterr().out


def test_a_broken_limit_and_a_missing_table_are_said_plainly(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workspace / "flowtop.toml").write_text('[concurrency]\ndatabase = "two"\n')
    assert main(["limits", str(workspace)]) == 2
    assert "flowtop.toml:2: [concurrency] database: its limit must" in capsys.readouterr().err
    # a mistake elsewhere in the file is said as `run` and `list` say it, not passed over
    (workspace / "flowtop.toml").write_text("[defaults]\nmax_retry = 2\n[concurrency]\ndb = 2\n")
    assert main(["limits", str(workspace)]) == 2
    assert "flowtop.toml:2: [defaults]: unknown key 'max_retry'" in capsys.readouterr().err
    (workspace / "flowtop.toml").write_text("")
    assert main(["limits", str(workspace)]) == 0
    assert "No concurrency limits" in capsys.readouterr().out
    assert main(["limits", str(workspace / "nope")]) == 2
    assert "nope: no such file or folder" in capsys.readouterr().err
