"""The monitor embedded on a ``Workspace`` (``FlowtopApp(Workspace(path))``, as README's
embedding and many tests make it) opens on a folder with no flow: its hint read the
view's ``unread_prefect``, which only the flow host's workspace had (AttributeError)."""

from __future__ import annotations

from pathlib import Path

from flowtop.tui.app import FlowtopApp
from flowtop.workspace.workspace import Workspace
from pilot_kit import wait_for_text


async def test_an_embedded_monitor_on_an_empty_folder_says_how_to_add_a_flow(
    tmp_path: Path,
) -> None:
    (tmp_path / "prefect_flow.py").write_text("from prefect import flow\n")
    workspace = Workspace(tmp_path)
    workspace.load()
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_text(pilot, app, "No flows found", "prefect_flow.py")
