"""A Prefect file (drop-in mode off) beside other flows, at the monitor's open.

``flowtop`` on a folder of ``etl.py`` and a dropped-in ``pf.py`` (``from prefect import
flow``) listed etl and said not a word of pf.py: the reload toast says it only when pf.py
is saved, and the flow host sent the files it did not read only when no flow loaded. The
first load's end says it in a toast, with how to read them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtop.tui.app import FlowtopApp
from flowtop.workspace.remote_workspace import RemoteWorkspace
from flowtop.workspace.workspace import Workspace
from pilot_kit import toasts_said, wait_for

SIZE = (120, 36)
FLOW = "from flowtop import Flow, task\n\n@task\ndef a():\n    pass\n\nflow = Flow('etl')\nflow.add_task(a)\n"
PREFECT = "from prefect import flow\n\n@flow(name='pf flow')\ndef pf(x: int = 1):\n    return x\n"
NOTE = (
    "pf.py not read, as it imports prefect: run flowtop with --prefect-compat,"
    " or set [workspace] prefect_compat = true in flowtop.toml"
)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "etl.py").write_text(FLOW)
    (tmp_path / "pf.py").write_text(PREFECT)
    return tmp_path


async def opened_toasts(workspace: RemoteWorkspace | Workspace) -> list[str]:
    """The toasts of the monitor's open on ``workspace``, its first load over and etl
    listed."""
    remote = isinstance(workspace, RemoteWorkspace)  # (which runs in run processes)
    app = FlowtopApp(workspace, load=True, run_processes=remote, watch=False)
    with toasts_said(app) as said:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_for(
                pilot,
                lambda: not app.first_loading and "etl" in app.workspace.shapes,
                "the first load, etl listed",
                20,
            )
            await pilot.pause()
            app.exit()
    return said


@pytest.mark.parametrize("host", ["flow host", "embedded"])
async def test_the_open_says_the_prefect_file_it_did_not_read(folder: Path, host: str) -> None:
    workspace = RemoteWorkspace(folder) if host == "flow host" else Workspace(folder)
    try:
        said = await opened_toasts(workspace)
    finally:
        workspace.close()
    # old: no toast at all
    assert said == [NOTE]


async def test_in_drop_in_mode_the_open_says_nothing_of_it(folder: Path) -> None:
    (folder / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    workspace = RemoteWorkspace(folder)
    try:
        said = await opened_toasts(workspace)
    finally:
        workspace.close()
    assert not [line for line in said if "pf.py" in line]
    assert "pf flow" in workspace.shapes


async def test_beside_a_broken_flow_file_the_open_says_it_too(folder: Path) -> None:
    (folder / "etl.py").write_text(FLOW + "def broken(:\n")
    workspace = RemoteWorkspace(folder)
    try:
        app = FlowtopApp(workspace, load=True, run_processes=True, watch=False)
        with toasts_said(app) as said:
            async with app.run_test(size=SIZE, notifications=True) as pilot:
                await wait_for(pilot, lambda: NOTE in said, "the note of pf.py", 20)
                assert any("SyntaxError" in line for line in said)  # the error's own toast
                app.exit()
    finally:
        workspace.close()


async def test_a_folder_of_prefect_files_alone_says_it_in_the_header_only(
    folder: Path,
) -> None:
    (folder / "etl.py").unlink()
    workspace = RemoteWorkspace(folder)
    try:
        app = FlowtopApp(workspace, load=True, run_processes=True, watch=False)
        with toasts_said(app) as said:
            async with app.run_test(size=SIZE, notifications=True) as pilot:
                await wait_for(pilot, lambda: app._hint_shown is not None, "the header's hint", 20)
                assert "pf.py imports prefect" in app._hint_shown  # (wrapped on screen)
                assert not [line for line in said if "pf.py" in line]
                app.exit()
    finally:
        workspace.close()
