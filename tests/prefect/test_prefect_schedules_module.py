"""``from prefect.schedules import Cron, Interval`` (Prefect 3's newer public module, for
``flow.serve(schedules=[Cron("0 * * * *")])`` or ``.deploy(...)``) no longer refuses a
drop-in file at its import line: ``prefect.schedules`` gives Prefect's ``Schedule`` and
its constructors ``Cron``, ``Interval`` and ``RRule``, holding what Prefect 3.9.1's hold
(the expected values below are its, for the same calls). flowtop still schedules nothing:
``.serve()`` is refused when called, as before.
"""

from __future__ import annotations

import dataclasses
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

HOURLY_FILE = """
    from datetime import timedelta
    from prefect import flow, task
    from prefect.schedules import Cron, Interval, RRule, Schedule

    @task(retries=1, retry_delay_seconds=0)
    def double(x: int) -> int:
        return x * 2

    @flow
    def hourly(n: int = 3) -> int:
        return sum(double(i) for i in range(n))

    if __name__ == "__main__":
        hourly.serve(name="hourly", schedules=[Cron("0 * * * *"), Interval(timedelta(hours=1))])
"""

#: ``dataclasses.fields(prefect.schedules.Schedule)`` in Prefect 3.9.1, in its order.
PREFECT_FIELDS = [
    "interval", "cron", "rrule", "timezone", "anchor_date", "day_or", "active", "parameters",
    "slug",
]  # fmt: skip


@pytest.fixture(autouse=True)
def no_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWTOP_PREFECT_COMPAT", raising=False)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "hourly.py").write_text(textwrap.dedent(HOURLY_FILE))
    (tmp_path / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    return tmp_path


def _schedules() -> dict[str, Any]:
    with prefect_imports():
        import prefect.schedules  # type: ignore[import-not-found]

        return dict(vars(prefect.schedules))


def test_a_file_importing_prefect_schedules_loads(folder: Path) -> None:
    workspace = Workspace(folder)
    changed = workspace.load()
    assert not changed.errors, changed.errors  # was: prefect.schedules is not available
    assert "hourly" in workspace.flows


def test_flowtop_run_runs_its_flow_and_serve_is_refused_only_when_called(folder: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flowtop", "run", str(folder / "hourly.py")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "COMPLETED" in done.stdout
    schedules = _schedules()
    with prefect_imports():
        from prefect import flow  # type: ignore[import-not-found]
    with pytest.raises(NotImplementedError, match=r"\.serve\(\) .* is not available in flowtop"):
        flow(lambda: None).serve(schedules=[schedules["Cron"]("0 * * * *")])


def _held(schedule: Any) -> dict[str, Any]:
    """A schedule's fields but its anchor (Prefect's is the time it was made)."""
    return {k: v for k, v in dataclasses.asdict(schedule).items() if k != "anchor_date"}


def test_the_constructors_hold_what_prefect_s_hold() -> None:
    s = _schedules()
    assert [f.name for f in dataclasses.fields(s["Schedule"])] == PREFECT_FIELDS
    none = {"interval": None, "cron": None, "rrule": None, "timezone": None}
    rest = {"day_or": True, "active": True, "parameters": {}, "slug": None}
    assert _held(s["Cron"]("0 * * * *")) == {**none, "cron": "0 * * * *", **rest}
    assert _held(s["Interval"](3600)) == {**none, "interval": dt.timedelta(hours=1), **rest}
    assert s["Interval"](1.5).interval == dt.timedelta(seconds=1.5)
    chicago = s["RRule"]("FREQ=DAILY;BYHOUR=9", timezone="America/Chicago", slug="nine")
    assert _held(chicago) == {
        **none,
        **rest,
        "rrule": "FREQ=DAILY;BYHOUR=9",
        "timezone": "America/Chicago",
        "slug": "nine",
    }
    before = dt.datetime.now(dt.UTC)
    assert before <= s["Cron"]("@daily").anchor_date <= dt.datetime.now(dt.UTC)
    anchored = s["Interval"](dt.timedelta(minutes=5), anchor_date=dt.datetime(2024, 1, 1))
    assert anchored.anchor_date == dt.datetime(2024, 1, 1)  # kept as given, naive too
    weekly = s["Cron"]("0 8 * * 1", "America/New_York", False, False, {"n": 2})
    assert (weekly.timezone, weekly.day_or, weekly.active, weekly.parameters) == (
        "America/New_York",
        False,
        False,
        {"n": 2},
    )
    assert s["Schedule"](dt.timedelta(days=1)).interval == dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("call", "refused"),
    [
        (lambda s: s["Cron"](""), 'Invalid cron string: ""'),
        (lambda s: s["Cron"]("not a cron"), 'Invalid cron string: "not a cron"'),
        (lambda s: s["Cron"]("H * * * *"), "Random and Hashed expressions are unsupported"),
        (lambda s: s["RRule"](""), 'Invalid RRule string "": empty string'),
        (
            lambda s: s["Schedule"](cron="0 * * * *", interval=dt.timedelta(1)),
            "Only one schedule type can be defined at a time. Found: interval, cron",
        ),
    ],
    ids=["empty-cron", "bad-cron", "hashed-cron", "empty-rrule", "two-kinds"],
)
def test_what_prefect_refuses_is_refused_with_its_message(call: Any, refused: str) -> None:
    with pytest.raises(ValueError, match=refused.replace("(", r"\(").replace(")", r"\)")):
        call(_schedules())


def test_what_prefect_lets_through_loads_and_they_are_frozen() -> None:
    """Prefect checks neither the zone nor the interval when the value is made: a file
    holding one at its top level loads under Prefect, so it must under flowtop."""
    s = _schedules()
    assert s["Cron"]("0 * * * *", timezone="Nope/Zone").timezone == "Nope/Zone"
    assert s["Interval"](0).interval == dt.timedelta(0)
    assert s["Cron"]("0 0 * * * *").cron == "0 0 * * * *"  # six fields: with seconds
    with pytest.raises(dataclasses.FrozenInstanceError):
        s["Cron"]("@hourly").cron = "x"
    with pytest.raises(TypeError, match="positional-only"):
        s["Cron"](cron="0 * * * *")


def test_a_name_the_module_lacks_is_still_refused_in_one_line() -> None:
    refused = r"prefect\.schedules\.NoSchedule is not available in flowtop"
    with pytest.raises(NotAvailable, match=refused), prefect_imports():
        from prefect.schedules import NoSchedule  # type: ignore[import-not-found]  # noqa: F401 - the import is what is refused
