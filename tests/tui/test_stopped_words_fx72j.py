"""The monitor says a stopped run process first, and says "stopped" where it knows it
(fx72j §1-§3): the header's `its process is stopped …` came after the long stage text and
was cut off at 120 and 80 columns (at 80 even a plain stopped run lost its `kill -CONT`);
the Overdue detail and the `c` toast said "(stopped or busy)" while the header said
stopped; the history page's run read plain `▶ Running`, and a running attempt's line had
an empty field (`Attempt 1 · ▶ Running ·  · started …`)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest

from flowtop.engine import Flow, task
from flowtop.engine.events import ErrorInfo, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.tui.run_store import RunStore
from flowtop.tui.screens.run_detail import attempts_text
from flowtop.tui.screens.run_heading import live_said
from flowtop.workspace.history_records import AttemptRecord, RunRecord, TaskRecord
from flowtop.workspace.ownership import Owner, boot_id, host_name, owner_gone, process_start
from pilot_kit import wait_for
from waits import wait_until

from .conftest import FakeWorkspace
from .test_header_stopped_fx72c import _state, first_line
from .test_header_stopped_fx72c import process as process  # (a fixture, used by name)

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")

RUN = "f72j0000beef"
STAGE = "waiting for a Dask worker: the scheduler at tcp://127.0.0.1:8786 has none yet"
S = StateType


@pytest.fixture
def stopped(process: subprocess.Popen[str]) -> Iterator[int]:
    """The pid of a stopped process that the liveness check found stopped for ``RUN``."""
    pid = process.pid
    owner = Owner(host_name(), pid, boot_id(), process_start(pid))
    os.kill(pid, signal.SIGSTOP)
    wait_until(lambda: _state(pid) == "T", "the process stopped")
    assert owner_gone(owner, None, run_id=RUN) is None
    yield pid
    os.kill(pid, signal.SIGCONT)
    owner_gone(owner, None, run_id=RUN)  # (forgotten as stopped)


@pytest.mark.parametrize("width", [80, 120])
async def test_the_header_says_stopped_first_and_keeps_the_kill_cont_hint(
    tmp_path: object, stopped: int, width: int
) -> None:
    @task
    def fetch() -> None:
        return None

    with Flow("paused") as flow:
        fetch()
    app = FlowtopApp(FakeWorkspace(tmp_path, {"paused": flow}))  # type: ignore[arg-type]
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.pause()
        app.buffer.append_batch(
            [
                RunStarted(RUN, "paused", 1, ("fetch",), (3,), ("",), ts=time.time()),
                TaskStateChanged(RUN, "paused", "fetch", S.RUNNING, 1, 3, time.time()),
            ]
        )
        await wait_for(pilot, lambda: "run #1" in first_line(app), "the run shown")
        run = app.store.runs[RUN]
        run.stage = STAGE  # (as the store client hands it: ``RunsReserved``)
        app.header.show("paused", run, time.monotonic())  # (as it is asked 10×/s)
        line = first_line(app)
        # old: `… ▶ Running  0.1s  waiting for a Dask worker: the scheduler at tcp://127…`
        assert f"kill -CONT {stopped}" in line and "waiting" not in line.split("stopped")[0]
        assert len(line) <= width, line


def test_an_overdue_retry_of_a_stopped_process_says_stopped(stopped: int) -> None:
    store = RunStore()
    t0 = time.time()
    store.apply_batch([RunStarted(RUN, "etl", 1, ("flaky",), (3,), ("",), None, t0)])
    failed = ErrorInfo("ConnectionError", "reset")
    store.apply_batch(
        [
            TaskStateChanged(RUN, "etl", "flaky", S.RUNNING, 1, 3, t0),
            TaskStateChanged(
                RUN, "etl", "flaky", S.AWAITING_RETRY, 1, 3, t0, retry_in=0.5, error=failed
            ),
        ]
    )
    run = store.latest_for("etl")
    assert isinstance(run, RunModel)
    waits = run.retry_waits(run.rows["flaky"], run.started + 60)
    # old: `…, which has reported nothing since the retry was due (stopped or busy), or …`
    assert "stopped or busy" not in waits and f"kill -CONT {stopped} resumes it" in waits, waits


def _record(state: str) -> RunRecord:
    return RunRecord(RUN, "etl", 1, state, time.time(), None, None, None, None, {}, 1)


def test_the_history_page_says_a_live_runs_process_is_stopped_and_its_stage(stopped: int) -> None:
    model = RunModel("etl", ("fetch",), run_id=RUN)
    model.stage = STAGE

    class App:  # the monitor's: its store client's runs (``RunStore.runs``)
        store = type("Store", (), {"runs": {RUN: model}})()

    said = live_said(App(), _record("RUNNING"))
    # old: nothing after its time (`started … · unfinished`)
    resumes = f"kill -CONT {stopped} resumes it"
    assert said == f" · its process is stopped (paused, pid {stopped}: {resumes}) · {STAGE}"
    assert live_said(App(), _record("COMPLETED")) == ""


def test_a_running_attempt_has_no_empty_field() -> None:
    attempt = AttemptRecord(1, "RUNNING", time.time(), None, None, None, None, None, "", None, "")
    record = TaskRecord(
        "fetch", "RUNNING", 1, 3, "", None, False, "", None, None, time.time(), None, None,
        (attempt,),
    )  # fmt: skip
    line = next(ln for ln in attempts_text(record).plain.splitlines() if ln.startswith("Attempt"))
    # old: `Attempt 1 · ▶ Running ·  · started …`
    assert " ·  · " not in line and line.startswith("Attempt 1 · ▶ Running · started "), line
