"""A deadline for an import in this process: an import that overruns it ends the process.

An import cannot be interrupted: a flow file may loop at import, block in C, or wait on
the network for ever. Where the importing process is disposable — a run process, the
TUI's flow host, ``flowtop list``'s loader — the file is imported there once, under this
deadline, rather than first in a child (``loader_process.probe``) and then again: a
module that takes a second to import (pandas, a cloud SDK) costs one second, not two.
Past the deadline the process ends, and whoever started it says why (a run process) or
starts another that imports each file in a child of its own first, which then reports
the file that hung while the others load (the flow host, the loader).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

#: How a helper process (the flow host, ``flowtop list``'s loader) imports flow files:
#: each in this process only, under a deadline; or each in a child first, which names a
#: file that hangs or ends its process while the others load (what the helper's parent
#: asks for after a ``FAST`` one died).
FAST, CAREFUL = "fast", "careful"

#: The exit status of a process whose import overran its deadline (``EX_TEMPFAIL``):
#: its parent then imports each file in a child of its own instead.
IMPORT_HUNG = 75


def hung(path: Path, seconds: float) -> None:
    """A helper process's end when importing ``path`` overran ``seconds``: leave at once,
    without running exit handlers (the import still holds the main thread, and they might
    wait for it). Its parent sees ``IMPORT_HUNG`` and starts a ``CAREFUL`` one."""
    os._exit(IMPORT_HUNG)


@contextmanager
def deadline(
    seconds: float,
    expire: Callable[[], None],
    *,
    tick: Callable[[], None] | None = None,
    every: float = 0.5,
) -> Iterator[None]:
    """Call ``expire`` (on a watchdog thread) if the block is still running after
    ``seconds``; ``tick`` meanwhile every ``every`` seconds (a run process's heartbeat:
    a slow import is not a dead owner)."""
    done = threading.Event()

    def watch() -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if done.wait(min(every, left) if tick is not None else left):
                return
            if tick is not None:
                tick()
        if not done.is_set():
            expire()

    threading.Thread(target=watch, name="flowtop-import-deadline", daemon=True).start()
    try:
        yield
    finally:
        done.set()
