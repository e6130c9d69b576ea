"""The retry editor's ``retry_on`` field as the settings file it cites writes it.

The field was filled from the classes in force, each named so that it can be imported
anywhere (``flowtop.workspace.flow_shapes.exception_name``): README's own
``retry_on = ["ConnectionError", "TooManyRequests"]`` read ``ConnectionError,
flaky_api.TooManyRequests   ← flowtop.toml``, a value that file does not hold, where
`flowtop list` shows ``ConnectionError, TooManyRequests [flowtop.toml]``. A value that
comes from ``flowtop.toml`` or ``.flowtop/overrides.toml`` is shown as written there;
one the code sets keeps its importable names (no file spells it). Save is as before: a
field left as shown writes nothing, and names typed are written as typed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...engine.layers import Layer
from ...workspace.overrides import read_toml
from ...workspace.places import SETTINGS_FILE

if TYPE_CHECKING:
    from ...workspace.flow_shapes import PolicyView
    from ..workspace_view import WorkspaceView


def retry_on_as_written(
    workspace: WorkspaceView,
    flow: str,
    task: str,
    policy: PolicyView,
    override: Mapping[str, Any],
) -> str | None:
    """``retry_on`` as the file its value comes from writes it (``override``: the task's
    table in ``overrides.toml``), ``, `` between the names; None when the code or no
    layer sets it, or when what the file holds now is not what is in force (a file
    with an error: its last good settings apply)."""
    layer = policy.layer_of("retry_on")
    if layer is Layer.OVERRIDES:
        names = _names(override.get("retry_on"))
    elif layer is Layer.TOML:
        names = _names(_toml_table(workspace, flow, task).get("retry_on"))
    else:
        return None
    in_force, _ = policy.layers.get("retry_on", ("", layer))
    # the names as written, the ones in force (`flowtop list` shows them as written)
    if not names or ", ".join(dict.fromkeys(names)) != in_force:
        return None
    return ", ".join(names)


def _toml_table(workspace: WorkspaceView, flow: str, task: str) -> Mapping[str, Any]:
    """The task's table in ``flowtop.toml``: as the workspace read it, or, where it
    keeps no tables (the monitor's, whose flow host reads them), from the file."""
    table = workspace.settings.tasks.get((flow, task))
    if table is not None:
        return table
    try:
        found: Any = read_toml(workspace.root / SETTINGS_FILE)
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
        return {}
    for name in ("flows", flow, "tasks", task):
        found = found.get(name) if isinstance(found, dict) else None
    return found if isinstance(found, dict) else {}


def _names(value: Any) -> list[str] | None:
    """A file's ``retry_on`` value as names: a list of them (one name alone, not in a
    list, is refused by the settings file, which then does not apply)."""
    names = value
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        return None
    return [name.strip() for name in names]
