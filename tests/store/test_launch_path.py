"""A run the monitor, a browser tab or ``--detach`` launches sees the ``sys.path`` that
``flowtop run`` sees: its flows folder, not the folder the launcher was started in.
``python -m flowtop`` put that folder first, so a package beside the user's shell
imported in the monitor's runs and failed in cron, and a ``json.py`` there shadowed
the standard library."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from flowtop.workspace import launcher
from flowtop.workspace.history_records import HistoryError
from flowtop.workspace.private import private_folder
from flowtop.workspace.store_reader import StoreReader

from .conftest import wait_until

FLOW = """\
from flowtop import flow


@flow(name="where")
def where() -> None:
    try:
        import beside_the_shell  # noqa: F401 - only whether it imports
    except ImportError:
        return
    raise RuntimeError("imported from the folder the launcher was started in")
"""


def test_a_launched_run_does_not_import_from_the_launchers_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flows, shell = tmp_path / "flows", tmp_path / "shell"
    flows.mkdir()
    shell.mkdir()
    (flows / "where.py").write_text(FLOW)
    (shell / "beside_the_shell.py").write_text("")
    monkeypatch.chdir(shell)
    state = private_folder(flows / ".flowtop")
    launched = launcher.launch(flows / "where.py", "where", state_dir=state)

    def ended() -> Any:
        try:
            stored = StoreReader(state / "history.db").runs()
        except (sqlite3.Error, HistoryError):  # the run process is still creating the store
            return None
        return next((r for r in stored if r.state in ("COMPLETED", "FAILED")), None)

    run = wait_until(ended, "the launched run to end", timeout=60)
    assert run.state == "COMPLETED", run.error
    assert launched.process is not None and launched.process.wait(timeout=60) == 0
