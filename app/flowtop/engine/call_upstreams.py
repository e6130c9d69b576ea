"""A ``@flow`` body's task call and its upstream tasks: what it waits on, and what it does
when one of them does not complete, as Prefect 3's.

A call waits on the futures of this run it was given (``arg_refs.call_inputs``) and on
those ``wait_for`` names. One that failed ends it ``UPSTREAM_FAILED``, as a static
flow's task, unless the call allows that failure (``allow_failure``: a failure, not a
cancel, and its input is the exception). An upstream whose task run could not be named
(``run_names``) gives the call the error Prefect's call raises instead, ``allow_failure``
or not: of several upstreams, the first in the order Prefect's engine waits on them
(``run_names.in_call_order``) that did not complete decides, so the call stays pending
while one before the failed one still runs, as Prefect's waits on it.

Kept apart from ``dynamic_run``, whose run this is, which adds each call's node.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from .calls import InlineFuture
from .errors import UpstreamFailed
from .graph import Node, resolve_inputs
from .prefect_api import allow_failure
from .records import TaskRun
from .run import FlowRun
from .run_names import downstream_error, in_call_order, is_unnamed, parameter_holding
from .states import CANCELLED, StateType
from .task_future import TaskFuture

if TYPE_CHECKING:
    from .task import Task


class CallUpstreams(FlowRun):
    """The upstream tasks of a ``@flow`` body's task calls (``DynamicRun`` sets every field)."""

    #: task key -> upstream keys whose failure it allows (``allow_failure``)
    _tolerant: dict[str, frozenset[str]]
    #: Tasks left pending behind an upstream that could not be named, until the
    #: upstream before it in Prefect's order ends (``_mark_upstream_failed``).
    _held: set[str]

    def _wait_for_keys(self, task: Task, wait_for: Any, tolerant: set[str]) -> list[str]:
        """The task keys ``wait_for`` names (futures of this run, maybe ``allow_failure``).
        As in Prefect, a future of no task of this run is waited for here, and anything
        else (a result already read, ``x = t.submit().result()``) has nothing to wait for."""
        if wait_for is None:
            return []
        items = wait_for if isinstance(wait_for, list | tuple | set | frozenset) else [wait_for]
        keys = []
        for item in items:
            allowed = isinstance(item, allow_failure)
            target = item.unwrap() if allowed else item
            if not isinstance(target, TaskFuture) or target._run is not self:
                if isinstance(target, InlineFuture | TaskFuture):
                    target.wait()
                continue
            keys.append(target.key)
            if allowed:
                tolerant.add(target.key)
        return keys

    def _wait_on_upstreams(self, tr: TaskRun, tolerant: set[str]) -> TaskRun | None:
        """A new call's ``tr`` waits on each upstream not final yet (its child until then);
        the one of those final that stops it (neither completed nor allowed to fail), if
        any, is returned for the call to be marked with (under the lock)."""
        if tolerant:
            self._tolerant[tr.key] = frozenset(tolerant)
        tr.waiting_on = 0
        failed_upstream = None
        for up_key in tr.node.upstream:
            up = self.tasks[up_key]
            if up.state is StateType.COMPLETED:
                continue
            if up_key in tolerant and _tolerable(up):
                continue  # ``allow_failure``: a failure, not a cancel, as in Prefect
            if up.state.is_final:
                failed_upstream = up
            else:
                tr.waiting_on += 1
                up.add_child(tr)
        return failed_upstream

    def _stopped_at_call(self, tr: TaskRun, failed: TaskRun) -> None:
        """A new call's ``tr`` has an upstream ``failed`` already (``_wait_on_upstreams``):
        marked with it, or held pending (``_mark_upstream_failed``), then as a child of
        ``failed`` is held: one more upstream to wait on, so none of those still running
        makes it ready as it ends (under the lock)."""
        self._mark_upstream_failed(tr, failed)
        if tr.state is StateType.PENDING:  # decided when the one before it ends
            tr.waiting_on += 1

    def _upstream_failed(self, failed: TaskRun) -> None:
        """As the runner's, except that a child which allows this upstream's failure
        (``allow_failure``; a cancel is none, as Prefect's) only stops waiting for it."""
        stack = [(failed, child) for child in failed.children]
        while stack:
            parent, child = stack.pop()
            if child.state is not StateType.PENDING:
                continue
            if _tolerable(parent) and parent.key in self._tolerant.get(child.key, ()):
                child.waiting_on -= 1
                if child.key not in self._held:
                    if child.waiting_on == 0:
                        self._ready(child)
                    continue
                self._decide(child)  # the upstream it was held behind is done with
            else:
                self._mark_upstream_failed(child, parent)
            if child.state is not StateType.PENDING:  # (else decided later: ``_decided``)
                stack.extend((child, grandchild) for grandchild in child.children)

    def _mark_upstream_failed(self, tr: TaskRun, failed: TaskRun) -> None:
        """As the runner's; an upstream that could not be named (or that waited on one)
        gives ``tr`` the error its call raises, as Prefect's (``run_names``): the error
        of the first upstream, in the order Prefect's engine waits on them, that did not
        complete (``_deciding``); while that one runs, ``tr`` stays pending."""
        error = failed.exception
        self._held.discard(tr.key)
        if not isinstance(error, BaseException) or not is_unnamed(error):
            super()._mark_upstream_failed(tr, failed)
            return
        first = self._deciding(tr) or failed
        if not first.state.is_final:
            self._held.add(tr.key)  # Prefect waits on it before it reads ``failed``
            return
        if first is not failed:
            self._mark_upstream_failed(tr, first)
            return
        why = f"upstream task {failed.key!r} did not complete"
        raised = downstream_error(error, parameter_holding(tr.node, failed.key))
        self._transition(tr, StateType.UPSTREAM_FAILED, message=why, exception=raised)
        self._unfinished -= 1

    def _deciding(self, tr: TaskRun) -> TaskRun | None:
        """The first upstream of ``tr``, in the order Prefect's engine waits on them
        (``in_call_order``), that has not completed (nor failed under ``allow_failure``);
        None when each has."""
        tolerant = self._tolerant.get(tr.key, ())
        for key in in_call_order(tr.node):
            up = self.tasks[key]
            if up.state is not StateType.COMPLETED and not (key in tolerant and _tolerable(up)):
                return up
        return None

    def _decide(self, tr: TaskRun) -> None:
        """A held ``tr`` whose first unfinished upstream is now a failed one is marked
        with it; else it stays held."""
        first = self._deciding(tr)
        if first is not None and first.state.is_final:
            self._mark_upstream_failed(tr, first)

    def _complete(self, tr: TaskRun, value: Any, **kwargs: Any) -> None:
        """As the runner's; then a child left pending behind an upstream that could not
        be named, waiting on ``tr`` (``_mark_upstream_failed``), is decided."""
        super()._complete(tr, value, **kwargs)
        if self._held:
            self._decided(tr)

    def _decided(self, tr: TaskRun) -> None:
        """``tr``'s held children whose first unfinished upstream is now a failed one,
        marked with it (and their own children, as ``_upstream_failed`` does)."""
        marked = False
        for child in tr.children:
            if child.key not in self._held or child.state is not StateType.PENDING:
                continue
            self._decide(child)
            if child.state is not StateType.PENDING:
                marked = True
                self._upstream_failed(child)
        if marked:
            self._notify()
            if self._unfinished == 0:
                self._finish()

    def _inputs(self, node: Node) -> tuple[list[Any], dict[str, Any]]:
        """As the runner's; an ``allow_failure`` input whose task failed is its exception."""
        allowed = self._tolerant.get(node.key)
        if not allowed:
            return super()._inputs(node)
        values: dict[str, Any] = {}
        for key in node.upstream:
            up = self.tasks[key]
            if up.state is StateType.COMPLETED or key not in allowed:
                value = up.result
            elif up.exception is not None or up.state is StateType.UPSTREAM_FAILED:
                value = up.exception  # (None for one that never ran: Prefect's NotReady data)
            else:
                value = UpstreamFailed(f"task {key!r}: {up.message or up.state.value}")
            values[key] = SimpleNamespace(result=value)
        return resolve_inputs(node, values)


def _tolerable(up: TaskRun) -> bool:
    """Whether ``allow_failure`` lets a task go on once ``up`` is final: it failed (not
    cancelled, as in Prefect), and not because its run could not be named (``run_names``:
    Prefect raises that error on waiting for its future, ``allow_failure`` or not)."""
    if not up.state.is_final or up.state is CANCELLED:
        return False
    return not (isinstance(up.exception, BaseException) and is_unnamed(up.exception))
