"""The ``with_options`` copies a ``@flow``'s latest run called, kept for the monitor.

A ``@flow``'s graph exists only while it runs, so the monitor's flow host predicts the
policy of each of its keys from the module's ``@task`` named like it (``FlowFunction.node``).
A call of ``step.with_options(max_retries=2)`` ran another task than that one, and every
run happens in a ``flowtop run`` process of its own: the host, which saw none of them,
predicted the module task's policy, and the monitor marked the run's own with ``≠`` as if
it had been edited since. So each run process writes, as a run of a ``@flow`` ends, how
each copy its run called differs from the module's task (``COPIES_FILE``): per flow and
key, the options that decide a policy, as values JSON holds (numbers, lists of them,
exception classes and functions by their importable names). The host rebuilds each copy
as ``module_task.with_options(**those)`` (``rebuilt``), under the settings in force now.
A copy that cannot be written out so (a delay object, a function made in the flow's
body) is recorded as unknown: the monitor shows its run's own policy, not a guess.

The rule: a ``@flow`` call's next-run policy is the task its latest run called, under
the settings in force now; the module's task of its name only before any run.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import weakref
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.binding import unwrapped
from ..engine.policy import POLICY_FIELDS
from ..engine.task import Task
from .places import COPIES_FILE as COPIES_FILE  # (``{"flows": {flow: {key: copy}}}``)
from .private import write_private

if TYPE_CHECKING:
    from ..engine.dynamic import FlowFunction
    from .changes import WorkspaceChanged
    from .flow_shapes import ShapeMaker
    from .workspace import Workspace

#: A task's options that decide its retry policy (``build_policy``), beside its name.
POLICY_OPTIONS = (*POLICY_FIELDS, "retry_condition_fn", "retry_jitter_factor")
#: What a copy is recorded as when it cannot be rebuilt: its key's policy is unknown.
UNKNOWN = None


class Unwritable(ValueError):
    """A value of a copy's options that the file cannot hold."""


def encode(value: Any) -> Any:
    """``value`` as JSON holds it, or ``Unwritable``: numbers, text, lists of them, a
    ``timedelta``, and a class or function by the name it is found by in its module."""
    if value is None or isinstance(value, bool | int | float | str):
        if isinstance(value, float) and value != value:  # (NaN reads back as no equal)
            raise Unwritable(value)
        return value
    if isinstance(value, timedelta):
        return {"seconds": value.total_seconds()}
    if type(value) in (list, tuple):
        return {"list": [encode(item) for item in value]}
    if isinstance(value, type) or callable(value):
        name = f"{getattr(value, '__module__', '')}:{getattr(value, '__qualname__', '')}"
        if _found(name) is not value:  # a lambda, a function made in a body, a callable object
            raise Unwritable(value)
        return {"named": name}
    raise Unwritable(value)


def decode(value: Any) -> Any:
    """What ``encode`` wrote, back as a value (``Unwritable`` when a name is not found)."""
    if not isinstance(value, dict):
        return value
    if "seconds" in value:
        return timedelta(seconds=value["seconds"])
    if "list" in value:
        return [decode(item) for item in value["list"]]
    found = _found(str(value.get("named", "")))
    if found is None:
        raise Unwritable(value)
    return found


def _found(name: str) -> Any:
    """The object ``module:qualname`` names among the modules imported, or None."""
    module_name, _, qualname = name.partition(":")
    found: Any = sys.modules.get(module_name)
    if found is None or not qualname or "<" in qualname:
        return None
    for part in qualname.split("."):
        found = getattr(found, part, None)
        if found is None:
            return None
    return found


def _module_task(flow: FlowFunction, task: Task) -> tuple[str, Task] | None:
    """The module-level ``@task`` that ``task`` is a copy of (the same function), by its
    name in the flow's module; None when no module task is its, or when it is the one the
    host finds by its name (``FlowFunction.node``: the first of that name). One of the
    module's own that another of its name hides (``fast = step.with_options(...)``) is
    itself."""
    module = getattr(unwrapped(flow.fn), "__globals__", {})
    tasks = [(name, value) for name, value in list(module.items()) if isinstance(value, Task)]
    for name, value in tasks:
        if value is task:
            guess = next(value for _, value in tasks if value.name == task.name)
            return None if guess is task else (name, task)
    return next(((name, value) for name, value in tasks if value.fn is task.fn), None)


def describe_copy(flow: FlowFunction, task: Task) -> dict[str, Any] | bool | None:
    """How ``task``, called in a run of ``flow``, differs from its module's task:
    ``{"of": name, "with": options}``; ``UNKNOWN`` when that cannot be written out and
    read back to the same policy; False when it is no copy (the host finds that task by
    its key itself)."""
    module = _module_task(flow, task)
    if module is None:  # the module's own task (or one the host finds by its name alone)
        return False
    of, original = module
    if original is task:
        return {"of": of, "with": {}}
    written: dict[str, Any] = {}
    if task.name != original.name:
        written["name"] = task.name
    for option in POLICY_OPTIONS:
        value = task.options.get(option)
        if value is not original.options.get(option):
            spelled = task.policy.budget_option if option == "max_retries" else option
            # one it cannot hold may be what ``with_options`` makes of the rest (Prefect's
            # backoff made a list): the copy rebuilt without it says whether it matters
            with contextlib.suppress(Unwritable):
                written[spelled] = encode(value)
    if not written and same_policy(original, task):
        return False
    try:
        again = rebuilt(original, written)
    except Exception:  # noqa: BLE001 - a copy the file cannot rebuild is unknown, not a failure
        return UNKNOWN
    if again is None or not same_policy(again, task):
        return UNKNOWN
    return {"of": of, "with": written}


