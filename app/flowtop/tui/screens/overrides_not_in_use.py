"""What the retry editor says at once of an ``overrides.toml`` flowtop does not use.

A file that parses but fails the check (``retry_delay = "5s"``), or does not parse, is
not used: the workspace keeps its last good version, and the editor's fields show that
version, not the file. The editor said nothing of it: a Save wrote the user's value
beside the one at fault, said "Saved", and changed nothing. The workspace now refuses
such a save (``overrides.not_in_use``); this line says so before it is tried, with the
file's error (file, line, table, key, why), as the toast and ``flowtop list`` say it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...workspace.load_error import LoadError
from ...workspace.places import OVERRIDES_FILE
from ...workspace.settings import table_name

if TYPE_CHECKING:
    from ..workspace_view import WorkspaceView


def file_error(workspace: WorkspaceView) -> LoadError | None:
    """The error that keeps ``overrides.toml`` out of use; None while it is in use. A
    table naming an exception or task that does not exist leaves the rest of the file in
    use (``in_part``): the editor says that under the field (``unapplied_retry_on``)."""
    for error in workspace.settings_errors:
        if error.path.name == OVERRIDES_FILE and not error.in_part:
            return error
    return None


def not_in_use_note(workspace: WorkspaceView, flow: str, task: str, *, short: bool = False) -> str:
    """The editor's line for a file not in use ("" for one in use): its error, that the
    fields show the last good settings, and what a save can do: nothing until the file
    is fixed or deleted; Clear override when the value at fault is in this task's table
    (the workspace clears it only when the file left passes the check). ``short``: where
    the error is, and that Save is refused, for a screen under 30 rows: the whole of it
    took 15 rows at 40×12, the fields none (a refused Save says the error whole)."""
    error = file_error(workspace)
    if error is None:
        return ""
    if short:
        where = str(error).removesuffix(f": {error.message}")
        return f"Not in use ({where} has an error): Save is refused until it is fixed or deleted."
    ours = error.message.startswith(f"{table_name(('flows', flow, 'tasks', task))}:")
    clear = "; Clear override removes this task's table, the one at fault" if ours else ""
    return (
        f"Not in use: {error}. The fields show its last good settings, and Save is refused "
        f"until the file is fixed or deleted{clear}."
    )
