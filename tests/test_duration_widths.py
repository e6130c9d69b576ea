"""Durations past 48 hours read in days everywhere, and fit the columns that show them.

A 50-hour run read ``50h00m`` in ``flowtop history`` and ``2d02h`` in the monitor's
header; a task that ran 45 days read ``1080h00m``, cut in the table's 7-cell TIME column;
a retry 200 days away ``⟳ Retry in 200d00h``, cut in the STATE column; ten years read
``3.16e+08s``.
"""

from __future__ import annotations

import io
import re

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from flowtop.commands.history import _print_table
from flowtop.formats import (
    coarse_duration,
    countdown,
    fmt_seconds,
    precise_duration,
    retry_text,
    short_duration,
)
from flowtop.tui.widgets.task_table import STATE_WIDTH, TIME_WIDTH
from flowtop.workspace.history_records import RunRecord

HOUR = 3600.0
DAY = 24 * HOUR
TEN_YEARS = 3653 * DAY

#: What a duration past 48 hours reads as: days and hours, or days alone from 100 days.
IN_DAYS = re.compile(r"\d+d(\d\dh)?")


@given(st.floats(min_value=0, max_value=TEN_YEARS))
def test_every_duration_up_to_ten_years_fits_the_time_column(seconds: float) -> None:
    for text in (precise_duration(seconds), short_duration(seconds), coarse_duration(seconds)):
        assert cell_len(text) <= TIME_WIDTH, (seconds, text)


@given(st.floats(min_value=-TEN_YEARS, max_value=TEN_YEARS))
def test_every_wait_up_to_ten_years_fits_the_state_column(left: float) -> None:
    text = f"⟳ {retry_text(left)}"  # the STATE cell of a task awaiting its retry
    assert cell_len(text) <= STATE_WIDTH, (left, text)


@given(st.floats(min_value=48 * HOUR, max_value=TEN_YEARS))
def test_every_duration_past_48_hours_reads_in_days(seconds: float) -> None:
    for text in (
        precise_duration(seconds),
        short_duration(seconds),
        coarse_duration(seconds),
        countdown(seconds),
        fmt_seconds(seconds),
    ):
        assert IN_DAYS.fullmatch(text), (seconds, text)


def test_days_read_with_their_hours_then_alone() -> None:
    assert precise_duration(50 * HOUR) == "2d02h"
    assert coarse_duration(3 * DAY + 3 * HOUR) == "3d03h"
    assert fmt_seconds(48 * HOUR - 31) == "47h59m"  # under 48 h: hours still
    assert fmt_seconds(99 * DAY + 23 * HOUR) == "99d23h"
    assert countdown(200 * DAY) == "200d"
    assert precise_duration(TEN_YEARS) == "3653d"
    assert precise_duration(59.96) == "1m00s" and short_duration(59.96) == "1m00s"


def test_history_lists_a_50_hour_run_in_days() -> None:
    run = RunRecord(
        run_id="r1",
        flow="etl",
        number=1,
        state="completed",
        started=0.0,
        finished=50 * HOUR,
        duration=50 * HOUR,
        rerun_of=None,
        rerun_of_number=None,
        counts={"completed": 1},
        tasks=1,
    )
    out = io.StringIO()
    _print_table([run], out, starting=set())  # (no run still importing its flow file)
    assert "  2d02h  " in out.getvalue()
