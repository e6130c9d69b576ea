"""Prefect 3's ``prefect.context.with_context(fn)``: ``fn`` runs in the run it was wrapped in.

Prefect documents it for ``multiprocessing`` pools and process executors, and it serves
threads as well. In this process the wrapper runs ``fn`` in a copy of the context
(``contextvars``) of the code that wrapped it, as a thread started with
``copy_context().run`` does (``run_loggers``, ``capture``): ``get_run_logger()``,
``TaskRunContext``, ``FlowRunContext`` and ``tags`` are those of that run. A context does
not pickle: in another process the wrapper only knows that it was made in a run, so
there ``get_run_logger()`` gives the task run logger (the flow run's too), printed to
stderr when that process has no logging set up; ``TaskRunContext.get()`` is None there.
A wrapper made outside any run calls ``fn`` as it is, as Prefect's does.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any

from .run_loggers import RUN_LOGGERS, MissingContextError, get_run_logger, inline_attempt


class ContextWrapped:
    """What :func:`with_context` returns: a picklable callable (by standard ``pickle``,
    as ``multiprocessing`` ships it) when ``fn`` is."""

    __slots__ = ("fn", "_context", "_in_run")

    def __init__(
        self, fn: Callable[..., Any], context: contextvars.Context | None, in_run: bool
    ) -> None:
        self.fn = fn
        self._context = context
        self._in_run = in_run

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._context is not None:  # a copy per call: pool threads may call it at once
            return self._context.copy().run(self.fn, *args, **kwargs)
        if not self._in_run:
            return self.fn(*args, **kwargs)
        with inline_attempt(), printed(RUN_LOGGERS[1]):
            return self.fn(*args, **kwargs)

    def __reduce__(self) -> tuple[Any, ...]:
        return (ContextWrapped, (self.fn, None, self._in_run))

    def __repr__(self) -> str:
        return f"with_context({self.fn!r})"


def with_context(fn: Callable[..., Any]) -> ContextWrapped:
    """``fn`` wrapped to run in the current flow or task run wherever it is called: on
    another thread, or in another process (see the module doc)."""
    if not callable(fn):
        raise TypeError(f"with_context() needs a callable, got {type(fn).__name__} {fn!r}")
    try:
        get_run_logger()
    except MissingContextError:
        in_run = False
    else:
        in_run = True
    # made outside any run: no context to carry (``fn`` runs in its caller's, as it is)
    return ContextWrapped(fn, contextvars.copy_context() if in_run else None, in_run)


@contextlib.contextmanager
def printed(name: str) -> Iterator[None]:
    """In a process whose logging nobody set up (a spawned worker), the run logger
    ``name``'s lines are printed to stderr meanwhile, as Prefect's worker prints its run's
    lines."""
    logger = logging.getLogger(name)
    if logging.getLogger().handlers or logger.handlers:
        yield
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
