"""Prefect 3's state hooks, for tasks and flows alike: checking them and calling them.

A hook is called ``hook(task_or_flow, run, state)``. As in Prefect, one that raises is
logged (``An error was encountered while running hook 'name'``) and changes nothing:
a notification that fails must not fail the work it reports on. An ``async def`` hook
is run to its end. When each kind runs is the caller's business (``task_runs`` for
tasks, ``flow_hooks`` for flows).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from .aloop import run_sync
from .run_loggers import RUN_LOGGERS, logger_names

Hook = Callable[..., Any]
#: What a hook that raised is logged with, as Prefect's words.
FAILED_HOOK = "An error was encountered while running hook %r"


def check_hooks(kind: str, hooks: Any, *, decorator: str = "task") -> list[Hook]:
    """Prefect's validation of ``on_failure=[...]`` etc.: an iterable of callables."""
    example = f"\n\n@{decorator}({kind}=[hook1, hook2])"  # Prefect's text, without its def
    try:
        items = list(hooks)
    except TypeError:
        raise TypeError(
            f"Expected iterable for '{kind}'; got {type(hooks).__name__} instead. Please "
            f"provide a list of hooks to '{kind}':{example}"
        ) from None
    for hook in items:
        if not callable(hook):
            raise TypeError(
                f"Expected callables in '{kind}'; got {type(hook).__name__} instead. Please "
                f"provide a list of hooks to '{kind}':{example}"
            )
    return items


def hook_name(hook: Hook) -> str:
    """Prefect's ``get_hook_name``."""
    if hasattr(hook, "__name__"):
        return str(hook.__name__)
    if isinstance(hook, partial):
        return str(getattr(hook.func, "__name__", type(hook.func).__name__))
    return type(hook).__name__


def call_hooks(hooks: Iterable[Hook], log: logging.Logger, *args: Any) -> None:
    """Run each hook with ``args`` (the state they are given last); one that raises is
    logged on ``log``. An ``async def`` hook is run to its end (on a helper thread when a
    loop runs here)."""
    log = run_logger_of(log, args[0])
    with traceback_kept(args[-1]):
        for hook in hooks:
            try:
                result = hook(*args)
                if inspect.isawaitable(result):
                    run_sync(result)
            except Exception:
                log.error(FAILED_HOOK, hook_name(hook), exc_info=True)


async def acall_hooks(hooks: Iterable[Hook], log: logging.Logger, *args: Any) -> None:
    """``call_hooks`` from async code: an ``async def`` hook is awaited here."""
    log = run_logger_of(log, args[0])
    with traceback_kept(args[-1]):
        for hook in hooks:
            try:
                result = hook(*args)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.error(FAILED_HOOK, hook_name(hook), exc_info=True)


def run_logger_of(log: logging.Logger, made: object) -> logging.Logger:
    """``log``, one of flowtop's run loggers (``flowtop.flow_runs``, ``flowtop.task_runs``),
    as the run logger of ``made``'s runs is named: Prefect's (``prefect.flow_runs``,
    ``prefect.task_runs``) for a flow or task made by Prefect code, as Prefect logs a
    raising hook there; any other logger as it is."""
    if log.name not in RUN_LOGGERS:
        return log
    named = logger_names(made)[RUN_LOGGERS.index(log.name)]
    return log if named == log.name else logging.getLogger(named)


@contextmanager
def traceback_kept(held: Any) -> Iterator[None]:
    """The traceback of the error ``held`` is (or the state ``held`` holds), as it was
    before the code in the block ran.

    A hook's ``state.result()`` raises that error again, which puts the hook's frames in
    front of its traceback: the run's record, made after its hooks, began `File "flow.py",
    line 6, in hook`, above the line of the task or the body that raised. A task's
    ``retry_condition_fn`` does the same (``task_runs.weighed``)."""
    error = held if isinstance(held, BaseException) else getattr(held, "data", None)
    if not isinstance(error, BaseException):
        yield
        return
    raised_at = error.__traceback__
    try:
        yield
    finally:
        error.__traceback__ = raised_at
