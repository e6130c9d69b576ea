"""A ``flowtop run`` stopped by Ctrl+C records its run with a note that says so, as one
stopped by SIGTERM names SIGTERM: it read "cancelled by the user", the note of a
``flowtop cancel``, and ``history`` could not tell the two apart. The exit codes stay."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from .conftest import WAITING
from .test_store_cli import run_process, runs


@pytest.mark.parametrize(
    ("sig", "code", "note"),
    [
        (signal.SIGINT, 130, "cancelled: Ctrl+C (SIGINT: flowtop run was interrupted)"),
        (signal.SIGTERM, 143, "cancelled: SIGTERM (flowtop run was stopped)"),
    ],
    ids=["SIGINT", "SIGTERM"],
)
def test_a_run_stopped_by_a_signal_names_it_in_its_note(
    ws, sig: signal.Signals, code: int, note: str
) -> None:
    folder: Path = ws(waiting=WAITING)
    process = run_process(folder, "--json")
    try:
        assert process.stdout is not None
        for line in process.stdout:  # until the task waits for its retry (30 s)
            if "AWAITING_RETRY" in line:
                break
        process.send_signal(sig)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=20)
    assert process.returncode == code, err
    (run,) = runs(folder)
    assert (run.state, run.note) == ("CANCELLED", note)
