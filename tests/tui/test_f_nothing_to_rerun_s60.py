"""`f` on a completed ``@flow`` run records no empty "COMPLETED" runs (rv402 §1).

- Another flow file added beside a ``@flow``'s (one it does not import) counted as its code
  saved since its run: the host, which loads every flow file, offered `f Rerun failed`,
  and the rerun's process, which loads only the flow's, recorded run #2 "did not start:
  nothing to rerun". It says so in a toast now, recording nothing, as before the file came.
- After such a rerun (COMPLETED, did not start) the key bar said `f Run again`, which did
  the same again: it stands for its source, as a rerun that failed to start does.
- `R` prefilled its form from that rerun, which kept no parameters, not from the last run.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest
from textual.widgets import Input

from flowtop.engine.events import ErrorInfo, RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.looks import NOT_STARTED
from flowtop.tui.app import FlowtopApp
from flowtop.tui.footer_keys import ran_no_task, stands_for_source
from flowtop.tui.screens.run_form import RunForm
from flowtop.workspace.history_records import RunRecord
from flowtop.workspace.loader import module_name_for
from pilot_kit import toasts_said, wait_for

from .conftest import FakeHistory, FakeWorkspace

S = StateType
SIZE = (120, 36)

PARAMS = """
from flowtop import flow, task


@task
def double(n: int) -> int:
    return n * 2


@flow
def withparams(n: int = 4, label: str = "x") -> int:
    return double(n)
"""
OTHER = """
from flowtop import Flow, task


@task
def a():
    return 1


with Flow("other") as flow:
    a()
"""


def load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def beside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """``withparams`` from its file, and another flow file saved after any run of it,
    loaded as the flow host loads every flow file of the folder."""
    path = tmp_path / "params.py"
    path.write_text(textwrap.dedent(PARAMS), encoding="utf-8")
    module = load_module(path, module_name_for(path, tmp_path))
    other = tmp_path / "other.py"
    other.write_text(textwrap.dedent(OTHER), encoding="utf-8")
    later = time.time() + 3600  # saved after the run to come
    os.utime(other, (later, later))
    name = module_name_for(other, tmp_path)
    monkeypatch.setitem(sys.modules, name, load_module(other, name))
    return module


def footer_keys(app: FlowtopApp) -> set[str]:
    idle = app.footer_hidden_actions()
    return {b.key for b in app.live_bindings() if b.action not in idle}


async def test_f_after_another_flow_file_came_says_nothing_to_rerun(
    tmp_path: Path, beside: ModuleType
) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {"withparams": beside.withparams}))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_for(pilot, lambda: number_done(app) == 1, "run #1 to complete")
        run = app.store.latest_for("withparams")
        assert run is not None and run.run_id is not None
        key = ("withparams", run.run_id)
        await wait_for(pilot, lambda: key in app._rerun_answers.said, "the host's word on f")
        assert app._rerun_answers.said[key] is False  # was True: other.py counted
        assert "f" not in footer_keys(app)
        with toasts_said(app) as said:
            await pilot.press("f")
            await wait_for(pilot, lambda: said, "a toast")
        assert said[-1] == "Run #1 of withparams has nothing to rerun", said
        assert number_done(app) == 1  # no run #2 recorded


def number_done(app: FlowtopApp) -> int | None:
    run = app.store.latest_for("withparams")
    return run.number if run is not None and run.state is S.COMPLETED else None


def phantom_events(now: float) -> list[object]:
    """Run #1 with n=7, then rerun #2 of it that found nothing to rerun."""
    why = "nothing to rerun: Run #1 of withparams has nothing to rerun"
    return [
        RunStarted("r1", "withparams", 1, ("double",), (1,), ("",), ts=now, parameters='{"n": 7}'),
        RunFinished("r1", "withparams", 1, S.COMPLETED, {"COMPLETED": 1}, 0.1, now + 0.1),
        RunStarted("r2", "withparams", 2, (), (), (), rerun_of="r1", ts=now + 1),
        RunFinished(
            "r2", "withparams", 2, S.COMPLETED, {}, 0.0, now + 1, error=ErrorInfo(NOT_STARTED, why)
        ),
    ]


class StoredRuns(FakeHistory):
    """The store's word on the two runs: the monitor keeps only the newest in memory."""

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        why = {"type": NOT_STARTED, "message": "nothing to rerun"}
        one = RunRecord("r1", "withparams", 1, "COMPLETED", 1.0, 1.1, 0.1, None, None, {}, 1)
        two = RunRecord("r2", "withparams", 2, "COMPLETED", 2.0, 2.0, 0.0, "r1", 1, {}, 0)
        return [replace(two, error=why), replace(one, parameters={"n": 7})]


async def test_a_rerun_with_nothing_to_rerun_stands_for_its_source(
    tmp_path: Path, beside: ModuleType
) -> None:
    workspace = FakeWorkspace(tmp_path, {"withparams": beside.withparams})
    workspace.history = StoredRuns()
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        app.buffer.append_batch(phantom_events(time.time()))
        await wait_for(pilot, lambda: number_done(app) == 2, "rerun #2 shown")
        phantom = app.store.latest_for("withparams")
        assert phantom is not None
        assert stands_for_source(phantom) and not ran_no_task(phantom)  # no `f Run again`
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RunForm), "the run form")
        values = [field.value for field in app.screen.query(Input)]
        assert "7" in values, values  # run #1's, not the empty ones of #2
