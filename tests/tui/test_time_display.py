"""Countdowns and times on screen when the clock is set, a run process stops, or a retry
is days away: the TUI counts on a steady clock, not the wall clock."""

from __future__ import annotations

import time

import pytest

from flowtop.engine.delays import fmt_seconds
from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.formats import moment, short_duration
from flowtop.tui.clock import SteadyClock
from flowtop.tui.model import RunModel
from flowtop.tui.row_views import counts_text
from flowtop.workspace.run_log import RunInterrupted
from pilot_kit import FrozenClock

S = StateType
T0 = 1_700_000_000.0


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    """The clock the models put event times on (the TUI's own: ``RunModel.clock``)."""
    frozen = FrozenClock(T0)
    monkeypatch.setattr(RunModel, "clock", frozen)
    return frozen


def model() -> RunModel:
    return RunModel.from_started(RunStarted("r1", "etl", 1, ("a",), (4,), ("3× 20s",), None, T0))


def step(state: StateType, ts: float, **kw: object) -> TaskStateChanged:
    return TaskStateChanged("r1", "etl", "a", state, 1, 4, ts, **kw)  # type: ignore[arg-type]


def test_a_clock_set_back_or_forward_during_a_wait_does_not_move_the_countdown(
    clock: FrozenClock,
) -> None:
    run = model()
    run.apply(step(S.RUNNING, T0))
    clock.now = T0 + 1
    run.apply(step(S.AWAITING_RETRY, T0 + 1, retry_in=20.0, duration=1.0))
    row = run.rows["a"]
    assert row.state_text(T0 + 1) == "⟳ Retry in 20.0s"
    # set back an hour: the TUI's steady clock goes on (5 s later), the wall clock does not
    clock.wall_now = T0 + 6 - 3600
    assert row.state_text(T0 + 6) == "⟳ Retry in 15.0s"
    clock.wall_now = T0 + 6 + 3600  # or forward
    assert row.state_text(T0 + 6) == "⟳ Retry in 15.0s"
    clock.wall_now = T0 + 7 - 3600
    # an event written after the clock was set back: on the steady clock, when it came
    clock.now = T0 + 7
    run.apply(step(S.RUNNING, T0 + 7 - 3600))
    assert run.rows["a"].time_text(T0 + 9) == "2.00s"
    assert run.elapsed(T0 + 9) == 9.0  # the header: from the run's start, not 0.00s


def test_a_stored_event_counts_from_its_age_by_the_wall_clock_once(clock: FrozenClock) -> None:
    """Read from the store when the TUI starts: the wall times are all there is."""
    clock.now = T0 + 100
    clock.wall_now = T0 + 10  # the steady clock started elsewhere: only ages carry over
    run = model()
    run.apply(step(S.AWAITING_RETRY, T0 + 5, retry_in=20.0))
    assert run.rows["a"].state_text(T0 + 100) == "⟳ Retry in 15.0s"
    assert run.elapsed(T0 + 100) == 10.0


def test_the_steady_clock_reads_the_wall_clock_until_it_is_set() -> None:
    now = {"wall": T0, "mono": 50.0}
    clock = SteadyClock(lambda: now["wall"], lambda: now["mono"])
    now["wall"] += 2.5
    now["mono"] += 2.5
    assert clock.readings() == (T0 + 2.5, T0 + 2.5)
    now["wall"] -= 3600  # set back
    now["mono"] += 1
    assert clock() == T0 + 3.5 and clock.readings()[1] == T0 + 2.5 - 3600


def test_a_late_retry_is_said_overdue_not_due_in_nought_seconds(clock: FrozenClock) -> None:
    run = model()
    run.apply(step(S.AWAITING_RETRY, T0, retry_in=20.0))
    row = run.rows["a"]
    assert row.state_text(T0 + 21) == "⟳ Retry due"  # a moment: the attempt is starting
    assert row.state_text(T0 + 20 + 404) == "⟳ Overdue 6m44s"


def test_a_retry_days_away_counts_in_days_and_says_its_day(clock: FrozenClock) -> None:
    run = model()
    run.apply(step(S.AWAITING_RETRY, T0, retry_in=73 * 3600.0))
    row = run.rows["a"]
    assert row.state_text(T0 + 60) == "⟳ Retry in 3d00h"
    assert row.state_text(T0 + 25 * 3600 + 60) == "⟳ Retry in 47h59m"
    assert short_duration(50 * 3600) == "2d02h"  # the header's elapsed time of a long run
    due = T0 + 73 * 3600
    assert moment(due, T0) == time.strftime("%a %H:%M:%S", time.localtime(due))
    assert moment(T0, T0) == time.strftime("%H:%M:%S", time.localtime(T0))
    later = T0 + 30 * 86400
    assert moment(later, T0) == time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(later))


def test_the_detail_pane_says_the_day_of_a_retry_not_due_today(clock: FrozenClock) -> None:
    from flowtop.tui.widgets.detail_pane import body_text, title_text

    run = model()
    run.apply(step(S.RUNNING, T0 - 3 * 86400))
    run.apply(step(S.AWAITING_RETRY, T0 - 3 * 86400 + 1, retry_in=20.0, duration=1.0))
    run.apply(step(S.AWAITING_RETRY, T0, retry_in=73 * 3600.0))
    day = time.strftime("%a ", time.localtime(T0 + 73 * 3600))
    assert f"(due {day}" in title_text(run.rows["a"], T0).plain
    started = time.strftime("%a %H:%M:%S", time.localtime(T0 - 3 * 86400))
    assert f"#1  {started}" in body_text(run.rows["a"], None, now=T0).plain


def test_fmt_seconds_rounds_before_it_picks_the_unit() -> None:
    assert fmt_seconds(59.95) == "1m00s"
    assert fmt_seconds(3599.6) == "1h00m"
    assert fmt_seconds(59.4) == "59s" and fmt_seconds(185) == "3m05s"
    assert fmt_seconds(73 * 3600 - 1) == "3d00h"  # past 48 h in days, everywhere


def test_a_late_event_of_an_interrupted_task_never_makes_a_count_negative(
    clock: FrozenClock,
) -> None:
    run = model()
    run.apply(step(S.RUNNING, T0))
    run.apply(RunInterrupted("r1", "its process died", T0 + 1))
    assert counts_text(run) == "⚡ 1 interrupted"
    run.apply(step(S.FAILED, T0 + 2))  # the process was only stopped: its end comes late
    run.apply(RunInterrupted("r1", "its process died", T0 + 3))
    assert counts_text(run) == "✗ 1 failed"
    assert all(n >= 0 for n in run.counts.values())
