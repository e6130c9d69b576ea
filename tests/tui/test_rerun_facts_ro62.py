"""The monitor's facts of reruns, each in one place (ro62).

- A rerun of a rerun named its source as where a reused result came from (``reused from
  run #2``) where `history` names the run whose attempt made it (#1).
- ``RunStore`` kept every run's number by id for good, evicted and pruned runs' too.
- A subflow run whose every task was reused read ``✓`` in its parent's list, where its
  tasks' rows read ``↺``.
- ``f`` on a parent whose own tasks completed, a subflow of it failing (handled by its
  body), said it had nothing to rerun, where ``flowtop run --rerun-of`` reruns it.
"""

from __future__ import annotations

from pathlib import Path

from flowtop import flow, task
from flowtop.engine.events import REUSED_FROM_SOURCE, RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.tui.run_store import RunStore
from flowtop.tui.widgets.no_rows import subflow_labels
from flowtop.workspace.store_notices import RunsPruned
from pilot_kit import wait_for, wait_for_text

from .conftest import FakeWorkspace

S = StateType
DOWN: set[str] = set()


@task(max_retries=0)
def fetch(region: str) -> int:
    if region in DOWN:
        raise RuntimeError(f"{region} is down")
    return len(region)


@task
def prep() -> int:
    return 0


@flow(name="region-ro62")
def region(name: str) -> int:
    return fetch(name)


@flow(name="tolerant-ro62")
def tolerant() -> bool:
    prep()
    return all(region(r, return_state=True).is_completed() for r in ("eu", "apac"))


@flow(name="daily-ro62")
def daily() -> None:
    prep()
    fetch("apac")


def app_for(tmp_path: Path) -> FlowtopApp:
    flows = {"tolerant-ro62": tolerant, "daily-ro62": daily, "region-ro62": region}
    return FlowtopApp(FakeWorkspace(tmp_path, flows))


def header(app: FlowtopApp) -> str:
    return app.header.render().plain  # type: ignore[attr-defined]


async def ended(pilot: object, app: FlowtopApp, flow_name: str, number: int) -> None:
    await wait_for(
        pilot,
        lambda: (
            app.table.run is not None
            and app.table.run.flow == flow_name
            and app.table.run.number == number
            and app.table.run.state is not None
            and not app.table.run.is_live
        ),
        f"run #{number} of {flow_name} to end",
    )


async def test_a_rerun_of_a_rerun_names_the_run_that_made_a_reused_result(
    tmp_path: Path,
) -> None:
    DOWN.clear()
    DOWN.add("apac")
    app = app_for(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.flow_list.select_flow("daily-ro62")
        await pilot.press("r")
        await ended(pilot, app, "daily-ro62", 1)
        await pilot.press("f")  # #2 fails again, `prep` reused from #1
        await ended(pilot, app, "daily-ro62", 2)
        DOWN.clear()
        await pilot.press("f")  # #3 reruns #2, whose `prep` #1 made
        await ended(pilot, app, "daily-ro62", 3)
        assert "run #3 (rerun of #2)" in header(app)
        assert app.table.move_to("prep")
        text = await wait_for_text(pilot, app, "Why: reused from run #1", "↺ reused from run #1")
        assert "reused from run #2" not in text, text


async def test_f_reruns_a_parent_whose_subflow_failed_and_a_reused_one_reads_reused(
    tmp_path: Path,
) -> None:
    DOWN.clear()
    DOWN.add("apac")
    app = app_for(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.flow_list.select_flow("tolerant-ro62")
        await pilot.press("r")
        await ended(pilot, app, "tolerant-ro62", 1)
        assert app.table.run is not None and app.table.run.state is S.COMPLETED
        DOWN.clear()
        await pilot.press("f")  # was: "Run #1 of tolerant-ro62 has nothing to rerun"
        await ended(pilot, app, "tolerant-ro62", 2)
        # eu's run reused its every task (↺, as its row does); apac's ran again
        await wait_for_text(pilot, app, "subflows: ↺ region-ro62 #3, ✓ region-ro62 #4")


def _started(
    run_id: str, number: int, rerun_of: str | None = None, flow: str = "etl"
) -> RunStarted:
    return RunStarted(run_id, flow, number, ("a",), (1,), ("",), rerun_of, ts=1.0)


def _reused(run_id: str, key: str = "a", flow: str = "etl") -> TaskStateChanged:
    return TaskStateChanged(
        run_id, flow, key, S.COMPLETED, 1, 1, 1.0, reused=True, message=REUSED_FROM_SOURCE
    )


def _finished(run_id: str, number: int, flow: str = "etl") -> RunFinished:
    return RunFinished(run_id, flow, number, S.COMPLETED, {}, 0.1, ts=2.0)


def _held(store: RunStore, run_id: str) -> list[str]:
    """The attributes of ``store`` that still name ``run_id`` (a key or an item)."""
    named = []
    for name, value in vars(store).items():
        if isinstance(value, dict | set | list) and run_id in value:
            named.append(name)
    return named


def test_the_store_keeps_nothing_of_runs_it_evicted_or_a_prune_took() -> None:
    store = RunStore()
    store.apply_batch([_started("r1", 1), _finished("r1", 1)])
    store.apply_batch([_started("r2", 2, rerun_of="r1"), _reused("r2"), _finished("r2", 2)])
    run = store.latest_for("etl")
    assert run is not None and run.rerun_number == 1  # named while its source was kept
    assert run.rows["a"].message == "reused from run #1"
    store.take_evicted()
    assert _held(store, "r1") == []  # evicted: its number went with it
    store.apply_batch([_started("r3", 3, rerun_of="r2"), _reused("r3"), _finished("r3", 3)])
    run = store.latest_for("etl")
    assert run is not None and run.rerun_number == 2
    assert run.rows["a"].message == "reused from run #1"  # where #2 took it from: #1 made it
    assert run.origins == {}  # let go of at its end
    store.apply_batch([_started("x1", 1, flow="other"), _finished("x1", 1, flow="other")])
    store.apply_batch([_started("x2", 2, flow="other")])  # live: x1 is evicted
    store.apply_batch([_finished("x2", 2, flow="other"), RunsPruned(("x2",), frozenset(), 3.0)])
    for gone in ("r1", "r2", "x1", "x2"):
        assert _held(store, gone) in ([], ["evicted"]), (gone, _held(store, gone))


def test_a_subflow_run_that_reused_every_task_reads_reused_in_its_parents_list() -> None:
    store = RunStore()
    parent = RunStarted("p1", "parent", 1, ("prep",), (1,), ("",), None, ts=1.0)
    reused = _started("c1", 3, flow="region")._replace(parent_run="p1")
    ran = _started("c2", 4, flow="region")._replace(parent_run="p1")
    store.apply_batch(
        [
            parent,
            reused,
            _reused("c1", flow="region"),
            _finished("c1", 3, flow="region"),
            ran,
            TaskStateChanged("c2", "region", "a", S.COMPLETED, 1, 1, 1.0),
            _finished("c2", 4, flow="region"),
        ]
    )
    run = store.runs["p1"]
    assert subflow_labels(run.subflow_calls()) == ["↺ region #3", "✓ region #4"]
    assert run.subflows == ["region #3", "region #4"]  # labels of its one list of runs
    empty = RunModel("region", [], run_id="c3", number=5)
    empty.state = S.COMPLETED  # its body alone ran: no task to reuse
    run.children.append(empty)
    assert subflow_labels(run.subflow_calls())[-1] == "✓ region #5"
