"""The retry editor (rv405 §3, §4): Retry on left as the code sets it, with a class no
name reaches (made in a function), is no error and does not stop a save of another
field; a timeout under 0.001 s is flagged as typed, as 0 and -1 are."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtop.workspace import Workspace
from pilot_kit import wait_for

from .conftest import LoadWorkspace
from .editor_kit import editor_app, editor_field, saved_overrides, shown

NEST = """\
from flowtop import Flow, task


def made():
    class Local(Exception):
        pass

    return Local


@task(retry_on=[made()])
def a():
    return 1


with Flow("nest") as flow:
    a()
"""


@pytest.fixture
def workspace(
    tmp_path: Path, load_workspace: LoadWorkspace, monkeypatch: pytest.MonkeyPatch
) -> Workspace:
    monkeypatch.chdir(tmp_path)  # (paths said as from there)
    return load_workspace({"nest.py": NEST})


async def test_retry_on_from_the_code_is_no_error_and_save_writes_the_rest(
    workspace: Workspace,
) -> None:
    app = editor_app(workspace, "nest", "a")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert "Local" in editor_field(app, "retry_on").value
        assert shown(app, "error-retry_on") == ""
        editor_field(app, "max_retries").value = "2"
        await pilot.pause()
        assert shown(app, "error-retry_on") == ""
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.results, "the save")
        assert app.results == [True]
    assert saved_overrides(workspace)["flows"]["nest"]["tasks"]["a"] == {"max_retries": 2}


async def test_typed_names_that_do_not_resolve_are_still_flagged(workspace: Workspace) -> None:
    app = editor_app(workspace, "nest", "a")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        editor_field(app, "retry_on").value = "Nope"
        await wait_for(pilot, lambda: "'Nope'" in shown(app, "error-retry_on"), "the flag")
        assert "unknown exception 'Nope'" in shown(app, "error-retry_on")


async def test_a_timeout_under_a_millisecond_is_flagged_as_typed(workspace: Workspace) -> None:
    app = editor_app(workspace, "nest", "a")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        editor_field(app, "timeout").value = "0.0001"
        await wait_for(pilot, lambda: shown(app, "error-timeout"), "the flag")
        assert shown(app, "error-timeout") == (
            "timeout must be at least 0.001 seconds (a shorter one ends each try as it "
            "starts), got 0.0001"
        )
        editor_field(app, "timeout").value = "0.001"
        await wait_for(pilot, lambda: not shown(app, "error-timeout"), "no flag")
