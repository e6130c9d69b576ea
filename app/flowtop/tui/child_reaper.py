"""Reaping the run processes started here once they end, so none stays a zombie.

``launcher.launch`` starts a run process that outlives whoever started it. Its ``Popen``,
let go of, is kept by Python in a private list and waited for only when the next process
starts, so every run started from the TUI stayed a zombie (``<defunct>`` in ``ps``) from
its end until the next `r`. ``ChildReaper`` keeps the ``Popen`` each launch returns
(``Launched.process``) and polls them: a poll never blocks, and the app asks on a timer.
How each ended is noted first (``process_ends``): a run its process left RUNNING (a task's
``os._exit(3)``, the OOM killer) says so in its note, whoever marks it.
"""

from __future__ import annotations

import subprocess
import threading
from typing import Any

from flowtop.workspace import process_ends


class ChildReaper:
    """The run processes started here that have not ended yet."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # adopted on the launch thread, reaped on the app's
        self._children: list[subprocess.Popen[Any]] = []

    def adopt(self, process: subprocess.Popen[Any] | None) -> None:
        """``process`` was just launched (None: by another process): wait for it as it ends."""
        if process is not None:
            process_ends.note_start(process.pid)  # (the machine's OOM kills, for a hint)
            with self._lock:
                self._children.append(process)

    def reap(self) -> int:
        """Wait for the children that have ended (without blocking); how many run still."""
        with self._lock:
            for process in self._children:  # before the wait, which takes its status away
                process_ends.note_end(process.pid)
            self._children = [p for p in self._children if p.poll() is None]
            return len(self._children)
