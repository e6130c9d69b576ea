"""A run process's side of ``task_copies``: as each ``@flow`` run ends, the ``with_options``
copies it called are written to ``.flowtop/task_copies.json`` for the monitor's flow host.

The runner hands each run to ``before_begin`` (held here until it ends) and its end to a
sink that takes only ``RunFinished``: the run's calls are all made by then.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.bus import Subscription
from ..engine.dynamic import FlowFunction
from ..engine.dynamic_run import DynamicRun
from ..engine.events import RunFinished
from .task_copies import COPIES_FILE, describe_copy, write_copies

if TYPE_CHECKING:
    from ..engine.run import FlowRun
    from ..engine.runner import Runner


class CopiesRecorder:
    """Records the copies of the ``@flow`` runs of one runner as each ends."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / COPIES_FILE
        self._runs: dict[str, DynamicRun] = {}
        self._lock = threading.Lock()

    def subscription(self) -> Subscription:
        return Subscription(self._ended, wants=lambda event: type(event) is RunFinished)

    def attach(self, runner: Runner) -> None:
        """Hold each ``@flow`` run ``runner`` begins, after the hook it has."""
        before = runner.before_begin

        def before_begin(run: FlowRun) -> None:
            if isinstance(run, DynamicRun):
                with self._lock:
                    self._runs[run.run_id] = run
            if before is not None:
                before(run)

        runner.before_begin = before_begin

    def _ended(self, events: list[Any]) -> None:
        flows: dict[str, dict[str, Any]] = {}
        for event in events:
            with self._lock:
                run = self._runs.pop(event.run_id, None)
            if run is None or not isinstance(run.flow, FlowFunction):
                continue
            copies: dict[str, Any] = {}
            for key, task_run in list(run.tasks.items()):
                copy = describe_copy(run.flow, task_run.node.task)
                if copy is not False:
                    copies[key] = copy
            flows[run.flow.name] = copies
        if flows:
            try:
                write_copies(self.path, flows)
            except Exception:  # noqa: BLE001 - the monitor's guess stays; the run is unharmed
                return
