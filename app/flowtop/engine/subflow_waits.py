"""A run's task attempts that wait for a subflow, told the moment the run gives them up.

A task attempt that calls a ``@flow`` waits for that subflow's run (``flow_in_task``).
Once its own run gives the attempt up while it waits, nothing is left to use what the
subflow returns, and the subflow is called off. A run gives a running attempt up in two
places only, each under its lock: its time limit (``FlowRun._timed_out``), and the end of
every unfinished task (a cancel, a ``@flow``'s time limit, flowtop failing:
``_end_unfinished``); every other new token of a task follows its attempt's return. So
the run tells there, and a wait costs nothing meanwhile: a timer entry per waiting
subflow used to look every 0.2 s whether its caller still waited, and the call was off
only at its next look.
"""

from __future__ import annotations

from collections.abc import Callable


class SubflowWaits:
    """Per run, under its lock: what to call, for each wait for a subflow, once the running
    attempt of the task (by key) that waits is given up. Each is quick: it runs under the
    lock."""

    __slots__ = ("_by_task",)

    def __init__(self) -> None:
        self._by_task: dict[str, list[Callable[[], None]]] = {}

    def add(self, key: str, given_up: Callable[[], None]) -> None:
        """Call ``given_up`` once task ``key``'s running attempt is given up."""
        self._by_task.setdefault(key, []).append(given_up)

    def discard(self, key: str, given_up: Callable[[], None]) -> None:
        """The wait ``given_up`` was added for is over: it is not called any more."""
        waits = self._by_task.get(key, [])
        if given_up in waits:
            waits.remove(given_up)
            if not waits:
                del self._by_task[key]

    def attempt_given_up(self, key: str) -> None:
        """Task ``key``'s running attempt was given up (its time limit): its waits end."""
        if self._by_task:
            for given_up in self._by_task.pop(key, ()):
                given_up()

    def all_given_up(self) -> None:
        """Every unfinished task of the run ended: every wait ends."""
        if self._by_task:
            waits, self._by_task = self._by_task, {}
            for each in waits.values():
                for given_up in each:
                    given_up()
