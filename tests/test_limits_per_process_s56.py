"""``flowtop limits`` names each process holding slots once, with the slots it holds: one
process in two ``concurrency`` blocks (two tasks of one run) was two identical lines,
``1 by pid 4242 on build-1`` twice, where README shows ``2 by pid 4242 on build-1``, and
two entries in ``--json``'s holders."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from flowtop.cli import main

#: Two blocks of one slot each, held at once by one process (two tasks' threads).
TWO_BLOCKS = (
    "import time; from flowtop.concurrency.sync import concurrency\n"
    "with concurrency('database', occupy=1), concurrency('database', occupy=1):\n"
    "    print('held', flush=True); time.sleep(60)"
)


def test_one_process_in_two_blocks_is_one_holder_of_two_slots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flowtop.toml").write_text("[concurrency]\ndatabase = 3\n")
    holder = subprocess.Popen(
        [sys.executable, "-c", TWO_BLOCKS], cwd=tmp_path, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        assert main(["limits", str(tmp_path)]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines[0] == "database: 2 of 3 slots held"
        assert len(lines) == 2 and lines[1].startswith(f"  2 by pid {holder.pid} on ")
        assert main(["limits", str(tmp_path), "--json"]) == 0
        holders = json.loads(capsys.readouterr().out)["holders"]
        assert [(h["limit"], h["slots"], h["pid"], h["gone"]) for h in holders] == [
            ("database", 2, holder.pid, False)
        ]
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
