"""Checks of a task's callable retry options when the ``@task`` is written.

A ``retry_predicate`` or ``retry_delay`` callable that cannot take the argument flowtop
gives it used to be accepted, and failed only when an attempt ended, naming flowtop's own
line (``policy.py:265 in decide``). Refused here instead, the loader names the ``@task``'s
file and line. A callable whose signature cannot be read (a builtin, some C callables) is
left alone: only a call can tell.
"""

from __future__ import annotations

import ast
import inspect
import linecache
import sys
from collections.abc import Collection
from types import FrameType
from typing import Any

from .delays import callable_name, forgot_backoff_parentheses
from .library_folders import FLOWTOP_FOLDER

#: What each callable option is called with, in words, and the shape it must have.
_ONE_ARGUMENT = {
    "retry_predicate": "the attempt's State (state -> bool)",
    "retry_delay": "the retry's number (attempt -> seconds)",
    "retry_delay_seconds": "the task's retries, once (Prefect's retries -> delays)",
}
#: The options (canonical names) that may be callables, checked here.
CALLABLE_OPTIONS = ("retry_predicate", "retry_delay", "retry_condition_fn")
#: Prefect's ``retry_condition_fn(task, task_run, state)``.
_CONDITION_ARGUMENTS = 3


def _refusal(fn: Any, count: int) -> str | None:
    """Why ``fn`` cannot be called with ``count`` positional arguments, or None when it can
    (or when its signature cannot be read)."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(*range(count))
    except TypeError as exc:
        return str(exc)
    return None


def _shown(fn: Any) -> str:
    """``should_retry(state, exc)``: the callable's name and parameters, for a message
    (without annotations: ``-> 'bool'`` said nothing about the arguments)."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return callable_name(fn)
    bare = [p.replace(annotation=p.empty) for p in signature.parameters.values()]
    return f"{callable_name(fn)}{signature.replace(parameters=bare, return_annotation=signature.empty)}"


def check_callable_option(option: str, fn: Any) -> None:
    """Refuse a callable ``option`` (as the user wrote it: ``retry_delay_seconds`` too)
    that cannot take what flowtop calls it with, saying what it is given instead."""
    if option in ("retry_delay", "retry_delay_seconds"):
        hint = forgot_backoff_parentheses(fn, option)
        if hint is not None:
            raise TypeError(hint)
    if option == "retry_condition_fn":
        why = _refusal(fn, _CONDITION_ARGUMENTS)
        if why is not None:
            raise TypeError(
                f"retry_condition_fn {_shown(fn)} must take Prefect's three arguments "
                f"(task, task_run, state) -> bool: {why}"
            )
        return
    given = _ONE_ARGUMENT.get(option)
    if given is None or _refusal(fn, 1) is None:
        return
    message = f"{option} {_shown(fn)} must take one argument, {given}"
    if option == "retry_predicate" and _refusal(fn, _CONDITION_ARGUMENTS) is None:
        message += (
            "; a (task, task_run, state) function is Prefect's: pass it as retry_condition_fn="
        )
    raise TypeError(message)


def option_line(keys: Collection[str]) -> int | None:
    """The line the user wrote one of ``keys=`` on, in the call being made (``@task(``
    over several lines), when it is not that call's first line; else None.

    The loader names the line Python reports for the decorator, its first one: an option
    on line 8 of a ``@task(`` that starts on line 4 was said to be on line 4. Read from the
    source only when an option is refused, never on a good definition.
    """
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(FLOWTOP_FOLDER):
        frame = frame.f_back  # to the user's line that makes the task
    if frame is None or frame.f_lineno is None:
        return None
    line = frame.f_lineno
    source = "".join(linecache.getlines(frame.f_code.co_filename, frame.f_globals))
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):  # not the file that runs: say nothing
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.lineno <= line <= (node.end_lineno or line):
            for keyword in node.keywords:
                if keyword.arg in keys and keyword.lineno != line:
                    return keyword.lineno
    return None


def on_its_line(message: str, owner: str, keys: Collection[str]) -> str:
    """``message`` (which starts with ``owner``) with the line its option was written on,
    when the loader's line would be another: ``task 'fetch': line 8: unknown option…``."""
    line = option_line(keys)
    if line is None or not message.startswith(f"{owner}: "):
        return message
    return f"{owner}: line {line}: {message.removeprefix(f'{owner}: ')}"
