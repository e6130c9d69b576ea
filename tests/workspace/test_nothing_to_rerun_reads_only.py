"""``nothing_to_rerun`` reads the run store and never makes one.

The monitor asks it (in the flow host) as a completed run shows: the footer offers `f`
by its answer. It opened the store to write, so asked just after ``.flowtop`` was
deleted it made an empty store in its place, and the monitor said the store had been
"replaced" (its runs "of the new one are shown") where it had been deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flowtop.workspace import Workspace

SALES = """
from flowtop import Flow, task


@task
def extract(path):
    return [path]


with Flow("sales") as flow:
    extract("/orders")
"""


def test_asked_with_no_run_store_it_makes_none(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    write("sales.py", SALES)
    with Workspace(tmp_path) as ws:
        ws.load()
        assert ws.nothing_to_rerun("sales", "0123456789ab") == ""  # the rerun says why
        assert not (tmp_path / ".flowtop" / "history.db").exists()
