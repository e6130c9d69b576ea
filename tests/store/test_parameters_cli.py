"""``flowtop run --param``: a @flow started with parameters, recorded in the run store so
a rerun from another process (``--rerun-of``, the TUI's ``f``) calls it the same way."""

from __future__ import annotations

import json
import sqlite3
import textwrap
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from cli_kit import Here
from flowtop.workspace.history_records import HistoryError
from flowtop.workspace.store_reader import StoreReader

from .conftest import flowtop, json_lines, wait_until

#: A @flow whose third call fails until a file named ``ok`` exists.
SCALED = """
    from pathlib import Path
    from flowtop import flow, task

    HERE = Path(__file__).parent

    @task
    def double(x):
        if x == 2 and not (HERE / "ok").exists():
            raise ValueError("two is flaky")
        return 2 * x

    @flow
    def scaled(n: int, factor: float = 1.0, *, label: str = "run"):
        return sum(double(i) for i in range(n)) * factor
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "scaled.py").write_text(textwrap.dedent(SCALED))
    return tmp_path


def runs(folder: Path) -> StoreReader:
    return StoreReader(folder / ".flowtop" / "history.db")


def test_parameters_are_given_recorded_and_shown(here: Here, folder: Path) -> None:
    done = flowtop(
        "run", "--flow", "scaled", "-p", "n=2", "--param", "label=nightly", "--json", cwd=folder
    )
    assert done.returncode == 0, done.stderr
    started = json_lines(done.stdout)[0]
    assert started["parameters"] == {"n": 2, "label": "nightly"}  # as given, no defaults
    (run,) = runs(folder).runs()
    assert run.parameters == {"n": 2, "label": "nightly"}
    assert run.as_json()["parameters"] == {"n": 2, "label": "nightly"}
    listed = here("history", cwd=folder).stdout
    assert listed.splitlines()[1].endswith('with n=2, label="nightly"')  # the NOTE column
    detail = here("history", "--run", "1", cwd=folder).stdout
    assert 'parameters: n=2, label="nightly"' in detail
    assert "2 tasks: 2 completed" in detail  # a @flow plans none: counted as reached
    human = flowtop("run", "--flow", "scaled", "--params", '{"n": 1, "factor": 3}', cwd=folder)
    assert "scaled #2 started with n=1, factor=3.0: tasks appear" in human.stdout  # a float


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "flowtop run: flow 'scaled' needs n (no default): give --param n=VALUE"),
        (
            ["-p", "n=1", "-p", "fator=2"],
            "flowtop run: flow 'scaled' has no parameter fator (did you mean 'factor'?); "
            "it takes n, factor, label",
        ),
        (["-p", "n"], "flowtop run: --param 'n': expected NAME=VALUE, as in --param n=4"),
        (
            ["--params", "[1]"],
            "flowtop run: --params: expected a JSON object of NAME: VALUE, got '[1]'",
        ),
    ],
)
@pytest.mark.parametrize("detach", [False, True], ids=["foreground", "detach"])
def test_wrong_parameters_are_one_line_and_nothing_runs(
    folder: Path, args: list[str], says: str, detach: bool
) -> None:
    """``--detach`` too: the loader process checks them by the flow's code, and no run is
    launched only to fail (it used to print a run id, exit 0 and leave a failed run)."""
    done = flowtop("run", "--flow", "scaled", *args, *(["--detach"] if detach else []), cwd=folder)
    assert (done.returncode, done.stderr, done.stdout) == (2, says + "\n", "")
    store = folder / ".flowtop" / "history.db"
    assert not store.exists() or runs(folder).runs() == []


def test_param_needs_a_flow_and_a_static_flow_takes_none(folder: Path) -> None:
    (folder / "static.py").write_text(
        "from flowtop import Flow, task\n\n@task\ndef one():\n    return 1\n\n"
        "with Flow('static') as flow:\n    one()\n"
    )
    done = flowtop("run", "-p", "n=1", cwd=folder)
    assert done.returncode == 2 and "--param needs --flow NAME: . holds 2 flows" in done.stderr
    (folder / "ok").touch()  # a file of one @flow needs no --flow
    done = flowtop("run", "scaled.py", "-p", "n=1", cwd=folder)
    assert done.returncode == 0 and "scaled #1 started with n=1" in done.stdout, done.stderr
    done = flowtop("run", "--flow", "static", "-p", "n=1", cwd=folder)
    assert done.returncode == 2
    assert "flow 'static' takes no parameters (only a @flow function does): got n" in done.stderr


def test_a_rerun_calls_the_flow_with_the_source_run_s_parameters(folder: Path) -> None:
    failed = flowtop("run", "--flow", "scaled", "-p", "n=3", "-p", "factor=0.5", cwd=folder)
    assert failed.returncode == 1
    (source,) = runs(folder).runs()
    (folder / "ok").touch()
    # a short prefix names the run, as `history` prints it
    again = flowtop(
        "run", "--flow", "scaled", "--rerun-of", source.run_id[:6], "--json", cwd=folder
    )
    assert again.returncode == 0, again.stderr
    events = json_lines(again.stdout)
    assert events[0]["parameters"] == {"n": 3, "factor": 0.5}
    assert events[0]["rerun_of"] == source.run_id
    reused = [e["task"] for e in events if e.get("reused")]
    assert reused == ["double", "double-2"]  # stored under the full id, found by it
    assert events[-1]["state"] == "COMPLETED"
    # a parameter given with the rerun wins; the calls whose inputs match are still reused
    more = flowtop(
        "run", "--flow", "scaled", "--rerun-of", source.run_id, "-p", "n=4", "--json", cwd=folder
    )
    events = json_lines(more.stdout)
    assert events[0]["parameters"] == {"n": 4, "factor": 0.5}
    assert [e["task"] for e in events if e.get("reused")] == ["double", "double-2"]
    assert [e.get("task") for e in events if e.get("state") == "COMPLETED"][-2:] == [
        "double-4",
        None,
    ]


def test_a_detached_run_gets_its_parameters(here: Here, folder: Path) -> None:
    (folder / "ok").touch()
    done = flowtop(
        "run", "--detach", "--flow", "scaled", "-p", 'label="a b"', "-p", "n=2", cwd=folder
    )
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip()
    watched = here("watch", run_id, cwd=folder)
    assert watched.returncode == 0, watched.stderr
    assert 'started with n=2, label="a b"' in watched.stdout  # in the signature's order
    run = wait_until(lambda: runs(folder).runs()[0], "the run is stored")
    assert run.parameters == {"label": "a b", "n": 2}


def test_a_store_from_before_parameters_is_migrated_and_still_read(folder: Path) -> None:
    """Version 5 had no ``runs.parameters``: opened read-only it reads as none; opened by a
    writer the column is added."""
    (folder / "ok").touch()
    assert flowtop("run", "--flow", "scaled", "-p", "n=1", cwd=folder).returncode == 0
    db = folder / ".flowtop" / "history.db"
    with closing(sqlite3.connect(db)) as raw:
        raw.execute("ALTER TABLE runs DROP COLUMN parameters")
        raw.execute("DROP TABLE result_batches")  # version 7's
        raw.execute("PRAGMA user_version = 5")
        raw.commit()
    (run,) = runs(folder).runs()
    assert run.parameters == {}  # the reader does not need the column
    assert runs(folder).with_id_prefix(run.run_id[:6]) == [run]  # nor does a lookup by id
    assert flowtop("run", "--flow", "scaled", "-p", "n=2", cwd=folder).returncode == 0
    assert [r.parameters for r in runs(folder).runs()] == [{"n": 2}, {}]


def test_a_run_the_tui_launches_gets_the_form_s_parameters(folder: Path) -> None:
    """The TUI's form → ``StoreControl.start`` → ``launch``: the run process is given them."""
    from flowtop.workspace.launcher import launch
    from flowtop.workspace.private import private_folder

    (folder / "ok").touch()
    state = private_folder(folder / ".flowtop")
    launched = launch(
        folder / "scaled.py", "scaled", state_dir=state, parameters={"n": 2, "label": "a b"}
    )

    def completed() -> Any:
        try:
            stored = runs(folder).runs()
        except (sqlite3.Error, HistoryError):  # the run process is still creating the store
            return None
        return next((r for r in stored if r.state == "COMPLETED"), None)

    run = wait_until(completed, "the launched run to complete", timeout=60)
    assert run.run_id == launched.run_id
    assert run.parameters == {"n": 2, "label": "a b"}


