"""What the headless subcommands share: opening a workspace and reporting load errors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..workspace import Workspace


def bad_path(path: str) -> bool:
    """Print why ``path`` can't be opened as flows (a usage error, exit 2); False when it can."""
    target = Path(path)
    if not target.exists():
        problem = "no such file or folder"
    elif not (target.is_dir() or (target.is_file() and target.suffix == ".py")):
        problem = "not a folder or a .py file"
    else:
        return False
    print(f"flowtop: {path}: {problem}", file=sys.stderr)
    return True


def open_workspace(path: str) -> Workspace | None:
    """Load ``path``; when it can't be opened print why and return None (exit 2)."""
    if bad_path(path):
        return None
    from ..workspace import Workspace

    workspace = Workspace(path)
    workspace.load()
    return workspace


def report_load_errors(workspace: Workspace) -> bool:
    """Print every load and settings error to stderr; True when there was any."""
    errors = [str(e) for e in workspace.errors.values()]
    if workspace.settings_error is not None:
        errors.append(str(workspace.settings_error))
    for line in errors:
        print(f"flowtop: {line}", file=sys.stderr)
    return bool(errors)


def select_flows(workspace: Workspace, name: str | None) -> list[str] | None:
    """Flow names to act on, or None after printing why there are none."""
    if name is not None:
        if name not in workspace.flows:
            known = ", ".join(sorted(workspace.flows)) or "none"
            print(f"flowtop: no flow named {name!r} (flows: {known})", file=sys.stderr)
            return None
        return [name]
    if not workspace.flows:
        print(f"flowtop: no flows found in {workspace.root}", file=sys.stderr)
        return None
    return sorted(workspace.flows)
