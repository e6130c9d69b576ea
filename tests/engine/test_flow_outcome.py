"""Issue 14's bugs: a ``@flow`` run is what its function did, as in Prefect 3.

The function returned → the run is COMPLETED and a call returns the value, even when a
task failed and the function handled it (the failed task stays FAILED in the counts).
The function raised → the run is FAILED and its error (type, message, traceback) rides
on ``run_finished``. A task's timeout ends its attempt, and the run, without waiting for
the thread that cannot be killed.
"""

from __future__ import annotations

import contextlib
import io
import json
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import flowtop
import fork_cli
from flowtop import Flow, flow, task
from flowtop.commands.printers import HumanPrinter
from flowtop.engine import RunFinished, StateType, TaskTimeout
from flowtop.engine.events import ErrorInfo

from .kit import Recorder

S = StateType


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at teardown: a task that hangs waits on it, so its thread ends with the test."""
    event = threading.Event()
    yield event
    event.set()


@task(max_retries=1, retry_delay=0)
def boom() -> int:
    raise ValueError("no")


@task
def one() -> int:
    return 1


# -- the function's value, whatever its tasks did ------------------------------------------
def test_a_flow_catching_a_task_s_failure_returns_its_value_when_called() -> None:
    @flow
    def handled() -> str:
        try:
            boom()
        except ValueError as exc:
            return f"handled {exc}"
        return "not reached"

    assert handled() == "handled no"


def test_a_flow_catching_a_failed_future_s_result_returns_its_value() -> None:
    @flow
    def handled() -> int:
        future = boom.submit()
        try:
            return future.result()
        except ValueError:
            return -1

    assert handled() == -1


def test_a_failed_future_never_consumed_does_not_fail_the_flow() -> None:
    @flow
    def fire_and_forget() -> int:
        boom.submit()
        return one()

    assert fire_and_forget() == 1


def test_the_run_is_completed_and_the_failed_task_stays_failed(runner, recorder: Recorder) -> None:
    @flow
    def handled() -> str:
        with contextlib.suppress(ValueError):
            boom()
        return "ok" if one() == 1 else "?"

    result = runner.start(handled).final_result(5)
    runner.bus.flush()
    assert result.state is S.COMPLETED and result.value == "ok" and result.error is None
    assert result["boom"].type is S.FAILED and result["boom"].attempt == 2
    assert result.counts == {"FAILED": 1, "COMPLETED": 1}
    finished = recorder.run_finished(result.run_id)
    assert finished.state is S.COMPLETED and finished.error is None
    assert finished.counts == {"FAILED": 1, "COMPLETED": 1}
    assert "error" not in finished.as_json()


def test_a_flow_with_retries_that_handles_a_failure_returns_without_retrying(
    runner, recorder: Recorder
) -> None:
    bodies: list[int] = []

    @flow(retries=1)
    def handled() -> str:
        bodies.append(1)
        try:
            boom()
        except ValueError:
            return "handled"
        return "not reached"

    result = runner.start(handled).final_result(5)
    runner.bus.flush()
    assert result.value == "handled" and result.state is S.COMPLETED and bodies == [1]
    assert len([e for e in recorder.events if isinstance(e, RunFinished)]) == 1
    assert handled() == "handled"


def test_a_flow_with_retries_retries_when_the_function_raises_and_returns_the_retry_s_value() -> (
    None
):
    bodies: list[int] = []

    @flow(retries=1)
    def flaky() -> int:
        bodies.append(1)
        if len(bodies) == 1:
            boom()  # not caught: the function raises
        return len(bodies)

    assert flaky() == 2 and len(bodies) == 2


# -- the function's error, carried to every consumer ----------------------------------------
def sum_of_nones() -> int:
    return sum([None, None])  # type: ignore[list-item]


def test_a_raising_flow_s_error_rides_on_run_finished(runner, recorder: Recorder) -> None:
    @flow(name="regional-report")
    def report() -> int:
        one()
        return sum_of_nones()

    result = runner.start(report).final_result(5)
    runner.bus.flush()
    assert result.state is S.FAILED and isinstance(result.error, TypeError)
    finished = recorder.run_finished(result.run_id)
    assert finished.state is S.FAILED and finished.counts == {"COMPLETED": 1}
    error = finished.error
    assert isinstance(error, ErrorInfo) and error.type == "TypeError"
    assert error.message == str(result.error) and "NoneType" in error.message
    assert "in report" in error.traceback and "in sum_of_nones" in error.traceback
    assert error.traceback.rstrip().endswith(f"TypeError: {error.message}")
    data = json.loads(json.dumps(finished.as_json(), allow_nan=False))
    assert data["error"] == {
        "type": "TypeError",
        "message": error.message,
        "traceback": error.traceback,
    }


def test_a_flow_s_traceback_reads_as_the_user_wrote_it(runner, recorder: Recorder) -> None:
    """A task that fails inside a @flow: the flow's line that called it, then the task's
    line that raised; flowtop's call and future in between are not shown."""

    @task
    def fetch(region: str) -> int:
        raise ConnectionError(f"{region} is down")

    @flow(name="regional-report")
    def report() -> int:
        return fetch("eu") + 1

    result = runner.start(report).final_result(5)
    runner.bus.flush()
    trace = recorder.run_finished(result.run_id).error.traceback
    frames = [line.strip() for line in trace.splitlines() if line.strip().startswith("File ")]
    assert [f.rsplit(" in ", 1)[1] for f in frames] == ["report", "fetch"]
    package = str(Path(flowtop.__file__).parent)
    assert not any(package in f for f in frames)
    assert trace.rstrip().endswith("ConnectionError: eu is down")


