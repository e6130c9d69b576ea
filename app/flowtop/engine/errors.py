"""Exceptions that are part of the flow-authoring contract.

They live apart from the runner so that flow modules, the policy and the UI can all
name them without importing any machinery.
"""

from __future__ import annotations

import copyreg
import inspect
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar, cast

from .delays import retry_delay_seconds
from .prefect_exceptions import PrefectException


class Retry(Exception):
    """Raised by a task to ask for another attempt.

    ``delay`` (seconds or ``timedelta``) replaces the policy's delay for this one retry,
    e.g. from an HTTP ``Retry-After`` header. One that is no such delay (``nan``, ``inf``,
    negative, ``"5"``, a ``Decimal``) is the task's bug, refused here with a
    ``RetryDelayError`` naming it; one past 365 days is refused with it where its wait
    would begin. Either way the task fails at once, not retried.
    """

    def __init__(self, message: str = "", *, delay: float | timedelta | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.delay: float | None = None if delay is None else retry_delay_seconds(delay, built=True)


class RemoteTraceback(Exception):
    """Carries the worker's traceback text as the ``__cause__`` of a shipped exception.

    Tracebacks do not pickle, so the text is made on the worker and chained here, the way
    ``concurrent.futures`` does: the event's traceback then shows the task's own frames.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return f'\n"""\n{self.text.rstrip()}\n"""'


class PrefectTimeout(float):
    """A drop-in task's ``timeout_seconds`` (``compat.prefect_tasks``): seconds that
    remember Prefect code set them, so the ``TaskTimeout`` they end in says what Prefect
    says. ``TaskTimeout`` is made where the attempt ends (the timer, a backend, a call
    outside any flow), which knows the policy's timeout and nothing of the task's kind."""

    __slots__ = ()


class TaskTimeout(TimeoutError):
    """An attempt ran past its ``timeout``. Retryable like any other exception.

    ``message`` is flowtop's explanation (which attempt, how it was stopped), kept as
    ``explanation``. Past a drop-in task's ``timeout_seconds`` (a ``PrefectTimeout``) the
    exception reads as Prefect's, ``Scope timed out after 0.3 second(s).``, for the code
    and hooks that read it; the explanation stays with it as a note, which its traceback
    (the monitor's, the history's) shows under that line."""

    def __init__(self, message: str = "", timeout: float | None = None) -> None:
        if isinstance(timeout, PrefectTimeout):  # 2 s reads "2.0", as Prefect's float()
            super().__init__(f"Scope timed out after {float(timeout)} second(s).")
            if message:
                self.add_note(message)
        else:
            super().__init__(message)
        self.explanation = message
        #: The limit it ran past, in seconds: Prefect's state says it ("exceeded timeout of").
        self.timeout = None if timeout is None else float(timeout)


class FlowRunTimeoutError(TimeoutError):
    """A ``@flow`` run went on past its ``timeout_seconds`` (Prefect 3's, of ``prefect.flow_engine``)."""

    def __init__(self, message: str = "", timeout: float | None = None) -> None:
        super().__init__(message)
        self.timeout = timeout


class Interrupt(BaseException):
    """What flowtop raises into a user's running code to stop it (a task past its timeout:
    ``TaskInterrupted``; a ``@flow`` body past its own: ``FlowInterrupted``). Code of
    flowtop's that catches ``BaseException`` around a user's callable (a retry predicate,
    a condition) lets it through: it stops the code around that call, not the call."""


def crashes(task: Any, error: BaseException | None) -> bool:
    """Whether ``error`` ends a run of ``task`` as Prefect 3's engine ends a task run it
    calls Crashed: a drop-in task's (``Task.crashes_as_prefect``) ``sys.exit()`` or
    ``KeyboardInterrupt``, not flowtop's ``Interrupt``. flowtop records it FAILED, never
    retried, and calls no ``on_failure`` hook (Prefect's ``call_hooks`` has none for a
    crash); its call, ``wait()`` and ``result()`` raise it (``compat.prefect_tasks``)."""
    return (
        isinstance(error, SystemExit | KeyboardInterrupt)
        and not isinstance(error, Interrupt)
        and getattr(task, "crashes_as_prefect", False)
    )


class OwnFramesOnly(Exception):
    """An error flowtop raises about a setting of the user's (a run name template) or a
    value (a drop-in flow's parameter): its message names it; the frames flowtop raised it from would point a reader at
    flowtop's code, so a traceback keeps only the user's (``records.hide_own_frames``)."""


class ParameterTypeError(OwnFramesOnly, PrefectException):
    """A drop-in flow called with a value its annotation refuses (Prefect 3's, of
    ``prefect.exceptions``): raised by the call after its run failed before the body (as
    in Prefect, the refused call is a failed run), saying each parameter's problem as
    Prefect does (``- limit: Input should be a valid integer``)."""


class ParameterBindError(OwnFramesOnly, TypeError, PrefectException):
    """A ``@flow`` called with arguments its function cannot take (Prefect 3's, of
    ``prefect.exceptions``; a ``TypeError``): raised by the call, before any run starts.
    Its traceback is the user's call: flowtop's frames that bound it say nothing more."""

    @classmethod
    def from_bind_failure(
        cls,
        fn: Callable[..., Any],
        exc: TypeError,
        call_args: tuple[Any, ...],
        call_kwargs: dict[str, Any],
    ) -> ParameterBindError:
        """Prefect's message, word for word: what failed, the signature, what was given."""
        name = getattr(fn, "__name__", repr(fn))
        signature = str(inspect.signature(fn)).strip("()")
        return cls(
            f"Error binding parameters for function '{name}': {exc}.\n"
            f"Function '{name}' has signature '{signature}' but received args: "
            f"{call_args} and kwargs: {list(call_kwargs)}."
        )


class RetriesExhausted(Exception):
    """A completed attempt that the retry predicate still wanted to retry, with no budget left."""


class PredicateError(Exception):
    """The task's ``retry_predicate`` raised; the task fails without a retry."""


class IllegalTransition(RuntimeError):
    """A state change ``TRANSITIONS`` does not allow: a bug in the engine, refused."""


class UnfinishedRun(PrefectException, RuntimeError):
    """The result of a state that is not final was asked for (``prefect.exceptions``;
    a ``RuntimeError`` too, as flowtop's was before it had Prefect's base class)."""


class UpstreamFailed(OwnFramesOnly, UnfinishedRun):
    """A task future whose upstream task did not complete: the task never ran, so it has
    no result to give, even with ``raise_on_failure=False`` (as Prefect's ``UnfinishedRun``).
    Its traceback is the user's line that asked for the result, not flowtop's call and
    future below it."""


class RunCancelled(OwnFramesOnly):
    """The run was cancelled while the flow function was still calling tasks. The cancel's
    echo, raised by flowtop's call and future: its traceback is the user's lines alone, as a
    failed subflow's is."""


class MappingLengthMismatch(OwnFramesOnly, PrefectException, ValueError):
    """``task.map()`` given mapped arguments of different lengths (Prefect's name; a
    ``ValueError`` too). Its traceback is the user's ``.map()`` line, not flowtop's."""


class MappingMissingIterable(OwnFramesOnly, PrefectException, TypeError):
    """``task.map()`` given no argument to map over (Prefect's name; a ``TypeError`` too,
    as flowtop raised before it had Prefect's)."""


class FlowRunNameError(OwnFramesOnly, KeyError, ValueError):
    """A ``flow_run_name`` template naming what the call does not have: the run fails
    with this line alone. A ``KeyError``, as Prefect raises, so ``except KeyError``
    works; a ``ValueError`` too, as flowtop's was before."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""  # KeyError's own quotes its message


class TaskRunNameError(OwnFramesOnly, KeyError):
    """A ``task_run_name`` template naming what the call does not have: the attempt
    fails with it. A ``KeyError``, as Prefect raises, so ``except KeyError`` still works."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""  # KeyError's own quotes its message


class NotInFlowtop(NotImplementedError):
    """A Prefect method flowtop does not have (``task.delay()``, ``flow.serve()``): one
    line naming it, where Python would say only that the object has no such attribute."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} is not available in flowtop: it runs flows locally, with no API server,"
            " task workers or deployments"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        """Unpickled as it was, ``__init__`` not called again: Python's default rebuilds
        ``cls(*args)``, and ``args`` holds the whole line, so an error pickled from a
        process or a Dask worker said "is not available in flowtop" twice. Also for
        subclasses with their own words (``NoPauseInFlowtop``)."""
        rebuild = copyreg.__newobj__  # type: ignore[attr-defined]  # not in typeshed's copyreg
        return rebuild, (type(self), *self.args), self.__dict__ or None


class FlowCalledAtImport(RuntimeError):
    """A flow run started while flowtop imports a flow file (``context.importing_flow_file``):
    a module-level ``nightly()`` or ``flow.run()`` with no ``if __name__ == "__main__":``
    guard ran the flow at each import (a load, each save, ``flowtop list``, before each
    run), unseen by the monitor. Refused, so the file shows as broken at that line."""

    def __init__(self, flow_name: str) -> None:
        super().__init__(
            f"calls flow {flow_name!r} while flowtop imports the file; put the call under "
            "`if __name__ == '__main__'`"
        )
        self.flow_name = flow_name


# A traceback's last line names the class as users import it (``flowtop.Retry: 429 …``),
# not by the module that defines it (``flowtop.engine.errors.Retry``); pickling them (the
# process executor) finds them there too.
for _public in (Retry, TaskTimeout, RetriesExhausted):
    _public.__module__ = "flowtop"


# -- Prefect's names: what a drop-in call raises ------------------------------------------
# Prefect code's call errors are named as Prefect names them (``prefect.exceptions.
# MappingLengthMismatch: …``, the last line of a traceback), not by flowtop's module: the
# drop-in ``prefect.exceptions`` gives these subclasses, so ``except`` of either name
# catches them, and ``type(e).__name__`` is the same.


_E = TypeVar("_E", bound=Exception)


class _PrefectNamed(Exception):
    """Pickled by flowtop's name for it (``_prefect_named``): ``prefect.exceptions`` is
    importable only where Prefect code is, not in every process that unpickles."""

    def __reduce__(self) -> tuple[Any, ...]:
        return _prefect_named, (type(self).__name__, self.args), self.__dict__ or None


class PrefectParameterBindError(_PrefectNamed, ParameterBindError):
    """``ParameterBindError`` of a drop-in flow's or task's call."""


class PrefectParameterTypeError(_PrefectNamed, ParameterTypeError):
    """``ParameterTypeError`` of a drop-in flow's parameters."""


class PrefectMappingLengthMismatch(_PrefectNamed, MappingLengthMismatch):
    """``MappingLengthMismatch`` of a drop-in task's ``.map()``."""


class PrefectMappingMissingIterable(_PrefectNamed, MappingMissingIterable):
    """``MappingMissingIterable`` of a drop-in task's ``.map()``."""


#: flowtop's class -> the drop-in's, named as Prefect's.
PREFECT_NAMED: dict[type[Exception], type[Exception]] = {
    ParameterBindError: PrefectParameterBindError,
    ParameterTypeError: PrefectParameterTypeError,
    MappingLengthMismatch: PrefectMappingLengthMismatch,
    MappingMissingIterable: PrefectMappingMissingIterable,
}
for _flowtops, _prefects in PREFECT_NAMED.items():
    _prefects.__module__ = "prefect.exceptions"
    _prefects.__name__ = _prefects.__qualname__ = _flowtops.__name__


def _prefect_named(name: str, args: tuple[Any, ...]) -> Exception:
    """An unpickled Prefect-named error (``_PrefectNamed.__reduce__``)."""
    (made,) = [cls for cls in PREFECT_NAMED.values() if cls.__name__ == name]
    return made(*args)


def named_for_prefect(error: _E, prefect: bool) -> _E:
    """``error`` (a class of ``PREFECT_NAMED``) as Prefect code's call raises it, when
    ``prefect``; else as it is."""
    if not prefect:
        return error
    return cast("_E", PREFECT_NAMED[type(error)](*error.args))  # (a subclass of its class)
