"""How Prefect names a ``@flow`` run's final state where flowtop's outcome (a value, or
an exception) cannot say it: the ``name`` and ``message`` of a ``Completed(...)`` the
body returned (``return Completed(message="No work to do", name="Skipped")`` ends the
run in ``Skipped``), and ``TimedOut`` for a run stopped by its own ``timeout_seconds``.

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
from .states import StateType

if TYPE_CHECKING:
    from .run_protocols import ActiveRun

#: The outcome it names (a name applies only to a state of that type), name, message.
Named = tuple[StateType, str, "str | None"]


class Told(NamedTuple):
    """What a flow call's end tells its thread (``tell``): the run it made (the last of
    its flow-level retries), and how that run's final state is named, if it is."""

    run_id: str
    named: Named | None


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


__all__ = ["Named", "Told", "keep", "keep_returned", "kept", "tell", "told"]
