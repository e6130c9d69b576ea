"""How a save of ``.flowtop/overrides.toml`` (the retry editor's) holds and reads the
file before rewriting it: ``Workspace.set_override`` and ``clear_override``'s question,
apart from the workspace's facade (which ``workspace.py`` keeps under 600 lines).
"""

from __future__ import annotations

import tomllib
from contextlib import AbstractContextManager
from pathlib import Path

from . import overrides as overrides_file
from .load_error import undecodable
from .settings import SettingsError


def save_lock(path: Path) -> AbstractContextManager[None]:
    """Held while the file at ``path`` is read and rewritten: another window (another
    process) saving at the same moment would otherwise write over this save."""
    return overrides_file.locked(path.with_suffix(".lock"), SettingsError)


def as_saved(path: Path) -> overrides_file.OnDisk:
    """The file as a save reads it (``OnDisk``); one that does not parse is refused."""
    try:
        return overrides_file.read_for_rewrite(path)
    except UnicodeDecodeError as exc:  # by its line, as the workspace says it
        raise overrides_file.not_in_use(path, undecodable(path, exc)) from None
    except (tomllib.TOMLDecodeError, OSError) as exc:
        raise overrides_file.cannot_update(path, str(exc)) from None
