"""Drop-in ``prefect.task`` and ``prefect.Task``: flowtop's, without the ``Retry`` budget.

A flowtop task with no retry options keeps a budget that only flowtop's ``Retry``
exception spends (``RetryPolicy.retry_only``, 3 by default), which the monitor and
``flowtop run`` show as ``1/1+3``. Prefect code cannot raise ``Retry``: no ``prefect``
module of drop-in mode gives it, and a Prefect task without ``retries`` has none (its
settings' ``task_default_retries``, 0). So a task made through drop-in ``prefect`` gets
a budget of 0 (``1/1``, as Prefect shows the run): only where nothing else set it. The
workspace's ``[defaults] max_retries``, a run's own default and ``retries=`` still apply.
Its budget of 0 reads ``no retries`` (``0 (no retries)`` as ``max_retries``), with or
without ``retries=0``, where a flowtop task's ``max_retries=0`` reads ``0×``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, overload

from ..engine.layers import Layer
from ..engine.policy import RetryPolicy
from ..engine.task import Task


def without_retry_budget(policy: RetryPolicy) -> RetryPolicy:
    """``policy`` with no ``Retry``-only budget, unless something set one already, and
    said in Prefect's words (``RetryPolicy.prefect_words``: ``no retries``, not ``0×``)."""
    if not policy.prefect_words:
        policy = replace(policy, prefect_words=True)
    if policy.source("default_max_retries") is not Layer.BUILTIN:
        return policy
    return policy.with_values(Layer.TASK, default_max_retries=0)


class DropInTask(Task):
    """A ``Task`` made by Prefect code (drop-in ``prefect.task`` or ``prefect.Task``),
    its copies (``with_options``) too: no ``Retry`` budget (see the module doc)."""

    def __init__(self, fn: Callable[..., Any], *, name: str | None = None, **options: Any) -> None:
        super().__init__(fn, name=name, **options)
        self.policy = without_retry_budget(self.policy)


@overload
def task(fn: Callable[..., Any], **kwargs: Any) -> Task: ...
@overload
def task(fn: None = None, **kwargs: Any) -> Callable[[Callable[..., Any]], Task]: ...


def task(
    fn: Callable[..., Any] | None = None, **kwargs: Any
) -> Task | Callable[[Callable[..., Any]], Task]:
    """Drop-in ``prefect.task``: ``@task`` or ``@task(retries=2, …)``, a :class:`DropInTask`."""

    def make(func: Callable[..., Any]) -> Task:
        return DropInTask(func, **kwargs)

    if fn is not None:
        return make(fn)
    return make


__all__ = ["DropInTask", "task", "without_retry_budget"]