def test_an_error_from_flowtop_itself_keeps_flowtop_s_frames() -> None:
    """Only frames *between* the user's are hidden: where flowtop failed stays visible."""
    from flowtop.engine.parameters import call_for
    from flowtop.engine.records import hide_own_frames

    def user() -> None:
        call_for(len, "f", {"x": {"$repr": "<object>"}})

    try:
        user()
    except ValueError as exc:
        hide_own_frames(exc)
        names = []
        tb = exc.__traceback__
        while tb is not None:
            names.append(tb.tb_frame.f_code.co_name)
            tb = tb.tb_next
        assert names[-2:] == ["user", "call_for"]


def test_calling_a_raising_flow_raises_the_function_s_own_error() -> None:
    @flow
    def report() -> int:
        return sum_of_nones()

    with pytest.raises(TypeError, match="NoneType"):
        report()


def test_the_human_output_shows_the_flow_error_and_the_handled_failures() -> None:
    out = io.StringIO()
    printer = HumanPrinter(out, live=False)
    trace = 'Traceback (most recent call last):\n  File "f.py", line 3, in report\nTypeError: bad\x1b[2J'
    printer(
        [
            RunFinished(
                "r1",
                "report",
                1,
                S.FAILED,
                {"COMPLETED": 6},
                0.1,
                0.0,
                error=ErrorInfo("TypeError", "bad\x1b[2J", trace),
            ),
            RunFinished("r2", "report", 2, S.COMPLETED, {"COMPLETED": 2, "FAILED": 1}, 0.1, 0.0),
        ]
    )
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("report #1 FAILED: 6 completed in 100ms")
    assert lines[1] == "  flow raised TypeError: bad␛[2J"  # escapes shown, never acted on
    assert lines[2:5] == [
        "    Traceback (most recent call last):",
        '      File "f.py", line 3, in report',
        "    TypeError: bad␛[2J",
    ]
    assert lines[5].endswith(
        "report #2 COMPLETED: 2 completed, 1 failed in 100ms (1 task failed, handled by the flow)"
    )


def test_flowtop_run_prints_the_flow_s_error(tmp_path: Path) -> None:
    (tmp_path / "report.py").write_text(
        textwrap.dedent(
            """\
            from flowtop import flow, task

            @task
            def total(region):
                pass  # returns None

            @flow(name="regional-report")
            def regional_report():
                return sum(total(r) for r in ("eu", "us"))
            """
        )
    )
    done = fork_cli.run(
        ["run", "report.py"],
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "regional-report #1 FAILED: 1 completed" in done.stdout
    assert "  flow raised TypeError: unsupported operand type(s) for +: 'int' and 'NoneType'" in (
        done.stdout
    )
    assert "in regional_report" in done.stdout


# -- a timeout does not wait for the thread it gave up on ----------------------------------
def test_flow_run_returns_at_a_timeout_without_waiting_for_the_abandoned_thread(
    release: threading.Event,
) -> None:
    returned: list[bool] = []

    @task(timeout=0.05)
    def hangs() -> None:
        release.wait(30)
        returned.append(True)

    static = Flow("hung")
    static.add_task(hangs)
    result = static.run(workers=1)
    assert not returned  # Flow.run() came back while the attempt's thread still waits
    assert result.state is S.FAILED and isinstance(result["hangs"].exception, TaskTimeout)


def test_a_flow_call_returns_at_a_timeout_without_waiting_for_the_abandoned_thread(
    release: threading.Event,
) -> None:
    returned: list[bool] = []

    @task(timeout=0.05)
    def hangs() -> None:
        release.wait(30)
        returned.append(True)

    @flow
    def caller() -> str:
        try:
            hangs()
        except TaskTimeout:
            return "timed out"
        return "not reached"

    assert caller() == "timed out"
    assert not returned
