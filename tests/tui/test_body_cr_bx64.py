"""A ``@flow`` body's line rewritten after ``\\r`` shows as a terminal leaves it in the
monitor's detail pane (while the body runs, and once it ended) and on the history
screen's run page, as a task's output does (``left_on_screen``): they read
``␍body bar 0␍body bar 1␍body bar 2␍body bar 3`` and ``ERROR: disk full␍OK``."""

from __future__ import annotations

from pathlib import Path

from pilot_kit import wait_for_text

from .test_flow_result_s59 import completed, run_page, started

#: A body that draws a bar, waits for a file named ``go``, then hides an error with ``\r``.
BAR = """\
import time
from pathlib import Path

from flowtop import flow

HERE = Path(__file__).parent


@flow
def bar():
    for i in range(4):
        print(f"\\rbody bar {i}", end="", flush=True)
    print()
    while not (HERE / "go").exists():
        time.sleep(0.01)
    print("ERROR: disk full\\rOK")
"""


async def test_the_pane_and_the_run_page_show_the_body_s_lines_as_left_on_screen(
    tmp_path: Path,
) -> None:
    (tmp_path / "bar.py").write_text(BAR)
    async with started(tmp_path) as (app, pilot):
        try:
            shown = await wait_for_text(pilot, app, "Flow output", "body bar 3")
            line = next(line for line in shown.splitlines() if "body bar 3" in line)
            assert "␍" not in shown and "body bar 2" not in line, shown  # its output so far
            (tmp_path / "go").touch()
            await completed(pilot, app, "bar")
            shown = await wait_for_text(pilot, app, "OKROR: disk full")
            assert "␍" not in shown and "body bar 3" in shown, shown

            page = await run_page(pilot, app, "Flow output")
            assert page.endswith("\nbody bar 3\nOKROR: disk full\n"), page
        finally:
            (tmp_path / "go").touch()  # no run left waiting for good
