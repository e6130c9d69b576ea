"""Hot reload goes on past a file whose name is not UTF-8, and catches up with odd files.

``touch $'bad\\xff.py'`` in the workspace made watchfiles fail the batch it was in
(``WatchfilesRustInternalError: Unable to decode path …`` in an ``ExceptionGroup``): the
monitor said ``Hot reload is off: unhandled errors in a TaskGroup (1 sub-exception)``,
then ``back on``, at each such save, and the other changes of that batch were lost; a
named pipe deleted then stayed listed with ``✗`` for good, as the catch-up that follows a
renewed watch ignored every file that is not a regular one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import watchfiles

from flowtop.workspace import Workspace, watcher

FLOW = "from flowtop import Flow\nflow = Flow({name!r})\n"


def showing(name: str) -> Callable[[Any], bool]:
    """Whether a change loaded flow ``name``."""
    return lambda change: name in change.flows


class Watching:
    """A watch always being waited on, as the app does; what it yielded so far."""

    def __init__(self, workspace: Workspace) -> None:
        self.stop = asyncio.Event()
        self.changes = workspace.watch(self.stop)
        self.arriving = asyncio.ensure_future(anext(self.changes))

    async def until(self, wanted: Callable[[Any], bool], seconds: float = 5.0) -> bool:
        """Whether a change ``wanted`` passes arrives within ``seconds``; raises what ended
        the watch."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            await asyncio.wait({self.arriving}, timeout=deadline - loop.time())
            if not self.arriving.done():
                return False
            change = self.arriving.result()  # raises what ended the watch
            self.arriving = asyncio.ensure_future(anext(self.changes))
            if wanted(change):
                return True
        return False

    async def on(self, write: Callable[[str, str], Path]) -> None:
        """Save ``etl.py`` until a reload shows it: the watch is on from then."""
        for attempt in range(20):
            name = f"warm-{attempt}"
            write("etl.py", FLOW.format(name=name))
            if await self.until(showing(name), 0.5):
                return
        pytest.fail("the watch never reloaded etl.py")

    async def close(self) -> None:
        self.stop.set()
        with contextlib.suppress(StopAsyncIteration):
            await asyncio.wait_for(self.arriving, 5.0)
        await self.changes.aclose()


def undecodable(folder: Path) -> Path:
    """A file named ``bad\\xff.py`` in ``folder``: its name is no UTF-8."""
    name = os.fsencode(folder) + b"/bad\xff.py"
    with open(name, "wb"):
        pass
    return Path(os.fsdecode(name))


async def test_a_file_named_in_no_utf8_never_stops_hot_reload(
    write: Callable[[str, str], Path], workspace: Callable[..., Workspace], tmp_path: Path
) -> None:
    write("etl.py", FLOW.format(name="etl"))
    os.mkfifo(tmp_path / "pipe.py")  # listed with ✗ (not a regular file)
    loaded = workspace()
    assert tmp_path / "pipe.py" in loaded.errors
    watching = Watching(loaded)
    try:
        await watching.on(write)
        (tmp_path / "pipe.py").unlink()
        undecodable(tmp_path)
        write("etl.py", FLOW.format(name="renamed"))  # (in the batch the bad name fails)
        assert await watching.until(lambda change: "renamed" in change.flows)

        def pipe_gone(_: object = None) -> bool:  # (reloaded with etl.py, or just after)
            return tmp_path / "pipe.py" not in loaded.errors

        assert pipe_gone() or await watching.until(pipe_gone)
        write("etl.py", FLOW.format(name="again"))  # and the watch goes on
        assert await watching.until(lambda change: "again" in change.flows)
    finally:
        await watching.close()


def test_a_named_pipe_deleted_while_no_watch_was_on_is_caught_up_with(tmp_path: Path) -> None:
    """And a symlink to nothing or to itself: each is listed with ``✗`` until it goes."""
    os.mkfifo(tmp_path / "pipe.py")
    os.symlink("gone.py", tmp_path / "dangling.py")
    os.symlink("loop.py", tmp_path / "loop.py")
    wanted = watcher.WatchFilter(tmp_path)
    seen = {path: stamp for path, stamp in watcher.file_stamps([tmp_path], wanted).items() if stamp}
    for name in ("pipe.py", "dangling.py", "loop.py"):
        (tmp_path / name).unlink()
    assert watcher._catch_up(seen, [tmp_path], wanted) == [
        tmp_path / "dangling.py",
        tmp_path / "loop.py",
        tmp_path / "pipe.py",
    ]


async def test_a_watch_that_fails_says_its_own_error_not_the_task_groups(
    write: Callable[[str, str], Path],
    workspace: Callable[..., Workspace],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``Hot reload is off: unhandled errors in a TaskGroup (1 sub-exception)`` said
    nothing of what failed."""
    write("etl.py", FLOW.format(name="etl"))
    denied = PermissionError(13, "Permission denied", "/data/private")

    async def failing_watch(*paths: Any, **options: Any) -> AsyncIterator[set[Any]]:
        raise ExceptionGroup("unhandled errors in a TaskGroup", [denied])
        yield set()  # (an async generator, as awatch is)

    monkeypatch.setattr(watchfiles, "awatch", failing_watch)
    changes = workspace().watch(asyncio.Event())
    with pytest.raises(PermissionError) as raised:
        await asyncio.wait_for(anext(changes), 5.0)
    assert raised.value is denied
    await changes.aclose()
