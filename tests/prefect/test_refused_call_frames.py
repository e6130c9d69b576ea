"""A drop-in flow called with a value its annotation refuses raises Prefect's
``ParameterTypeError`` with the caller's frames alone: its traceback went on through
flowtop's call, run and state (``prefect_flows.py``, ``dynamic.py``, ``prefect_state.py``),
and read as if flowtop had failed. Its run's record, and the record of the flow that
called it, show no frame of flowtop's either (``flowtop run`` prints them)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import traceback
from pathlib import Path
from typing import Any

import pytest

from flowtop.compat.prefect_flows import flow
from flowtop.engine.library_folders import FLOWTOP_FOLDER
from flowtop.exceptions import ParameterTypeError

REFUSED = (
    "Flow run received invalid parameters:\n"
    " - n: Input should be a valid integer, unable to parse string as an integer"
)


def _files(error: BaseException) -> list[str]:
    """The files of ``error``'s traceback, outermost first."""
    return [frame.filename for frame in traceback.extract_tb(error.__traceback__)]


def _flowtop_frames(files: list[str]) -> list[str]:
    return [file for file in files if file.startswith(FLOWTOP_FOLDER)]


def test_a_refused_call_raises_with_the_callers_frames_only() -> None:
    @flow
    def greet(n: int) -> int:
        return n

    with pytest.raises(ParameterTypeError) as raised:
        greet("bad")
    assert str(raised.value) == REFUSED
    files = _files(raised.value)
    assert files == [__file__], files  # this test's line that called it, and nothing else


def test_an_awaited_refused_call_raises_without_flowtops_frames() -> None:
    @flow
    async def greet(n: int) -> int:
        return n

    async def main() -> Any:
        return await greet("bad")

    with pytest.raises(ParameterTypeError) as raised:
        asyncio.run(main())
    files = _files(raised.value)
    assert _flowtop_frames(files) == [], files
    assert files[0] == files[-1] == __file__  # the test's call, then main's await


PARENT = """
    from prefect import flow


    @flow
    def daily(n: int):
        return n


    @flow
    def parent():
        return daily("bad")
"""


def test_flowtop_run_records_a_refused_subflow_call_without_flowtops_frames(
    tmp_path: Path,
) -> None:
    (tmp_path / "days.py").write_text(textwrap.dedent(PARENT))
    (tmp_path / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    done = subprocess.run(
        [sys.executable, "-m", "flowtop", "run", "days.py", "--flow", "parent", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert done.returncode == 1, done.stderr
    ends = [json.loads(line) for line in done.stdout.splitlines()]
    errors = {e["flow"]: e["error"] for e in ends if e["event"] == "run_finished"}
    assert set(errors) == {"daily", "parent"}, done.stdout
    for error in errors.values():
        assert error["message"] == REFUSED
        assert FLOWTOP_FOLDER not in error["traceback"], error["traceback"]
    assert errors["daily"]["traceback"] == f"prefect.exceptions.ParameterTypeError: {REFUSED}\n"
    called = errors["parent"]["traceback"]  # the flow's line that called it stays
    assert f'File "{tmp_path / "days.py"}", line 12, in parent\n' in called, called
