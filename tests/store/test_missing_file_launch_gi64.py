"""A launched run whose flow file is gone before its process opens it ends FAILED, why said.

The monitor launched ``r`` of a flow it still listed, its file deleted meanwhile: the run
process found no such file and exited 2 before it opened the store, leaving the run its
launcher had reserved RUNNING. Readers then marked it INTERRUPTED, "its process (pid …,
exit code 2) is gone", and the monitor offered ``f Run again``, where README says a run
that cannot start ends FAILED with the reason (``did not start: …``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtop.looks import run_error_text
from flowtop.workspace import launcher
from flowtop.workspace.history import History
from flowtop.workspace.private import private_folder
from flowtop.workspace.store_reader import StoreReader


def test_a_launched_run_of_a_missing_file_ends_failed_saying_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where the monitor runs: the reason names the file from here
    state = private_folder(tmp_path / ".flowtop")
    History(state / "history.db").close()  # the monitor's store: the launcher reserves the run
    launched = launcher.launch(tmp_path / "gone.py", "gone", state_dir=state)
    assert launched.number == 1 and launched.process is not None
    assert launched.process.wait(timeout=60) == 2
    (run,) = StoreReader(state / "history.db").runs()
    assert (run.run_id, run.state) == (launched.run_id, "FAILED")
    assert run.error is not None
    said = run_error_text(run.error["type"], run.error["message"])
    assert said == "did not start: gone.py: no such file or folder"
    assert not launched.log.exists()  # the store says why (README: the log goes at the end)


def test_a_missing_file_whose_folder_holds_no_such_run_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store that does not hold the run (the launcher's is elsewhere): none is made up."""
    monkeypatch.chdir(tmp_path)
    here = private_folder(tmp_path / "here" / ".flowtop")
    History(here / "history.db").close()
    elsewhere = private_folder(tmp_path / "elsewhere" / ".flowtop")
    History(elsewhere / "history.db").close()
    launched = launcher.launch(tmp_path / "here" / "gone.py", "gone", state_dir=elsewhere)
    assert launched.process is not None
    assert launched.process.wait(timeout=60) == 2
    assert StoreReader(here / "history.db").runs() == []


def test_a_store_that_cannot_be_written_leaves_the_exit_and_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rv644: a locked or broken store made the intended exit 2 a traceback (exit 1)."""
    import argparse

    from flowtop.commands import run_start
    from flowtop.workspace import history as history_module

    monkeypatch.setattr(run_start, "reserved_here", lambda db, run_id: True)

    def locked(state_dir: Path) -> History:
        raise OSError("database is locked")

    monkeypatch.setattr(history_module, "open_live_history", locked)
    args = argparse.Namespace(
        run_id="abc", flow="gone", no_history=False, path=str(tmp_path / "gone.py"), rerun_of=None
    )
    run_start.fail_unopened(args, f"{tmp_path / 'gone.py'}: no such file or folder")  # no raise
