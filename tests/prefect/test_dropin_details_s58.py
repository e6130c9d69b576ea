"""Prefect 3 drop-in details (s58), each checked in Prefect's source:

- ``@task(timeout_seconds=5)`` read back ``5``; Prefect's ``Task`` keeps
  ``float(timeout_seconds) if timeout_seconds else None`` (``5.0``), and its ``Flow`` keeps
  ``retry_delay_seconds`` as given (``2``, where flowtop's read ``2.0``);
- a ``__main__`` block's ``my_flow.from_source(...).deploy(parameters={...})`` was not
  read as a call of ``my_flow``: every flow of the file ran, ``my_flow`` with its defaults,
  ``flowtop list`` did not mark it, ``--detach`` the same;
- a parameter whose default is ``Field(default=5)`` was recorded as given: ``started with
  n=5``, kept in the run's parameters (a rerun pinned to 5), where any other default is not;
- a ``SecretStr`` default was listed as ``"SecretStr('**********')"`` (``list``, ``--json``,
  the run form); Prefect's schema shows pydantic's JSON of it, ``**********``;
- a drop-in flow's run that crashed (``SystemExit`` in its body, Ctrl+C of ``flowtop run``)
  logged nothing: Prefect's ``handle_crash`` logs ``Crash detected! <message>`` at ERROR
  on the flow run logger, before the ``on_crashed`` hooks.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from drop_in_kit import drop_in_module

from cli_kit import flowtop, wait_for_runs
from engine.kit import Recorder
from flowtop import flow
from flowtop.commands.run_signals import CtrlC
from flowtop.compat.prefect_flows import flow as prefect_flow
from flowtop.compat.prefect_tasks import task as prefect_task
from flowtop.engine import RunFinished, Runner, RunStarted, StateType


# -- timeout_seconds and retry_delay_seconds read back as Prefect's ------------------------
def test_a_drop_in_task_s_timeout_seconds_reads_back_a_float() -> None:
    timed = prefect_task(timeout_seconds=5, retries=2, retry_delay_seconds=3)(lambda: 1)
    assert repr(timed.timeout_seconds) == "5.0"
    assert repr(timed.retry_delay_seconds) == "3"  # as given, as Prefect's
    copy = timed.with_options(timeout_seconds=2, retry_delay_seconds=4)
    assert repr(copy.timeout_seconds) == "2.0" and repr(copy.retry_delay_seconds) == "4"
    assert repr(timed.with_options(retries=1).timeout_seconds) == "5.0"
    assert prefect_task(lambda: 1).timeout_seconds is None
    assert prefect_task(retry_delay_seconds=[1, 2])(lambda: 1).retry_delay_seconds == [1, 2]


def test_a_drop_in_flow_s_retry_delay_seconds_reads_back_as_given() -> None:
    def body() -> None:
        return None

    made = prefect_flow(timeout_seconds=7, retries=1, retry_delay_seconds=2)(body)
    assert (repr(made.timeout_seconds), repr(made.retry_delay_seconds)) == ("7.0", "2")
    same = made.with_options(retries=3)
    assert repr(same.retry_delay_seconds) == "2"
    other = made.with_options(retry_delay_seconds=1.5)
    assert repr(other.retry_delay_seconds) == "1.5"
    assert repr(prefect_flow(body).retry_delay_seconds) == "0"


# -- from_source(...).deploy(parameters=...) ------------------------------------------------
DEPLOYED = """\
from prefect import flow

@flow
def my_flow(name: str = "world"):
    print(f"hello {name}")

@flow
def other():
    print("other ran")

if __name__ == "__main__":
    my_flow.from_source(
        source="https://github.com/prefecthq/demos.git",
        entrypoint="my_workflow.py:my_flow",
    ).deploy(name="my-deployment", work_pool_name="pool", parameters={"name": "marvin"})
"""


def deployed(folder: Path) -> None:
    (folder / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    (folder / "deployed.py").write_text(DEPLOYED)


def test_a_from_source_deploy_runs_that_flow_alone_with_its_parameters(tmp_path: Path) -> None:
    deployed(tmp_path)
    done = flowtop("run", "deployed.py", "--no-history", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == (
        'flowtop run: running my-flow(name="marvin"), as deployed.py\'s __main__ block calls '
        "it (--flow NAME runs another)"
    )
    assert "hello marvin" in done.stdout and "other ran" not in done.stdout
    given = flowtop("run", "deployed.py", "--no-history", "-p", "name=x", cwd=tmp_path)
    assert "hello x" in given.stdout  # -p wins, as over any block's call


def test_a_from_source_deploy_is_the_block_s_call_in_list_and_detach(tmp_path: Path) -> None:
    deployed(tmp_path)
    listed = flowtop("list", "deployed.py", "--json", cwd=tmp_path)
    info = {i["flow"]: i for i in map(json.loads, listed.stdout.splitlines())}
    assert info["my-flow"]["run_by_main_block"] and not info["other"]["run_by_main_block"]
    assert info["my-flow"]["main_block_parameters"] == {"name": "marvin"}
    assert "(run by its __main__ block)" in flowtop("list", "deployed.py", cwd=tmp_path).stdout
    done = flowtop("run", "deployed.py", "--detach", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    wait_for_runs(tmp_path, lambda runs: any(r.state == "COMPLETED" for r in runs))
    history = flowtop("history", "deployed.py", "--json", cwd=tmp_path)
    records = [json.loads(line) for line in history.stdout.splitlines()]
    assert [(r["flow"], r["parameters"]) for r in records] == [("my-flow", {"name": "marvin"})]


# -- a Field(default=...) default is a default, not given ------------------------------------
FIELDED = """\
from pydantic import Field, SecretStr
from prefect import flow

