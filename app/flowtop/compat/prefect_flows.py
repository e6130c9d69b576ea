"""Drop-in ``prefect.flow`` and ``prefect.Flow``: flowtop's, with Prefect's flow retry.

flowtop's own ``@flow(retries=N)`` retries as a linked rerun that reuses the results of
the tasks that completed before (README: a new linked run with the same cache). Prefect
3 retries the same flow run, and every task in it runs again, unless its own caching
(``cache_policy``, ``cache_key_fn``, ``persist_result=True``) finds its result: a
``token()`` task gives a new token on each retry, a task's side effects and hooks happen
again. A flow made by Prefect code is a :class:`DropInFlow`, which retries so; each
retry is still recorded as a run of its own, ``rerun_of`` the one before.

A call whose parameters validation refuses is a run too, as in Prefect 3.9.1, where the
flow run is made before its parameters are validated: it is recorded ``FAILED`` with
Prefect's message (``Validation of flow parameters failed with error:
ParameterTypeError: …``), its ``on_failure`` hooks are called, it is not retried, and
the call raises the ``ParameterTypeError`` (``return_state=True``: gives that Failed
state); an ``async def`` flow's call gives a coroutine that does so when awaited.
"""

from __future__ import annotations

import copy
import functools
import types
from collections.abc import Callable
from typing import Any, ClassVar

from ..engine import dynamic
from ..engine.dynamic import FlowFunction
from ..engine.errors import ParameterTypeError
from ..engine.prefect_api import Failed, State
from .flow_validation import validated


class DropInFlow(FlowFunction):
    """A ``FlowFunction`` made by Prefect code (drop-in ``prefect.flow`` or
    ``prefect.Flow``), its copies (``with_options``, a method's binding) too: its retry
    runs every task again (see the module doc)."""

    retry_reuses_completed: ClassVar[bool] = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """As ``FlowFunction``'s, its arguments validated first, as Prefect's are
        (``validate_parameters``, its default: ``compat.flow_validation``); refused, the
        call is a failed run (see the module doc)."""
        if not self.validate_parameters or kwargs.get("_flowtop_sync"):
            return super().__call__(*args, **kwargs)
        try:
            args, kwargs = validated(self.fn, args, kwargs)
        except ParameterTypeError as exc:
            refused = exc
        else:
            return super().__call__(*args, **kwargs)
        return self._refused(refused)(*args, **kwargs)  # (out of the except: no context)

    def _refused(self, error: ParameterTypeError) -> DropInFlow:
        """This flow for one call that ``error`` refused: its run fails before its body,
        with the state Prefect's engine makes of the error, and as Prefect's it is not
        retried, has no ``flow_run_name`` and calls no ``on_running`` hook."""
        refused = copy.copy(self)  # its name, task runner and final hooks: the flow's
        refused.fn = _failing(self.fn, error)
        refused.validate_parameters = False
        refused.retries = 0
        refused.run_name = None
        refused.hooks = {**self.hooks, "on_running": []}
        refused.noted = {**self.noted, "version": self.version}  # (read from fn's file)
        return refused


def _failing(fn: Callable[..., Any], error: ParameterTypeError) -> Callable[..., Any]:
    """A function with ``fn``'s signature (a bound method stays one: its parameters are
    named as ``fn``'s) returning the Failed state Prefect's engine gives a run whose
    parameters it refused; its ``result()`` raises ``error``."""
    target = fn.__func__ if isinstance(fn, types.MethodType) else fn
    failed = Failed(
        message=f"Validation of flow parameters failed with error: {type(error).__name__}: {error}",
        data=error.with_traceback(None),  # (it ran through flowtop's validation only)
    )

    @functools.wraps(target)
    def refuse(*args: Any, **kwargs: Any) -> State[Any]:
        return failed

    return types.MethodType(refuse, fn.__self__) if isinstance(fn, types.MethodType) else refuse


def flow(
    fn: Callable[..., Any] | None = None, /, **options: Any
) -> FlowFunction | Callable[[Callable[..., Any]], FlowFunction]:
    """Drop-in ``prefect.flow``: ``@flow`` or ``@flow(retries=2, …)``, flowtop's, making
    a :class:`DropInFlow` (the options and their checks are ``engine.dynamic.flow``'s)."""
    return dynamic.flow(fn, _flowtop_makes=DropInFlow, **options)


__all__ = ["DropInFlow", "flow"]
