"""Reading what a program in a pseudo-terminal sends its screen."""

from __future__ import annotations

import os
import select
import time


def read_terminal(leader: int, seconds: float, *until: bytes) -> bytes:
    """What the terminal is sent within ``seconds``, or until it was sent all of
    ``until``, or until its other end closed (``seconds`` is then a safety net)."""
    said, deadline = b"", time.monotonic() + seconds
    while time.monotonic() < deadline and not (until and all(u in said for u in until)):
        ready, _, _ = select.select([leader], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            said += chunk
    return said
