"""Why ``flowtop run --flow NAME`` cannot run a flow whose own file failed to load.

The monitor's ``r`` starts a run process on the one file that defines the flow. When that
file was broken since (a save with a bad import), the process said ``no flow named
'ingest' in the files that loaded; flows: none``, though the monitor listed 32 flows: it
was given that file alone, which defined nothing. The same in a folder: the flow was
"not found", beside the error of the file that holds it. The file's failure is what
stops the run, so it is said as the reason: ``flow 'ingest' cannot run: its file failed
to load: ingest.py:2: ModuleNotFoundError: …`` (the error's first line, ``file:line``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..workspace import Workspace
    from ..workspace.load_error import LoadError


def failed_flow_file(workspace: Workspace, flow: str | None) -> dict[Path, str]:
    """The file of ``flow`` that failed to load, with the line said in place of its
    error; empty when ``flow`` loaded, is not asked for, or no failed file is its own.

    Its file is the first failed file (``ls -v`` order, as ``name_owners`` gives a name:
    a file refused for the name names it too) whose source names the flow (as the loader
    guesses it, ``flow_naming.file_naming``), of a folder or given alone: a file given
    alone is not the file of a flow it never names (``--flow zzz``: "no flow named")."""
    if flow is None or flow in workspace.flows:
        return {}
    errors: dict[Path, LoadError] = {
        path: error for path, error in workspace.errors.items() if path.suffix == ".py"
    }
    from ..workspace.flow_naming import file_naming
    from ..workspace.flow_order import file_order

    naming = [p for p in sorted(errors, key=file_order) if file_naming([p], flow)]
    if not naming:  # (a file given alone too: not any name's)
        return {}
    path = naming[0]
    lines = str(errors[path]).splitlines() or [""]
    return {path: f"flow {flow!r} cannot run: its file failed to load: {lines[0]}"}
