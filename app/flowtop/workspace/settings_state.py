"""The two settings files as a workspace last read them: the last good version of each.

A settings file saved broken (mid-edit, a typo) must not take the settings away: each
layer keeps the file it last parsed, and the file's error stands beside it until a save
fixes it. What a reread changed, and which errors are new, is what the watcher reports.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
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
            # (rounded as the limit is, "1.0 MB" read as within a 1 MB limit)
            rounded = size_text(size)
            about = "" if rounded == size_text(MAX_SETTINGS_BYTES) else f" ({rounded})"
            raise OSError(
                f"it is {size:,} bytes{about}; a settings file is at most "
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
    #: A value at fault in a flow's task table of ``overrides.toml`` (the retry editor's
    #: file, a table per task): each such table's flow and error. The rest of the file is
    #: in use (a process that has no last good version reads it without those tables),
    #: and only those flows' runs are refused: one bad table stopped every flow's runs.
    scoped: dict[Layer, list[tuple[str, LoadError]]] = field(default_factory=dict)
    #: ``scoped`` as the flows loaded have it (``Workspace._check_names``): None until then.
    checked: dict[Layer, list[LoadError]] | None = None

    def said(self) -> list[LoadError]:
        """Every settings error, a bad table's as the flows loaded have it (``checked``)."""
        errors = []
        for layer, error in self.errors.items():
            checked = None if layer not in self.scoped or self.checked is None else self.checked
            errors.extend([error] if checked is None else checked.get(layer, []))
        return [*errors, *self.name_errors]

    def refused(self, saved: Collection[tuple[Layer, Path]]) -> tuple[bool, tuple[str, ...]]:
        """What the ``saved`` files' errors refused: whether one was (this workspace keeps
        its last good version), and the flows whose runs a bad table stops (a run reads the
        rest of its file: "kept the last good settings" said of it was untrue of runs)."""
        kept, stopped = False, []
        for layer, _ in saved:
            if self.errors.get(layer) is None:
                continue
            kept, tables = True, (self.checked or {}).get(layer, [])
            if layer in self.scoped:
                stopped += [e.stops_flow for e in tables if e.stops_flow and not e.unused]
        return kept, tuple(dict.fromkeys(stopped))

    def check_tables(
        self,
        flows: Collection[str],
        only: str | None,
        *,
        one_file: bool,
        elsewhere: Callable[[str], bool],
    ) -> None:
        """Whose runs each bad table of ``scoped`` stops, the ``flows`` loaded known: its
        flow's; none said of another flow in a run of ``only`` one flow or of ``one_file``
        (its flow file opened alone). A table of a flow that does not exist (not
        ``elsewhere``: in a file not imported or broken) stops no run (``unused``), said
        in a run of one flow too (it said nothing there, where ``run .`` said it); not in
        a file opened alone, which knows none of the folder's other flows."""
        part = one_file or only is not None

        def seen(flow: str, error: LoadError) -> LoadError | None:
            if flow in flows and only in (None, flow):
                return error
            if flow in flows or elsewhere(flow):  # another flow's
                return None if part else error
            return None if one_file else replace(error, unused=True)

        self.checked = {
            layer: [e for flow, error in scoped if (e := seen(flow, error)) is not None]
            for layer, scoped in self.scoped.items()
        }

    def reread(self, paths: tuple[tuple[Layer, Path], ...]) -> tuple[bool, list[LoadError]]:
        """Re-read each layer's file at its path; a bad one keeps its last good version.
        Returns (changed, new errors)."""
        changed, new_errors = False, []
        self.checked = None
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
        self.scoped.pop(layer, None)
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
                if layer is Layer.OVERRIDES and (part := _in_part(path, text, exc)) is not None:
                    file, self.scoped[layer] = part
                    if self.files[layer] is None:  # no last good version: the rest of it
                        self.files[layer] = file


def _in_part(
    path: Path, text: str, error: SettingsFileError
) -> tuple[SettingsFile, list[tuple[str, LoadError]]] | None:
    """The file read without its task tables that hold a value at fault, and each such
    table's flow and error; None when something else is wrong with it too."""
    without: list[tuple[str, str]] = []
    scoped: list[tuple[str, LoadError]] = []
    while True:
        table = error.table
        if len(table) < 4 or table[0] != "flows" or table[2] != "tasks":
            return None
        if (table[1], table[3]) in without:  # (never: that table is gone)
            return None
        without.append((table[1], table[3]))
        scoped.append((table[1], replace(error.error, stops_flow=table[1])))
        try:
            file = parse_settings(path, text, allow_defaults=False, without=tuple(without))
        except SettingsFileError as exc:
            error = exc
        else:
            return file, scoped
