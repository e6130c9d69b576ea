"""``@task`` and ``@flow`` on methods, bound as Prefect 3 binds them (its ``Task.__get__``):
read from an instance, the first argument of each call is the instance; over a
``classmethod``, the class; over a ``staticmethod``, nothing."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any


def unwrapped(fn: Any) -> Any:
    """The function under a ``classmethod`` or ``staticmethod`` (what ``async def`` and
    the signature are read from)."""
    return fn.__func__ if isinstance(fn, classmethod | staticmethod) else fn


def bound_to(fn: Any, instance: object, owner: type | None) -> Callable[..., Any] | None:
    """``fn`` as read from ``instance`` (``None`` when read from the class ``owner``): a
    bound method, or None when the task or flow is to be used as it is."""
    if isinstance(fn, classmethod):
        return types.MethodType(fn.__func__, owner if owner is not None else type(instance))
    if instance is None or isinstance(fn, staticmethod):
        return None
    return types.MethodType(fn, instance)
