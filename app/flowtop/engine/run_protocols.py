"""What Prefect code reads of the run it is in: the types of ``prefect_context.active_run``.

Three classes are such a run: ``FlowRun`` (a ``with Flow`` graph's run, with the defaults
``RunHandle`` gives what only a ``@flow`` run has), ``DynamicRun`` (a ``@flow`` function's)
and ``runtime.carried.CarriedRun`` (a run restored in a child process). Naming what they
share lets ``FlowRunContext``, ``prefect.runtime`` and the run loggers read it without
guessing attributes. Every member is read-only, so a subclass's narrower type (a
``FlowFunction`` for ``flow``) still fits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pathlib import Path

    from .capture import Captured
    from .prefect_api import State
    from .states import StateType


class NamedFlow(Protocol):
    """A run's flow as Prefect code names it: a ``Flow``, or a child's stand-in for it."""

    @property
    def name(self) -> str: ...


class RunAncestor(Protocol):
    """A run as a subflow's chain of parents reads it (``root_flow_run_id``)."""

    @property
    def run_id(self) -> str: ...

    @property
    def parent_run(self) -> str | None: ...


class RunLookup(Protocol):
    """What holds a run, as Prefect code reads it: the ``Runner``, or a child's record of
    the run's parents (``runtime.carried``)."""

    @property
    def state_dir(self) -> Path | None:
        """The workspace's ``.flowtop`` folder; None where the runner was given none."""

    def find(self, run_id: str) -> RunAncestor | None:
        """The run ``run_id`` among those it knows, else None."""


class ActiveRun(RunAncestor, Protocol):
    """The flow run Prefect code runs in (``prefect_context.active_run``)."""

    @property
    def flow(self) -> NamedFlow: ...

    @property
    def number(self) -> int: ...

    @property
    def runner(self) -> RunLookup: ...

    @property
    def started_at(self) -> float:
        """When it started, on the wall clock (``time.time()``)."""

    @property
    def run_name(self) -> str:
        """Its ``flow_run_name``; "" for none (flowtop's ``etl #3`` is used then)."""

    @property
    def flow_attempt(self) -> int:
        """Prefect's ``run_count``: 1, then 2 for the first flow-level retry, …"""

    @property
    def tags(self) -> frozenset[str]:
        """The tags in effect where the run was called (``tags``)."""

    @property
    def flow_version(self) -> str | None:
        """Prefect's ``flow.version`` of its flow; None for a graph's run."""

    @property
    def state(self) -> StateType: ...

    @property
    def hooks_state(self) -> State[Any] | None:
        """The state its final hooks are given, once they start; else None."""

    def flow_parameters(self) -> dict[str, Any]:
        """Its call bound to the flow function's signature, defaults applied; {} for a
        graph's run."""


class FlowBodyRun(ActiveRun, Protocol):
    """A run whose body started a thread with its context copied: where a line that
    thread logs goes (``run_loggers``)."""

    @property
    def body_output(self) -> Captured | None:
        """What the body printed so far; None where nothing captures it (a child)."""

    def output_tee(self) -> None:
        """Write what the run printed so far to where it is shown as it comes."""
