"""The run stage's writer thread ends once it has nothing to write (``run_stage``): one
left waiting for good outlived the runs of the command that started it."""

from __future__ import annotations

import threading
from pathlib import Path

from flowtop.workspace.run_stage import StageWriter
from waits import wait_until


def _writers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "flowtop-run-stage"]


def test_the_writer_s_thread_ends_when_idle_and_comes_back_for_the_next_write(
    tmp_path: Path,
) -> None:
    writer = StageWriter(tmp_path / "no-store.db", lambda: ["run-1"])
    for words in ("connecting to the Dask scheduler at tcp://x:1", ""):
        writer(words)
        assert writer.wait(10)
        wait_until(lambda: not _writers(), "the writer's thread to end")
