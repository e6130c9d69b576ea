"""Prefect's logging levels from the environment (its docs' logging-customization page):
``PREFECT_LOGGING_LEVEL=DEBUG`` shows a run logger's DEBUG lines, and
``PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL=ERROR`` keeps a flow run's INFO lines
out, as Prefect's ``logging.yml`` reads them. flowtop ignored both, without a word."""

from __future__ import annotations

import logging
import os
import textwrap
from pathlib import Path

import pytest

from cli_kit import PLAIN, flowtop
from flowtop.engine.prefect_log_levels import prefect_levels

LOGGING = """\
from prefect import flow, task, get_run_logger

@task
def process(x):
    logger = get_run_logger()
    logger.info("processing %s", x)
    logger.debug("debug shown")
    return x

@flow
def log_flow():
    get_run_logger().info("starting")
    process(1)
"""


def _run(folder: Path, **env: str) -> str:
    (folder / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    (folder / "logs.py").write_text(textwrap.dedent(LOGGING))
    kept = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_LOGGING")}
    done = flowtop("run", "logs.py", cwd=folder, env={**kept, **PLAIN, **env})
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_prefect_s_defaults_without_the_variables(tmp_path: Path) -> None:
    said = _run(tmp_path)
    assert "INFO prefect.flow_runs: starting" in said
    assert "INFO prefect.task_runs: processing 1" in said
    assert "debug shown" not in said


def test_prefect_logging_level_shows_debug_lines(tmp_path: Path) -> None:
    said = _run(tmp_path, PREFECT_LOGGING_LEVEL="DEBUG")
    assert "DEBUG prefect.task_runs: debug shown" in said


def test_a_logger_s_own_level_keeps_its_lines_out(tmp_path: Path) -> None:
    said = _run(tmp_path, PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL="ERROR")
    assert "starting" not in said
    assert "INFO prefect.task_runs: processing 1" in said


@pytest.mark.parametrize(
    ("env", "levels"),
    [
        ({}, {}),
        (
            {"PREFECT_LOGGING_LEVEL": "debug"},
            dict.fromkeys(
                ("prefect", "prefect.extra", "prefect.client", "prefect.infrastructure"),
                logging.DEBUG,
            ),
        ),
        (
            {"PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL": "30", "PREFECT_LOGGING_LEVEL": "x"},
            {"prefect.task_runs": logging.WARNING},
        ),
    ],
)
def test_the_levels_read_as_prefect_s_logging_yml_reads_them(
    env: dict[str, str], levels: dict[str, int]
) -> None:
    assert prefect_levels(env) == levels
