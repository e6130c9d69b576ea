"""The root logger's handler list, counted as if flowtop's capture handler were not in it.

While a run is live, flowtop's handler is on the root logger (``capture``): every record
passes there, so an attempt's log lines are its output. ``logging.basicConfig()``
configures only a root logger without handlers, so a script calling it in a flow body or
a task (common: a script's ``main`` is often the flow) got nothing, and under ``flowtop
run``, whose handler stays on, even at a flow module's top. Once flowtop's handler goes on,
the root logger's list is this one: its length and truth leave flowtop's handler out
(``basicConfig``, ``Logger.hasHandlers()``, ``if not root.handlers``), and a handler added
goes before flowtop's, so ``handlers[0]`` after ``basicConfig`` is the program's. Iterating
it (``Logger.callHandlers``) still reaches flowtop's handler.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any, ClassVar


class RootHandlers(list[logging.Handler]):
    """``logging.root.handlers`` once flowtop's handler (``hidden``) has been on it."""

    #: ``capture``'s handler, set once as that module loads.
    hidden: ClassVar[logging.Handler | None] = None

    def __len__(self) -> int:
        return list.__len__(self) - list.__contains__(self, self.hidden)

    def append(self, handler: logging.Handler) -> None:
        """``Logger.addHandler``'s: before flowtop's handler, which stays last."""
        if handler is not self.hidden:
            # ValueError: flowtop's handler is not in it (taken off meanwhile), or is None
            # (``capture`` not loaded yet), which ``index`` finds in no list of handlers
            with contextlib.suppress(ValueError):
                self.insert(self.index(self.hidden), handler)  # type: ignore[arg-type]  # None: above
                return
        list.append(self, handler)


def _logging_lock() -> Any:
    """logging's module lock (``addHandler`` and ``basicConfig`` hold it), if it has one."""
    lock = getattr(logging, "_lock", None)
    return contextlib.nullcontext() if lock is None else lock


def adopted() -> RootHandlers:
    """The root logger's handlers, in a :class:`RootHandlers` (the list is replaced once,
    or again after the program replaced it), under logging's lock: a handler added
    meanwhile by another thread is not lost."""
    with _logging_lock():
        handlers = logging.root.handlers
        if handlers.__class__ is not RootHandlers:
            handlers = logging.root.handlers = RootHandlers(handlers)
        return handlers
