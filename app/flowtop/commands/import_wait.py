"""What ``flowtop run DIR`` says while a flow file of the folder keeps it waiting.

A run of a folder imports the files it cannot tell are not its flow's in loader
children, and waits for them all (up to ``[defaults] load_timeout`` each, in parallel):
a file that hangs at import kept the run silent for those seconds before its first
line. Now a file still importing after ``SAID_AFTER`` seconds is named on stderr, once:
``flowtop run: waiting for flows/hang.py to import (3 s; [defaults] load_timeout is 10 s)``.
The loader children's parent says the files still importing every second
(``loader_process.run_children``); this is the run's ``import_guard.ImportNews``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..formats import fmt_seconds
from ..printable import say
from ..workspace import import_guard
from ..workspace.load_error import display_path

#: Seconds a file imports before the run names it.
SAID_AFTER = 3.0


class WaitSaid:
    """Names on stderr, once each, the files still importing after ``SAID_AFTER``."""

    def __init__(
        self, load_timeout: Callable[[], float], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._load_timeout = load_timeout  # (read when said: the load reads the settings)
        self._clock = clock
        self._since: dict[Path, float] = {}  # each file importing now, since when
        self._said: set[Path] = set()

    def importing(self, files: Sequence[Path]) -> None:
        now = self._clock()
        self._since = {file: self._since.get(file, now) for file in files}
        late = {f: now - t for f, t in self._since.items() if now - t >= SAID_AFTER}
        new = [file for file in late if file not in self._said]
        if not new:
            return
        self._said.update(new)
        names = ", ".join(display_path(file) for file in new)
        seconds = max(late[file] for file in new)
        say(
            f"waiting for {names} to import ({fmt_seconds(round(seconds))}; "
            f"[defaults] load_timeout is {fmt_seconds(self._load_timeout())})"
        )

    def hung(self, file: Path, seconds: float) -> None:
        """Nothing: the run says the import that overran as it ends (``overran``)."""


@contextmanager
def waits_said(load_timeout: Callable[[], float]) -> Iterator[None]:
    """During the block, a file the run waits for is named once it is late (``WaitSaid``)."""
    import_guard.tell(WaitSaid(load_timeout))
    try:
        yield
    finally:
        import_guard.tell(None)
