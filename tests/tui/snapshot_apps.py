"""Fixed inputs for the screen tests and snapshots: a host app, a history, a workspace.

Snapshots must not change from one run to the next, so everything here is built from
constants: event timestamps, run ids, the flow and its policies.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from flowtop.engine import (
    ErrorInfo,
    RunFinished,
    RunStarted,
    StateType,
    TaskStateChanged,
)
from flowtop.workspace import Workspace
from flowtop.workspace.history import History

from .conftest import load_flow_files

S = StateType

#: 2023-11-14 22:13:20 UTC; snapshot tests run with TZ=UTC.
T0 = 1_700_000_000.0

TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "flows/etl.py", line 14, in fetch_orders\n'
    '    raise ConnectionError(f"[{host}] connection reset")\n'
    "ConnectionError: [bold]api.example.com[/bold] connection reset"
)


class HostApp(App[None]):
    """Pushes one screen on mount and records what it dismissed with."""

    def __init__(self, make_screen: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.make_screen = make_screen
        self.results: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static("host app", id="host")

    def on_mount(self) -> None:
        self.push_screen(self.make_screen(), self.results.append)


def _task(
    run_id: str, key: str, state: S, attempt: int, ts: float, **extra: Any
) -> TaskStateChanged:
    return TaskStateChanged(
        run_id=run_id,
        flow="etl",
        task=key,
        state=state,
        attempt=attempt,
        max_attempts=4,
        ts=ts,
        **extra,
    )


def history_events() -> list[Any]:
    """Run #1 of "etl" fails in fetch_orders after retries; run #2 reruns it and completes."""
    err = ErrorInfo("ConnectionError", "[bold]api.example.com[/bold] connection reset", TRACEBACK)
    r1, r2 = "run-0001", "run-0002"
    keys = ("extract", "fetch_orders", "load")
    policies = ("3× 0s on Retry only", "3× [1s, 5s] on ConnectionError", "3× 0s on Retry only")
    events: list[Any] = [RunStarted(r1, "etl", 1, keys, (4, 4, 4), policies, ts=T0)]
    events += [
        _task(r1, "extract", S.RUNNING, 1, T0 + 0.01),
        _task(
            r1,
            "extract",
            S.COMPLETED,
            1,
            T0 + 0.21,
            result="[1, 2, 3]",
            duration=0.2,
            output="read 3 rows\n",
        ),
    ]
    t = T0 + 0.3
    for attempt in (1, 2, 3, 4):
        events.append(_task(r1, "fetch_orders", S.RUNNING, attempt, t))
        last = attempt == 4
        events.append(
            _task(
                r1,
                "fetch_orders",
                S.FAILED if last else S.AWAITING_RETRY,
                attempt,
                t + 0.05,
                error=err,
                duration=0.05,
                output=f"GET /orders try {attempt}\x1b[31m\n",
                retry_in=None if last else 1.0,
                delay_explained="" if last else "retry_delay[0] → 1s",
            )
        )
        t += 1.05
    events.append(_task(r1, "load", S.UPSTREAM_FAILED, 0, t))
    events.append(
        RunFinished(
            r1,
            "etl",
            1,
            S.FAILED,
            {"COMPLETED": 1, "FAILED": 1, "UPSTREAM_FAILED": 1},
            t - T0,
            ts=t,
        )
    )

    t2 = T0 + 60
    events.append(RunStarted(r2, "etl", 2, keys, (4, 4, 4), policies, rerun_of=r1, ts=t2))
    events += [
        _task(r2, "extract", S.COMPLETED, 1, t2, result="[1, 2, 3]", reused=True),
        _task(r2, "fetch_orders", S.RUNNING, 1, t2 + 0.01),
        _task(r2, "fetch_orders", S.COMPLETED, 1, t2 + 0.31, result="'12 orders'", duration=0.3),
        _task(r2, "load", S.RUNNING, 1, t2 + 0.32),
        _task(r2, "load", S.COMPLETED, 1, t2 + 0.52, result="None", duration=0.2),
        RunFinished(r2, "etl", 2, S.COMPLETED, {"COMPLETED": 3}, 0.52, ts=t2 + 0.52),
    ]
    return events


