"""``PREFECT_LOGGING_ROOT_LEVEL`` sets the root logger's level, as Prefect's
``logging.yml`` (its ``root: level``) reads it: ``WARNING`` keeps a library's INFO line
out, ``DEBUG`` lets its DEBUG lines through. flowtop did not read it (its commands keep
the root at INFO when the program configures no logging, and still do without it); a
value that is no level, which Prefect refuses to start on, is named once on stderr and
not used."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from cli_kit import PLAIN, flowtop
from flowtop.engine.prefect_log_levels import not_levels, root_level

LIBRARY = """\
import logging

from prefect import flow, task, get_run_logger

@task
def process(x):
    logging.getLogger("mylib").info("library info %s", x)
    logging.getLogger("mylib").debug("library debug %s", x)
    return x

@flow
def log_flow():
    get_run_logger().info("starting")
    process(1)
"""


def _run(folder: Path, **env: str) -> tuple[str, str]:
    (folder / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    (folder / "logs.py").write_text(textwrap.dedent(LIBRARY))
    kept = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_LOGGING")}
    done = flowtop("run", "logs.py", cwd=folder, env={**kept, **PLAIN, **env})
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr


def test_without_it_a_library_s_info_lines_are_output_as_before(tmp_path: Path) -> None:
    out, err = _run(tmp_path)
    assert "library info 1" in out + err, (out, err)
    assert "library debug" not in out + err


def test_the_root_level_keeps_a_library_s_info_lines_out(tmp_path: Path) -> None:
    out, err = _run(tmp_path, PREFECT_LOGGING_ROOT_LEVEL="warning")
    assert "library info" not in out + err, (out, err)
    assert "INFO prefect.flow_runs: starting" in out + err


def test_the_root_level_lets_a_library_s_debug_lines_through(tmp_path: Path) -> None:
    out, err = _run(tmp_path, PREFECT_LOGGING_ROOT_LEVEL="DEBUG")
    assert "library debug 1" in out + err, (out, err)


def test_a_root_level_that_is_no_level_is_named_once(tmp_path: Path) -> None:
    out, err = _run(tmp_path, PREFECT_LOGGING_ROOT_LEVEL="chatty")
    line = "PREFECT_LOGGING_ROOT_LEVEL='chatty' is not a logging level"
    assert (out + err).count(line) == 1 and line in err, (out, err)
    assert "library info 1" in out + err and "library debug" not in out + err


def test_the_root_level_read_as_prefect_reads_it() -> None:
    assert root_level({}) is None
    assert root_level({"PREFECT_LOGGING_ROOT_LEVEL": " "}) is None
    assert root_level({"PREFECT_LOGGING_ROOT_LEVEL": "Debug"}) == 10
    assert root_level({"PREFECT_LOGGING_ROOT_LEVEL": "20"}) == 20
    assert root_level({"PREFECT_LOGGING_ROOT_LEVEL": "x"}) is None
    assert [line.split(" is ")[0] for line in not_levels({"PREFECT_LOGGING_ROOT_LEVEL": "x"})] == [
        "PREFECT_LOGGING_ROOT_LEVEL='x'"
    ]
