"""How one run is to start: what ``Runner.start`` hands the flow's ``make_run``.

One object rather than the same nine keywords written out in ``Runner.start``,
``Flow.make_run`` and ``FlowFunction.make_run``: each kind of flow reads the options
that mean something to it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .states import State


class NotGiven(enum.Enum):
    """The type of ``NOT_GIVEN``: an option left out, where None means something."""

    NOT_GIVEN = enum.auto()


#: ``RunOptions.parameters`` not given: the run makes its own.
NOT_GIVEN: Final = NotGiven.NOT_GIVEN


@dataclass(frozen=True, slots=True)
class RunOptions:
    """``reuse``: completed states carried over by task key (a graph's rerun).
    ``rerun_of``: the id of the run this one reruns. ``default_max_retries``: the budget
    of tasks that set none (Prefect's ``temporary_settings``). ``cache``, ``args``,
    ``kwargs``, ``flow_attempt``: a ``@flow`` function's completed calls, its arguments,
    and which of its own retries this run is; ``start_delay``: the seconds its body waits
    after the run is recorded (a flow-level retry's ``retry_delay_seconds``).
    ``parameters``: the ``given_json`` text of ``args`` and ``kwargs`` that its subflow
    call made already (to match a rerun's source), which it records; else ``NOT_GIVEN``:
    it makes its own as it begins (a 1M-item list argument is not serialised twice)."""

    reuse: Mapping[str, State] = field(default_factory=dict)
    rerun_of: str | None = None
    default_max_retries: int | None = None
    cache: Mapping[tuple[str, str], State] | None = None
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] | None = None
    flow_attempt: int = 1
    start_delay: float = 0.0
    parameters: str | NotGiven | None = NOT_GIVEN
