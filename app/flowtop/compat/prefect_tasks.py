"""Drop-in ``prefect.task`` and ``prefect.Task``: flowtop's, without the ``Retry`` budget.

A flowtop task with no retry options keeps a budget that only flowtop's ``Retry``
exception spends (``RetryPolicy.retry_only``, 3 by default), which the monitor and
``flowtop run`` show as ``1/1+3``. Prefect code cannot raise ``Retry``: no ``prefect``
module of drop-in mode gives it, and a Prefect task without ``retries`` has none (its
settings' ``task_default_retries``, 0). So a task made through drop-in ``prefect`` gets
a budget of 0 (``1/1``, as Prefect shows the run): only where nothing else set it. The
workspace's ``[defaults] max_retries``, a run's own default and ``retries=`` still apply.
Its budget of 0 reads ``no retries``, with or without ``retries=0``, where a flowtop
task's ``max_retries=0`` reads ``0×``; as ``max_retries``, and as the reason a failure was
not retried, the 0 nothing set reads ``no retries (Prefect's default)`` from the
``builtin`` layer (``retries=0``: ``0 (no retries)``, from ``task``).

Its ``timeout_seconds`` is kept as a ``PrefectTimeout``, so the ``TaskTimeout`` an attempt
past it fails with reads as Prefect's (``Scope timed out after 0.3 second(s).``) where
its code, its hooks and ``state.result()`` read it; a timeout a flowtop.toml layer set
is flowtop's, and its ``TaskTimeout`` says flowtop's words.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..engine.errors import PrefectTimeout
from ..engine.layers import Layer
from ..engine.policy import RetryPolicy
from ..engine.task import Task, TaskDecorator


def without_retry_budget(policy: RetryPolicy) -> RetryPolicy:
    """``policy`` with no ``Retry``-only budget, unless something set one already, and
    said in Prefect's words (``RetryPolicy.prefect_words``: ``no retries``, not ``0×``).
    The budget of 0 stays ``builtin``: it is Prefect's default, not a value the task set
    (``flowtop list``: ``max_retries  no retries (Prefect's default)  [builtin]``)."""
    if policy.budget_source() is not Layer.BUILTIN:
        return policy if policy.prefect_words else replace(policy, prefect_words=True)
    return replace(policy, prefect_words=True, default_max_retries=0)


def prefect_timeout(policy: RetryPolicy) -> RetryPolicy:
    """``policy`` with the timeout the task set (``timeout_seconds=``) as a
    ``PrefectTimeout``: its ``TaskTimeout`` says Prefect's words (see the module doc)."""
    if policy.timeout is None or policy.source("timeout") is not Layer.TASK:
        return policy
    return replace(policy, timeout=PrefectTimeout(policy.timeout))


class DropInTask(Task):
    """A ``Task`` made by Prefect code (drop-in ``prefect.task`` or ``prefect.Task``),
    its copies (``with_options``) too: no ``Retry`` budget (see the module doc); ``.map()``
    maps any iterable but a string, bytes or a file, as Prefect's (``map_rules``)."""

    maps_as_prefect = True

    def __init__(self, fn: Callable[..., Any], *, name: str | None = None, **options: Any) -> None:
        super().__init__(fn, name=name, **options)
        self.policy = prefect_timeout(without_retry_budget(self.policy))

    def __class_getitem__(cls, params: Any) -> types.GenericAlias:
        """``Task[..., Any]``: Prefect's ``Task`` is generic, and its docs' examples write it
        so in annotations (``def retry_on_503(task: Task[..., Any], ...)``) that run at
        import."""
        return types.GenericAlias(cls, params)


class DropInTaskDecorator(TaskDecorator):
    """Drop-in ``prefect.task``: ``@task`` or ``@task(retries=2, …)``, a :class:`DropInTask`
    (typed as ``flowtop.task``: the overloads are ``TaskDecorator``'s)."""

    makes = DropInTask


task = DropInTaskDecorator()


__all__ = ["DropInTask", "DropInTaskDecorator", "prefect_timeout", "task", "without_retry_budget"]
