"""``get_run_logger()``: its lines are part of the attempt's captured output."""

from __future__ import annotations

import logging

import pytest

from flowtop import flow, get_run_logger, task
from flowtop.engine import Runner
from flowtop.exceptions import MissingContextError


def test_run_logger_lines_are_captured_per_attempt() -> None:
    @task(retries=1)
    def flaky() -> str:
        logger = get_run_logger()
        attempt = len(seen) + 1
        seen.append(attempt)
        logger.info("attempt %d starting", attempt)
        if attempt == 1:
            logger.warning("about to fail")
            raise ConnectionError("down")
        return "ok"

    seen: list[int] = []

    @flow
    def pipeline() -> str:
        return flaky()

    with Runner() as runner:
        result = runner.run(pipeline)
    first, second = result.attempts["flaky"]
    assert "attempt 1 starting" in first.output and "about to fail" in first.output
    assert "attempt 2 starting" in second.output and "about to fail" not in second.output
    assert "INFO" in first.output  # INFO is recorded without configuring logging


def test_run_logger_in_the_flow_body_and_outside_any_run() -> None:
    @flow
    def pipeline() -> str:
        return get_run_logger().extra["flow_name"]  # type: ignore[index,return-value]

    with Runner() as runner:
        assert runner.run(pipeline).value == "pipeline"
    with pytest.raises(MissingContextError, match="no active flow or task run"):
        get_run_logger()


def test_run_logger_in_a_task_called_outside_a_flow(caplog: pytest.LogCaptureFixture) -> None:
    @task
    def lone() -> None:
        get_run_logger().info("from a lone task")

    with caplog.at_level(logging.INFO):
        lone()
    assert "from a lone task" in caplog.text


def test_disable_run_logger_lets_a_test_call_a_task_s_function_directly() -> None:
    """Prefect's testing idiom: ``with disable_run_logger(): my_task.fn()``."""
    from flowtop.logging import disable_run_logger, get_logger

    @task
    def logs() -> str:
        get_run_logger().info("hello")
        return "logged"

    with pytest.raises(MissingContextError):
        logs.fn()
    with disable_run_logger():
        assert logs.fn() == "logged"
    with pytest.raises(MissingContextError):  # as it was after the block
        logs.fn()
    assert get_logger().name == "prefect" and get_logger("db").name == "prefect.db"
    assert get_logger("prefect.x").name == "prefect.x"
