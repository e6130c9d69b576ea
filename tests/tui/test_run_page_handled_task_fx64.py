"""A completed ``@flow`` whose body caught a failing task and called no subflow: its run
page said only ``✓ Completed · ✗ 1 failed``, where ``flowtop run`` and ``history --run``
say ``(1 task failed, handled by the flow)`` (the page said only what its subflows did)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from cli_kit import flowtop
from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.workspace.store_reader import StoreReader
from pilot_kit import wait_for

from .snapshot_apps import HostApp
from .test_run_page_handled_sb63 import attempts

FLOW = """
    from flowtop import flow, task


    @task
    def boom() -> None:
        raise ValueError("no")


    @flow(name="tolerant")
    def tolerant() -> str:
        try:
            boom()
        except ValueError:
            pass
        return "fine"
"""


async def test_the_page_says_the_task_failure_the_body_caught(tmp_path: Path) -> None:
    (tmp_path / "tolerant.py").write_text(textwrap.dedent(FLOW))
    ran = flowtop("run", "tolerant.py", cwd=tmp_path)
    assert ran.returncode == 0 and "(1 task failed, handled by the flow)" in ran.stdout, ran
    reader = StoreReader(tmp_path / ".flowtop" / "history.db")
    detail = reader.run_detail(reader.runs()[0].run_id)
    app = HostApp(lambda: RunDetailScreen(detail, reader))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "no" in attempts(app), "the task's attempt")
        lines = [line.strip() for line in attempts(app).splitlines()]
        assert "(1 task failed, handled by the flow)" in lines, lines
