"""A task's ``retry_on`` override that names an exception no lookup finds, for its editor.

The workspace leaves such a value out of the task's policy (the rest of the table
applies) and says why, in ``flowtop list`` and a toast. The retry editor prefilled its
field from the policy, so it showed what applies (`any exception when max retries is
set ← builtin`), never the value written in ``overrides.toml`` that the user was told to
fix: the editor is where it is fixed. ``unapplied_retry_on`` gives the value as written
and why it does not apply, in the workspace's words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...engine.layers import Layer
from ...workspace.flow_shapes import PolicyView
from ...workspace.places import OVERRIDES_FILE
from ...workspace.settings import table_name

if TYPE_CHECKING:
    from ..workspace_view import WorkspaceView


@dataclass(frozen=True, slots=True)
class Unapplied:
    """An override's ``retry_on`` that does not apply: ``text`` as the field shows it
    (the names as written, ``, `` between them), ``why`` where and why it does not."""

    text: str
    why: str


def unapplied_retry_on(
    workspace: WorkspaceView,
    flow: str,
    task: str,
    policy: PolicyView,
    override: Mapping[str, Any],
) -> Unapplied | None:
    """The task's ``retry_on`` override (``override``: its table in ``overrides.toml``)
    when its policy does not take it, else None. Why is the workspace's settings error
    for it (``.flowtop/overrides.toml:2: … retry_on: unknown exception 'Nope' …``, as
    ``flowtop list`` says it), without the table name, which is this editor's task; or,
    before the workspace has said it, what the lookup of the names says now."""
    text = _written(override.get("retry_on"))
    if text is None or policy.layer_of("retry_on") is Layer.OVERRIDES:
        return None
    said = f"{table_name(('flows', flow, 'tasks', task))}: "
    for error in workspace.settings_errors:
        if error.path.name == OVERRIDES_FILE and error.message.startswith(f"{said}retry_on:"):
            where = str(error).removesuffix(f": {error.message}")
            return Unapplied(text, f"not applied ({where}): {error.message.removeprefix(said)}")
    problem = workspace.check_retry_on(flow, [n.strip() for n in text.split(",")])
    if problem is None:
        return None  # it resolves now: the workspace applies it at its next reload
    return Unapplied(text, f"not applied ({OVERRIDES_FILE}): {problem.split(']: ', 1)[-1]}")


def _written(value: Any) -> str | None:
    """A ``retry_on`` value of the file as the editor's field writes names; None for none,
    or for a value that is not a list of names (the file is refused then, and says so:
    ``retry_on = "X"`` too, ``write retry_on = ["X"], with brackets``)."""
    names = value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        return None
    return ", ".join(name.strip() for name in names)
