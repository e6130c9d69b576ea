"""A whole workspace described by a loader process, for the commands that list or launch
its flows without importing user code themselves (``flowtop list``, ``run --detach``).

The loader process imports the flow files (each in a child of its own first, when one
hung or ended it) and sends back plain data; this process only reads that. Apart from
``loader_process``, which forks the children and keeps the fork server: this is what
one ``describe`` request asks and what its reply holds.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .forked_child import single_threaded
from .import_guard import CAREFUL, FAST
from .loader_process import available, fork_server, run_child


@dataclass(frozen=True)
class WorkspaceDescription:
    """A workspace as a loader process saw it: what ``flowtop list`` shows, as plain data."""

    root: str
    errors: tuple[str, ...]  # flow files that failed to load, and settings errors
    settings_error: str | None
    flows: dict[str, dict[str, Any]]  # name -> flow_description.describe_flow()
    output: str = ""  # what the flow modules printed at import
    warnings: tuple[str, ...] = ()  # ``Workspace.settings_warnings``: said, stop nothing
    # Said beside the flows, read by the loader process too (the parent read every file
    # again for them): the files not read as they import prefect (drop-in mode off), by
    # name, and the @flow instance methods left out for want of an instance, one a line.
    unread_prefect: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()

    @property
    def problems(self) -> list[str]:
        """Every line to show before the flows: broken files, then the settings error."""
        return [*self.errors, *([self.settings_error] if self.settings_error else [])]


def describe_workspace(
    path: str, parameters: Mapping[str, Any] | None = None, *, flow: str | None = None
) -> WorkspaceDescription:
    """Load the workspace at ``path`` in a loader process and describe its flows; with
    ``parameters``, each flow's description says as ``"refused"`` why a run with them
    would not start (``flowtop run --detach`` says it before launching one).

    The process calling this imports no user code: each flow file is imported in a child
    of that process (with the ``load_timeout`` of each), and only the description comes
    back. A loader process that itself fails is reported as an error of the workspace.

    ``flow``: only that flow is wanted (``run DIR --flow NAME --detach``). The one file
    whose source defines it (``flow_naming``) is described alone, so a slow import of
    another file is not waited for; the whole folder is, when no single file defines it
    or that file does not after all (after a hang, without waiting for that file again).
    """
    from ..compat import forced as forced_compat
    from .flow_naming import file_defining
    from .workspace import Workspace

    workspace = Workspace(path, isolate_imports=False)  # imports nothing: settings only
    try:
        workspace.read_settings()
        files = workspace.flow_file_candidates()
        timeout = workspace.settings.load_timeout
        root = str(workspace.root)
        alone = None
        if flow is not None and workspace.path.is_dir():
            compat = workspace.settings.prefect_compat or forced_compat()
            alone = file_defining(files, flow, workspace.root, prefect_compat=compat)
    finally:
        workspace.close()
    hung: dict[str, float] = {}
    if alone is not None:
        reply, hung = _described(str(alone), parameters, 3 * timeout + 10, hung)
        if not reply.get("error") and flow in reply["flows"]:
            return _description(str(alone), root, reply, flow)
    reply, _ = _described(path, parameters, (2 * len(files) + 1) * timeout + 10, hung)
    return _description(path, root, reply, flow)


def _described(
    path: str, parameters: Mapping[str, Any] | None, budget: float, hung: dict[str, float]
) -> tuple[dict[str, Any], dict[str, float]]:
    """A loader process's reply describing ``path``, and the files an import hung on
    (``hung``: known already, so said at once, as the files of a first try that hung).
    Each file is imported in the loader process only, unless one hangs or ends it: then
    each in a child first, but the one that hung."""
    from ..compat import forced as forced_compat

    request = {
        "kind": "describe",
        "path": str(path),
        "cwd": os.getcwd(),
        "timeout": budget,
        "parameters": None if parameters is None else dict(parameters),
        "imports": FAST,
        # drop-in mode as this process stands now, not as it stood when the loader's
        # server started (one server serves every command of a process, a test worker's)
        "forced": forced_compat(),
    }
    if not available():  # no fork (Windows): load here, as flowtop did before
        return describe_here(str(path), parameters, CAREFUL), hung
    if not hung:
        reply = _describe_in_child(request, budget)
        if not reply.get("fatal"):
            return reply, hung
        hung = reply.get("hung") or {}  # an import hung or ended the loader: each in a
    careful = {**request, "imports": CAREFUL, "hung": hung}  # child now, but those that
    return _describe_in_child(careful, budget), hung  # hung (said so at once)


def _description(
    path: str, root: str, reply: dict[str, Any], flow: str | None = None
) -> WorkspaceDescription:
    """A loader process's ``reply`` describing ``path`` (of the workspace ``root``); with
    ``flow``, the settings error that stops a run of that flow only."""
    if reply.get("error"):
        _, _, message = reply["error"]
        output = reply.get("output", "")
        return WorkspaceDescription(root, (f"{path}: {message}",), None, {}, output)
    return WorkspaceDescription(
        str(reply["root"]),
        tuple(str(e) for e in reply["errors"]),
        _settings_error(reply, flow),
        _with_policies(reply["flows"], reply["policies"]),
        str(reply.get("output", "")),
        tuple(str(w) for w in reply.get("settings_warnings", ())),
        tuple(str(name) for name in reply.get("unread_prefect", ())),
        tuple(str(note) for note in reply.get("left_out", ())),
    )


def _settings_error(reply: dict[str, Any], flow: str | None) -> str | None:
    """The reply's settings error that stops a run of ``flow`` (of any flow: None), as a
    foreground ``flowtop run --flow`` has it (``Workspace._check_names``): a value at fault
    in another flow's table of ``overrides.toml`` stops that flow's runs only, so a
    ``run --detach --flow beta`` was refused for alpha's table."""
    stops = reply.get("settings_stops")
    if flow is None or stops is None:  # (a reply with no "settings_stops": as before)
        return reply.get("settings_error")
    return next((str(line) for line, whose in stops if whose in (None, flow)), None)


