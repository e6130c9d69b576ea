"""Drop-in mode turned off in a running monitor: the flows list of a fresh start (ex63b §6).

``[workspace] prefect_compat = false`` saved while open left ``· pf flow`` listed and
``r``-able (each a FAILED run "did not start: … No module named 'prefect'") beside a
``✗ pf.py``, where a fresh start lists neither and says the file is not read.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from flowtop.tui.app import FlowtopApp
from flowtop.tui.messages import WorkspaceReloaded
from flowtop.workspace import RemoteWorkspace
from pilot_kit import screen_text, toasts_said, wait_for

FLOW = "from flowtop import Flow, task\n\n@task\ndef a():\n    pass\n\nflow = Flow('etl')\nflow.add_task(a)\n"
PREFECT = "from prefect import flow\n\n@flow(name='pf flow')\ndef pf(x: int = 1):\n    return x\n"


async def test_the_drop_in_flows_go_when_drop_in_mode_is_turned_off(tmp_path: Path) -> None:
    (tmp_path / "etl.py").write_text(FLOW)
    (tmp_path / "pf.py").write_text(PREFECT)
    settings = tmp_path / "flowtop.toml"
    settings.write_text("[workspace]\nprefect_compat = true\n")
    hosted = RemoteWorkspace(str(tmp_path))
    try:
        app = FlowtopApp(hosted, load=True, run_processes=True, watch=False)
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await wait_for(pilot, lambda: "pf flow" in screen_text(app), "the drop-in flow", 20)
            settings.write_text("[workspace]\nprefect_compat = false\n")
            with toasts_said(app) as said:
                change = await asyncio.to_thread(hosted.reload_paths, [settings])
                app.post_message(WorkspaceReloaded(change))
                await wait_for(pilot, lambda: said, "the reload's toast")
            await wait_for(pilot, lambda: "pf flow" not in screen_text(app), "pf flow gone")
            text = screen_text(app)
            assert "✗ pf.py" not in text and "etl" in text, text  # old: both listed
            assert list(hosted.flow_files) == ["etl"] and hosted.errors == {}
            assert "pf.py not read, as it imports prefect" in " ".join(said), said
            app.exit()
    finally:
        hosted.close()
