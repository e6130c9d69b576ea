"""Prefect 3's ``retry_delay_seconds`` as a task holds it, where it differs from flowtop's
own ``retry_delay``: ``[]`` is no delay, a plain callable is called once with the task's
retries when the task is made, and a copy (``Task.with_options``) gets the list a backoff
made. ``task`` resolves the option with ``prefect_delay``; the delays themselves, and
the backoffs, are ``delays``'.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from .delays import ExponentialBackoff, PrefectBackoff, callable_name, normalize_delay
from .option_checks import on_its_line, policy_value
from .value_text import safe_repr

#: A list of retry delays holds at most this many (Prefect 3's limit, as its backoff's).
MAX_DELAYS = PrefectBackoff.MAX_DELAYS


class PrefectDelays(list[Any]):
    """Delays as Prefect 3 holds them for a task: ``retry_delay_seconds=[]``, the list a
    callable ``retry_delay_seconds`` returned, or the one Prefect's ``exponential_backoff``
    made for the task's retries, as a copy (``with_options``) gets it (Prefect's copy keeps
    that list, not the backoff). Empty means no delay, as in Prefect."""


class NoDelays(PrefectDelays):
    """The None a callable ``retry_delay_seconds`` returned: no delay, read back as None,
    as Prefect holds it (a copy made by ``with_options`` gets the default delay, as
    Prefect's copy, given that None, does)."""


class DelaysFor:
    """A plain callable given as Prefect's ``retry_delay_seconds``: Prefect calls it once,
    with the task's ``retries``, when the task is made (``Task.__init__``) and uses what it
    returns: a list (``exponential_backoff`` returns one), or seconds. (flowtop's own
    ``retry_delay=callable`` is called per retry instead.)"""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[int], Any]) -> None:
        self.fn = fn

    def delays(self, retries: int, task_name: str) -> Any:
        """What the callable returns for ``retries``, as a ``retry_delay`` (what it raises
        is raised, as in Prefect); a value flowtop cannot wait is refused here, naming it
        and the option as written (``retry_delay_seconds[1] must not be negative``)."""
        value = self.fn(retries)
        if value is None:  # Prefect: no delay, and None read back
            return NoDelays()
        called = f"{callable_name(self.fn)}({retries})"
        if isinstance(value, list | tuple):
            value = PrefectDelays(value)
        elif callable(value) or not isinstance(value, int | float | timedelta):
            raise TypeError(
                f"task {task_name!r}: Invalid retry_delay_seconds: {called} returned "
                f"{type(value).__name__} {value!r}, not seconds or a list of seconds"
            )
        if isinstance(value, list) and not value:  # no delay, as in Prefect
            return value
        try:
            policy_value(_WRITTEN, "retry_delay", value)
        except (TypeError, ValueError) as exc:
            said = f"task {task_name!r}: {called} returned {safe_repr(value, 80)}: {exc}"
            raise type(exc)(on_its_line(said, f"task {task_name!r}", {_WRITTEN})) from None
        return value


#: The option a ``DelaysFor``'s callable was given as.
_WRITTEN = "retry_delay_seconds"


def prefect_delay(value: Any) -> Any:
    """``retry_delay_seconds=value`` with Prefect's meaning: ``[]`` is no delay, and a plain
    callable is called once with the task's retries (:class:`DelaysFor`). flowtop's own
    backoffs keep theirs (Prefect's ``exponential_backoff`` gives the same delays)."""
    if isinstance(value, list) and not value:
        return PrefectDelays()
    plain = not isinstance(value, timedelta | PrefectBackoff | ExponentialBackoff)
    if callable(value) and plain:
        return DelaysFor(value)
    return value


def takes_delays(delays: list[float]) -> bool:
    """Whether flowtop takes every delay of ``delays`` as a ``retry_delay``."""
    try:
        normalize_delay(delays)
    except (TypeError, ValueError):
        return False
    return True
