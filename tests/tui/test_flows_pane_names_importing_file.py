"""The flows pane is as wide as the name of the file still importing, once it is named.

The loading row says ``⋯ loading`` for its first second, then ``⋯ importing 2s`` over
the file's name. The pane was measured only when the flows were listed: with the flows
of ``a_fast.py`` listed under ``⋯ loading`` and no flow after ``b_slow_loading_file_name.py``
(the last file), the pane stayed as wide as ``⋯ loading`` and the name read ``b_slow…``
for as long as it imported (seen at 120×20; at 160 a quarter of the screen holds it).
"""

from __future__ import annotations

from pathlib import Path

from flowtop.engine import Flow, task
from flowtop.tui.app import FlowtopApp
from flowtop.tui.first_load import loading_row
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace

SLOW_FILE = "b_slow_loading_file_name.py"


def short_flow() -> Flow:
    @task
    def one() -> int:
        return 1

    with Flow("aa") as flow:
        one()
    return flow


async def test_the_file_named_a_second_into_its_import_is_shown_whole(tmp_path: Path) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {"aa": short_flow()}), watch=False)
    async with app.run_test(size=(160, 20)) as pilot:
        await wait_for(pilot, lambda: "· aa" in screen_text(app), "the flow listed")
        flows = app.flow_list
        flows.say_loading(loading_row(None))  # the first second: `⋯ loading`
        app._show_flows()  # a_fast.py's flows come in meanwhile
        await wait_for(pilot, lambda: "⋯ loading" in screen_text(app), "the loading row")
        flows.say_loading(loading_row((tmp_path / SLOW_FILE, 1.0)))  # named, no flow since
        await wait_for(pilot, lambda: "importing 1s" in screen_text(app), "the file named")
        await wait_for(pilot, lambda: f"  {SLOW_FILE} ▕" in screen_text(app), "its name whole")
        flows.say_loading(None)  # the load is over: the pane fits the flow names again
        await wait_for(pilot, lambda: flows.region.width == 12, "the pane to narrow")
