"""The watcher: which saves count, and a real save arriving as a WorkspaceChanged."""

from __future__ import annotations

import asyncio

import pytest
from watchfiles import Change

from flowtop.workspace.watcher import WatchFilter

FLOW = "from flowtop import Flow\nflow = Flow({name!r})\n"


@pytest.mark.parametrize(
    ("relative", "passes"),
    [
        ("etl.py", True),
        ("lib/util.py", True),
        ("flowtop.toml", True),
        (".flowtop/overrides.toml", True),
        (".flowtop/history.db", False),
        (".flowtop/history.db-wal", False),
        (".flowtop/.overrides.toml.x1y2.tmp", False),
        (".flowtop/other.toml", False),
        ("pyproject.toml", False),
        ("lib/flowtop.toml", False),
        ("__pycache__/etl.cpython-311.py", False),
        ("etl.py~", False),
        (".etl.py.swp", False),
        (".#etl.py", False),
        (".git/hooks/x.py", False),
        (".venv/lib/site.py", False),
        ("notes.txt", False),
    ],
)
def test_filter_passes_only_python_and_settings_files(tmp_path, relative, passes):
    assert WatchFilter(tmp_path)(Change.modified, str(tmp_path / relative)) is passes


def test_filter_ignores_paths_outside_the_root(tmp_path):
    assert not WatchFilter(tmp_path / "a")(Change.modified, str(tmp_path / "b" / "etl.py"))


async def next_change(iterator, seconds: float = 5.0):
    return await asyncio.wait_for(anext(iterator), seconds)


async def test_a_saved_file_arrives_as_a_workspace_changed(write, workspace, tmp_path):
    write("etl.py", FLOW.format(name="etl"))
    ws = workspace()
    stop = asyncio.Event()
    changes = ws.watch(stop)
    watching = asyncio.ensure_future(next_change(changes))
    await asyncio.sleep(0.3)  # let the watcher start before saving
    write("etl.py", FLOW.format(name="renamed"))
    change = await watching
    assert change.flows == ("renamed",) and change.removed == ("etl",)
    assert list(ws.flows) == ["renamed"]

    overrides = write(".flowtop/overrides.toml", '[flows."renamed".tasks."t"]\ntimeout = 3\n')
    change = await next_change(changes)
    while overrides not in change.paths:  # a late event of the first save may come first
        change = await next_change(changes)
    assert change.settings_changed
    assert ws.override_for("renamed", "t") == {"timeout": 3}
    stop.set()
    await changes.aclose()