def _tag_limits(state_dir: Path) -> dict[str, int]:
    """The slots of each tag ``flowtop.toml`` limits (``"tag:db" = 2``): ``{"db": 2}``;
    none when the file is broken (the workspace reported that already, with its line)."""
    from ..concurrency.limits import tag_limits
    from ..engine.tag_limits import PREFIX

    try:
        limits = tag_limits(state_dir)
    except ValueError:
        return {}
    return {name.removeprefix(PREFIX): limit.slots for name, limit in limits.items()}


def _describe_in_child(request: dict[str, Any], budget: float) -> dict[str, Any]:
    """The reply of a loader process for a ``describe`` request."""
    if single_threaded():
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        return run_child(request)
    return fork_server().ask(request, budget)


def describe_here(path: str, parameters: Mapping[str, Any] | None, imports: str) -> dict[str, Any]:
    """In the loader process: load the workspace, importing each file here only (``FAST``,
    under a deadline that ends this process) or in a child of its own first (``CAREFUL``)."""
    from .entry_flows import main_block_calls_of
    from .flow_description import describe_flow
    from .main_block_args import refusals
    from .workspace import Workspace

    with Workspace.in_helper(path, imports) as workspace:
        change = workspace.load()
        settings_error = workspace.settings_error
        limits = _tag_limits(workspace.state_dir)  # flowtop.toml read once, not per flow
        by_main = main_block_calls_of(workspace)  # what `flowtop run FILE` runs, and how
        flows = {
            name: describe_flow(workspace, name, limits, main_call=by_main.get(name))
            for name in workspace.flows
        }
        if parameters is not None:  # would a run with them start?
            for name, described in flows.items():
                described.update(refusals(workspace.flows[name], by_main.get(name), parameters))
        return {
            "error": None,
            "root": str(workspace.root),
            "errors": [str(e) for e in workspace.errors.values()],
            "settings_error": str(settings_error) if settings_error is not None else None,
            # each error that stops runs, and the one flow it stops (None: every flow)
            "settings_stops": [
                [str(e), e.stops_flow] for e in workspace.settings_errors if not e.unused
            ],
            "settings_warnings": [str(w) for w in workspace.settings_warnings],
            "unread_prefect": [p.name for p in workspace.unread_prefect_files()],
            "left_out": [str(note) for note in change.left_out],
            "policies": _policies_apart(flows),
            "flows": flows,
        }


def _policies_apart(flows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each task's ``"policy"`` in ``flows`` (``describe_flow``'s) replaced by its index
    in the list returned, for the reply to the loader's parent: a description that many
    tasks share (``describe_flow`` makes one per policy) goes through the pipe once. The
    100,000 calls of one ``@task`` sent theirs 100,000 times, 53 MB of JSON that took
    ``flowtop list`` 1 s to write and read back before printing it."""
    table: list[dict[str, Any]] = []  # holds each description: no other takes its id
    index: dict[int, int] = {}
    for described in flows.values():
        for entry in described["tasks"]:
            for name in ("policy", "policy_values"):
                policy = entry[name]
                at = index.get(id(policy))
                if at is None:
                    at = index[id(policy)] = len(table)
                    table.append(policy)
                entry[name] = at
    return table


def _with_policies(
    flows: dict[str, dict[str, Any]], table: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """``_policies_apart`` undone: each task's ``"policy"`` its description again, one
    object shared by the tasks of one policy (as ``describe_flow`` made them)."""
    for described in flows.values():
        for entry in described["tasks"]:
            entry["policy"] = table[entry["policy"]]
            entry["policy_values"] = table[entry["policy_values"]]
    return flows
