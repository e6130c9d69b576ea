"""The header names a rerun's source by the number its start carries (rh62): a rerun of a
run the monitor never held read ``(rerun)``, its source's number kept nowhere after
``RunStore.numbers`` went; one whose source a prune took says so, as `history` does."""

from __future__ import annotations

import time

import pytest
from textual.app import App, ComposeResult

from flowtop.engine.events import RunStarted
from flowtop.tui.run_store import RunStore
from flowtop.tui.widgets.run_header import RunHeader
from pilot_kit import screen_text


class HeaderApp(App[None]):
    def compose(self) -> ComposeResult:
        yield RunHeader()


@pytest.mark.parametrize(
    ("number", "said"),
    [(3, "(rerun of #3)"), (0, "(rerun of a pruned run)"), (None, "(rerun)")],
)
async def test_a_rerun_of_a_run_never_held_names_its_source(number: int | None, said: str) -> None:
    store = RunStore()
    start = RunStarted("b" * 12, "etl", 4, ("a",), (1,), ("",), "a" * 12, time.time())
    store.apply_batch([start._replace(rerun_number=number)])
    run = store.latest_for("etl")
    assert run is not None and "a" * 12 not in store.runs  # the source never held here
    app = HeaderApp()
    async with app.run_test(size=(80, 3)) as pilot:
        app.query_one(RunHeader).show("etl", run, time.monotonic())
        await pilot.pause()
        line = screen_text(app).splitlines()[0]
    assert f"run #4 {said}" in line, line


async def test_a_resize_keeps_saying_a_flow_s_runs_were_pruned() -> None:
    """``on_resize`` asked ``show`` again without ``pruned``: the header went back to `not
    run yet` for a flow whose runs a prune took."""
    app = HeaderApp()
    async with app.run_test(size=(80, 3)) as pilot:
        app.query_one(RunHeader).show("etl", None, time.monotonic(), pruned=True)
        await pilot.pause()
        assert "no runs in the history (pruned)" in screen_text(app), screen_text(app)
        await pilot.resize_terminal(70, 3)
        await pilot.pause()
        assert "no runs in the history (pruned)" in screen_text(app), screen_text(app)
