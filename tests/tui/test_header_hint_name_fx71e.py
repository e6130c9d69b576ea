"""A never-run flow's header cuts its name before its `press r to run` hint (fx71e).

At 120×36 a flow with an 80-character name read `flow_with_…_xxxx  not r…`: the hint was
cut, the name kept whole, though once the flow had run its header cut the name and kept
the run's number, state and time (`…_for_any_…  run #1  ✗ Failed  3ms`). One rule for
both now: the name gives way first (``RunHeader._name_and_hint``).
"""

from __future__ import annotations

from flowtop.tui.app import FlowtopApp
from pilot_kit import FrozenClock, screen_text, wait_for, wait_for_text

from .conftest import LoadWorkspace

NAME = "flow_with_an_eighty_character_name_that_is_far_too_long_for_any_pane_at_all_xxxx"
FLOW = f'''
from flowtop import Flow, task


@task
def only() -> int:
    return 1


with Flow("{NAME}") as flow:
    only()
'''


def header_line(app: FlowtopApp) -> str:
    """The header's first line as drawn (the flows pane's cells left out)."""
    region = app.header.content_region
    line = screen_text(app).splitlines()[region.y]
    return line[region.x : region.right].rstrip()


async def test_a_never_run_flows_long_name_gives_way_to_the_run_hint(
    load_workspace: LoadWorkspace,
) -> None:
    assert len(NAME) == 80
    app = FlowtopApp(load_workspace({"long.py": FLOW}), clock=FrozenClock(), watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
        app.flow_list.select_flow(NAME)
        await wait_for_text(pilot, app, "1 task")
        line = header_line(app)
        assert line.endswith("…  not run yet — press r to run"), line  # old: `…xxxx  not r…`
        assert line.startswith(NAME[:40]), line
        assert len(line) == app.header.content_region.width, line  # the name takes the rest
