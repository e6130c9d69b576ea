"""A rerun of a ``@flow`` run that completed: `f` and ``flowtop run --rerun-of`` decide alike.

- A task that failed while its flow completed (the flow handled it) runs again with
  what it feeds, the rest reused: ``--rerun-of`` did so, `f` said "nothing to rerun".
- A call the code added since runs (``add-2``), the rest reused: ``--rerun-of`` did so,
  `f` said "nothing to rerun"; ``--task add-2`` was refused as no task of the run.
- Code unchanged since, every call completed: "nothing to rerun", as README says, where
  ``--rerun-of`` replayed the body and recorded a run of reused calls.
"""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from cli_kit import flowtop
from flowtop.compat.prefect_flows import flow
from flowtop.compat.prefect_tasks import task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.workspace.store_reader import StoreReader
from pilot_kit import wait_for

from .conftest import FakeWorkspace

S = StateType

MP = """
import os
from flowtop import flow, task

HERE = os.path.dirname(os.path.abspath(__file__))


@task
def add(a, b):
    with open(os.path.join(HERE, "side.log"), "a") as log:
        log.write(f"add {a} {b}\\n")
    return a + b


@flow
def mp() -> int:
    s = add(1, 2)
    {extra}
    return s
"""
ADDED = "extra = add(100, 200)"


def write_mp(folder: Path, extra: str = "") -> Path:
    path = folder / "mp.py"
    path.write_text(textwrap.dedent(MP).replace("{extra}", extra or "pass"), encoding="utf-8")
    return path


def side(folder: Path) -> list[str]:
    log = folder / "side.log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def test_the_cli_reruns_a_completed_flow_only_for_what_its_code_added(tmp_path: Path) -> None:
    write_mp(tmp_path)
    assert flowtop("run", str(tmp_path)).returncode == 0
    again = flowtop("run", str(tmp_path), "--rerun-of", "1")
    assert again.returncode == 0 and "Run #1 of mp has nothing to rerun" in again.stderr
    assert side(tmp_path) == ["add 1 2"]  # nothing replayed, no run recorded
    assert [r.number for r in StoreReader(tmp_path / ".flowtop" / "history.db").runs()] == [1]

    write_mp(tmp_path, ADDED)  # saved after run #1: its body may call more
    added = flowtop("run", str(tmp_path), "--rerun-of", "1")
    assert added.returncode == 0, added.stderr
    assert side(tmp_path) == ["add 1 2", "add 100 200"]  # add-2 ran, add reused
    one = flowtop("run", str(tmp_path), "--rerun-of", "1", "--task", "add-2")
    assert one.returncode == 0, one.stderr  # a call the code added since: README's `t`
    assert side(tmp_path)[-1] == "add 100 200"


@pytest.fixture
def handled() -> tuple[object, list[str]]:
    ran: list[str] = []
    broken = {"a": True}

    @task
    def a() -> int:
        ran.append("a")
        if broken.pop("a", False):
            raise ValueError("a fails")
        return 1

    @task
    def b(x: int) -> int:
        ran.append("b")
        return x + 1

    @task
    def c() -> int:
        ran.append("c")
        return 3

    @flow(name="handled")
    def handled_flow() -> int:
        fa = a.submit()
        fb = b.submit(fa)
        fc = c.submit()
        fb.wait()
        return fc.result()

    return handled_flow, ran


async def test_f_reruns_the_failed_task_a_completed_flow_handled(
    tmp_path: Path, handled: tuple[object, list[str]]
) -> None:
    handled_flow, ran = handled
    app = FlowtopApp(FakeWorkspace(tmp_path, {"handled": handled_flow}))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_for(pilot, lambda: completed(app, "handled", 1), "run #1 to complete")
        first = app.store.latest_for("handled")
        assert first is not None and first.counts[S.FAILED] == 1
        await wait_for(pilot, lambda: "f" in footer_keys(app), "f in the key bar")
        await pilot.press("f")
        await wait_for(pilot, lambda: completed(app, "handled", 2), "rerun #2 to complete")
        assert sorted(ran) == ["a", "a", "b", "c"]  # a and b again, c reused
        second = app.store.latest_for("handled")
        assert second is not None and second.counts[S.COMPLETED] == 3


@pytest.fixture
def mp_module(tmp_path: Path) -> tuple[Path, ModuleType]:
    path = write_mp(tmp_path)
    return path, load_module(path, "mp_s58")


def load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_f_on_a_completed_flow_runs_the_call_its_code_added(
    tmp_path: Path, mp_module: tuple[Path, ModuleType]
) -> None:
    path, module = mp_module
    workspace = FakeWorkspace(tmp_path, {"mp": module.mp})
    app = FlowtopApp(workspace)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_for(pilot, lambda: completed(app, "mp", 1), "run #1 to complete")
        await pilot.press("f")
        await wait_for(pilot, lambda: app._notifications, "a toast")
        said = [n.message for n in app._notifications]
        assert said[-1] == "Run #1 of mp has nothing to rerun", said
        app.clear_notifications()

        write_mp(tmp_path, ADDED)
        # reloaded under the same module name, as the loader reloads a file
        workspace.flows["mp"] = load_module(path, "mp_s58").mp
        await pilot.press("f")
        await wait_for(pilot, lambda: completed(app, "mp", 2), "rerun #2 to complete")
        assert side(tmp_path) == ["add 1 2", "add 100 200"]  # add-2 ran, add reused


def completed(app: FlowtopApp, flow_name: str, number: int) -> bool:
    run = app.store.latest_for(flow_name)
    return run is not None and run.number == number and run.state is S.COMPLETED


def footer_keys(app: FlowtopApp) -> set[str]:
    idle = app.footer_idle_actions()
    return {b.key for b in app.live_bindings() if b.action not in idle}
