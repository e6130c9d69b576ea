"""The run `w` reached stays on screen when it ends, and `w` is in the footer exactly when
it switches.

Two windows on one folder: #1 (started here) and #2 (started elsewhere) both live; `w`
showed #2, and when #2 ended the screen fell back to #1, so the user never saw how the run
they chose ended. And `w` was never in the footer, even with two live runs.
"""

from __future__ import annotations

from pathlib import Path

from flowtop import Flow, task
from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunStartedElsewhere
from flowtop.tui.run_store import RunStore
from pilot_kit import screen_text, toasts_said, wait_for

from .conftest import FakeWorkspace

S = StateType
SIZE = (120, 36)


def start(number: int, *, elsewhere: bool = False) -> RunStarted:
    event = RunStarted(f"r{number}", "nap", number, ("nap",), (1,), ("",), ts=float(number))
    return RunStartedElsewhere(*event) if elsewhere else event


def finish(number: int, state: S = S.COMPLETED) -> RunFinished:
    return RunFinished(f"r{number}", "nap", number, state, {state.value: 1}, 1.0, 9.0)


def shown(store: RunStore) -> int | None:
    run = store.latest_for("nap")
    return None if run is None else run.number


def nap_app(tmp_path: Path) -> FlowtopApp:
    @task
    def nap() -> None:
        return None

    with Flow("nap") as flow:
        nap()
    return FlowtopApp(FakeWorkspace(tmp_path, {"nap": flow}))


def footer(app: FlowtopApp) -> str:
    return screen_text(app).splitlines()[-1]


def test_the_run_w_reached_is_shown_when_it_ends_beside_an_older_live_one() -> None:
    store = RunStore()
    store.apply_batch([start(1), start(2, elsewhere=True)])
    assert shown(store) == 1
    second = store.runs["r2"]
    store.show(second)  # w
    store.apply_batch([finish(2)])
    assert shown(store) == 2 and "r2" in store.runs  # old: dropped, and #1 shown
    assert [r.number for r in store.live_for("nap")] == [1]
    store.show(store.runs["r1"])  # w again: back to the live one, the ended one dropped
    assert shown(store) == 1 and "r2" not in store.runs
    assert store.take_evicted() == ["r2"]


def test_a_newer_run_ending_while_w_shows_an_older_one_is_shown_once_that_ends() -> None:
    """`w` from #2 to the older #1, then #2 failed: it was dropped as "superseded", and
    once #1 ended the flow read COMPLETED, the newest run's failure gone (`f` had nothing
    to rerun)."""
    store = RunStore()
    store.apply_batch([start(1), start(2)])
    assert shown(store) == 2
    store.show(store.runs["r1"])  # w
    store.apply_batch([finish(2, S.FAILED)])
    assert shown(store) == 1 and "r2" in store.runs  # #1 stays on screen while it runs
    store.apply_batch([finish(1)])
    assert shown(store) == 2 and store.latest_for("nap").state is S.FAILED
    assert "r1" not in store.runs


def test_a_run_started_here_is_shown_even_after_w_reached_another() -> None:
    store = RunStore()
    store.apply_batch([start(1), start(2, elsewhere=True)])
    store.show(store.runs["r2"])  # w
    store.apply_batch([start(3)])  # r, here
    assert shown(store) == 3 and {"r1", "r2"} <= set(store.runs)


def test_once_the_run_w_reached_ended_a_newer_run_started_elsewhere_is_shown() -> None:
    store = RunStore()
    store.apply_batch([start(1), start(2, elsewhere=True)])
    store.show(store.runs["r2"])
    store.apply_batch([finish(2), start(3, elsewhere=True)])
    assert shown(store) == 3 and "r2" not in store.runs
    store.apply_batch([finish(1)])  # older than the one shown: dropped as it ends
    assert shown(store) == 3 and "r1" not in store.runs