def same_policy(one: Task, other: Task) -> bool:
    """Whether two tasks' policies read alike in every field the monitor shows."""
    return (
        one.policy.summary() == other.policy.summary()
        and one.policy.describe() == other.policy.describe()
    )


def rebuilt(original: Task, written: Mapping[str, Any]) -> Task | None:
    """``original.with_options(...)`` of the options ``describe_copy`` wrote."""
    options = {name: decode(value) for name, value in written.items()}
    made = original.with_options(**options)
    return made if isinstance(made, Task) else None


def read_copies(path: Path) -> dict[str, dict[str, Any]]:
    """The file's flows (``{}`` when it is missing or not as written here)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    flows = data.get("flows") if isinstance(data, dict) else None
    if not isinstance(flows, dict):
        return {}
    return {str(k): v for k, v in flows.items() if isinstance(v, dict)}


def write_copies(path: Path, flows: Mapping[str, Mapping[str, Any]]) -> None:
    """Record each flow's copies in the file (a flow with none is taken out of it), under
    a lock: run processes that end together each keep the others' flows."""
    from .overrides import locked

    def as_now(now: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        after = {**now, **{flow: dict(copies) for flow, copies in flows.items() if copies}}
        return {flow: copies for flow, copies in after.items() if flows.get(flow, True)}

    now = read_copies(path)
    if as_now(now) == now:
        return  # (most runs call no copy: no file, no lock, no reload in the monitor)
    with locked(path.with_suffix(".lock")):
        now = read_copies(path)
        after = as_now(now)
        if after != now:
            write_private(path, json.dumps({"flows": after}, sort_keys=True))


class TaskCopies:
    """The host's reading of ``COPIES_FILE``: each flow's copies, rebuilt from its module's
    tasks as loaded now (``tasks``), read again when the file changed."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / COPIES_FILE
        self._stamp: tuple[int, int, int] | None = None
        self._flows: dict[str, dict[str, Any]] = {}
        self._changed: set[str] = set()  # flows whose copies changed, for ``noted``

    def _stamp_now(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def reread(self) -> None:
        """Read the file again when it changed, noting the flows whose copies changed."""
        stamp = self._stamp_now()
        if stamp == self._stamp:
            return
        self._stamp = stamp
        before, self._flows = self._flows, read_copies(self.path) if stamp is not None else {}
        names = before.keys() | self._flows.keys()
        self._changed |= {name for name in names if before.get(name) != self._flows.get(name)}

    def tasks(self, flow: FlowFunction) -> dict[str, Task | None]:
        """The task each key of ``flow``'s latest run called, where it was a copy: rebuilt
        from its module's task, None where it cannot be (its policy unknown)."""
        self.reread()
        copies = self._flows.get(flow.name, {})
        module = getattr(unwrapped(flow.fn), "__globals__", {})
        made: dict[str, Task | None] = {}
        for key, copy in copies.items():
            task = None
            with contextlib.suppress(Exception):  # a file not as written, a name gone
                original = module.get(copy["of"])
                if isinstance(original, Task):
                    task = rebuilt(original, copy["with"])
            made[str(key)] = task
        return made

    def noted(self, change: WorkspaceChanged) -> WorkspaceChanged:
        """``change`` (a reload) with the flows whose copies changed, when the file is among
        its paths: their shapes go to the monitor, and the file's change is said by no toast."""
        if self.path not in change.paths:
            return change
        self.reread()
        copied, self._changed = self._changed, set()
        return replace(
            change,
            copied=tuple(sorted(copied)),
            said_apart=(*change.said_apart, self.path),
        )


#: Each workspace's reading of its file (``copies_of``), gone with the workspace.
_READERS: weakref.WeakKeyDictionary[Workspace, TaskCopies] = weakref.WeakKeyDictionary()


def copies_of(workspace: Workspace) -> TaskCopies:
    """``workspace``'s reading of its ``COPIES_FILE``, made on first use."""
    reader = _READERS.get(workspace)
    if reader is None:
        reader = _READERS[workspace] = TaskCopies(workspace.state_dir)
    return reader


def shape_maker(workspace: Workspace) -> ShapeMaker:
    """The ``ShapeMaker`` of ``workspace``'s flows: its settings, and the copies its
    ``@flow`` runs called (imported here: a run process makes no shape)."""
    from .flow_shapes import ShapeMaker

    return ShapeMaker(
        workspace.policy_for,
        workspace.settings.task_keys,
        workspace.policy_below,
        copies_of(workspace).tasks,
    )
