"""A saved flow file whose import is slow: the flows list says the reload goes on.

With the monitor open, ``touch hang.py`` on a file that sleeps at import changed nothing
on screen for its whole ``load_timeout`` (10 s): ``✓ hang`` stayed listed as before, then
the toast ``hang.py: import did not finish in 10 s`` and ``✗ hang.py`` came as if from
nowhere (a new file that hangs, likewise). The first load already named the file it
imports in the list's last row; a reload now does too once it has taken a second
(``⋯ reloading 2s`` over ``slow.py``), and the row goes when the reload ends, whichever
way it ended.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from flow_texts import QUICK
from flowtop.tui import reload_actions
from flowtop.tui.app import FlowtopApp
from flowtop.tui.reload_actions import reloading_row
from flowtop.workspace import RemoteWorkspace
from pilot_kit import screen_text, wait_for

#: A flow file whose import, while ``hold.txt`` is beside it, waits until ``go.txt`` is
#: too (a minute at most): the test says when a slow import ends, so a busy machine
#: cannot end it before the test has looked (a 1 s sleep did, once, in CI).
SLOW = """
import time
from pathlib import Path

from flowtop import Flow, task

here = Path(__file__).parent
waited = 0.0
while (here / "hold.txt").exists() and not (here / "go.txt").exists() and waited < 60:
    time.sleep(0.01)
    waited += 0.01


@task
def one() -> int:
    return 1


with Flow("slow") as flow:
    one()
"""


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[RemoteWorkspace]:
    workspace = RemoteWorkspace(tmp_path)
    yield workspace
    workspace.close()


async def watch_is_on(pilot: Any, app: FlowtopApp, write: Callable[[str, str], Path]) -> None:
    """Save a new flow file until the list shows its flow: the watch is on (it starts
    once the first load is shown, and a save before that is not seen)."""
    for _ in range(20):
        write("other.py", QUICK.replace('"quick"', '"other"'))
        with contextlib.suppress(AssertionError):
            await wait_for(pilot, lambda: "· other" in screen_text(app), "other", timeout=1)
            return
    raise AssertionError("no save was reloaded: the watch never started")


def test_a_reload_is_said_only_once_it_has_taken_a_second() -> None:
    slow = Path("/w/flows/slow.py")
    assert reloading_row(None) is None
    assert reloading_row((slow, 0.4)) is None  # a quick save: no row comes and goes
    assert reloading_row((slow, 2.2)) == "⋯ reloading 2s\n  slow.py"


#: The reload is named after this many seconds here, not a second (``NAMED_AFTER``),
#: looked for every ``LOOKED_EVERY`` (``LOADING_TICK``, 0.25 s): the test need not wait
#: a second for the row (the import below lasts until the test lets it end).
SAID_AFTER = 0.25
LOOKED_EVERY = 0.05


@pytest.mark.parametrize(
    ("load_timeout", "ends", "ends_with"),
    [
        (10, True, "· slower"),  # a slow import that finishes
        (1.5, False, "✗ slow.py"),  # one that overruns load_timeout
    ],
)
async def test_a_slow_reload_names_its_file_in_the_flows_list_until_it_ends(
    write: Callable[[str, str], Path],
    remote: RemoteWorkspace,
    monkeypatch: pytest.MonkeyPatch,
    load_timeout: float,
    ends: bool,
    ends_with: str,
) -> None:
    monkeypatch.setattr(reload_actions, "NAMED_AFTER", SAID_AFTER)
    monkeypatch.setattr(reload_actions, "LOADING_TICK", LOOKED_EVERY)
    write("flowtop.toml", f"[defaults]\nload_timeout = {load_timeout}\n")
    write("quick.py", QUICK)
    slow = write("slow.py", SLOW)
    app = FlowtopApp(remote, load=True, watch=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "· slow" in screen_text(app), "the first load")
        await watch_is_on(pilot, app, write)
        write("hold.txt", "")
        slow.write_text(SLOW.replace('"slow"', '"slower"'))  # its flow renamed

        def reloading_named() -> bool:
            text = screen_text(app)
            return "⋯ reloading" in text and "  slow.py" in text

        await wait_for(pilot, reloading_named, "the reloading row naming slow.py")
        if ends:
            write("go.txt", "")
        await wait_for(pilot, lambda: ends_with in screen_text(app), "the reload's end")
        await wait_for(pilot, lambda: "⋯ reloading" not in screen_text(app), "the row gone")
        assert app.flow_list.loading_said is None
