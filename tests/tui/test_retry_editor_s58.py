"""The retry editor over a ``flowtop.toml`` not in use (rv373 F6): it showed the last
good values with no word of it, and Save said "Saved" and "Reloaded settings" while no
run could start. It is said as a broken ``overrides.toml`` is."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtop.workspace import Workspace
from pilot_kit import wait_for

from .conftest import LoadWorkspace
from .editor_kit import editor_app, editor_field, saved_overrides, shown

FLOW = """\
from flowtop import Flow, task


@task(max_retries=4)
def extract():
    return 1


with Flow("etl") as flow:
    extract()
"""


@pytest.fixture
def workspace(
    tmp_path: Path, load_workspace: LoadWorkspace, monkeypatch: pytest.MonkeyPatch
) -> Workspace:
    monkeypatch.chdir(tmp_path)  # (paths said as from there)
    (tmp_path / "flowtop.toml").write_text("[defaults]\nretry_delay = 15\n", encoding="utf-8")
    ws = load_workspace({"etl.py": FLOW})
    (tmp_path / "flowtop.toml").write_text("[defaults]\nmax_retries = -1\n", encoding="utf-8")
    ws.reload_paths([tmp_path / "flowtop.toml"])  # what the watcher does after the save
    assert ws.settings_error is not None and ws.settings_error.path.name == "flowtop.toml"
    return ws


async def test_the_editor_says_flowtop_toml_is_not_in_use(workspace: Workspace) -> None:
    app = editor_app(workspace, "etl", "extract")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        said = " ".join(shown(app, "not-in-use").split())
        assert said.startswith("Not in use: flowtop.toml:2: [defaults]: max_retries"), said
        assert said.endswith(
            "The fields show the last good settings of flowtop.toml, and no run starts until "
            "it is fixed; Save still writes overrides.toml."
        ), said
        assert editor_field(app, "retry_delay").value == "15"  # the last good value
        editor_field(app, "max_retries").value = "2"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.results and app._notifications, "the save said")
        assert app.results == [True]  # taken: overrides.toml is another file
        assert [n.message for n in app._notifications] == [
            "Saved etl / extract to .flowtop/overrides.toml: max_retries = 2; flowtop.toml "
            "has an error, so no run starts until it is fixed"
        ]
    assert saved_overrides(workspace)["flows"]["etl"]["tasks"]["extract"] == {"max_retries": 2}


async def test_short_screens_get_where_the_error_is(workspace: Workspace) -> None:
    app = editor_app(workspace, "etl", "extract")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        said = " ".join(shown(app, "not-in-use").split())
        assert said == (
            "Not in use (flowtop.toml:2 has an error): no run starts until it is fixed."
        ), said
