"""What Prefect code reads of the workspace it runs in (``prefect.variables``,
``prefect.concurrency``): its ``.flowtop`` folder and the tables of its ``flowtop.toml``.

The workspace is the one whose flowtop runs the code (a run the TUI, ``flowtop run`` or a
browser started: the runner knows its folder, and ships it with each attempt to a
process or Dask worker); elsewhere (a script calling a flow, a
module's top level) the current directory's.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from .engine.context import shipped_workspace
from .engine.prefect_context import active_run
from .workspace.places import SETTINGS_FILE, STATE_DIR
from .workspace.settings_state import settings_text
from .workspace.settings_toml import read_settings_toml


def state_dir() -> Path:
    """The ``.flowtop`` folder of the workspace running this code."""
    run = active_run()
    folder = (run.runner.state_dir if run is not None else None) or shipped_workspace()
    return Path(folder) if folder is not None else Path.cwd() / STATE_DIR


def settings_table(name: str, folder: Path | None = None) -> dict[str, Any]:
    """The ``[name]`` table of the workspace's ``flowtop.toml`` ({} without one). The
    workspace checks the file when it loads; a file broken since is one clear error."""
    path = (folder or state_dir()).parent / SETTINGS_FILE
    try:
        table = read_settings_toml(settings_text(path)).get(name, {})
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    if not isinstance(table, dict):
        raise ValueError(f"{path}: [{name}] must be a table")
    return table
