"""The run form of a flow its file's ``__main__`` block calls with literals
(``extract(pages=10)``) starts from them, as ``flowtop run FILE`` runs it; once the flow
has a run, from that run, as before."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from flowtop import flow
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.run_form import RunForm
from flowtop.workspace.flow_shapes import FlowShape
from pilot_kit import wait_for, wait_for_run

from .conftest import FakeWorkspace
from .test_app import SIZE
from .test_run_form import field


class CalledByItsBlock(FakeWorkspace):
    """A workspace whose flow host read ``extract(pages=10, label="nightly")`` in the
    flow's ``__main__`` block."""

    @property
    def shapes(self) -> dict[str, FlowShape]:
        shapes = super().shapes
        block = {"pages": 10, "label": "nightly"}
        return {**shapes, "extract": replace(shapes["extract"], main_block_parameters=block)}


async def test_the_form_starts_from_the_block_s_arguments(tmp_path: Path) -> None:
    seen: list[tuple[Any, ...]] = []

    @flow(name="extract")
    def extract(pages: int, factor: float = 1.0, label: str = "run") -> int:
        seen.append((pages, factor, label))
        return pages

    app = FlowtopApp(CalledByItsBlock(tmp_path, {"extract": extract}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("r")  # pages has no default: the form asks, filled in
        await wait_for(pilot, lambda: isinstance(app.screen, RunForm), "the run form")
        assert [field(app, i).value for i in range(3)] == ["10", "", "nightly"]
        field(app, 0).value = "7"
        await pilot.press("enter")
        await wait_for_run(pilot, app, StateType.COMPLETED, "the run")
        assert seen == [(7, 1.0, "nightly")]
        await pilot.press("R")  # from the latest run now
        await wait_for(pilot, lambda: isinstance(app.screen, RunForm), "the run form again")
        assert [field(app, i).value for i in range(3)] == ["7", "", "nightly"]
