"""At 80 columns (a 60-column detail pane) the first line dropped a long wait's due
time when it did not fit, so a retry 299 days away gave no date at all, though the README
says the pane gives the due time's day when it is not today. A day away it is kept,
shorter (no seconds; the date alone beyond a few days), the task's name giving way."""

from __future__ import annotations

import time

import pytest

from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.model import RunModel
from flowtop.tui.widgets.detail_pane import title_text
from pilot_kit import FrozenClock

S = StateType
T0 = 1_700_000_000.0
PANE = 60  # the detail pane's width at 80 columns


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    frozen = FrozenClock(T0)
    monkeypatch.setattr(RunModel, "clock", frozen)
    return frozen


def waiting(key: str, seconds: float) -> RunModel:
    run = RunModel.from_started(RunStarted("r1", "etl", 1, (key,), (2,), ("1× 1s",), None, T0))
    run.apply(TaskStateChanged("r1", "etl", key, S.AWAITING_RETRY, 1, 2, T0, retry_in=seconds))
    return run


@pytest.mark.usefixtures("clock")
def test_a_wait_of_299_days_keeps_its_date_at_80_columns() -> None:
    run = waiting("year", 299 * 86400.0)
    line = title_text(run.rows["year"], T0, width=PANE).plain
    date = time.strftime("%Y-%m-%d", time.localtime(T0 + 299 * 86400))
    assert f"(due {date}" in line, line
    assert line.startswith("year  ⟳ Retry in 299d  attempt 1/2"), line
    assert len(line) <= PANE


@pytest.mark.usefixtures("clock")
def test_a_long_name_gives_way_to_the_day_of_a_wait_not_due_today() -> None:
    key = "fetch_customer_orders_for_every_region"
    run = waiting(key, 2 * 86400.0 + 3600)
    line = title_text(run.rows[key], T0, width=PANE).plain
    day = time.strftime("%a %H:%M", time.localtime(T0 + 2 * 86400 + 3600))
    assert f"(due {day})" in line, line
    assert "attempt 1/2" in line and len(line) <= PANE


@pytest.mark.usefixtures("clock")
def test_a_wait_due_today_still_gives_way_first() -> None:
    key = "fetch_customer_orders_for_every_region"
    run = waiting(key, 30.0)
    if time.strftime("%Y-%m-%d", time.localtime(T0 + 30)) != time.strftime(
        "%Y-%m-%d", time.localtime(T0)
    ):
        pytest.skip("T0 + 30 s is another day in this zone")
    line = title_text(run.rows[key], T0, width=PANE).plain
    assert "(due" not in line and line.startswith("fetch_customer_orders_for_every_region"[:10])
