"""Which run a flow shows when another client starts one: the live run shown stays.

Two TUIs on one folder: B watched run #18 with the cursor on a task awaiting its retry,
`flowtop run --detach` started #19, and B's screen jumped to #19, so its `x` gave up the
task in #19. A run started elsewhere is now announced beside a live run on screen (`w`
shows it); one started here, or one after the shown run ended, is shown as before.
"""

from __future__ import annotations

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.tui.run_store import RunStore
from flowtop.workspace.run_log import RunInterrupted

S = StateType


def start(number: int, *, elsewhere: bool) -> RunStarted:
    """Run #``number`` of slowretry, as the store client hands it over."""
    event = RunStarted(f"r{number}", "slowretry", number, ("wait",), (3,), ("",), ts=number)
    if not elsewhere:
        return event
    from flowtop.tui.model import RunStartedElsewhere

    return RunStartedElsewhere(*event)


def finish(number: int) -> RunFinished:
    return RunFinished(f"r{number}", "slowretry", number, S.FAILED, {"FAILED": 1}, 1.0, 99.0)


def shown(store: RunStore) -> int | None:
    run = store.latest_for("slowretry")
    return None if run is None else run.number


def test_a_run_started_elsewhere_stays_beside_the_live_run_shown() -> None:
    store = RunStore()
    store.apply_batch([start(18, elsewhere=False)])
    store.apply_batch([start(19, elsewhere=True)])
    assert shown(store) == 18  # old: 19, and n / x acted on it
    assert [r.number for r in store.live_for("slowretry")] == [18, 19]  # the header's count


def test_a_run_started_here_is_shown_at_once_beside_a_live_run() -> None:
    store = RunStore()
    store.apply_batch([start(18, elsewhere=True), start(19, elsewhere=False)])
    assert shown(store) == 19


def test_once_the_shown_run_ended_a_run_started_elsewhere_is_shown() -> None:
    store = RunStore()
    store.apply_batch([start(18, elsewhere=True), finish(18), start(19, elsewhere=True)])
    assert shown(store) == 19 and "r18" not in store.runs


def test_a_run_that_ends_after_the_shown_one_ended_is_shown_not_dropped() -> None:
    """`w` showed #19 after #18 ended; #19 ending made the screen fall back to #18."""
    store = RunStore()
    store.apply_batch([start(18, elsewhere=False), start(19, elsewhere=True), finish(18)])
    assert shown(store) == 18 and "r19" in store.runs
    store.apply_batch([finish(19)])
    assert shown(store) == 19 and "r18" not in store.runs
    assert store.take_evicted() == ["r18"]


def test_a_run_started_elsewhere_that_died_importing_does_not_replace_the_live_one() -> None:
    store = RunStore()
    store.apply_batch([start(18, elsewhere=False)])
    store.apply_batch([RunInterrupted("r19", "its process is gone", 5.0, flow="slowretry", run=19)])
    assert shown(store) == 18 and "r19" not in store.runs
