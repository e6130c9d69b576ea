"""How a save of ``.flowtop/overrides.toml`` (the retry editor's) holds and reads the
file before rewriting it: ``Workspace.set_override`` and ``clear_override``'s question,
apart from the workspace's facade (which ``workspace.py`` keeps under 600 lines); and
what it wrote, so the reload that follows knows the app's own save (``saved_here``).
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from . import overrides as overrides_file
from .load_error import undecodable
from .settings import SettingsError
from .settings_state import settings_text


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


#: What this process last wrote to each overrides file (by its path as the workspace
#: has it), as a digest of the file's bytes: the reload of a save the retry editor made
#: is not said again ("Reloaded .flowtop/overrides.toml" after the editor's "Saved …"),
#: while a save made outside the app (an editor, another window: another process) is.
_WRITTEN: dict[Path, bytes] = {}


def write_saved(path: Path, data: dict[str, Any]) -> None:
    """Rewrite the overrides file at ``path`` with ``data`` (``write_toml_atomic``), and
    note what was written, as ``saved_here`` reads it back."""
    overrides_file.write_toml_atomic(path, data)
    digest = _digest(path)
    if digest is None:
        _WRITTEN.pop(path, None)
    else:
        _WRITTEN[path] = digest


def saved_here(paths: Iterable[Path]) -> tuple[Path, ...]:
    """The files among ``paths`` that hold what this process last wrote to them
    (``write_saved``): a reload of one is the app's own save, said by the save itself."""
    return tuple(p for p in paths if p in _WRITTEN and _digest(p) == _WRITTEN[p])


def _digest(path: Path) -> bytes | None:
    """A digest of the file's bytes; None when it cannot be read (then it is no save of
    this process's, as far as a reload can tell)."""
    try:
        data = settings_text(path).encode("utf-8")  # (not a named pipe, nor 300 MB)
    except (OSError, UnicodeDecodeError):
        return None
    return hashlib.sha256(data).digest()
