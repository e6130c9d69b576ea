"""Drop-in ``prefect.flow`` and ``prefect.Flow``: flowtop's, with Prefect's flow retry.

flowtop's own ``@flow(retries=N)`` retries as a linked rerun that reuses the results of
the tasks that completed before (README: a new linked run with the same cache). Prefect
3 retries the same flow run, and every task in it runs again, unless its own caching
(``cache_policy``, ``cache_key_fn``, ``persist_result=True``) finds its result: a
``token()`` task gives a new token on each retry, a task's side effects and hooks happen
again. A flow made by Prefect code is a :class:`DropInFlow`, which retries so; each
retry is still recorded as a run of its own, ``rerun_of`` the one before.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar, NoReturn

from ..engine import dynamic
from ..engine.dynamic import FlowFunction
from ..engine.errors import ParameterTypeError
from ..engine.prefect_api import state_of_call
from .flow_validation import validated


class DropInFlow(FlowFunction):
    """A ``FlowFunction`` made by Prefect code (drop-in ``prefect.flow`` or
    ``prefect.Flow``), its copies (``with_options``, a method's binding) too: its retry
    runs every task again (see the module doc)."""

    retry_reuses_completed: ClassVar[bool] = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """As ``FlowFunction``'s, its arguments validated first, as Prefect's are
        (``validate_parameters``, its default: ``compat.flow_validation``)."""
        if self.validate_parameters and not kwargs.get("_flowtop_sync"):
            try:
                args, kwargs = validated(self.fn, args, kwargs)
            except ParameterTypeError as exc:
                if not kwargs.get("return_state"):
                    raise
                return state_of_call(partial(_raise, exc))  # as Prefect: a Failed state
        return super().__call__(*args, **kwargs)


def _raise(error: BaseException) -> NoReturn:
    raise error


def flow(
    fn: Callable[..., Any] | None = None, /, **options: Any
) -> FlowFunction | Callable[[Callable[..., Any]], FlowFunction]:
    """Drop-in ``prefect.flow``: ``@flow`` or ``@flow(retries=2, …)``, flowtop's, making
    a :class:`DropInFlow` (the options and their checks are ``engine.dynamic.flow``'s)."""
    return dynamic.flow(fn, _flowtop_makes=DropInFlow, **options)


__all__ = ["DropInFlow", "flow"]
