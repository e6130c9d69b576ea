"""The two settings files as a workspace last read them: the last good version of each.

A settings file saved broken (mid-edit, a typo) must not take the settings away: each
layer keeps the file it last parsed, and the file's error stands beside it until a save
fixes it. What a reread changed, and which errors are new, is what the watcher reports.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..engine.layers import Layer
from ..formats import size_text
from ..printable import printable_name
from .code_trust import distrusted
from .load_error import LoadError, undecodable
from .settings import SettingsFile, SettingsFileError, parse_settings

#: The largest settings file read (``flowtop.toml``, ``overrides.toml``): one is a few
#: hundred bytes; a 300 MB one was read whole, 640 MB of memory, before it was refused.
MAX_SETTINGS_BYTES = 1024 * 1024


def settings_text(path: Path) -> str:
    """The text of the settings file ``path``, read by each reader of one (the workspace,
    the flow host's first timeout, a task's ``settings_table``, the retry editor and its
    save): ``OSError`` saying why for one that is no regular file (a named pipe would
    block the read forever) or is past ``MAX_SETTINGS_BYTES`` (never read whole: the read
    stops there), is a symlink to nothing or a symlink loop (``settings_file_problem``);
    ``FileNotFoundError`` when there is none."""
    if (problem := settings_file_problem(path)) is not None:
        raise OSError(problem)
    with path.open("rb") as file:
        data = file.read(MAX_SETTINGS_BYTES + 1)
        if len(data) > MAX_SETTINGS_BYTES:
            size = os.fstat(file.fileno()).st_size
            raise OSError(
                f"it is {size:,} bytes ({size_text(size)}); a settings file is at most "
                f"{MAX_SETTINGS_BYTES:,} bytes"
            )
    # Decoded whole, so an error's place is the file's (``undecodable``); newlines read as
    # a file opened as text reads them.
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def settings_file_problem(path: Path) -> str | None:
    """Why ``path`` is there but cannot be a settings file, said as a flow file's would be
    (``flow_source``); None when it is a regular file or there is none. A ``flowtop.toml``
    linked to a target that does not exist was taken for no file: the defaults ran
    without a word of the settings the user meant."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        try:
            target = os.readlink(path)
        except OSError:
            return None  # no file (or no link) at all: no settings
        return f"broken symlink: its target {printable_name(target)} does not exist"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop"
        return None  # (the read that follows says why)
    if not stat.S_ISREG(info.st_mode):
        return f"{path.name} is not a regular file"
    return None


@dataclass
class SettingsState:
    """Last good file per layer, the file errors by layer, and unresolved retry_on names."""

    files: dict[Layer, SettingsFile | None] = field(
        default_factory=lambda: {Layer.TOML: None, Layer.OVERRIDES: None}
    )
    errors: dict[Layer, LoadError] = field(default_factory=dict)
    name_errors: list[LoadError] = field(default_factory=list)

    def reread(self, paths: tuple[tuple[Layer, Path], ...]) -> tuple[bool, list[LoadError]]:
        """Re-read each layer's file at its path; a bad one keeps its last good version.
        Returns (changed, new errors)."""
        changed, new_errors = False, []
        for layer, path in paths:
            before, before_error = self.files[layer], self.errors.get(layer)
            self._read(layer, path)
            after, after_error = self.files[layer], self.errors.get(layer)
            if (before.raw if before else None) != (after.raw if after else None):
                changed = True
            if after_error is not None and str(after_error) != str(before_error):
                new_errors.append(after_error)
            if (after_error is None) != (before_error is None):
                changed = True
        return changed, new_errors

    def _read(self, layer: Layer, path: Path) -> None:
        try:
            if refused := distrusted(path, path.parent):  # a stranger's, in /tmp
                raise OSError(refused)
            text = settings_text(path)
        except FileNotFoundError:
            self.files[layer] = None
            self.errors.pop(layer, None)
        except UnicodeDecodeError as exc:
            self.errors[layer] = undecodable(path, exc)
        except OSError as exc:
            self.errors[layer] = LoadError(path, None, None, f"cannot read settings: {exc}")
        else:
            try:
                self.files[layer] = parse_settings(path, text, allow_defaults=layer == Layer.TOML)
                self.errors.pop(layer, None)
            except SettingsFileError as exc:
                self.errors[layer] = exc.error
