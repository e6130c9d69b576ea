"""``flowtop limits`` says a limit taken out of ``flowtop.toml`` while runs held its
slots (fx71l §2).

Its held slots vanished from the listing without a word: the runs holding them went on
holding them, and nothing said which. Said now as a lowered limit is, its holders below.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtop.workspace.ownership import host_name

from .test_limits_runs_fx71g import HOLD, limits, run_of


@pytest.fixture
def held(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """The pid of a process holding two of ``database``'s slots, recorded as ``lim #1``."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flowtop.toml").write_text("[concurrency]\ndatabase = 2\n")
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD], cwd=tmp_path, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None and process.stdout.readline() == "held\n"
        run_of(tmp_path, process.pid, "lim")
        yield process.pid
    finally:
        process.kill()
        process.wait()


def test_a_limit_taken_out_while_its_slots_are_held_says_who_holds_them(
    tmp_path: Path, held: int, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "flowtop.toml").write_text("[concurrency]\napi = 5\n")
    # old: "api: 0 of 5 slots held" alone
    assert limits(tmp_path, capsys).splitlines() == [
        "api: 0 of 5 slots held",
        "database: no longer in flowtop.toml; 2 slots still held",
        f"  2 by lim #1 (pid {held} on {host_name()})",
    ]


def test_the_whole_table_taken_out_still_says_the_slots_held(
    tmp_path: Path, held: int, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "flowtop.toml").write_text("[defaults]\nworkers = 2\n")
    lines = limits(tmp_path, capsys).splitlines()
    assert lines[0].startswith("No concurrency limits: "), lines
    assert lines[-2:] == [
        "database: no longer in flowtop.toml; 2 slots still held",
        f"  2 by lim #1 (pid {held} on {host_name()})",
    ]
    (holder,) = json.loads(limits(tmp_path, capsys, "--json"))["holders"]
    assert (holder["limit"], holder["slots"], holder["pid"]) == ("database", 2, held)
