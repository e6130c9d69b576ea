"""What the flow host says while it answers: the flow files it imports now, the file
whose import overran ``load_timeout`` as it ends on it, and, in a first load, the flows
of each file as soon as it is imported (``early_flows``).

A folder where one file hangs at import kept the TUI's first screen at "Loading flows…"
for 21 s and said nothing more: the ``FAST`` host waited out that file's deadline and
ended, then the ``CAREFUL`` host that replaced it waited it out again in a loader child.
Now the host sends *news* before its reply (``{"news": {...}}``, any number of them):
the TUI's first screen names the file still importing and for how long, and the careful
host is told which file hung and does not wait for it again (``import_guard.known_hung``).
A first load also says each file's flows once it is imported: the TUI lists them, and
runs them, while a slower file still imports; and each file it found broken at import
(``broken``), which the TUI lists with its error meanwhile.

The TUI's side is ``HelperProcess``'s ``heard``, given each news as it comes.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .flow_shapes import FlowShape, shapes_to_json
from .helper_process import send
from .import_guard import overran_at
from .load_error import LoadError

#: What the TUI's side is given of each news: ``{"importing": [file, …]}`` (none: no
#: import is going on), ``{"hung": file, "seconds": s, "where": "hang.py:3"}`` (the host
#: ends after it; ``where`` "" if unknown: ``import_guard.overran_at``), or
#: ``{"loaded": {"file": file, "shapes": …, "settings": …}}`` (a first load's file, in),
#: or ``{"broken": [error, …]}`` (a first load's files that failed at import, each as
#: ``LoadError.to_json``: the load's reply says them again, the word on them).
News = dict[str, Any]


class HostNews:
    """The host's end of its socket (``import_guard.ImportNews``): news and replies go
    through here, one message at a time, since ``hung`` is said on the import deadline's
    watchdog thread."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._lock = threading.Lock()

    def importing(self, files: Sequence[Path]) -> None:
        self.send({"news": {"importing": [str(file) for file in files]}})

    def hung(self, file: Path, seconds: float) -> None:
        """``file`` overran ``seconds``, where the import was then (``overran_at``)."""
        self.send({"news": {"hung": str(file), "seconds": seconds, "where": overran_at()}})

    def loaded(self, file: Path, shapes: Mapping[str, FlowShape], settings: dict[str, Any]) -> None:
        """``file``'s flows, imported in a first load that goes on, and the settings they
        were shaped under (what ``FlowHost.state`` says of them once the load is over)."""
        said = {"file": str(file), "shapes": shapes_to_json(shapes), "settings": settings}
        self.send({"news": {"loaded": said}})

    def broken(self, errors: Sequence[LoadError]) -> None:
        """Files a first load that goes on found broken at import, and why."""
        self.send({"news": {"broken": [error.to_json() for error in errors]}})

    def send(self, message: dict[str, Any]) -> None:
        with self._lock:
            send(self._sock, message)
