"""``flowtop run`` stopped by SIGTERM interrupts the task it was running, as README says.

A task looping in Python got nothing raised in it when its run was cancelled: the
command gave its thread up and exited a second later, so the task's ``except
asyncio.CancelledError:`` cleanup (README's "what it prints afterwards (in its ``except``
handler) goes to the terminal") never ran.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals only")

#: The task says it started in a file: its prints are its attempt's output, shown at its end.
SPINS = """
    import asyncio
    from pathlib import Path
    from flowtop import flow, task

    @task
    def spin():
        try:
            Path("started").touch()
            while True:
                pass
        except asyncio.CancelledError as interrupted:
            print(f"cleaned up: {interrupted}", flush=True)
            raise

    @flow
    def spinner():
        spin()
"""


def test_sigterm_interrupts_a_task_looping_in_python_and_its_cleanup_prints(
    tmp_path: Path,
) -> None:
    (tmp_path / "spin.py").write_text(textwrap.dedent(SPINS))
    out = tmp_path / "out"
    with out.open("w") as out_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "flowtop", "run", "spin.py"],
            cwd=tmp_path,
            stdout=out_file,
            stderr=subprocess.PIPE,
            text=True,
        )
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "started").exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the task never started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    printed = out.read_text()
    assert "cleaned up: task interrupted: the run was cancelled\n" in printed, (printed, err)
    assert "cancelled: SIGTERM (flowtop run was stopped)" in printed
