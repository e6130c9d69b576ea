"""Small imports no longer refuse a whole drop-in file: Prefect's state constructors of
states no flowtop run enters (``from prefect.states import Scheduled``, ``Paused``,
``Late``, ``Suspended``, ``Cancelling``, ...) and the schedule classes a ``.serve()``
under ``if __name__ == "__main__":`` is given (``from prefect.client.schemas.schedules
import IntervalSchedule``). Both stopped the file at its import line (checked side by
side: ``c36_states_import``, ``c40_import_deploy_bits``); the values below are Prefect
3.9.1's for the same calls.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from flowtop.compat import NotAvailable, prefect_imports
from flowtop.workspace import Workspace

SCHEDULED_FILE = """
    from datetime import timedelta
    from prefect import flow, task
    from prefect.states import Completed, Scheduled, Paused, Late, Suspended, Cancelling
    from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule

    @task(retries=2, retry_delay_seconds=0)
    def work() -> int:
        return 1

    @flow
    def nightly():
        return work(), Scheduled().is_scheduled(), Paused().is_paused()

    if __name__ == "__main__":
        nightly.serve(name="every-hour", schedule=IntervalSchedule(interval=timedelta(hours=1)))
"""


@pytest.fixture(autouse=True)
def no_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWTOP_PREFECT_COMPAT", raising=False)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "nightly.py").write_text(textwrap.dedent(SCHEDULED_FILE))
    (tmp_path / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    return tmp_path


def test_a_file_importing_them_loads_and_runs(folder: Path) -> None:
    workspace = Workspace(folder)
    changed = workspace.load()
    assert not changed.errors, changed.errors
    assert "nightly" in workspace.flows


def test_flowtop_run_runs_the_file_and_serve_is_refused_only_when_called(folder: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-m", "flowtop", "run", str(folder / "nightly.py")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=folder,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "COMPLETED" in done.stdout
    with prefect_imports():  # the guarded line itself still says what flowtop lacks
        from prefect import flow  # type: ignore[import-not-found]
        from prefect.client.schemas.schedules import (  # type: ignore[import-not-found]
            IntervalSchedule,
        )

    with pytest.raises(NotImplementedError, match=r"\.serve\(\) .* is not available in flowtop"):
        flow(lambda: None).serve(schedule=IntervalSchedule(interval=3600))


def _states() -> dict[str, Any]:
    with prefect_imports():
        import prefect.states  # type: ignore[import-not-found]

        return dict(vars(prefect.states))


# (constructor, name, type, is_scheduled, is_paused, is_cancelling, is_pending, result raises)
PREFECT_3_9_1 = [
    ("Scheduled", "Scheduled", "SCHEDULED", True, False, False, False, "UnfinishedRun"),
    ("Late", "Late", "SCHEDULED", True, False, False, False, "UnfinishedRun"),
    ("AwaitingConcurrencySlot", "AwaitingConcurrencySlot", "SCHEDULED", True, False, False, False, "UnfinishedRun"),
    ("Paused", "Paused", "PAUSED", False, True, False, False, "PausedRun"),
    ("Suspended", "Suspended", "PAUSED", False, True, False, False, "PausedRun"),
    ("Cancelling", "Cancelling", "CANCELLING", False, False, True, False, "UnfinishedRun"),
    ("Submitting", "Submitting", "PENDING", False, False, False, True, "UnfinishedRun"),
    ("InfrastructurePending", "InfrastructurePending", "PENDING", False, False, False, True, "UnfinishedRun"),
]  # fmt: skip


@pytest.mark.parametrize("row", PREFECT_3_9_1, ids=[row[0] for row in PREFECT_3_9_1])
def test_each_constructor_makes_prefect_s_state(row: tuple[Any, ...]) -> None:
    states = _states()
    state = states[row[0]](message="m")
    raised = ""
    try:
        state.result()
    except Exception as exc:  # noqa: BLE001 - which one it raises is what is compared
        raised = type(exc).__name__
    seen = (
        row[0],
        state.name,
        state.type.value,
        state.is_scheduled(),
        state.is_paused(),
        state.is_cancelling(),
        state.is_pending(),
        raised,
    )
    assert seen == row
    assert state.message == "m" and not state.is_final() and not state.is_failed()
    assert state.type == getattr(states["StateType"], row[2])  # Prefect's StateType names it


def test_the_details_they_are_given_are_kept() -> None:
    states = _states()
    when = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    assert states["Scheduled"](scheduled_time=when).state_details.scheduled_time == when
    assert states["Late"]().state_details.scheduled_time is not None  # now, as Prefect's
    paused = states["Paused"](pause_expiration_time=when, pause_key="k").state_details
    assert (paused.pause_timeout, paused.pause_key, paused.pause_reschedule) == (when, "k", False)
    suspended = states["Suspended"](timeout_seconds=60).state_details
    assert suspended.pause_reschedule and suspended.pause_timeout > dt.datetime.now(dt.UTC)
    with pytest.raises(ValueError, match="Cannot supply both a pause_expiration_time and timeout"):
        states["Paused"](timeout_seconds=1, pause_expiration_time=when)
    failed = states["Failed"](data=ValueError("x"))
    assert isinstance(asyncio.run(states["aget_state_exception"](failed)), ValueError)
    with prefect_imports():
        from prefect.exceptions import PausedRun  # type: ignore[import-not-found]
    assert states["PausedRun"] is PausedRun


def test_what_flowtop_does_not_offer_is_still_refused_in_one_line() -> None:
    refused = r"prefect\.states\.exception_to_failed_state is not available in flowtop"
    with pytest.raises(NotAvailable, match=refused), prefect_imports():
        from prefect.states import exception_to_failed_state  # type: ignore[import-not-found]  # noqa: F401 - the import is what is refused


def test_the_schedule_classes_hold_prefect_s_arguments() -> None:
    with prefect_imports():
        from prefect.client.schemas.schedules import (  # type: ignore[import-not-found]
            CronSchedule,
            IntervalSchedule,
            RRuleSchedule,
        )
    hourly = IntervalSchedule(interval=dt.timedelta(hours=1))
    assert (hourly.interval, hourly.timezone) == (dt.timedelta(hours=1), "UTC")
    assert IntervalSchedule(interval=90).interval == dt.timedelta(seconds=90)
    cron = CronSchedule(cron="0 * * * *", timezone="America/New_York")
    assert (cron.cron, cron.timezone, cron.day_or) == ("0 * * * *", "America/New_York", True)
    assert RRuleSchedule(rrule="FREQ=DAILY").timezone == "UTC"
    with pytest.raises(ValueError, match="interval must be greater than 0"):
        IntervalSchedule(interval=0)
    with pytest.raises(ValueError, match='Invalid timezone: "Mars/Base"'):
        CronSchedule(cron="0 * * * *", timezone="Mars/Base")
    with pytest.raises(TypeError):
        IntervalSchedule(dt.timedelta(hours=1))  # type: ignore[misc]  # keywords, as Prefect's
