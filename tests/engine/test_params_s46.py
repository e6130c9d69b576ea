"""A number typed for a ``str`` parameter is the text typed, and a rerun replays what its
source run was called with.

``-p version=1.10`` for ``version: str`` gave the flow "1.1": the value was read as JSON
(the float 1.1), then turned into text. The text typed is now kept, on the command line
(``--param``, ``--params``, ``--detach``, whose run process reads the parameters from a
private file) and in the TUI's run form.

A run called from Python with ``name=None`` for ``name: str`` (a ``@flow`` calling
another) ran; its rerun was refused by the check meant for what a user types (``expected
str, got None``), so no rerun could repeat it.
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Input

from cli_kit import flowtop, wait_for_runs
from flowtop.engine.parameters import (
    ParameterError,
    ParameterInfo,
    as_typed,
    call_for,
    parse_given,
    typed_value,
    value_text,
)
from flowtop.tui.screens.run_form import RunForm

VERSION = ParameterInfo("version", True, "", "str")
NOTE = ParameterInfo("note", False, "null", "Optional[str]")
RATIO = ParameterInfo("ratio", False, "1.0", "float")
LOOSE = ParameterInfo("loose", False, "0", "")


def typed(params: str | None, *assignments: str) -> dict[str, Any]:
    given = parse_given(params, assignments)
    return as_typed(given.values, given.texts, (VERSION, NOTE, RATIO, LOOSE))


@pytest.mark.parametrize("text", ["1.10", "007", "1e3", "1E+3", "-0", "2024", " 1.50"])
def test_a_number_typed_for_a_str_parameter_is_the_text_typed(text: str) -> None:
    assert typed(None, f"version={text}")["version"] == text.strip()
    assert typed(None, f"note={text}")["note"] == text.strip()  # str | None too


def test_other_parameters_still_get_the_number() -> None:
    given = typed(None, "ratio=1.10", "loose=1e3", "version=true", 'note="1.10"')
    assert given == {"ratio": 1.1, "loose": 1000.0, "version": True, "note": "1.10"}


def test_params_keeps_a_number_s_text_and_a_param_over_it_wins() -> None:
    assert typed('{"version": 1.10, "ratio": 2.50}') == {"version": "1.10", "ratio": 2.5}
    assert typed('{"version": 1.10}', "version=abc") == {"version": "abc"}
    assert typed('{"version": "x"}', "version=1.0") == {"version": "1.0"}
    with pytest.raises(ParameterError, match="expected NAME=VALUE"):
        parse_given(None, ["1.10"])


def test_the_run_form_reads_a_number_for_a_str_as_typed_and_shows_it_back_bare() -> None:
    assert typed_value(" 1.10 ", "str") == "1.10"
    assert typed_value("1.10", "float") == 1.1
    assert typed_value("1.10", "Level") == 1.1  # a class of the user's: as JSON reads it
    assert value_text("1.10", "str") == "1.10"  # read back as that text
    assert value_text("1.10", "") == '"1.10"'  # elsewhere the number would come back


class FormApp(App[None]):
    """The run form alone, with the flow host busy (its check says nothing)."""

    def __init__(self, last: dict[str, Any]) -> None:
        super().__init__()
        self.last = last
        self.dismissed: list[Any] = []

    def on_mount(self) -> None:
        form = RunForm("tagged", (VERSION, RATIO), self.last, lambda _given: None)
        self.push_screen(form, self.dismissed.append)


async def test_the_run_form_runs_a_str_with_the_digits_typed() -> None:
    app = FormApp({"version": "2.50"})
    async with app.run_test() as pilot:
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RunForm)
        assert form.query_one("#param-0", Input).value == "2.50"  # the last run's, bare
        form.query_one("#param-0", Input).value = "1.10"
        form.query_one("#param-1", Input).value = "1.10"
        await pilot.pause()
        form.action_run()
        await pilot.pause()
        assert app.dismissed == [{"version": "1.10", "ratio": 1.1}]


def greet(name: str = "x", day: dt.date = dt.date(2026, 1, 1), n: int = 0) -> Any:
    return name, day, n


def test_a_rerun_replays_stored_values_a_python_caller_gave_unchecked() -> None:
    stored = {"name": None, "day": "2026-11-30", "n": "many"}
    args, kwargs = call_for(greet, "greet", stored, replayed=stored)
    assert greet(*args, **kwargs) == (None, dt.date(2026, 11, 30), "many")
    with pytest.raises(ParameterError, match="parameter name: expected str, got None"):
        call_for(greet, "greet", stored)  # typed by a user, the same values are refused
    with pytest.raises(ParameterError, match="parameter n: expected int, got 'x'"):
        call_for(greet, "greet", {**stored, "n": "x"}, replayed=["name", "day"])


FLOWS = """
    from flowtop import flow

    @flow
    def tagged(version: str, ratio: float = 1.0) -> str:
        print(f"got {version!r} {ratio!r}")
        return version

    @flow
    def greet(name: str = "x") -> str:
        print(f"name is {name!r}")
        return str(name)

    @flow
    def parent() -> str:
        return greet(name=None)
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "flows.py").write_text(textwrap.dedent(FLOWS))
    return tmp_path


def test_flowtop_run_gives_a_str_parameter_the_digits_typed(folder: Path) -> None:
    done = flowtop("run", "flows.py", "--flow", "tagged", "-p", "version=1.10", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert "got '1.10' 1.0" in done.stdout
    again = flowtop(
        "run", "flows.py", "--flow", "tagged", "--rerun-of", "1", "-p", "version=2.0", cwd=folder
    )
    assert "got '2.0' 1.0" in again.stdout, again.stderr


def test_a_detached_run_gets_the_digits_typed_through_its_parameters_file(folder: Path) -> None:
    done = flowtop(
        "run", "flows.py", "--flow", "tagged", "--detach", "-p", "version=1e3", cwd=folder
    )
    assert done.returncode == 0, done.stderr
    wait_for_runs(folder, lambda runs: bool(runs) and runs[0].state == "COMPLETED")
    listed = flowtop("history", "flows.py", "--json", cwd=folder)
    records = [json.loads(line) for line in listed.stdout.splitlines()]
    assert records and records[0]["state"] == "COMPLETED", records
    assert records[0]["parameters"] == {"version": "1e3"}


def test_a_run_a_python_caller_gave_none_for_a_str_can_be_rerun(folder: Path) -> None:
    first = flowtop("run", "flows.py", "--flow", "parent", cwd=folder)
    assert first.returncode == 0, first.stderr
    assert "name is None" in first.stdout
    rerun = flowtop("run", "flows.py", "--flow", "greet", "--rerun-of", "1", cwd=folder)
    assert rerun.returncode == 0, rerun.stderr  # was: expected str, got None
    assert "name is None" in rerun.stdout and "rerun of" in rerun.stdout
