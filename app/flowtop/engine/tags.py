"""Prefect 3's ``tags``: a context manager giving the flow and task runs made inside it
those tags, added to any already in effect (and to a task's own ``@task(tags=...)``).

They are what Prefect code reads back, in ``prefect.runtime``'s ``flow_run.tags`` and
``task_run.tags`` and a hook's ``task_run``; a tag with a limit in ``flowtop.toml``
(``"tag:db" = 2``) also holds a slot while the task's attempts run (``tag_limits``).
A ``@flow`` run keeps the tags in effect where it was called, and its body starts with
them, so its tasks and subflows have them too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_IN_EFFECT: ContextVar[frozenset[str]] = ContextVar("flowtop_tags", default=frozenset())


@contextmanager
def tags(*new_tags: str) -> Iterator[set[str]]:
    """``with tags("nightly", "eu") as current:``; ``current`` is every tag in effect."""
    current = _IN_EFFECT.get() | frozenset(new_tags)
    token = _IN_EFFECT.set(current)
    try:
        yield set(current)
    finally:
        _IN_EFFECT.reset(token)


def current_tags() -> frozenset[str]:
    return _IN_EFFECT.get()


@contextmanager
def tags_in_effect(given: Iterable[str]) -> Iterator[None]:
    """A ``@flow`` body's thread starts with its run's tags (a thread's context starts
    empty)."""
    token = _IN_EFFECT.set(frozenset(given))
    try:
        yield
    finally:
        _IN_EFFECT.reset(token)
