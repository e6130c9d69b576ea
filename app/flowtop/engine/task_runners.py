"""Prefect 3's ``ThreadPoolTaskRunner`` (and its older name ``ConcurrentTaskRunner``):
what ``@flow(task_runner=...)`` may be given.

flowtop runs a flow's task attempts on threads of its runner's pool, which is what
Prefect's default task runner does; ``max_workers`` caps how many of one run's attempts
run on those threads at once (``drivers``). Processes and a Dask cluster are flowtop's
``--executor``, for every flow of a run, not a flow's option.
"""

from __future__ import annotations

import types
from typing import Any


class ThreadPoolTaskRunner:
    """``ThreadPoolTaskRunner(max_workers=4)``: at most four of the flow's attempts at once."""

    def __init__(self, max_workers: int | None = None) -> None:
        if max_workers is not None and (
            isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1
        ):
            raise ValueError(f"max_workers must be an int >= 1, got {max_workers!r}")
        self.max_workers = max_workers

    def __class_getitem__(cls, params: Any) -> types.GenericAlias:
        """``ThreadPoolTaskRunner[Any]``: generic in Prefect (over its futures)."""
        return types.GenericAlias(cls, params)

    def __repr__(self) -> str:
        return f"ThreadPoolTaskRunner(max_workers={self.max_workers!r})"


#: Prefect 3 keeps its 2.x name for the thread pool runner, the same class
#: (``prefect.task_runners``: "for backwards compatibility"); code written for Prefect 2
#: still imports it.
ConcurrentTaskRunner = ThreadPoolTaskRunner


def max_workers_of(task_runner: object) -> int | None:
    """The cap ``@flow(task_runner=...)`` asks for (None: the runner's workers). The class
    itself, ``task_runner=ThreadPoolTaskRunner``, is taken as Prefect 3's ``Flow`` takes
    it: an instance made of it (``task_runner() if isinstance(task_runner, type)``)."""
    if task_runner is None:
        return None
    if isinstance(task_runner, type) and issubclass(task_runner, ThreadPoolTaskRunner):
        task_runner = task_runner()
    if not isinstance(task_runner, ThreadPoolTaskRunner):
        raise TypeError(
            f"@flow: task_runner must be a ThreadPoolTaskRunner in flowtop, got {task_runner!r}; "
            "to run tasks in processes or on Dask, use --executor process or --executor dask"
        )
    return task_runner.max_workers
