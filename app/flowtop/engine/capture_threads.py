"""What a plain thread writes while the attempt (or ``@flow`` body) that started it runs is
that attempt's output (or the body's).

A ``concurrent.futures.ThreadPoolExecutor`` in a task (the usual way to call many URLs at
once) or a ``threading.Thread`` a ``@flow`` body starts copies no context (Python 3.11's
``ThreadPoolExecutor`` does not): its ``print()``s and a library's WARNINGs went past
every capture, before the run's first line in ``flowtop run`` and nowhere in the monitor,
the history or the run's log. ``threading.Thread.start`` is wrapped, once per process
(``install``): a thread started where something captures (``capture``'s ``owner_here``)
keeps that owner, the buffer and its tee, and its writes go there while the owner is
open (``started_by``). Once it ended they go where any unowned write goes, the real
streams. flowtop's own threads (its pool's workers, its printer) carry none: they are
told apart by where their class or target is defined. Neither does a
``ThreadPoolExecutor``'s worker, which a module-level pool shares between tasks (and
asyncio's ``run_in_executor`` between async tasks): each work item is owned by where it
was submitted (``ThreadPoolExecutor.submit`` is wrapped too), while it runs.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from concurrent.futures import thread as pool_threads
from typing import Any

#: A thread's owner: the buffer its writes go into, and the tee of a ``@flow`` body's.
Owner = tuple[Any, Callable[[], object] | None]

_ATTRIBUTE = "_flowtop_started_by"
_UNKNOWN: Any = object()


class _Inherited(threading.local):
    """The owner this thread got from its starter, looked up at its first write."""

    owner: Owner | None = _UNKNOWN


_local = _Inherited()
_owner_here: Callable[[], Owner | None] = type(None)
_is_open: Callable[[Any], bool] = bool
_original_start: Callable[[threading.Thread], None] | None = None
_original_submit: Callable[..., Any] = pool_threads.ThreadPoolExecutor.submit


def install(owner_here: Callable[[], Owner | None], is_open: Callable[[Any], bool]) -> None:
    """From now on a thread started where ``owner_here()`` names an owner writes into it
    while ``is_open(buffer)`` (its attempt or body runs); once per process."""
    global _owner_here, _is_open, _original_start
    _owner_here, _is_open = owner_here, is_open
    if _original_start is None:
        _original_start = threading.Thread.start
        threading.Thread.start = _start  # type: ignore[method-assign]
        pool_threads.ThreadPoolExecutor.submit = _submit  # type: ignore[method-assign]


def _start(self: threading.Thread) -> None:
    owner = _owner_here()
    if owner is not None and not _ownerless(self):
        setattr(self, _ATTRIBUTE, owner)
    assert _original_start is not None
    _original_start(self)


def _submit(self: Any, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    owner = _owner_here()
    if owner is not None:
        fn = functools.partial(_owned_by, owner, fn)
    return _original_submit(self, fn, *args, **kwargs)


def _owned_by(owner: Owner, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, a work item submitted where ``owner`` captured, on a pool's
    worker: what it writes meanwhile goes there (while ``owner`` is open)."""
    saved, _local.owner = _local.owner, owner
    try:
        return fn(*args, **kwargs)
    finally:
        _local.owner = saved


def _ownerless(thread: threading.Thread) -> bool:
    """Whether ``thread`` is flowtop's own (its class or its target is defined in it), or a
    ``ThreadPoolExecutor``'s worker, whose work items each have their owner (``_submit``)."""
    target = getattr(thread, "_target", None)
    if target is pool_threads._worker:
        return True
    for made in (type(thread), target):
        module = getattr(made, "__module__", None)
        if isinstance(module, str) and (module == "flowtop" or module.startswith("flowtop.")):
            return True
    return False


def started_by() -> Any:
    """The buffer of the owner that started this thread, while it is open; else None."""
    owner = _local.owner
    if owner is _UNKNOWN:
        owner = _local.owner = getattr(threading.current_thread(), _ATTRIBUTE, None)
    if owner is None or not _is_open(owner[0]):
        return None
    return owner[0]


def tee_of(buffer: Any) -> Callable[[], object] | None:
    """The tee of the owner this thread writes into, ``buffer`` (a body's)."""
    owner = _local.owner
    return owner[1] if owner is not None and owner is not _UNKNOWN and owner[0] is buffer else None


def forget() -> None:
    """In a forked child: what this thread inherited is a copy no one reads."""
    _local.owner = None
