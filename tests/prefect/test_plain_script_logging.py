"""A plain ``python etl.py`` shows what Prefect shows of its runs, without a logging setup.

flowtop's handler sits on the root logger while a run is live, so Python's last resort
never printed the engine's failure lines (``flowtop.task_engine``) and the engine made
none: a script whose task failed after its retries said nothing of it. A library logger
(``get_logger("mylib")``: ``prefect.mylib``) was below the root's WARNING, where Prefect's
logging setup records it at INFO. The scripts run as a user's do, in a process of their
own; the flowtop commands report failures their own way and leave these lines out.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

FLOW_FILE = """
from flowtop import flow, task
from flowtop.logging import get_logger

lib = get_logger("mylib")


@task(retries=2)
def bad():
    raise ValueError("db down")


@task
def good(i: int) -> int:
    lib.info("library line %s", i)
    return i


@flow
def etl():
    lib.info("library line in the body")
    good(0)
    print("state", bad(return_state=True).name)
"""


def run_script(
    tmp_path: Path, head: str, tail: str = "etl()\n"
) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "etl.py"
    script.write_text(textwrap.dedent(head) + FLOW_FILE + tail)
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    return done


FAILED = "Task run failed with exception: ValueError('db down') - Retries are exhausted"


def test_a_plain_script_prints_a_failed_task_s_line_and_traceback_to_stderr(
    tmp_path: Path,
) -> None:
    done = run_script(tmp_path, "")
    assert done.stdout == "state Failed\n"  # stdout keeps only what the program prints
    lines = done.stderr.splitlines()
    assert lines.count(f"ERROR flowtop.task_engine: {FAILED}") == 1
    at = lines.index(f"ERROR flowtop.task_engine: {FAILED}")
    assert lines[at + 1] == "Traceback (most recent call last):"
    assert '    raise ValueError("db down")' in lines[at + 1 :]
    assert "Retry 1/2" not in done.stderr  # INFO: the logger stays at WARNING unless set


def test_retry_lines_show_once_the_program_lowers_the_engine_logger(tmp_path: Path) -> None:
    head = 'import logging\nlogging.getLogger("flowtop.task_engine").setLevel(logging.INFO)\n'
    done = run_script(tmp_path, head)
    retries = [line for line in done.stderr.splitlines() if "will start immediately" in line]
    assert retries == [
        "INFO flowtop.task_engine: Task run failed with exception: ValueError('db down')"
        f" - Retry {n}/2 will start immediately"
        for n in (1, 2)
    ]


def test_a_library_logger_s_lines_reach_stderr(tmp_path: Path) -> None:
    done = run_script(tmp_path, "")
    lines = done.stderr.splitlines()
    assert lines.count("INFO prefect.mylib: library line 0") == 1  # in a task
    assert lines.count("INFO prefect.mylib: library line in the body") == 1


def test_with_basic_config_each_line_is_printed_once_by_the_program_s_handler(
    tmp_path: Path,
) -> None:
    done = run_script(tmp_path, "import logging\nlogging.basicConfig()\n")
    assert done.stderr.count("Task run failed with exception") == 1
    assert f"ERROR:flowtop.task_engine:{FAILED}" in done.stderr
    assert done.stderr.count("library line 0") == 1
    assert "INFO:prefect.mylib:library line 0" in done.stderr


def test_a_task_called_outside_any_flow_says_its_failure_as_python_s_last_resort_would(
    tmp_path: Path,
) -> None:
    tail = "try:\n    bad()\nexcept ValueError:\n    print('caught')\n"
    done = run_script(tmp_path, "", tail)
    assert done.stdout == "caught\n"
    assert done.stderr.splitlines()[0] == FAILED  # the last resort's format: the message


def test_flowtop_run_leaves_the_engine_s_lines_to_its_own_report(tmp_path: Path) -> None:
    (tmp_path / "etl.py").write_text(FLOW_FILE)
    for json in ([], ["--json"]):
        done = subprocess.run(
            [sys.executable, "-m", "flowtop", "run", *json, "etl.py"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        assert "Task run failed with" not in done.stdout + done.stderr
        assert "db down" in done.stdout + done.stderr  # its own report says it
