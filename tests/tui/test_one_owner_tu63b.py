"""One owner each, where two or three places kept their own.

- The monitor's ``_unread_prefect`` (the Prefect files not read): the first load's thread
  set it itself, beside ``FlowSelection``, which sets it from a worker's message. Now the
  first load's thread posts the same message, and ``FlowSelection`` alone sets it, on the
  UI thread.
- "The end states of a subflow run that did not complete": the monitor (``no_rows``),
  ``flowtop run`` (``printers``) and the history (``subflow_runs``) each kept a set, the
  history's with two states the others lacked. One set, ``looks.UNDONE_STATES``.
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

import flowtop
from flowtop.engine.states import FINAL_STATES, StateType
from flowtop.tui.app import FlowtopApp
from flowtop.workspace.workspace import Workspace
from pilot_kit import toasts_said, wait_for

SIZE = (120, 36)
TUI = Path(flowtop.__file__).parent / "tui"
FLOW = "from flowtop import Flow, task\n\n@task\ndef a():\n    pass\n\nflow = Flow('etl')\nflow.add_task(a)\n"
PREFECT = "from prefect import flow\n\n@flow(name='pf flow')\ndef pf(x: int = 1):\n    return x\n"


def writers_of(attribute: str) -> list[str]:
    """The TUI's modules that assign ``self.<attribute>``."""

    def assigns(node: ast.AST) -> bool:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        else:
            return False
        return any(isinstance(t, ast.Attribute) and t.attr == attribute for t in targets)

    return sorted(
        path.relative_to(TUI).as_posix()
        for path in TUI.rglob("*.py")
        if any(assigns(node) for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))
    )


def test_one_module_sets_the_unread_prefect_files() -> None:
    assert writers_of("_unread_prefect") == ["flow_selection.py"]  # old: + first_load.py


class WritesSeen(FlowtopApp):
    """Notes the thread of each write of ``_unread_prefect``."""

    threads: list[str]

    @property
    def _unread_prefect(self) -> Sequence[str] | None:
        return self.__dict__.get("unread")

    @_unread_prefect.setter
    def _unread_prefect(self, value: Sequence[str] | None) -> None:
        self.__dict__.setdefault("threads", []).append(threading.current_thread().name)
        self.__dict__["unread"] = value


async def test_the_first_load_hands_its_reading_to_the_ui_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "etl.py").write_text(FLOW)
    (tmp_path / "pf.py").write_text(PREFECT)
    workspace = Workspace(tmp_path)
    try:
        app = WritesSeen(workspace, load=True, watch=False)
        with toasts_said(app) as said:
            async with app.run_test(size=SIZE, notifications=True) as pilot:
                await wait_for(pilot, lambda: not app.first_loading, "the first load", 20)
                await wait_for(pilot, lambda: any("pf.py" in s for s in said), "its toast")
                assert list(app._unread_prefect or ()) == ["pf.py"]
                main = threading.current_thread().name  # (the app runs on the test's loop)
                assert set(app.threads) == {main}, app.threads  # old: the load's thread
                app.exit()
    finally:
        workspace.close()


def test_one_set_of_the_states_of_a_run_that_did_not_complete() -> None:
    from flowtop import looks
    from flowtop.commands import printers
    from flowtop.tui.widgets import no_rows
    from flowtop.workspace import subflow_runs

    for module in (printers, no_rows, subflow_runs):
        assert module.UNDONE_STATES is looks.UNDONE_STATES, module.__name__
        assert not {"UNDONE", "_UNDONE"} & set(vars(module)), module.__name__
    # live (the monitor's, `flowtop run`'s) and stored (the history's), one answer
    assert {s for s in StateType if s in looks.UNDONE_STATES} == FINAL_STATES - {
        StateType.COMPLETED
    }
    assert {"FAILED", "CRASHED", "INTERRUPTED"} <= looks.UNDONE_STATES
    assert "COMPLETED" not in looks.UNDONE_STATES
