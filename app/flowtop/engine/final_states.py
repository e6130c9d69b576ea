"""How Prefect names a ``@flow`` run's final state where flowtop's outcome (a value, or
an exception) cannot say it: the ``name`` and ``message`` of a ``Completed(...)`` the
body returned (``return Completed(message="No work to do", name="Skipped")`` ends the
run in ``Skipped``), ``TimedOut`` for a run stopped by its own ``timeout_seconds``, and
``Crashed`` for a drop-in flow's run cancelled because a signal stopped ``flowtop run``
(:func:`signal_crash`).

A Ctrl+C, SIGTERM or SIGHUP of ``flowtop run`` cancels its runs, the reason a
:class:`SignalStop` (``commands.run_signals``). Prefect 3 crashes a flow run so stopped
(``flow_engine``: a ``KeyboardInterrupt``, or a ``TerminationSignal`` no runner asked to
cancel, goes to ``handle_crash``): its state is ``Crashed`` (``Execution was aborted by an
interrupt signal.``) and its ``on_crashed`` hooks run, never ``on_cancellation``, which is
for a cancel asked of the run (``x``, ``c``, ``flowtop cancel``). A drop-in flow's run
does the same; the record still reads ``CANCELLED`` with the signal's reason, and
flowtop's own ``@flow`` calls its ``on_cancellation`` hooks as for any cancel.

Kept by run id for as long as the run object lives. The state ``flow(return_state=True)``
gives (``prefect_api.state_of_call``) and the state the final hooks get
(``flow_hooks.ending_state``) take them; the run's own record (monitor, history) is
flowtop's ``COMPLETED`` / ``FAILED`` as before. A flow call also tells its thread which run
it made (``tell``), whose id that state's ``state_details.flow_run_id`` is, as Prefect's.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, NamedTuple

from .context import context_run
from .prefect_ids import by_prefect_code
from .states import StateType

if TYPE_CHECKING:
    from .dynamic_run import DynamicRun
    from .run_protocols import ActiveRun

#: The outcome it names (a name applies only to a state of that type), name, message.
Named = tuple[StateType, str, "str | None"]


class Told(NamedTuple):
    """What a flow call's end tells its thread (``tell``): the run it made (the last of
    its flow-level retries), and how that run's final state is named, if it is."""

    run_id: str
    named: Named | None


class SignalStop(str):
    """The reason a signal that stopped ``flowtop run`` gives the runs it cancels
    (``cancelled: SIGTERM (flowtop run was stopped)``), with ``crash``, Prefect's message
    for the crash it is to a drop-in flow's run (see the module doc)."""

    crash: str

    def __new__(cls, why: str, crash: str) -> SignalStop:
        made = super().__new__(cls, why)
        made.crash = crash
        return made


#: How the error "type" of a run whose body returned ``Failed(...)`` or ``Crashed(...)``
#: made by hand begins (``returned Failed``; its message the state's): nothing raised it,
#: and the screens say ``flow returned Failed('2 rows bad')`` (``looks.run_error_text``).
#: No class name has a space.
RETURNED = "returned "


#: Prefect's words for a run crashed by Ctrl+C, and by a termination signal.
INTERRUPT_CRASH = "Execution was aborted by an interrupt signal."
TERMINATION_CRASH = "Execution was aborted by a termination signal."


def signal_crash(run: DynamicRun) -> str | None:
    """Prefect's message for the crash of ``run``, a drop-in flow's run that a signal
    stopping ``flowtop run`` cancelled (its ``on_crashed`` hooks run); None for any other."""
    why = run.cancelled_why
    if not run.cancelled or not isinstance(why, SignalStop) or not by_prefect_code(run.flow):
        return None
    return why.crash


_kept: dict[str, Named] = {}
_told = threading.local()


def keep(run: ActiveRun | None, type_: StateType, name: str, message: str | None) -> None:
    """Name ``run``'s final state of ``type_`` so, as Prefect does (None: a body returned
    ``Completed(...)`` outside any run, where nothing takes the name)."""
    if run is None:
        return
    run_id = run.run_id
    if run_id not in _kept:
        weakref.finalize(run, _kept.pop, run_id, None)
    _kept[run_id] = (type_, name, message)


def keep_returned(name: str, message: str | None) -> None:
    """The body of this context's run returned ``Completed(name=…, message=…)``."""
    keep(context_run(), StateType.COMPLETED, name, message)


def kept(run_id: str) -> Named | None:
    return _kept.get(run_id)


def tell(run_id: str) -> None:
    """A flow call's run ended (``FlowFunction.outcome``, on the calling thread): its id,
    and what is kept of it, make the state ``state_of_call`` makes next, on this thread."""
    _told.last = Told(run_id, _kept.get(run_id))


def told() -> Told | None:
    """What ``tell`` said last on this thread, once (None: no run ended since)."""
    last: Told | None = getattr(_told, "last", None)
    _told.last = None
    return last


__all__ = [
    "INTERRUPT_CRASH",
    "RETURNED",
    "TERMINATION_CRASH",
    "Named",
    "SignalStop",
    "Told",
    "keep",
    "keep_returned",
    "kept",
    "signal_crash",
    "tell",
    "told",
]
