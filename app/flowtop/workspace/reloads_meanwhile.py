"""The watcher's reload of one batch, and the saves that come while it goes on.

A batch's reload waits for every import it makes: one of a file that hangs, its whole
``load_timeout``. The watcher read no batch meanwhile, so a flow file saved a second
later reloaded only after the timeout (``reload_beside``). So while a reload runs, the
next batches are read too: each is reloaded once that one is over (the workspace's own
word), and, if the workspace can (``reload_beside``: the TUI's, whose flow host is held),
loaded beside it once it has gone on for ``BESIDE_AFTER`` seconds, and said at once
(``beside_call``: ``reload_beside`` with its ticket taken as it is decided on).
A workspace that cannot (an in-process ``Workspace``) reads no batch meanwhile, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from watchfiles import Change

if TYPE_CHECKING:
    from .changes import WorkspaceChanged

#: Seconds a reload goes on before the files saved meanwhile are loaded beside it (what
#: the flows list waits before it names a slow file: ``⋯ reloading``).
BESIDE_AFTER = 1.0
#: Seconds a batch that deleted a file waits for the next batch (``Watching.rewritten``).
DELETED_WAIT = 1.0

Batch = set[tuple[Change, str]]


class Watching:
    """What ``watch`` shares with the reloads: the batch arriving (None: none asked for
    yet), how a batch is taken (its paths; a restart it calls for is noted here), and
    whether the watch is stopped (the app quits: the files saved meanwhile are left)."""

    def __init__(
        self,
        ask: Callable[[], asyncio.Future[Batch]],
        take: Callable[[Batch], Awaitable[tuple[list[Path], bool]]],
        stopped: Callable[[], bool] = lambda: False,
    ) -> None:
        self.ask = ask
        self.take = take
        self.stopped = stopped
        self.arriving: asyncio.Future[Batch] | None = None
        self.restart = False

    def listening(self) -> asyncio.Future[Batch] | None:
        """The batch to wait for beside a reload: asked for now if need be; None when a
        restart is due, or the one asked for failed (``watch`` says how, after)."""
        if self.restart:
            return None
        if self.arriving is None:
            self.arriving = self.ask()
        return None if self.arriving.done() else self.arriving

    async def rewritten(self, paths: list[Path]) -> list[Path]:
        """``paths`` (a batch's that deleted a file, taken), with the next batch's when it
        comes within ``DELETED_WAIT`` and a file is still missing: an editor that saves by
        deleting the file and writing it anew a moment later (0.3–0.5 s) had it reloaded
        as removed, then as a new file, and a broken save of it lost its last good flows."""
        if self.restart or all(await asyncio.to_thread(_all_there, paths)):
            return paths
        if self.arriving is None:
            self.arriving = self.ask()
        batch = self.arriving
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(batch), DELETED_WAIT)
        if not batch.done() or not _arrived(batch):
            return paths  # (one that failed is ``watch``'s to say)
        self.arriving = None
        more, restart = await self.take(batch.result())
        self.restart |= restart
        return sorted({*paths, *more})


async def reloads(
    workspace: Any,
    paths: list[Path],
    watching: Watching,
    reload: Callable[[Any, list[Path]], Awaitable[WorkspaceChanged | None]],
) -> AsyncIterator[WorkspaceChanged]:
    """Reload ``paths``, then the files saved meanwhile, yielding each change; those
    saved meanwhile are said beside it first where the workspace can."""
    beside: Callable[[list[Path]], Callable[[], WorkspaceChanged | None]] | None
    beside = getattr(workspace, "beside_call", None)  # (``reload_beside``, its ticket taken)
    said: set[Path] = set()  # files whose reload beside was said, reloaded by ``main``
    tried = False  # a reload beside was asked for
    try:
        loop = asyncio.get_running_loop()
        while paths and not watching.stopped():
            main = asyncio.ensure_future(reload(workspace, paths))
            started = loop.time()
            saying: set[Path] = set()  # said beside it: reloaded after it
            queued: list[Path] = []  # saved while it runs: reloaded after it
            waiting: list[Path] = []  # of those, not yet tried beside
            aside: asyncio.Future[WorkspaceChanged | None] | None = None
            aside_files: list[Path] = []
            try:
                while not main.done() or aside is not None:
                    waits: set[asyncio.Future[Any]] = {main}
                    if aside is not None:
                        waits.add(aside)
                    if beside is not None and (batch := watching.listening()) is not None:
                        waits.add(batch)
                    timeout = None
                    if beside is not None and waiting and aside is None and not main.done():
                        timeout = started + BESIDE_AFTER - loop.time()
                        if timeout <= 0:
                            aside_files, waiting, tried = waiting, [], True
                            aside = asyncio.ensure_future(_beside(beside(aside_files)))
                            continue
                    done, _ = await asyncio.wait(
                        waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                    )
                    if aside is not None and aside in done:
                        change, aside = aside.result(), None
                        if change is not None:
                            saying.update(aside_files)
                            yield change
                    arrived = watching.arriving
                    if arrived in done and arrived is not None and _arrived(arrived):
                        watching.arriving = None
                        more, restart = await watching.take(arrived.result())
                        watching.restart |= restart
                        queued += more
                        waiting += more
                    if again := saying.intersection(waiting):  # said beside, saved since:
                        saying -= again  # its reload after this one says that save
                        workspace.saved_again(again)
            finally:
                for task in (main, aside):
                    if task is not None and not task.done():
                        task.cancel()
            change = main.result()
            # (a reload of files said beside alone that changed nothing more is not said:
            # a save said once; a file saved again since, and not said beside, is; nor is
            # one of files the host's reload before it said as saved now, which it left
            # without a path: ``Beside.said_by_host``)
            if change is not None and (change or (change.paths and not set(paths) <= said)):
                yield change
            paths, said = sorted(set(queued)), saying
    finally:  # ended early (the watch ends, a reload raised): the host's reloads of
        # the files said beside are lost, and what was said of them with them; a side
        # load still going on (its thread is not cancelled) is neither applied nor noted
        if tried and (forget := getattr(workspace, "forget_beside", None)) is not None:
            forget()


async def _beside(beside: Callable[[], WorkspaceChanged | None]) -> WorkspaceChanged | None:
    """``beside()`` on a thread; None when it failed (the reload after says)."""
    with contextlib.suppress(Exception):
        return await asyncio.to_thread(beside)
    return None


def _all_there(paths: list[Path]) -> list[bool]:
    """Whether each of ``paths`` is there (a dangling symlink too)."""
    return [os.path.lexists(path) for path in paths]


def _arrived(batch: asyncio.Future[Batch]) -> bool:
    """Whether ``batch`` came (one that failed is ``watch``'s to say, after the reload)."""
    return not batch.cancelled() and batch.exception() is None
