"""Three toasts that sent a user the wrong way.

- ``o`` in a browser tab (``flowtop serve``) with no ``$EDITOR`` said "Set $EDITOR to open
  files", which never helps there: a tab starts no editor (with ``$EDITOR`` set it said
  "No terminal here to open …"). It says that now, ``$EDITOR`` set or not.
- ``r`` on a flow listed ``(gone)`` in a monitor opened on one flow FILE said it "is no
  longer in any flow file here": the flow may have moved to a sibling file. It names the
  file, and the ``flowtop FOLDER`` that lists every flow of the folder.
- ``c`` whose cancel came after the run had ended (given up with ``x`` in another window)
  said nothing, the run shown FAILED: it says the run had ended before the cancel.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.run_control import CancelAnswer
from flowtop.workspace.owner_agent import enqueue
from flowtop.workspace.store_reader import StoreReader
from pilot_kit import toasts_said, wait_for, wait_for_text

from .conftest import FakeChange, FakeWorkspace
from .test_app import start_waiting

S = StateType
SIZE = (120, 36)


async def test_o_in_a_browser_tab_without_editor_says_no_terminal_here(
    workspace: FakeWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.state is S.FAILED,
            "the demo run to fail",
        )
        app.table.focus()
        assert app.table.move_to("broken")
        await wait_for(pilot, lambda: app.key_context().task_error, "the failed task")
        monkeypatch.setattr(FlowtopApp, "is_web", property(lambda self: True))  # a tab
        with toasts_said(app) as said:
            await pilot.press("o")
            await wait_for(pilot, lambda: any("failing line" in m for m in said), "o's toast")
        (toast,) = [m for m in said if "failing line" in m]
        # old: "Set $EDITOR to open files; …", no help in a tab, which never starts one
        assert toast.startswith("No terminal here to open an editor in; the failing line is ")
        assert "$EDITOR" not in toast


class OneFileWorkspace(FakeWorkspace):
    """The fake opened on one of its flow files (``OneFile``)."""

    def __init__(self, *args: Any, only: Path, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.only = only


async def test_r_on_a_gone_flow_of_a_file_monitor_names_the_file_and_the_folder(
    workspace: FakeWorkspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path.parent)
    on_file = OneFileWorkspace(
        workspace.root, workspace.flows, workspace.errors, only=tmp_path / "waiting.py"
    )
    app = FlowtopApp(on_file)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await start_waiting(pilot, app)
            run = app.table.run
            assert run is not None
            on_file.flows.pop("waiting")  # moved to another file of the folder, say
            app.apply_change(FakeChange("Removed waiting", flows=["waiting"]))
            await wait_for_text(pilot, app, "waiting (gone)")
            with toasts_said(app) as said:
                await pilot.press("r")
                await wait_for(pilot, lambda: any("no longer" in m for m in said), "r's toast")
            (toast,) = [m for m in said if "no longer" in m]
            # old: "is no longer in any flow file here", in a monitor that reads one file
            assert toast == (
                f"waiting is no longer in {tmp_path.name}/waiting.py: it is listed for its"
                " runs, which go on (and stay in the history);"
                f" open flowtop {tmp_path.name} to see every flow of the folder"
            )
            await pilot.press("c", "y")
            await wait_for(pilot, lambda: run.state is S.CANCELLED, "the run to be cancelled")
    finally:
        for runner in on_file.runners:
            runner.shutdown(wait=True)


FAILS = """
from flowtop import Flow, task

@task
def boom():
    raise ValueError("no")

with Flow("crunchy") as flow:
    boom()
"""


@pytest.fixture
def failed_run(tmp_path: Path, flowtop_here: Any) -> tuple[Path, str]:
    """A folder's store holding one run, FAILED (its process gone), and that run's id."""
    (tmp_path / "crunchy.py").write_text(FAILS)
    flowtop_here("run", "crunchy.py", "--quiet", cwd=tmp_path)
    db = tmp_path / ".flowtop" / "history.db"
    (record,) = StoreReader(db).runs()
    assert record.state == "FAILED"
    return db, record.run_id


def test_a_cancel_taken_after_its_run_ended_says_so(failed_run: tuple[Path, str]) -> None:
    """The run's process took the cancel with nothing to cancel (``ignored``): given up in
    another window meanwhile. Old: nothing said, the run shown FAILED."""
    db, run_id = failed_run
    command = enqueue(db, run_id, "cancel")
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(
            "UPDATE commands SET taken = ?, outcome = ? WHERE id = ?",
            (time.time(), "ignored: nothing to do", command),
        )
    answer = CancelAnswer(db, command, run_id, "run #1 of crunchy")
    assert answer.wait() == "Run #1 of crunchy had ended (FAILED) before the cancel"


def test_a_cancel_its_ended_run_never_took_says_the_run_had_ended(
    failed_run: tuple[Path, str],
) -> None:
    """The run's process had ended too: no answer comes. Old: nothing said."""
    db, run_id = failed_run
    answer = CancelAnswer(db, enqueue(db, run_id, "cancel"), run_id, "run #1 of crunchy")
    said = answer.wait(deadline=time.monotonic())  # (no answer to wait for)
    assert said == "Run #1 of crunchy had ended (FAILED) before the cancel"
