"""A settings file nested too deep for tomllib, in the monitor: the file at fault.

tomllib reads arrays and inline tables by recursion, and a 1 KB ``flowtop.toml`` holding
``[[[…]]]`` 500 deep raised ``RecursionError`` past every ``TOMLDecodeError`` handler:
the monitor opened with it sat at "Loading flows…" for good; swapped in while it was open,
it toasted "Hot reload is off: maximum recursion depth exceeded", blaming the watcher and
naming no file, and `r` started a run that ended ⚡ Interrupted with an empty log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from flow_texts import ETL
from flowtop.tui.app import FlowtopApp
from flowtop.tui.messages import WorkspaceReloaded
from flowtop.workspace import RemoteWorkspace
from pilot_kit import screen_text, toasts_said, wait_for, wait_for_text

from .conftest import hosted_folder

GOOD = "[defaults]\nmax_retries = 4\n"
DEEP = "[defaults]\nretry_delay = " + "[" * 500 + "]" * 500 + "\n"
SAID = (
    "flowtop.toml:2:15: invalid TOML: value nested 500 deep,"
    " too deep to read (limit 500, less in Python's TOML parser)"
)
KEPT = "4× on Retry only"  # the policy [defaults] max_retries = 4 gives


@pytest.fixture
def hosted(tmp_path: Path) -> Iterator[RemoteWorkspace]:
    """A folder of one flow and a good ``flowtop.toml``, in a flow host of its own."""
    with hosted_folder(tmp_path, {"etl.py": ETL, "flowtop.toml": GOOD}) as workspace:
        yield workspace


async def test_a_deep_flowtop_toml_swapped_in_is_the_file_at_fault(
    hosted: RemoteWorkspace,
) -> None:
    app = FlowtopApp(hosted, load=True, run_processes=True, watch=False)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.selected_flow == "etl", "the flow")
        await wait_for(pilot, lambda: KEPT in screen_text(app), "the good settings")
        path = hosted.root / "flowtop.toml"
        path.write_text(DEEP, encoding="utf-8")
        with toasts_said(app) as said:
            change = await asyncio.to_thread(hosted.reload_paths, [path])
            app.post_message(WorkspaceReloaded(change))
            await wait_for(pilot, lambda: said, "the reload's toast")
        assert said[-1].endswith(f"{SAID}; kept the last good settings"), said
        text = screen_text(app)
        assert "✗ flowtop.toml" in text and KEPT in text  # the file at fault; its last good
        assert "recursion" not in " ".join(said)  # old: "Hot reload is off: maximum recursion…"
        with toasts_said(app) as said:
            await pilot.press("r")  # old: a run process that died, ⚡ Interrupted
            await wait_for(pilot, lambda: any(SAID in toast for toast in said), "the refusal")
        text = " ".join((await wait_for_text(pilot, app, "The run did not start:")).split())
        assert "nested 500 deep, too deep to read" in text  # said in its pane, by the file
        app.shutdown()


async def test_the_monitor_opened_with_a_deep_flowtop_toml_says_so(tmp_path: Path) -> None:
    """Old: "Loading flows…" for good, and not a word."""
    with hosted_folder(tmp_path, {"etl.py": ETL, "flowtop.toml": DEEP}) as workspace:
        app = FlowtopApp(workspace, load=True, run_processes=True, watch=False)
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            text = await wait_for_text(pilot, app, "✗ flowtop.toml", "etl")
            assert "Loading flows" not in text
            assert any(SAID in str(n.message) for n in app._notifications), text
            app.shutdown()
