"""A ``PREFECT_LOGGING_LEVEL`` (or a logger's own ``PREFECT_LOGGING_LOGGERS_…_LEVEL``)
that is no level was left out without a word, where Prefect refuses to start on it (its
settings take DEBUG … CRITICAL; its ``logging.yml`` a ``logging`` level): now one line
on stderr names each variable and value, once, and the run goes on."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from cli_kit import PLAIN, flowtop
from flowtop.engine.prefect_log_levels import not_levels

LOGGING = """\
from prefect import flow, task, get_run_logger

@task
def process(x):
    get_run_logger().info("processing %s", x)
    return x

@flow
def log_flow():
    get_run_logger().info("starting")
    process(1)
    process(2)
"""


def test_each_variable_that_is_no_level_is_said_once(tmp_path: Path) -> None:
    (tmp_path / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    (tmp_path / "logs.py").write_text(textwrap.dedent(LOGGING))
    kept = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_LOGGING")}
    env = {
        "PREFECT_LOGGING_LEVEL": "x",
        "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL": "loud",
        "PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL": "ERROR",
    }
    done = flowtop("run", "logs.py", cwd=tmp_path, env={**kept, **PLAIN, **env})
    assert done.returncode == 0, done.stderr
    for variable, value in (
        ("PREFECT_LOGGING_LEVEL", "x"),
        ("PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL", "loud"),
    ):
        line = f"{variable}={value!r} is not a logging level"
        assert (done.stdout + done.stderr).count(line) == 1, (done.stdout, done.stderr)
        assert line in done.stderr, done.stderr
    assert "FLOW_RUNS_LEVEL='ERROR'" not in done.stdout + done.stderr
    assert "INFO prefect.task_runs: processing 2" in done.stdout + done.stderr


def test_only_values_that_are_no_level_are_named() -> None:
    assert not_levels({}) == []
    good = {"PREFECT_LOGGING_LEVEL": "debug", "PREFECT_LOGGING_LOGGERS_PREFECT_LEVEL": "30"}
    assert not_levels({**good, "PREFECT_LOGGING_LOGGERS_PREFECT_EXTRA_LEVEL": " "}) == []
    said = not_levels({**good, "PREFECT_LOGGING_LOGGERS_PREFECT_CLIENT_LEVEL": "verbose"})
    assert [line.split(" is ")[0] for line in said] == [
        "PREFECT_LOGGING_LOGGERS_PREFECT_CLIENT_LEVEL='verbose'"
    ]
    assert "Prefect refuses to start on it" in said[0]
