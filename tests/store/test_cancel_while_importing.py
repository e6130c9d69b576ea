"""``flowtop cancel`` of a run whose process still imports its flow file says it is queued.

The cancel is taken at the import's next heartbeat, or as the run starts (it then runs
no task); a command whose wait ended before (a process busy in C code, holding the
interpreter) said "did not take the request … it stays queued" and exited 1, as if it
had failed.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pytest

from flowtop.commands import cancel
from held_import import HELD_IMPORT

from .conftest import flowtop, wait_until
from .test_store_cli import runs

#: Its import held (``held_import``): the whole of the cancel's wait falls in the run
#: process's import, on any machine, without a fixed sleep.
SLOW_IMPORT = (
    HELD_IMPORT
    + """
    from flowtop import Flow, task

    @task
    def deploy() -> None:
        Path(__file__).with_name("deployed").touch()

    with Flow("slowimport") as flow:
        deploy()
"""
)


def test_a_cancel_while_the_flow_file_imports_is_queued_and_the_run_runs_nothing(
    ws: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = ws(slowimport=SLOW_IMPORT)
    importing = folder / "importing"
    importing.touch()
    run_id = flowtop("run", ".", "--detach", cwd=folder).stdout.strip()
    wait_until(  # the listing's import, then the run process's
        lambda: importing.stat().st_size >= 2, "the run's process to begin its import"
    )
    monkeypatch.setattr(cancel, "WAIT", 0.0)  # the command's wait, over before the process looks
    code = cancel.main(argparse.Namespace(target=[str(folder), run_id], flow=None))
    told = capsys.readouterr()
    assert code == 0, told.err
    assert "queued, as it is starting: its process is importing the flow file" in told.out
    importing.unlink()
    wait_until(lambda: runs(folder, "CANCELLED"), "the run to end cancelled")
    assert not (folder / "deployed").exists()
