"""Logging as a script that configured none has it, inside a test: pytest's handlers
(which it puts on the root logger for each test's call) left out for a while."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from flowtop.engine import capture


@contextmanager
def no_program_handlers() -> Iterator[None]:
    """Inside, the root logger has no handler but flowtop's own (while a run goes on)."""
    root = logging.getLogger()
    theirs = [handler for handler in root.handlers if handler is not capture._handler]
    for handler in theirs:
        root.removeHandler(handler)
    try:
        yield
    finally:
        for handler in theirs:
            root.addHandler(handler)