def test_list_says_what_parameters_a_flow_takes(here: Here, folder: Path) -> None:
    listed = here("list", "--flow", "scaled", cwd=folder)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[1] == (
        '  parameters: n: int (required), factor: float = 1.0, label: str = "run"'
    )
    (described,) = json_lines(here("list", "--flow", "scaled", "--json", cwd=folder).stdout)
    assert described["parameters"][0] == {
        "name": "n",
        "required": True,
        "default": "",
        "annotation": "int",
        "choices": [],  # an Enum's member names: see tests/engine/test_parameters.py
    }


@pytest.mark.parametrize("detach", [False, True], ids=["foreground", "detach"])
def test_a_folder_flow_needing_parameters_says_to_run_it_alone(folder: Path, detach: bool) -> None:
    """ "give --param n=VALUE" alone led to "--param needs --flow NAME": two refusals that
    sent the user from one to the other."""
    (folder / "plain.py").write_text("from flowtop import Flow\n\nplain = Flow('plain')\n")
    done = flowtop("run", *(["--detach"] if detach else []), cwd=folder)
    says = (
        "flowtop run: flow 'scaled' needs n (no default): give --param n=VALUE"
        " (with --flow scaled: parameters are given to one flow at a time);"
        " or run the folder's other flow alone: --flow plain\n"
    )
    assert (done.returncode, done.stderr, done.stdout) == (2, says, "")


def test_history_json_stays_strict_json_for_a_nan_parameter(here: Here, folder: Path) -> None:
    """``-p factor=NaN`` is a float the flow may take; ``history --json`` wrote a bare
    ``NaN``, which a strict parser refuses (README: every line is strict JSON)."""
    done = flowtop("run", "--flow", "scaled", "-p", "n=1", "-p", "factor=NaN", cwd=folder)
    assert done.returncode == 0, done.stderr

    def refuse(bare: str) -> None:
        pytest.fail(f"history --json wrote a bare {bare}")

    (line,) = here("history", "--json", cwd=folder).stdout.splitlines()
    assert json.loads(line, parse_constant=refuse)["parameters"] == {"n": 1, "factor": None}