def make_history(folder: Path) -> History:
    """A real SQLite history holding the two runs of :func:`history_events`."""
    history = History(folder / ".flowtop" / "history.db")
    history.sink(history_events())
    return history


# -- a real workspace for the retry editor ----------------------------------------------

ETL_FLOW = """\
from flowtop import Flow, task


class ApiError(Exception):
    pass


@task
def extract():
    return [1, 2, 3]


@task(max_retries=3, retry_delay=[1, 5], retry_on=[ConnectionError, ApiError])
def fetch_orders(rows):
    return f"{len(rows)} orders"


@task
def load(orders):
    print(orders)


with Flow("etl") as flow:
    load(fetch_orders(extract()))
"""


#: The retry editor's workspace: its one flow file (``load_workspace(ETL_FILES)``).
ETL_FILES = {"etl.py": ETL_FLOW}


def make_workspace(folder: Path) -> Workspace:
    """A loaded workspace on one flow file, ``etl.py``, in ``folder``."""
    return load_flow_files(folder, ETL_FILES)


def set_utc() -> None:
    """Run-list times are local; pin the zone so snapshots match on any machine."""
    os.environ["TZ"] = "UTC"
    time.tzset()


# -- the main app, mid-run, on a frozen clock --------------------------------------------

#: The frozen "now" of main-screen snapshots: 3 s into run #3.
NOW = T0 + 3.0


def mid_run_events(workspace: Workspace) -> list[Any]:
    """Run #3 of etl: extract done, fetch_orders failed twice and waits 5 s, load pending."""
    flow = workspace.flows["etl"]
    policies = [workspace.policy_for(flow, node) for node in flow.nodes.values()]
    run_id = "snap-run-3"
    keys = tuple(flow.nodes)
    err = ErrorInfo("ConnectionError", "[bold]api.example.com[/bold] connection reset", TRACEBACK)

    def ev(key: str, state: S, attempt: int, ts: float, **extra: Any) -> TaskStateChanged:
        return TaskStateChanged(run_id, "etl", key, state, attempt, 4, T0 + ts, **extra)

    return [
        RunStarted(
            run_id,
            "etl",
            3,
            keys,
            tuple(p.max_attempts for p in policies),
            tuple(p.summary() for p in policies),
            ts=T0,
        ),
        ev("extract", S.RUNNING, 1, 0.01),
        ev(
            "extract",
            S.COMPLETED,
            1,
            0.2,
            result="[1, 2, 3]",
            duration=0.19,
            output="read 3 rows\n",
        ),
        ev("fetch_orders", S.RUNNING, 1, 0.21),
        ev(
            "fetch_orders",
            S.AWAITING_RETRY,
            1,
            0.26,
            error=err,
            duration=0.05,
            retry_in=1.0,
            delay_explained="retry_delay[0] → 1s",
            output="GET /orders\n",
        ),
        ev("fetch_orders", S.RUNNING, 2, 1.26),
        ev(
            "fetch_orders",
            S.AWAITING_RETRY,
            2,
            1.31,
            error=err,
            duration=0.05,
            retry_in=5.0,
            delay_explained="retry_delay[1] → 5s",
            output="GET /orders\n",
        ),
    ]


def make_main_app(workspace: Workspace) -> Any:
    """``FlowtopApp`` on a frozen clock, no file watcher: nothing moves unless a test says."""
    from flowtop.tui.app import FlowtopApp
    from pilot_kit import FrozenClock

    return FlowtopApp(workspace, clock=FrozenClock(NOW), watch=False)


async def feed(pilot: Any, events: list[Any]) -> None:
    """Hand events to the app as the engine's sink would, and wait for them to show."""
    app = pilot.app
    app.buffer.append_batch(events)
    for _ in range(100):
        await pilot.pause(0.02)
        if (
            app.table.run is not None
            and app.table.run.run_id == events[0].run_id
            and not app.buffer.drain(0)
        ):
            break
    await pilot.pause()
