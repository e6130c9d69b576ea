"""Symlinked ``.py`` files and settings files of the workspace: where their saves happen,
and which links each save is a save of.

The watcher watches the workspace's own folders; a save of a linked file happens in its
target's folder (editing through the link writes there too), so ``flows/ext.py`` linked
to ``/elsewhere/ext.py`` never reloaded. The target's folder is watched as well, without
recursion (one watch, whatever that folder holds) and only that file's events pass; an
event there is reported as a change of every link to it, the path the loader knows.
A symlinked ``flowtop.toml`` or ``.flowtop/overrides.toml`` (a shared one kept in a
config repository) is followed the same way: its target's saves were never seen, and the
monitor showed a policy its runs no longer used.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def linked_files(
    folders: Iterable[Path], settings: Iterable[Path] = ()
) -> dict[Path, tuple[Path, ...]]:
    """Each symlinked ``.py`` file directly in ``folders``, and each of the ``settings``
    files that is a symlink, by where it leads: its target (fully resolved; a broken
    link's target too) -> the links to it."""
    links: dict[Path, list[Path]] = {}
    for path in settings:
        try:
            if path.is_symlink():
                links.setdefault(Path(os.path.realpath(path)), []).append(path)
        except (OSError, ValueError):
            continue
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if not entry.name.endswith(".py") or not entry.is_symlink():
                continue
            try:
                target = Path(os.path.realpath(entry.path))
            except (OSError, ValueError):
                continue
            links.setdefault(target, []).append(Path(entry.path))
    return {target: tuple(sorted(paths)) for target, paths in links.items()}


def target_folders(links: dict[Path, tuple[Path, ...]], watched: Iterable[Path]) -> list[Path]:
    """The existing folders of the link targets that no watch of ``watched`` covers."""
    have = {Path(os.path.realpath(folder)) for folder in watched}
    found = {target.parent for target in links} - have
    return sorted(folder for folder in found if folder.is_dir())


def as_links(links: dict[Path, tuple[Path, ...]], path: Path) -> tuple[Path, ...]:
    """The links a change of ``path`` is a change of (none when it is no link's target);
    ``path`` as a watch reported it, through whichever folder it watched."""
    if not links:
        return ()
    found = links.get(path)
    if found is None:
        try:
            found = links.get(Path(os.path.realpath(path)), ())
        except (OSError, ValueError):
            found = ()
    return found
