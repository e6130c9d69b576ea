"""A launched run whose process is stopped (SIGTERM: a logout over SSH) while its file
still imports ends CANCELLED, saying which signal; it read INTERRUPTED, "flowtop closed
the store first", naming none."""

from __future__ import annotations

import signal
import subprocess
import sys

import fork_cli

from .conftest import env, flowtop, wait_until
from .test_store_cli import SLOW_IMPORT  # (it touches `importing`, then sleeps 20 s)


def test_a_launched_run_stopped_while_its_file_imports_is_cancelled_naming_the_signal(
    ws,
) -> None:
    folder = ws(slowimp=SLOW_IMPORT)
    command = ["run", "slowimp.py", "--flow", "slowimp", "--run-id", "5e1f0e4f0a11"]
    launched = fork_cli.popen(  # as `--detach` and the monitor start a run's process
        [sys.executable, "-m", "flowtop", *command],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    try:
        wait_until(lambda: (folder / "importing").exists(), "the import to begin")
        launched.send_signal(signal.SIGTERM)
        launched.communicate(timeout=20)
    finally:
        if launched.poll() is None:
            launched.kill()
    assert launched.returncode == 143
    listed = flowtop("history", ".", cwd=folder).stdout
    (row,) = listed.splitlines()[1:]
    assert " CANCELLED " in row and "SIGTERM" in row, listed
    assert "closed the store first" not in row, listed
