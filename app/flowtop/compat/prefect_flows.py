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

What Prefect code reads of such a run is Prefect's flow run (checked with Prefect 3.9.1):
its ``flow_run.parameters`` (a hook's, ``FlowRunContext.get().flow_run``'s) are the call
as given, before validation (``'3'``, not ``3``; a future's placeholder), and a retry is
the same flow run: the same ``flow_run.id`` and ``flow_run.name`` as its first attempt.
"""

from __future__ import annotations

import copy
import functools
import types
import weakref
from collections.abc import Callable, Coroutine, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, cast

from ..engine import dynamic
from ..engine.dynamic import FlowFunction, flow_name
from ..engine.errors import ParameterTypeError, PrefectParameterBindError
from ..engine.prefect_api import Failed, State
from ..engine.prefect_context import Call, called_with, given_call
from ..engine.prefect_exceptions import PrefectException
from ..engine.prefect_ids import PrefectFlowRun, prefect_uuid, same_flow_run
from ..engine.run_loggers import prefect_flow_run_name
from .flow_validation import CALL_OPTIONS, validated, validated_parameters

if TYPE_CHECKING:
    from ..engine.dynamic_run import DynamicRun
    from ..engine.run_options import RunOptions
    from ..engine.runner import Runner


class InvalidNameError(PrefectException, ValueError):
    """Prefect 3's (``prefect.exceptions``): a flow name holding a character Prefect's API
    refuses (``BANNED_CHARACTERS``)."""


#: What Prefect 3 refuses in a flow's name (``prefect.types.BANNED_CHARACTERS``): its API
#: puts names in URLs and paths.
BANNED_CHARACTERS = ["/", "%", "&", ">", "<"]


def refused_name(name: str) -> None:
    """Raise Prefect's ``InvalidNameError``, in its words, for a name holding any of
    ``BANNED_CHARACTERS`` (``flows._raise_on_name_with_banned_characters``)."""
    if any(char in name for char in BANNED_CHARACTERS):
        raise InvalidNameError(
            f"Name {name!r} contains an invalid character. "
            f"Must not contain any of: {BANNED_CHARACTERS}."
        )


@dataclass(slots=True)
class _GivenCall:
    """A drop-in flow's call as given, until the run it starts is made (``make_run``)."""

    flow: DropInFlow
    call: Call
    taken: bool = False


#: The call being started in this context (an ``async def`` flow's: while it is awaited),
#: which ``DropInFlow.make_run`` hands its run: ``Runner.start`` makes the run in the
#: caller's context (a copy of it, on the thread an awaited or in-task call starts it on).
_STARTING: ContextVar[_GivenCall | None] = ContextVar("flowtop_drop_in_call", default=None)


class DropInFlow(FlowFunction):
    """A ``FlowFunction`` made by Prefect code (drop-in ``prefect.flow`` or
    ``prefect.Flow``), its copies (``with_options``, a method's binding) too: its retry
    runs every task again (see the module doc)."""

    retry_reuses_completed: ClassVar[bool] = False
    bind_error = PrefectParameterBindError  # a call it cannot take: named as Prefect's
    #: Set on the copy that stands for a call its validation refused (``_refused``): the
    #: error. Prefect's run of such a call never enters Running, and what its hooks read
    #: says so (``prefect_context.refused_run``).
    refused_by: ParameterTypeError | None = None

    def __init__(self, fn: Callable[..., Any], *, name: str | None = None, **options: Any) -> None:
        """``FlowFunction``'s, named as Prefect's ``Flow`` names it (a lambda's is
        ``unknown-lambda``) and refusing, as it, a name Prefect's API would refuse."""
        if not name and getattr(fn, "__name__", None) == "<lambda>":
            name = "unknown-lambda"
        refused_name(flow_name(fn, name))
        super().__init__(fn, name=name, **options)
        #: ``retry_delay_seconds`` as given: Prefect's ``Flow`` reads it back so (``2``).
        self._retry_delay_given: object = options.get("retry_delay", 0)

    @property
    def retry_delay_seconds(self) -> float:
        """As given (``2``, not flowtop's ``2.0``), as Prefect's ``Flow`` keeps it; 0 when
        not given; a ``timedelta`` (flowtop's ``retry_delay=``) as its seconds."""
        given = self._retry_delay_given
        if isinstance(given, int | float) and not isinstance(given, bool):
            return given
        return self.retry_delay

    def with_options(self, **changes: Any) -> FlowFunction:
        """``FlowFunction``'s, its ``retry_delay_seconds`` read back as given (above)."""
        made = super().with_options(**changes)
        delay = changes.get("retry_delay_seconds", changes.get("retry_delay"))
        if delay is None and isinstance(made, DropInFlow):
            made._retry_delay_given = self._retry_delay_given
        return made

    def __class_getitem__(cls, params: Any) -> types.GenericAlias:
        """``Flow[..., Any]``: Prefect's ``Flow`` is generic, written so in annotations
        that run at import (a hook's ``flow: Flow[..., Any]``)."""
        return types.GenericAlias(cls, params)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """As ``FlowFunction``'s, its arguments validated first, as Prefect's are
        (``validate_parameters``, its default: ``compat.flow_validation``); refused, the
        call is a failed run (see the module doc)."""
        if kwargs.get("_flowtop_sync"):  # ``return_state=True``'s own call: started already
            return super().__call__(*args, **kwargs)
        call = (args, {k: v for k, v in kwargs.items() if k not in CALL_OPTIONS})
        target: DropInFlow = self
        if self.should_validate_parameters:
            try:
                args, kwargs = validated(self.fn, args, kwargs)
            except ParameterTypeError as exc:
                target = self._refused(exc)
        try:
            return target._call_as_given(_GivenCall(target, call), args, kwargs)
        except ParameterTypeError as exc:
            if target.refused_by is None:
                raise
            exc.__traceback__ = None  # the caller's frames only (why: below)
            raise  # (a bare raise adds no line of this frame)

    def validate_parameters(self, parameters: Mapping[str, Any]) -> dict[str, Any]:
        """Prefect's ``Flow.validate_parameters``: ``parameters`` (by name) made the types
        the function declares, its defaults added, or Prefect's ``ParameterTypeError``
        (``compat.flow_validation.validated_parameters``). Whether a call is validated is
        ``should_validate_parameters``, as in Prefect."""
        if not isinstance(parameters, Mapping):
            raise TypeError(
                f"validate_parameters of flow {self.name!r} takes a dict of parameters by "
                f"name, got {type(parameters).__name__}"
            )
        return validated_parameters(self.fn, parameters)

    def _call_as_given(
        self, given: _GivenCall, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """``FlowFunction``'s call, the run it starts told ``given``: at once, or, for an
        ``async def`` flow's coroutine, while it is awaited (the run starts then)."""
        token = _STARTING.set(given)
        try:
            called = super().__call__(*args, **kwargs)
        finally:
            _STARTING.reset(token)
        if self.is_async and isinstance(called, Coroutine):
            return _awaited_as_given(given, called, self.fn)
        return called

    def make_run(self, runner: Runner, number: int, run_id: str, options: RunOptions) -> DynamicRun:
        """``FlowFunction``'s run, told the call it was given (``prefect_context.called_with``)
        before it starts; a flow-level retry is its first attempt's flow run to Prefect
        code (``prefect_ids.same_flow_run``), called as it was."""
        run = super().make_run(runner, number, run_id, options)
        given = _STARTING.get()
        if given is not None and given.flow is self and not given.taken:
            given.taken = True
            called_with(run, given.call)
        elif run.first_attempt != run.run_id and options.rerun_of is not None:  # a retry
            before = runner.find(options.rerun_of)  # alive: it is starting this retry
            if before is not None:
                first = PrefectFlowRun(
                    prefect_uuid(run.first_attempt), prefect_flow_run_name(before)
                )
                same_flow_run(run.run_id, first)
                call = given_call(before)
                if call is not None:
                    called_with(run, call)
        return run

    def _refused(self, error: ParameterTypeError) -> DropInFlow:
        """This flow for one call that ``error`` refused: its run fails before its body,
        with the state Prefect's engine makes of the error, and as Prefect's it is not
        retried, has no ``flow_run_name`` and calls no ``on_running`` hook."""
        refused = copy.copy(self)  # its name, task runner and final hooks: the flow's
        refused.fn = _failing(self.fn, error)
        refused.should_validate_parameters = False
        refused.retries = 0
        refused.run_name = None
        refused.hooks = {**self.hooks, "on_running": []}
        refused.noted = {**self.noted, "version": self.version}  # (read from fn's file)
        refused.refused_by = error
        return refused


def _awaited_as_given(
    given: _GivenCall, called: Coroutine[Any, Any, Any], fn: Callable[..., Any]
) -> Coroutine[Any, Any, Any]:
    """``called``, an ``async def`` flow's call, to be awaited with ``given`` in its context:
    its run is made as it is awaited (``flow_await``), in a copy of the awaiting context.
    Named as the flow's function, so one never awaited is said once, by that name, as
    ``coroutine 'etl' was never awaited``: ``called`` is closed with it."""

    async def awaited() -> Any:
        token = _STARTING.set(given)
        try:
            return await called
        except ParameterTypeError as exc:
            if given.flow.refused_by is None:
                raise
            exc.__traceback__ = None  # the caller's frames only (why: below)
            raise
        finally:
            _STARTING.reset(token)

    coroutine = cast("types.CoroutineType[Any, Any, Any]", awaited())  # (an async def's)
    coroutine.__name__ = getattr(fn, "__name__", coroutine.__name__)
    coroutine.__qualname__ = getattr(fn, "__qualname__", coroutine.__qualname__)
    weakref.finalize(coroutine, called.close)  # (a no-op once it ran)
    return coroutine


# Why a refused call's traceback is cleared (the ``except ParameterTypeError`` clauses
# above): a call its validation refused raises Prefect's
# ``ParameterTypeError`` with the caller's frames alone, as the user reads it (``File
# "etl.py", line 9: etl("bad")``, then Prefect's message): the frames of flowtop's call,
# run and state it came through said nothing of the value refused, and read as if
# flowtop had failed. Its traceback is cleared as it leaves the call, and a bare
# ``raise`` adds no line of the frame it is in (CPython 3.11 to 3.13 alike); the frames
# the error goes through after, the caller's, are added as ever. Its run's record keeps
# no frame of flowtop's either (``OwnFramesOnly``).


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


__all__ = ["DropInFlow", "InvalidNameError", "flow"]
