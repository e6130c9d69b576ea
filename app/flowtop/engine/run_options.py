"""How one run is to start: what ``Runner.start`` hands the flow's ``make_run``.

One object rather than the same seven keywords written out in ``Runner.start``,
``Flow.make_run`` and ``FlowFunction.make_run``: each kind of flow reads the options
that mean something to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .states import State


@dataclass(frozen=True, slots=True)
class RunOptions:
    """``reuse``: completed states carried over by task key (a graph's rerun).
    ``rerun_of``: the id of the run this one reruns. ``default_max_retries``: the budget
    of tasks that set none (Prefect's ``temporary_settings``). ``cache``, ``args``,
    ``kwargs``, ``flow_attempt``: a ``@flow`` function's completed calls, its arguments,
    and which of its own retries this run is; ``start_delay``: the seconds its body waits
    after the run is recorded (a flow-level retry's ``retry_delay_seconds``)."""

    reuse: Mapping[str, State] = field(default_factory=dict)
    rerun_of: str | None = None
    default_max_retries: int | None = None
    cache: Mapping[tuple[str, str], State] | None = None
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] | None = None
    flow_attempt: int = 1
    start_delay: float = 0.0
