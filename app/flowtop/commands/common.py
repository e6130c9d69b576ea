"""What the headless subcommands share: opening a workspace and reporting load errors."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..engine.suggest import did_you_mean
from ..printable import say
from ..workspace.places import Places, unread_settings

if TYPE_CHECKING:
    from ..workspace import Workspace


def whole_number(minimum: int, maximum: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``minimum`` to ``maximum``, or a one-line error."""

    def parse(text: str) -> int:
        value = text.strip()
        if not re.fullmatch(r"[+-]?[0-9]+", value):  # ASCII digits: not "1e20", not "²"
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}")
        number = int(value)
        if not minimum <= number <= maximum:
            raise argparse.ArgumentTypeError(
                f"must be from {minimum} to {maximum}, got {value if len(value) < 30 else value[:27] + '…'}"
            )
        return number

    return parse


def places_of(path: str | Path) -> Places | str:
    """Where the workspace opened as ``path`` keeps things, or why it cannot be opened:
    every command reads a path the same way (a folder, or a flow file in one)."""
    try:
        return Places.of(path)
    except (FileNotFoundError, ValueError) as exc:
        return str(exc)


def bad_path(path: str) -> bool:
    """Print why ``path`` can't be opened as flows (a usage error, exit 2); False when it can."""
    places = places_of(path)
    if isinstance(places, str):
        say(places)
        return True
    return False


def warn_unread_settings(path: str) -> None:
    """Say so when a ``flowtop.toml`` where flowtop runs is not the workspace's (the TUI
    says it in a toast: on stderr it would be under the screen)."""
    places = places_of(path)
    note = None if isinstance(places, str) else unread_settings(places.root)
    if note is not None:
        say(f"warning: {note}")


def load_problems(workspace: Workspace) -> list[str]:
    """Every load error of the workspace's files, then its settings error, as lines."""
    problems = [str(e) for e in workspace.errors.values()]
    if workspace.settings_error is not None:
        problems.append(str(workspace.settings_error))
    return problems


def unused_table(warning: object) -> str:
    """A settings table naming a flow that does not exist, as said: it stops nothing."""
    return f"{warning} (a table nothing uses: it stops no run)"


def report_load_errors(workspace: Workspace) -> bool:
    """Print every load and settings error to stderr, and the settings tables that name
    no flow (which stop nothing); True when there was an error."""
    problems = load_problems(workspace)
    for line in [*problems, *map(unused_table, workspace.settings_warnings)]:
        say(line)
    return bool(problems)


def no_such_flow(name: str, known: Iterable[str], *, unloaded: bool = False) -> str:
    """Said when a command names a flow the workspace lacks: on stderr by ``flowtop run``
    and ``list``, and as the stored reason of a launched run that could not start.
    ``unloaded``: a file failed to load (its error is said first), and may hold it."""
    names = sorted(known)
    where = " in the files that loaded" if unloaded else ""
    listed = ", ".join(names) or "none"
    return f"no flow named {name!r}{where}{did_you_mean(name, names)}; flows: {listed}"


def select_names(
    flows: Iterable[str], root: object, name: str | None, path: str, *, unloaded: bool = False
) -> list[str] | None:
    """Of the flows named ``flows`` (of the workspace at ``root``, given as ``path``),
    those to act on, or None after printing why there are none. ``unloaded``: a file
    failed to load, and its error was said."""
    known = list(flows)  # as the monitor lists them: file by file
    if name is not None:
        if name not in known:
            say(no_such_flow(name, known, unloaded=unloaded))
            return None
        return [name]
    if not known:
        say(f"no flows found in {root}{prefect_hint(path)}")
        return None
    return known


def prefect_hint(path: str) -> str:
    """Why a folder of Prefect flows showed no flows: drop-in mode is off (settings only
    are read here; no flow file is imported)."""
    from ..workspace import Workspace
    from ..workspace.load_error import unread_prefect_hint

    with Workspace(path, isolate_imports=False) as workspace:
        workspace.read_settings()
        hint = unread_prefect_hint([p.name for p in workspace.unread_prefect_files()])
    return f" ({hint})" if hint else ""
