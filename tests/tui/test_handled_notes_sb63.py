"""The header keeps what a completed parent's body caught (sb63).

- At 80 columns a parent with long parameters said only the cut `with regions=["r1", …`:
  `(2 subflows failed, handled by the flow)`, the one word that its `✓ Completed` hid
  failures, was left out first. The parameters give way now, cut shorter, then left out.
- A parent with tasks of its own said `(1 task failed, handled by the flow)` and its
  subflows' list, never `(1 subflow failed, handled by the flow)`, which `flowtop run`'s
  end line says beside the task's.
"""

from __future__ import annotations

import json
import time

from textual.app import App, ComposeResult

from flowtop.engine.events import RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.model import RunModel
from flowtop.tui.run_store import RunStore
from flowtop.tui.widgets.run_header import RunHeader
from pilot_kit import screen_text

S = StateType
#: The header's width at 80 columns (the flows list beside it), and a wider one.
NARROW, WIDE = 62, 120


class HeaderApp(App[None]):
    def compose(self) -> ComposeResult:
        yield RunHeader()


def _parent(tasks: tuple[str, ...], parameters: object = None) -> RunModel:
    """A completed parent whose body caught a failing task (``tasks``: one) and two
    failing subflow calls (the second retried once, failing again), besides one that
    completed."""
    given = None if parameters is None else json.dumps(parameters)
    start = RunStarted("p", "tolerant", 4, tasks, (1,) * len(tasks), ("",) * len(tasks))
    events: list[object] = [start._replace(parameters=given)]
    events += [TaskStateChanged("p", "tolerant", key, S.FAILED, 1, 1, 1.0) for key in tasks]
    kids = [("k1", 1, S.FAILED, None), ("k2", 2, S.FAILED, None), ("k3", 3, S.FAILED, "k2")]
    for kid, number, state, retried in [*kids, ("k4", 4, S.COMPLETED, None)]:
        kid_start = RunStarted(kid, "region", number, ("load",), (1,), ("",), retried, ts=1.0)
        events += [
            kid_start._replace(parent_run="p"),
            RunFinished(kid, "region", number, state, {}, 0.1, ts=2.0),
        ]
    events.append(RunFinished("p", "tolerant", 4, S.COMPLETED, {}, 1.0, ts=3.0))
    store = RunStore()
    store.apply_batch(events)  # type: ignore[arg-type]
    run = store.latest_for("tolerant")
    assert run is not None and run.state is S.COMPLETED
    return run


async def _line2(run: RunModel, width: int) -> str:
    app = HeaderApp()
    async with app.run_test(size=(width, 3)) as pilot:
        app.query_one(RunHeader).show("tolerant", run, time.monotonic())
        await pilot.pause()
        return screen_text(app).splitlines()[1]


async def test_at_80_columns_the_parameters_give_way_to_the_handled_failures() -> None:
    run = _parent((), {"regions": [f"r{n}" for n in range(1, 27)]})
    wide = await _line2(run, WIDE)
    assert "(2 subflows failed, handled by the flow)" in wide, wide
    assert 'with regions=["r1", "r2", "r3"' in wide, wide
    narrow = await _line2(run, NARROW)
    assert "(2 subflows failed, handled by the flow)" in narrow, narrow  # old: left out
    assert 'with regions=["r' in narrow, narrow  # cut shorter, still there
    tight = await _line2(run, 40)
    assert "(2 subflows failed, handled" in tight and "with" not in tight, tight


async def test_a_parent_with_tasks_says_both_failures_its_body_caught() -> None:
    run = _parent(("bad",))
    widest = await _line2(run, 160)
    both = "(1 task failed, handled by the flow) (2 subflows failed, handled by the flow)"
    assert both in widest, widest  # as `flowtop run`'s end line; old: the task's alone
    wide = await _line2(run, WIDE)  # shorter, before the subflows' names go
    assert "subflows: ✗ region #1, ✗ region #3 (retry of #2), ✓ region #4" in wide, wide
    assert "(1 task and 2 subflows failed, handled by the flow)" in wide, wide
    narrow = await _line2(run, NARROW)
    assert "(1 task, 2 subflows failed, handled)" in narrow, narrow
