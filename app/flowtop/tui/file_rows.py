"""What the monitor says of a file the flows list shows with ``✗``: a flow file that
failed to load, or a settings file with an error, in its header, its pane, and when `r`
is pressed on it.

A value at fault in one flow's task table of ``.flowtop/overrides.toml``
(``LoadError.stops_flow``) stops that flow's runs only; the rest of the file is in use,
and the other flows run with it. Its row read ``✗ failed to load``, its pane "the last
good settings stay in use", and `r` on it "holds settings, not a flow": it now says
whose runs it stops, and why.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from flowtop.formats import few_names
from flowtop.printable import printable
from flowtop.tui.unread_settings import Unreadable
from flowtop.tui.workspace_view import OneFile
from flowtop.workspace.load_error import LoadError

if TYPE_CHECKING:
    from flowtop.tui.workspace_view import WorkspaceView


def in_part(error: object) -> bool:
    """A settings file that loaded, a part of which names nothing that exists (``LoadError``)."""
    return isinstance(error, LoadError) and error.in_part


def stops_runs(error: object) -> bool:
    """A settings file in use but for a table that stops its flow's runs until it is fixed
    (``LoadError``: ``in_part``, not ``unused``): a task ``flowtop.toml`` names that the
    flow lacks (likely a typo), or a ``retry_on`` name that does not resolve."""
    return isinstance(error, LoadError) and error.in_part and not error.unused


def table_at_fault(error: object) -> str | None:
    """The flow whose runs a value at fault in its table of ``overrides.toml`` stops
    (the rest of the file in use); None for any other error, or for a table of a flow
    that does not exist, which stops no run."""
    if isinstance(error, LoadError) and error.stops_flow is not None and not error.unused:
        return error.stops_flow
    return None


def file_problem(error: object) -> str:
    """What is wrong with a file the flows list shows with ✗ (``error``: its ``LoadError``,
    or ``Unreadable``). A table that stops runs says so: "part of it is not in use" read
    as harmless, while every run of its flow refused to start."""
    if isinstance(error, Unreadable):
        return "cannot be read"
    if (flow := table_at_fault(error)) is not None:
        return f"stops {flow}'s runs: a value at fault in its table"
    if stops_runs(error):
        return "stops its flow's runs: part of it is not in use"
    if isinstance(error, LoadError) and error.stops_flow is not None:
        return "part of it is not in use"  # a bad table of a flow that does not exist
    return "part of it is not in use" if in_part(error) else "failed to load"


#: A flow file refused for a flow name a file before it keeps (``name_owners.already_defined``).
_KEPT_BY = re.compile(r"flow .+ is already defined in (.+)")


def kept_by(error: object) -> str | None:
    """The file that keeps a flow name the file ``error`` is for defines too: that file
    imported fine, and is refused for the name alone ("fix the file" sent the user to
    look for an error in it)."""
    if not isinstance(error, LoadError) or error.in_part:
        return None
    found = _KEPT_BY.fullmatch(error.message)
    return found.group(1) if found else None


def file_advice(where: str, error: object, *, flows_listed: bool) -> str:
    """What the pane of a file with ``error`` says under it: what is in use meanwhile,
    and what to do ("" for a file this user may not read: its line says whose it is)."""
    if isinstance(error, Unreadable):
        return ""  # its line says whose it is and what to ask: nothing to fix in it
    if (flow := table_at_fault(error)) is not None:
        return (
            f"The rest of the file is in use, and the other flows run with it. Runs of "
            f"{flow} do not start until this table is fixed: correct the value and save, "
            f"or select {flow}'s task and use Clear override in its retry editor."
        )
    if stops_runs(error):
        return (
            "The rest of the file is in use. Runs of the flow this entry is for do not "
            "start until it is fixed, as with any settings error (a task the flow lacks "
            "is likely a typo): write the name as the code has it, or delete the entry, "
            "and save."
        )
    if in_part(error) or (isinstance(error, LoadError) and error.stops_flow is not None):
        return (
            "The rest of the file is in use. A flow, task or exception renamed in code "
            "leaves its old name here: write the new one, or delete the entry, and save."
        )
    if (owner := kept_by(error)) is not None:
        return (
            f"Rename the flow in this file or in {owner}: a flow name is one file's (the "
            "first, as `ls -v` lists them, that loads). This file loads again on its own "
            f"when {owner} changes, is renamed or is deleted."
        )
    if where.endswith(".toml"):
        return (
            "Fix the file and save it: it reloads on its own. The last good settings "
            "stay in use (the defaults, if it never loaded)."
        )
    if not flows_listed:  # (those with runs are listed meanwhile, as they last ran)
        return (
            "Fix the file and save it: it reloads on its own, and the flows it defines "
            "are listed then; until it loads, only those with runs are, as they last ran."
        )
    return (
        "Fix the file and save it: it reloads on its own. Its flows stay listed as "
        "they last loaded, with their runs and settings; a run imports the file as "
        "it is now, so it fails to start until the file is fixed."
    )


def not_a_flow_said(
    name: str,
    errors: Sequence[LoadError],
    doing: str,
    *,
    listed: Sequence[str] = (),
    last_ran: Sequence[str] = (),
    pick_one: str = "",
) -> str:
    """`r`, `e` (or `h`, `c`) on a file's row, ``name``: a settings file holds no flow, and one
    whose tables stop flows' runs (``errors``: the file's) says whose and why (it said
    only "holds settings, not a flow", while that flow's `r` refused to start); a flow
    file that failed to load has no flow yet, unless it loaded before: its flows stay
    ``listed``, one of which to pick (``pick_one``, "select one for its history"); one
    that has not loaded since the monitor opened lists only its flows with runs, as they
    last ran (``last_ran``: "it has no flow yet" was said while they were listed).
    ``doing``: what to do instead."""
    if not name.endswith(".toml"):
        if listed:
            return (
                f"{name} failed to load; its flows stay listed as they last loaded "
                f"({few_names(listed, 'flows')}): {pick_one}"
            )
        if last_ran:
            return (
                f"{name} failed to load; its flows with runs are listed as they last ran "
                f"({few_names(last_ran, 'flows')}): {pick_one}"
            )
        return (
            f"{name} failed to load, so it has no flow yet: fix it and save (its error is "
            "shown here)"
        )
    said = f"{name} holds settings, not a flow: {doing}"
    at_fault = [e for e in errors if table_at_fault(e) is not None]
    if at_fault:
        names = list(dict.fromkeys(str(e.stops_flow) for e in at_fault))
        one = len(names) == 1
        said += (
            f". {few_names(names, 'flows')} {'does' if one else 'do'} not run until "
            f"{'its table is' if one else 'their tables are'} fixed: {at_fault[0]}"
        )
    return said


def file_row_said(
    workspace: WorkspaceView,
    key: str,
    doing: str,
    pick_one: str,
    *,
    of_broken: Mapping[str, Path],
) -> str:
    """``not_a_flow_said`` for the row of the file ``key``, with its settings errors and
    the flows it last loaded: one wording for every key pressed there (`r` said "no flow
    yet" of a file whose flows stayed listed, where `h` named them). ``of_broken``: the
    flows listed for their runs by the broken file they come from (``RunStore.of_broken``),
    for a file that has not loaded since the monitor opened."""
    errors = [e for e in workspace.settings_errors if str(e.path) == key]
    listed = [flow for flow, path in workspace.flow_files.items() if str(path) == key]
    last_ran = [flow for flow, path in of_broken.items() if str(path) == key]
    return not_a_flow_said(
        Path(key).name, errors, doing, listed=listed, last_ran=last_ran, pick_one=pick_one
    )


def broken_flow_file(
    workspace: WorkspaceView, flow: str, *, of_broken: Mapping[str, Path]
) -> Path | None:
    """The flow file of ``flow`` if it failed to load, as the monitor knows it now; None
    once it loads. The one question the run keys ask (`r`, `f`, `t`, the run form's Run):
    a file saved broken keeps its flows listed as they last loaded (``flow_files``), one
    broken as the monitor opened lists them by their runs (``of_broken``). Only the second
    was asked: the first launched, and each key recorded a run that did not start."""
    file = workspace.flow_files.get(flow) or of_broken.get(flow)
    return file if file is not None and file in workspace.errors else None


def broken_flow_said(workspace: WorkspaceView, flow: str, file: Path, history: str) -> str:
    """Why a run key does not run ``flow``, whose ``file`` failed to load (``history``:
    the key that lists its runs)."""
    error = workspace.errors.get(file, "")
    return printable(
        f"{flow} cannot run: its file {file.name} failed to load ({error}); "
        f"fix it and save to run it ({history} lists its runs)"
    )


def gone_flow_said(workspace: WorkspaceView, flow: str, *, live: bool) -> str:
    """Why `r` cannot run ``flow``, listed ``(gone)`` for its runs (``live``: one goes on).
    A monitor on one flow file knows only that file: the flow may have moved to a sibling
    file, which ``flowtop FOLDER`` lists (it said "no longer in any flow file here")."""
    runs = (  # only a live run goes on: an ended one is listed for the history alone
        "it is listed for its runs, which go on (and stay in the history)"
        if live
        else "it is listed for its runs, which stay in the history"
    )
    only = workspace.only if isinstance(workspace, OneFile) else None
    if only is None:
        return f"{flow} is no longer in any flow file here: {runs}"
    folder = shlex.quote(_from_here(only.parent))
    return (
        f"{flow} is no longer in {_from_here(only)}: {runs}; "
        f"open flowtop {folder} to see every flow of the folder"
    )


def _from_here(path: Path) -> str:
    """``path`` as typed from the folder flowtop was started in (``.`` for that folder),
    else whole."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
