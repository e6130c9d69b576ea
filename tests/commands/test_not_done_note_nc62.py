"""What ``flowtop run FILE`` says a served or deployed flow's block asks that flowtop
does not do, read from the call's keywords (``run_main_block.not_done_note``): Prefect's
``.serve(schedules=[...])`` schedules runs, and was said to wait for runs; a value that
reads ``cron=`` is no schedule."""

from __future__ import annotations

import pytest

from flowtop.commands.run_main_block import not_done_note
from flowtop.workspace.main_block_args import MainCall


def said(how: str, written: str) -> str | None:
    return not_done_note("etl", MainCall(file="etl.py", line=3, how=how, written=written))


@pytest.mark.parametrize(
    "written",
    [
        ".serve(cron='* * * * *')",
        ".serve(interval=60)",
        ".serve(rrule='FREQ=DAILY')",
        ".serve(schedule=Cron('* * * * *'))",
        ".serve(schedules=[Interval(60)])",
        ".serve(work_pool_name='pool', schedules=[Cron('0 * * * *')])",
    ],
)
def test_a_schedule_keyword_schedules(written: str) -> None:
    assert said("serve", written) == (
        f"etl runs once: {written} schedules runs in Prefect; flowtop does not schedule"
    )


@pytest.mark.parametrize(
    ("how", "written", "what"),
    [
        ("serve", ".serve()", "waits for runs in Prefect; flowtop does not serve flows"),
        (
            "serve",
            ".serve(work_pool_name='cron=1')",
            "waits for runs in Prefect; flowtop does not serve flows",
        ),
        ("serve", ".serve(cron=None)", "waits for runs in Prefect; flowtop does not serve flows"),
        (
            "deploy",
            ".deploy(image='interval=2', work_pool_name='p')",
            "makes a deployment in Prefect; flowtop makes none",
        ),
    ],
)
def test_no_schedule_keyword_does_not_schedule(how: str, written: str, what: str) -> None:
    assert said(how, written) == f"etl runs once: {written} {what}"


def test_a_call_of_the_flow_has_no_note() -> None:
    assert said("", "") is None