async def test_the_screen_stays_on_the_run_w_reached_when_it_ends(tmp_path: Path) -> None:
    app = nap_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.buffer.append_batch([start(1), start(2, elsewhere=True)])
        await wait_for(pilot, lambda: "2 live runs (#1, #2)" in screen_text(app), "both live")
        await pilot.press("w")
        await wait_for(pilot, lambda: "run #2" in screen_text(app), "w to show #2")
        app.buffer.append_batch([finish(2, S.CANCELLED)])
        await wait_for(pilot, lambda: len(app.store.live_for("nap")) == 1, "#2 to end")
        await pilot.pause(0.05)
        assert app.table.run is not None and app.table.run.number == 2  # old: #1
        assert "run #2  ■ Cancelled" in screen_text(app)
        assert "1 live run (#1): w switches" in screen_text(app)
        await pilot.press("w")  # still switches, to the live one
        await wait_for(pilot, lambda: "run #1" in screen_text(app), "w to show #1")
        assert app.table.run is not None and app.table.run.number == 1


def test_the_older_run_w_reached_stays_shown_when_the_newer_one_ends_after_it() -> None:
    store = RunStore()
    store.apply_batch([start(20), start(21)])
    store.show(store.runs["r20"])  # w
    store.apply_batch([finish(20, S.FAILED)])
    assert shown(store) == 20
    store.apply_batch([finish(21, S.CANCELLED)])
    assert shown(store) == 20  # old: #21, and `f` and `t` acted on it
    assert store.take_evicted() == ["r21"] and not store.live_for("nap")


async def test_the_screen_stays_on_the_older_run_w_reached_when_the_newer_ends(
    tmp_path: Path,
) -> None:
    """`r`, `r` `y`, `w` to the older #20; #20 failed and stayed shown, but when #21
    ended (cancelled from another shell) the screen went to #21, no key pressed, and `f`
    and `t` acted on it: the end of another run only changes the header's count."""
    app = nap_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.buffer.append_batch([start(20), start(21)])
        await wait_for(pilot, lambda: "2 live runs (#20, #21)" in screen_text(app), "both")
        assert app.table.run is not None and app.table.run.number == 21
        await pilot.press("w")
        await wait_for(pilot, lambda: "run #20" in screen_text(app), "w to show #20")
        app.buffer.append_batch([finish(20, S.FAILED)])
        await wait_for(pilot, lambda: "1 live run (#21): w switches" in screen_text(app), "#20")
        assert "run #20  ✗ Failed" in screen_text(app)
        app.buffer.append_batch([finish(21, S.CANCELLED)])
        await wait_for(pilot, lambda: not app.store.live_for("nap"), "#21 to end")
        await wait_for(pilot, lambda: "live run" not in screen_text(app), "the count to go")
        assert app.table.run is not None and app.table.run.number == 20  # old: #21
        assert "run #20  ✗ Failed" in screen_text(app) and "#21" not in screen_text(app)


async def test_w_is_in_the_footer_exactly_while_it_switches(tmp_path: Path) -> None:
    app = nap_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.buffer.append_batch([start(1)])
        await wait_for(pilot, lambda: "c Cancel" in footer(app), "run #1 to show")
        assert "w Switch run" not in footer(app)  # one live run, on screen: w does nothing
        app.buffer.append_batch([start(2, elsewhere=True)])
        await wait_for(pilot, lambda: "w Switch run" in footer(app), "w in the footer")
        await pilot.press("left")  # the flows list's footer too
        await wait_for(pilot, lambda: "Tasks" in footer(app), "the flows list's footer")
        assert "w Switch run" in footer(app)
        app.buffer.append_batch([finish(2), finish(1)])
        await wait_for(pilot, lambda: "w Switch run" not in footer(app), "w to leave")


async def test_w_with_one_live_run_shown_says_so(tmp_path: Path) -> None:
    """It said nothing: a user pressing `w` could not tell a switch from a dead key."""
    app = nap_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        app.buffer.append_batch([start(1)])
        await wait_for(pilot, lambda: app.table.run is not None, "#1 shown")
        with toasts_said(app) as toasts:
            await pilot.press("w")
            await wait_for(pilot, lambda: toasts, "a toast")
        assert toasts == ["Run #1 is the only live run of nap"]