@flow
def sized(n: int = Field(default=5, ge=1), m: int = 2, key: SecretStr = SecretStr("hunter2")):
    print(f"n={n} m={m} key={key}")
    return n

@flow
def parent():
    return sized() + sized(n=6)
"""


def fielded(folder: Path) -> None:
    (folder / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    (folder / "fielded.py").write_text(FIELDED)


def test_a_field_default_reaches_the_body_but_is_not_recorded_as_given(tmp_path: Path) -> None:
    fielded(tmp_path)
    done = flowtop("run", "fielded.py", "--flow", "sized", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "sized #1 started:" in done.stdout and "n=5 m=2 key=**********" in done.stdout
    given = flowtop("run", "fielded.py", "--flow", "sized", "-p", "n=7", cwd=tmp_path)
    assert "sized #2 started with n=7:" in given.stdout and "n=7 m=2" in given.stdout
    history = flowtop("history", "fielded.py", "--json", cwd=tmp_path)
    kept = {r["run"]: r.get("parameters") for r in map(json.loads, history.stdout.splitlines())}
    assert kept == {1: None, 2: {"n": 7}}


def test_a_python_call_leaves_a_field_default_out_of_the_run_s_parameters(
    tmp_path: Path,
) -> None:
    module = drop_in_module(tmp_path, "fielded_call", FIELDED)
    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        result = runner.run(module.parent)
        runner.bus.flush()
    assert result.state is StateType.COMPLETED and result.value == 11
    started = [e.parameters for e in recorder.events if isinstance(e, RunStarted)]
    assert started == [None, None, '{"n":6}']  # the parent, sized(), sized(n=6)


def test_a_secret_default_is_listed_as_its_stars(tmp_path: Path) -> None:
    fielded(tmp_path)
    listed = flowtop("list", "fielded.py", cwd=tmp_path)
    assert 'key: SecretStr = "**********"' in listed.stdout and "SecretStr(" not in listed.stdout
    as_json = flowtop("list", "fielded.py", "--json", cwd=tmp_path)
    info = {i["flow"]: i for i in map(json.loads, as_json.stdout.splitlines())}
    (key,) = [p for p in info["sized"]["parameters"] if p["name"] == "key"]
    assert key["default"] == '"**********"'


# -- Crash detected! -------------------------------------------------------------------------
def crash_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[str, int, str]]:
    return [
        (r.name, r.levelno, r.getMessage())
        for r in caplog.records
        if r.getMessage().startswith("Crash detected!")
    ]


def test_a_drop_in_flow_s_crash_is_logged_before_its_on_crashed_hooks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[Any] = []

    def hook(flow: Any, flow_run: Any, state: Any) -> None:
        seen.append(crash_lines(caplog))

    @prefect_flow(on_crashed=[hook])
    def exits() -> None:
        raise SystemExit(3)

    @prefect_flow
    def exits_too() -> None:
        raise SystemExit(4)

    caplog.set_level(logging.INFO)
    line = (
        "prefect.flow_runs",
        logging.ERROR,
        "Crash detected! Execution was aborted by Python system exit call.",
    )
    with Runner() as runner:
        assert runner.run(exits).state is StateType.FAILED
        assert seen == [[line]]
        assert runner.run(exits_too).state is StateType.FAILED  # no hooks: logged too
    assert crash_lines(caplog) == [line, line]


def test_ctrl_c_of_flowtop_run_logs_a_drop_in_run_s_crash(
    caplog: pytest.LogCaptureFixture,
) -> None:
    started, release = threading.Event(), threading.Event()

    def wait_here() -> None:
        started.set()
        release.wait(5)

    step = prefect_task(wait_here, name="step")
    stopped = prefect_flow(lambda: step(), name="stopped")
    caplog.set_level(logging.INFO)
    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        run = runner.start(stopped)
        assert started.wait(5)
        assert run.cancel(CtrlC.why)
        result = run.final_result(5)
        release.set()
        runner.bus.flush()
    assert result.state is StateType.CANCELLED
    assert crash_lines(caplog) == [
        (
            "prefect.flow_runs",
            logging.ERROR,
            "Crash detected! Execution was aborted by an interrupt signal.",
        )
    ]
    (finished,) = [e for e in recorder.events if isinstance(e, RunFinished)]
    assert "Crash detected! Execution was aborted by an interrupt signal." in finished.output


def test_flowtop_s_own_flow_logs_no_crash(caplog: pytest.LogCaptureFixture) -> None:
    @flow
    def own_exit() -> None:
        raise SystemExit(3)

    caplog.set_level(logging.INFO)
    with Runner() as runner:
        assert runner.run(own_exit).state is StateType.FAILED
    assert crash_lines(caplog) == []
