"""A flow file that hangs at import holds back no other file's reload.

In the monitor, ``touch hang.py`` (a file that sleeps at import), then a second later a
save of ``etl.py`` (``@task`` made ``@task(max_retries=5)``): the policy column kept the
old retries until ``hang.py``'s ``load_timeout`` was out, and ``etl.py``'s toast came
with ``hang.py``'s error. The watcher read no batch while a reload ran, and the flow host
imports one file at a time. Now a flow file saved while a reload has gone on for a
second is loaded beside it (``reload_beside``) and shown at once; the hung file keeps its
row and then its timeout error, and the host's own reload of the other file afterwards
says nothing again.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from flowtop.workspace import RemoteWorkspace
from flowtop.workspace.changes import WorkspaceChanged
from waits import WatchStarts, until

ETL = """
from flowtop import Flow, task


@task
def extract():
    return 1


{decorator}
def transform(x):
    return x


with Flow("etl") as flow:
    transform(extract())
"""

HANG = "import time\nfrom flowtop import Flow\n\ntime.sleep(10**9)\n"

QUICK = """
from flowtop import Flow, task


@task
def one():
    return 1


with Flow("after") as flow:
    one()
"""

#: Short, so the test is; the other file's change must come before the hang's error.
LOAD_TIMEOUT = 6


def transform_policy(workspace: RemoteWorkspace) -> str:
    shape = workspace.shapes.get("etl")
    return "" if shape is None else shape.nodes["transform"].policy.summary


async def test_a_file_saved_while_another_hangs_reloads_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "flowtop.toml").write_text(f"[defaults]\nload_timeout = {LOAD_TIMEOUT}\n")
    etl = tmp_path / "etl.py"
    etl.write_text(ETL.format(decorator="@task"))
    hang = tmp_path / "hang.py"
    starts = WatchStarts(monkeypatch)
    with RemoteWorkspace(tmp_path) as workspace:
        await asyncio.to_thread(workspace.load)
        before = transform_policy(workspace)
        assert "5×" not in before
        stop = asyncio.Event()
        changes: list[WorkspaceChanged] = []

        async def collect() -> None:
            async for change in workspace.watch(stop):
                changes.append(change)  # noqa: PERF401 - the test reads it as it grows

        watching = asyncio.ensure_future(collect())
        try:
            await starts.on(1, watching)
            hang.write_text(HANG)
            importing = await until(workspace.still_importing, "hang.py's reload to start")
            assert importing[0] == hang
            etl.write_text(ETL.format(decorator="@task(max_retries=5)"))

            await until(lambda: changes, "a reload said", timeout=3 * LOAD_TIMEOUT)
            first = changes[0]
            assert first.paths == (etl,)  # etl.py's, not held back by hang.py's import
            assert first.flows == ("etl",) and not first.errors
            assert "5×" in transform_policy(workspace)
            assert hang not in workspace.errors  # its import still goes on, and says so
            still = workspace.still_importing()
            assert still is not None and still[0] == hang

            await until(lambda: len(changes) > 1, "hang.py's error", timeout=3 * LOAD_TIMEOUT)
            said = changes[1]
            assert said.paths == (hang,)
            assert f"import did not finish in {LOAD_TIMEOUT} s" in str(said.errors[0])
            assert "import did not finish" in str(workspace.errors[hang])

            # The host reloads etl.py too once it is free, and says nothing new of it: the
            # next change is the next file saved.
            after = tmp_path / "z_after.py"
            after.write_text(QUICK)
            await until(lambda: any(after in c.paths for c in changes), "z_after.py loaded")
            assert [c.paths for c in changes[2:] if c] == [(after,)]
            assert "5×" in transform_policy(workspace)
        finally:
            stop.set()
            await asyncio.wait_for(watching, 20)
