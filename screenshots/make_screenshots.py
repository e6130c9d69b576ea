"""Regenerate the README screenshots from the real app on the bundled ``flows/``.

    python screenshots/make_screenshots.py          # writes screenshots/*.svg and *.png

It copies ``flows/`` to a scratch folder in the temp dir (so no history or override lands in the
repository), opens the real ``FlowtopApp`` headless at 120×36 and drives it with keys
like a user: slow down ``extract``'s retries in the retry editor, run ``etl``, catch the
extracts mid-retry, open the detail pane, retry now, let the run finish, open history,
open the run form of the ``@flow`` ``regional-report``.
The clock is frozen at fixed offsets from the run's start while a picture is taken, so
countdowns and elapsed times come out the same on every run. PNGs need ``cairosvg``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.workspace import Workspace

HERE = Path(__file__).resolve().parent
FLOWS = HERE.parent / "flows"
SIZE = (120, 36)
#: Glyphs DejaVu Sans Mono lacks; drawn from DejaVu Sans so the PNG shows no boxes.
FALLBACK_GLYPHS = "⟳⏸"


class StillClock:
    """Real time until frozen: the app runs normally, then holds still for a picture."""

    def __init__(self) -> None:
        self.frozen: float | None = None

    def __call__(self) -> float:
        return time.time() if self.frozen is None else self.frozen


def svg_to_png(svg_path: Path) -> Path | None:
    try:
        import cairosvg
    except ImportError:
        WRITTEN.append("cairosvg is not installed (pip install cairosvg): SVG only")
        return None
    svg = svg_path.read_text(encoding="utf-8")
    svg = svg.replace(
        "font-family: Fira Code, monospace;", "font-family: DejaVu Sans Mono, monospace;"
    )
    for glyph in FALLBACK_GLYPHS:
        svg = svg.replace(glyph, f'<tspan font-family="DejaVu Sans">{glyph}</tspan>')
    png = svg_path.with_suffix(".png")
    cairosvg.svg2png(bytestring=svg.encode("utf-8"), write_to=str(png))
    return png


async def until(pilot: Any, predicate: Any, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"make_screenshots: timed out waiting for {what}")
        await pilot.pause(0.02)


WRITTEN: list[str] = []


def shoot(app: FlowtopApp, name: str) -> None:
    svg = HERE / f"{name}.svg"
    app.title = "flowtop · flows"  # not the temporary folder's name: stable files
    app.save_screenshot(filename=svg.name, path=str(HERE))
    png = svg_to_png(svg)
    # Printed after the app exits: inside it, stdout belongs to Textual.
    WRITTEN.append(f"wrote {svg.relative_to(HERE.parent)}" + (f" and {png.name}" if png else ""))


async def drive(folder: Path) -> None:
    workspace = Workspace(folder)
    workspace.load()
    clock = StillClock()
    app = FlowtopApp(workspace, clock=clock, watch=False)
    S = StateType
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.control is not None, "the workspace to load")
        app.flow_list.select_flow("etl")
        await until(pilot, lambda: app.selected_flow == "etl", "the etl flow to be selected")

        # 1. The retry editor: slow both extracts' backoff down (a rate-limited API).
        for key in ("extract", "extract-2"):
            assert app.table.move_to(key)
            await pilot.press("e")
            await until(pilot, lambda: type(app.screen).__name__ == "RetryEditor", "the editor")
            editor = app.screen
            for box in editor.query("Input"):
                box.cursor_blink = False
            editor.query_one("#field-retry_delay").value = "20"
            editor.query_one("#field-max_delay").value = "60"
            await pilot.pause()
            if key == "extract":
                shoot(app, "retry-editor")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.screen is app.screen_stack[0], "the editor to close")

        # 2. Run etl and catch both extracts awaiting their 20 s retry (the main screen).
        await pilot.press("r")

        def waiting() -> bool:
            run = app.table.run
            return bool(
                run
                and run.run_id
                and all(run.rows[k].state is S.AWAITING_RETRY for k in ("extract", "extract-2"))
            )

        await until(pilot, waiting, "both extracts to await a retry")
        started = app.store.latest_for("etl").started
        clock.frozen = started + 3.0
        app.table.move_to("extract")
        await pilot.pause(0.2)
        shoot(app, "main")

        # 3. Retry now on both; the run ends with load failing (schema v1): its detail.
        clock.frozen = None
        for key in ("extract", "extract-2"):
            app.table.move_to(key)
            await pilot.pause()
            await pilot.press("n")
        await until(pilot, lambda: app.table.run.state.is_final, "the run to finish", 30)
        clock.frozen = app.store.latest_for("etl").finished
        app.table.move_to("load")
        await pilot.pause(0.2)
        shoot(app, "detail")

        # 4. History: the run list, then the run with every attempt.
        await pilot.pause(0.3)  # the history sink commits its last batch
        await pilot.press("h")
        await until(
            pilot, lambda: app.screen.__class__.__name__ == "HistoryScreen", "the history screen"
        )
        await pilot.pause(0.2)
        shoot(app, "history")
        await pilot.press("enter")
        await until(
            pilot, lambda: app.screen.__class__.__name__ == "RunDetailScreen", "the run detail"
        )
        await pilot.press("down", "down", "down")  # to load, the task that failed
        await pilot.pause(0.2)
        shoot(app, "history-run")
        await pilot.press("escape", "escape")
        await until(pilot, lambda: app.screen is app.screen_stack[0], "the main screen again")

        # 5. The run form: R on the @flow regional-report, one region typed in.
        app.flow_list.select_flow("regional-report")
        await until(pilot, lambda: app.selected_flow == "regional-report", "regional-report")
        await pilot.press("R")
        await until(pilot, lambda: type(app.screen).__name__ == "RunForm", "the run form")
        for box in app.screen.query("Input"):
            box.cursor_blink = False
        app.screen.query_one("#param-0").value = '["eu", "apac"]'
        await pilot.pause(0.2)
        shoot(app, "run-form")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.screen_stack[0], "the form to close")
    # Leaving run_test unmounts the app, which cancels and stops its runner.
    workspace.close()


def main() -> int:
    os.environ["TZ"] = "UTC"
    time.tzset()
    # A fixed scratch path, so tracebacks in the pictures read the same on every run.
    scratch = Path(tempfile.gettempdir()) / "flowtop-screenshots"
    shutil.rmtree(scratch, ignore_errors=True)
    folder = scratch / "flows"
    shutil.copytree(FLOWS, folder, ignore=shutil.ignore_patterns(".flowtop", "__pycache__"))
    try:
        asyncio.run(drive(folder))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print("\n".join(WRITTEN))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
