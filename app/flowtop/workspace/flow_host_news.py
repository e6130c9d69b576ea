"""What the flow host says while it answers: the flow files it imports now, and the file
whose import overran ``load_timeout`` as it ends on it.

A folder where one file hangs at import kept the TUI's first screen at "Loading flows…"
for 21 s and said nothing more: the ``FAST`` host waited out that file's deadline and
ended, then the ``CAREFUL`` host that replaced it waited it out again in a loader child.
Now the host sends *news* before its reply (``{"news": {...}}``, any number of them):
the TUI's first screen names the file still importing and for how long, and the careful
host is told which file hung and does not wait for it again (``import_guard.known_hung``).

The TUI's side (``HostProcess``) lives here beside the host's (``HostNews``): this
module imports nothing that imports the user's code.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .helper_process import HelperGone, HelperProcess, receive, send

#: What the TUI's side is given of each news: ``{"importing": [file, …]}`` (none: no
#: import is going on), or ``{"hung": file, "seconds": s}`` (the host ends after it).
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
        self.send({"news": {"hung": str(file), "seconds": seconds}})

    def send(self, message: dict[str, Any]) -> None:
        with self._lock:
            send(self._sock, message)


class HostProcess(HelperProcess):
    """The flow host as the TUI asks it: each news before the reply goes to ``heard``
    (on the asking thread) as it comes; ``ask`` returns the reply."""

    def __init__(self, module: str, args: Sequence[str], heard: Callable[[News], None]) -> None:
        super().__init__(module, args)
        self.heard = heard

    def ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        """As ``HelperProcess.ask``, ``timeout`` being for the whole answer, news and all;
        news that is not as ``HostNews`` sends it (a flow file at import may write to the
        host's socket) is the host gone wrong, as a reply that is not JSON is."""
        with self._lock:
            try:
                sock = self._connect()
                send(sock, request)
                end = time.monotonic() + timeout
                while True:
                    left = end - time.monotonic()
                    if left <= 0:
                        raise TimeoutError
                    sock.settimeout(left)
                    message = receive(sock)
                    if "news" not in message:
                        return message
                    self.heard(dict(message["news"]))
            except (OSError, EOFError, ValueError, TypeError, LookupError) as exc:
                self._stop()
                reason = "did not answer in time" if isinstance(exc, TimeoutError) else "died"
                raise HelperGone(reason) from None
