"""Prefect drop-in wording a Prefect user tripped on (fx72g), found comparing Prefect's docs
snippets with Prefect 3.9.1:

- a task that returned ``Failed(message=…)`` read ``FailedRun: 1 rows bad`` on every
  attempt line, with ``flowtop.engine.prefect_exceptions.FailedRun: 1 rows bad`` for a
  traceback and no line; a flow returning it read ``flow raised FailedRun`` (and ``flow
  raised TaskTimeout`` for a timed-out task's state it returned);
- ``from prefect.task_runners import ProcessPoolTaskRunner`` and ``from
  prefect_dask.task_runners import DaskTaskRunner`` were refused with no way to go (the
  latter a bare ``No module named 'prefect_dask'``);
- a drop-in hook that raised was logged on ``flowtop.task_runs`` / ``flowtop.flow_runs``,
  not the drop-in run loggers ``prefect.task_runs`` / ``prefect.flow_runs``.
"""

from __future__ import annotations

import inspect
import io
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from drop_in_kit import drop_in_module

from engine.kit import Recorder
from flowtop.commands.printers import HumanPrinter
from flowtop.compat import NotAvailable, prefect_states
from flowtop.compat.prefect_flows import flow as prefect_flow
from flowtop.compat.prefect_tasks import task as prefect_task
from flowtop.engine import RunFinished, Runner, StateType
from flowtop.engine.events import TaskStateChanged
from flowtop.looks import run_error_text
from flowtop.states import Failed as OwnFailed
from flowtop.tasks import task as own_task

#: Drop-in ``prefect.states.Failed``, as a Prefect flow file imports it.
PrefectFailed = prefect_states.names()["Failed"]


def recorded(target: Any) -> Recorder:
    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        runner.run(target)
        runner.bus.flush()
    return recorder


def _finished(recorder: Recorder) -> RunFinished:
    (finished,) = [e for e in recorder.events if isinstance(e, RunFinished)]
    return finished


RETURN_LINE = 0  # set below: the line of ``validate``'s ``return PrefectFailed(...)``


@prefect_task(retries=1, retry_delay_seconds=0)
def validate(rows: list[int]) -> Any:
    bad = [r for r in rows if r < 0]
    return PrefectFailed(message=f"{len(bad)} rows bad")


RETURN_LINE = inspect.getsourcelines(validate.fn)[1] + 3


def test_a_task_returning_failed_reads_returned_with_its_line_and_prefects_class() -> None:
    @prefect_flow(name="validate-flow")
    def validate_flow() -> Any:
        return validate([1, -3])

    recorder = recorded(validate_flow)
    failures = [
        e
        for e in recorder.events
        if isinstance(e, TaskStateChanged) and e.error is not None and e.task == "validate"
    ]
    assert [e.state for e in failures] == [StateType.AWAITING_RETRY, StateType.FAILED]
    for event in failures:
        error = event.error
        assert error is not None
        assert (error.type, error.message) == ("returned Failed", "1 rows bad")
        assert f'{__file__}", line {RETURN_LINE}, in validate' in error.traceback
        assert "prefect.exceptions.FailedRun: 1 rows bad" in error.traceback
        assert "flowtop.engine.prefect_exceptions" not in error.traceback
        assert "not raised: the task returned Failed('1 rows bad')" in error.traceback
    out = io.StringIO()
    HumanPrinter(out, live=False)(recorder.events)
    text = out.getvalue()
    where = f"(test_dropin_wording_fx72g.py:{RETURN_LINE} in validate)"
    assert f"✗ failed (attempt 2/2): the task returned Failed('1 rows bad') {where}" in text
    assert "FailedRun: 1 rows bad" not in text.split("\n  ")[0]  # (the attempt lines)
    # the flow returned that state: returned, not raised
    finished = _finished(recorder)
    assert finished.state is StateType.FAILED and finished.error is not None
    assert finished.error.type == "returned Failed"
    said = run_error_text(finished.error.type, finished.error.message)
    assert said == "flow returned Failed('1 rows bad')"
    assert f"line {RETURN_LINE}, in validate" in finished.error.traceback
    assert "flow returned Failed('1 rows bad')" in text


def test_a_flow_returning_a_timed_out_task_state_reads_returned() -> None:
    @prefect_task(timeout_seconds=0.2)
    def slow() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # (a Python line each turn: interrupted there)
            time.sleep(0.01)

    @prefect_flow
    def waits_on_slow() -> Any:
        return slow(return_state=True)

    finished = _finished(recorded(waits_on_slow))
    assert finished.error is not None
    said = run_error_text(finished.error.type, finished.error.message)
    assert said == "flow returned TimedOut('Task run exceeded timeout of 0.2 second(s)')"
    assert "in slow" in finished.error.traceback  # the task's own traceback, kept


def test_flowtops_own_failed_names_flowtops_public_class() -> None:
    @own_task
    def declines() -> Any:
        return OwnFailed(message="no")

    @prefect_flow
    def own() -> Any:
        return declines()

    recorder = recorded(own)
    (failed,) = recorder.of("declines", StateType.FAILED)
    assert failed.error is not None and failed.error.type == "returned Failed"
    assert "flowtop.exceptions.FailedRun: no" in failed.error.traceback
    assert "in declines" in failed.error.traceback


def test_a_drop_in_failed_raised_in_a_flow_is_named_as_prefects() -> None:
    @prefect_flow
    def raises() -> None:
        PrefectFailed(message="by hand").result()

    finished = _finished(recorded(raises))
    assert finished.error is not None and finished.error.type == "FailedRun"
    assert finished.error.traceback.rstrip().endswith("prefect.exceptions.FailedRun: by hand")


@pytest.mark.parametrize(
    ("line", "named", "pointer"),
    [
        (
            "from prefect.task_runners import ProcessPoolTaskRunner",
            "prefect.task_runners.ProcessPoolTaskRunner",
            "--executor process",
        ),
        ("from prefect_dask.task_runners import DaskTaskRunner", "prefect_dask", "--executor dask"),
        ("import prefect_dask", "prefect_dask", "--executor dask"),
    ],
)
def test_a_process_or_dask_task_runner_import_says_which_executor(
    tmp_path: Path, line: str, named: str, pointer: str
) -> None:
    with pytest.raises(NotAvailable) as refused:
        drop_in_module(tmp_path, "runners", f"from prefect import flow\n{line}\n")
    message = str(refused.value)
    assert message.startswith(f"{named} is not available in flowtop: ")
    assert pointer in message and "flowtop.toml" in message


def test_a_raising_drop_in_hook_is_logged_on_prefects_run_loggers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(made: Any, run: Any, state: Any) -> None:
        raise RuntimeError("hook bug")

    @prefect_task(on_completion=[broken])
    def t() -> int:
        return 1

    @prefect_flow(on_completion=[broken])
    def hooked() -> int:
        return t()

    with caplog.at_level(logging.ERROR):
        recorded(hooked)
    names = sorted(r.name for r in caplog.records if "while running hook" in r.getMessage())
    assert names == ["prefect.flow_runs", "prefect.task_runs"]
