"""Where a task call is: in a ``with Flow(...)`` block, in a running ``@flow``, or neither.

Thread-local, and kept apart from the modules that set it so that ``task`` can ask
without importing the flow and run modules (which import ``task``).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Generator
from contextvars import ContextVar
from typing import TYPE_CHECKING

from .errors import FlowCalledAtImport

if TYPE_CHECKING:
    from .dynamic_run import DynamicRun
    from .flow import Flow
    from .run_protocols import FlowBodyRun

_local = threading.local()


def current_flow() -> Flow | None:
    """The innermost ``with Flow(...)`` block open on this thread."""
    stack: list[Flow] | None = getattr(_local, "stack", None)
    return stack[-1] if stack else None


def enter_flow(flow: Flow) -> None:
    if not hasattr(_local, "stack"):
        _local.stack = []
    _local.stack.append(flow)


def exit_flow() -> None:
    _local.stack.pop()


#: ``set_run``'s run in this context too: a thread the body starts with its context copied
#: (``contextvars.copy_context().run``) is in that run for Prefect code, whose run contexts
#: are context variables (``get_run_logger``, ``FlowRunContext``, ``prefect.runtime``).
_context_run: ContextVar[FlowBodyRun | None] = ContextVar("flowtop_flow_run", default=None)


def current_run() -> DynamicRun | None:
    """The ``@flow`` run whose function body runs on this thread."""
    run: DynamicRun | None = getattr(_local, "run", None)
    return run


#: ``set_run``'s run as the engine's own: whose calls a thread with this context makes
#: are its tasks (``calls.calling_run``). ``_context_run`` may hold a run restored in a
#: child process instead (``runtime.carried``), which takes no calls.
_context_body: ContextVar[DynamicRun | None] = ContextVar("flowtop_body_run", default=None)


def context_run() -> FlowBodyRun | None:
    """The ``@flow`` run of this context: the body's, also on a thread it started with
    ``contextvars.copy_context().run``."""
    return _context_run.get()


def context_body_run() -> DynamicRun | None:
    """The ``@flow`` run whose body (or a thread it started with its context copied) this
    context is in."""
    return _context_body.get()


def set_run(run: DynamicRun | None) -> None:
    _local.run = run
    _context_run.set(run)
    _context_body.set(run)


@contextlib.contextmanager
def held_on_thread(local: threading.local, name: str, value: object) -> Generator[None]:
    """``local.name`` is ``value`` on this thread for the block, then what it was."""
    before = getattr(local, name, None)
    setattr(local, name, value)
    try:
        yield
    finally:
        setattr(local, name, before)


def child_of(parent_run: str | None) -> contextlib.AbstractContextManager[None]:
    """Runs this thread starts meanwhile are child runs of ``parent_run`` (a subflow's,
    and its flow-level retries): ``Runner.start`` builds the ``DynamicRun`` on the
    calling thread, which reads this in its ``__init__``."""
    return held_on_thread(_local, "child_of", parent_run)


def in_attempt(attempt: object) -> contextlib.AbstractContextManager[None]:
    """Runs this thread starts meanwhile are subflows called in the task ``attempt`` of
    their parent run (``flow_in_task``), and their flow-level retries: Prefect code in
    their bodies is in that task run, as in Prefect (``task_runs.current_attempt``)."""
    return held_on_thread(_local, "called_in", attempt)


def calling_attempt() -> object:
    """The task attempt a run started now on this thread is called in (see ``in_attempt``)."""
    return getattr(_local, "called_in", None)


def parent_run() -> str | None:
    """The run a run started now on this thread is a child of (see ``child_of``)."""
    parent: str | None = getattr(_local, "child_of", None)
    return parent


#: On a process or Dask worker, the ``.flowtop`` folder of the workspace whose run
#: shipped the attempt running here: its Prefect code reads that workspace's limits and
#: variables (``code_settings``), not those of the worker's current directory.
_shipped_workspace: ContextVar[str | None] = ContextVar("shipped_workspace", default=None)


#: True while a process or Dask worker runs a shipped attempt: a task of a flow run whose
#: records stay in the coordinating process (a drop-in task's ``.submit()`` there is in
#: that run, as in Prefect, though no run is found here).
_in_shipped_attempt: ContextVar[bool] = ContextVar("in_shipped_attempt", default=False)


def shipped_workspace() -> str | None:
    return _shipped_workspace.get()


def in_shipped_attempt() -> bool:
    return _in_shipped_attempt.get()


@contextlib.contextmanager
def shipped_from(workspace: str | None) -> Generator[None]:
    token = _shipped_workspace.set(workspace)
    shipped = _in_shipped_attempt.set(True)
    try:
        yield
    finally:
        _in_shipped_attempt.reset(shipped)
        _shipped_workspace.reset(token)


#: True while flowtop's loader executes a flow file (``importing_flow_file``). A context
#: variable, so only the loading thread (and what it runs with its context copied, such
#: as an ``asyncio.run`` at import) is refused a run: runs on other threads go on.
_importing_flow_file: ContextVar[bool] = ContextVar("importing_flow_file", default=False)


@contextlib.contextmanager
def importing_flow_file() -> Generator[None]:
    """Around the loader's ``exec`` of a flow file: a flow the module calls at its top level
    (no ``if __name__ == "__main__":`` guard) would run at every import, unseen by the
    monitor; ``refuse_run_at_import`` stops it instead."""
    token = _importing_flow_file.set(True)
    try:
        yield
    finally:
        _importing_flow_file.reset(token)


def refuse_run_at_import(flow_name: str) -> None:
    """Raise ``FlowCalledAtImport`` when a run of ``flow_name`` starts while flowtop imports
    a flow file (``Runner.start``, and a ``@flow`` call before ``return_state=True`` could
    make the refusal a Failed state). Tasks called at import run no flow: unaffected."""
    if _importing_flow_file.get():
        raise FlowCalledAtImport(flow_name)
