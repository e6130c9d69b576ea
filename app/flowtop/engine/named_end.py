"""The note of a ``@flow`` run whose body returned a ``Completed(...)`` it named.

``return Completed(message="No work to do", name="Skipped")`` (Prefect's "return a
state" pattern) ends the run in a state named ``Skipped``, which Prefect's UI shows with
its message. flowtop kept the name for Prefect code (``final_states``: the state a
``return_state=True`` call or a hook gets), but its own record read ``COMPLETED`` and
nothing else, in ``flowtop run``'s line, ``history`` and the monitor. The run's note now
says it (``Skipped: No work to do``), as a cancelled run's says who cancelled it; its
state stays flowtop's ``COMPLETED``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .final_states import kept
from .states import StateType

if TYPE_CHECKING:
    from .run import FlowRun

#: The name of a ``Completed(...)`` given none: the state says nothing more by it.
_PLAIN = "Completed"


def named_note(run: FlowRun) -> str:
    """``Skipped: No work to do`` for ``run``, ended COMPLETED in a state its body named
    (the name, or the message, alone when the other is not given); "" for any other."""
    named = kept(run.run_id)
    if named is None or run.state is not StateType.COMPLETED:
        return ""
    type_, name, message = named
    if type_ is not StateType.COMPLETED:
        return ""
    shown = [part for part in (name if name != _PLAIN else "", message or "") if part]
    return ": ".join(shown)
