"""Prefect 3's ``prefect.runtime``: ``flow_run``, ``task_run`` and ``deployment``, modules
whose attributes read the run they are asked in (``from flowtop.runtime import flow_run``,
then ``flow_run.name`` in a ``@flow`` body, a task, a hook or a ``flow_run_name``
callable). Outside any run they give Prefect's empty values (None, ``[]``, ``{}``, 0)."""

from . import deployment, flow_run, task_run

__all__ = ["deployment", "flow_run", "task_run"]
