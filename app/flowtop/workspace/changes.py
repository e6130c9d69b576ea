"""What one load or reload of a workspace did, as the TUI and the CLI are told.

Its own module so a process that only hears of reloads (the TUI, from the flow host)
never imports the loader.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..formats import few_names, plural
from .load_error import LoadError, display_path, prefect_only, unread_prefect_note
from .method_flow_source import left_out as methods_left_out
from .method_flow_source import left_out_note
from .places import real_path


@dataclass(frozen=True)
class WorkspaceChanged:
    """What one load or reload did: the TUI toasts ``summary()`` and refreshes from it."""

    paths: tuple[Path, ...] = ()
    modules: tuple[str, ...] = ()  # flow files reloaded, as displayed
    flows: tuple[str, ...] = ()  # flows (re)loaded
    errors: tuple[LoadError, ...] = ()  # new or changed errors
    settings_changed: bool = False
    settings_kept: bool = False  # a saved settings file was refused: its last good version stays
    settings_stopped: tuple[str, ...] = ()  # flows whose runs a saved file's bad table stops
    removed: tuple[str, ...] = ()  # flows gone with their file
    helpers: tuple[str, ...] = ()  # helper modules re-imported
    first: bool = False  # the workspace's first load (``first_load``), not a reload
    # What ``summary`` says beside, read once where the change is made (``noted``): the
    # saved files not read as they import prefect, and the @flow instance methods left
    # out of the files (re)loaded (all of a load's: the monitor's open says them).
    unread: tuple[Path, ...] = ()
    left_out: tuple[LoadError, ...] = ()
    # The settings files among ``paths`` said apart, not as reloaded: as this process itself
    # last wrote them (the retry editor's save, which said so: ``override_saves.saved_here``),
    # or deleted, which the monitor says (``reload_actions.reload_said``: "Removed …").
    said_apart: tuple[Path, ...] = ()
    # The flows whose ``with_options`` copies a run recorded anew (``task_copies``): their
    # shapes are sent again; no code of theirs reloaded, and nothing is said of it.
    copied: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(
            self.modules or self.flows or self.errors or self.settings_changed or self.removed
        )

    def first_load(self) -> WorkspaceChanged:
        """This change as the workspace's first load (the monitor's start): nothing was
        reloaded, and the settings were read, not changed (``summary``)."""
        return replace(self, first=True)

    def summary(self) -> str:
        """What the change did, in parts joined by semicolons; flowtop's own words after
        a semicolon lower-cased (``then_said``: ``…; reloaded flowtop.toml``)."""
        parts: list[str] = []

        def add(part: str) -> None:
            parts.append(then_said(part) if parts else part)

        if self.errors:
            others = len(self.errors) - 1
            more = f" (+{plural(others, 'more error')})" if others else ""
            parts.append(f"{self.errors[0]}{more}")
        if self.first:
            # At the start nothing was reloaded, and a settings file that failed is among
            # the errors: "Reloaded f01.py, … (52 flows); Reloaded settings" after
            # "flowtop.toml:3: …" said a reload, and settings taken that were refused.
            # A load whose every file failed said "…; loaded 0 flows from 0 files", as if
            # it had found nothing: "…; no flow loaded".
            flows, files = plural(len(self.flows), "flow"), plural(len(self.modules), "file")
            add(f"Loaded {flows} from {files}" if self.flows else "No flow loaded")
            return "; ".join(parts)
        if self.modules:
            reloaded = f"Reloaded {few_names(self.modules)} ({plural(len(self.flows), 'flow')})"
            # why files nobody saved reloaded: a module they import changed (a flow file
            # itself, at times: "…, zeta.py, which import zeta.py" named it its own importer)
            importers = [m for m in self.modules if m not in self.helpers]
            if self.helpers and importers:
                verb = "imports" if len(importers) == 1 else "import"
                subject = "which" if len(importers) == len(self.modules) else few_names(importers)
                reloaded += f"{',' if subject == 'which' else ';'} {subject} {verb} {few_names(self.helpers)}"
            add(reloaded)
        if self.removed:
            add(
                f"Removed flow{'s' if len(self.removed) > 1 else ''} {few_names(self.removed, 'flows')}"
            )
        if self.settings_changed and self.settings_stopped:  # runs read the rest of its file
            parts.append(stopped_said(self.settings_stopped))
        elif self.settings_changed and (settings := self._settings_said()):
            add(settings)
        unread, own = self.unread, self.said_apart
        if not parts:
            unchanged = [display_path(p) for p in self.paths if p not in unread and p not in own]
            if unchanged or not (unread or own):  # (the app's own save: said by the save)
                parts.append(f"No flow changed ({few_names(unchanged) or 'nothing'})")
        note = unread_prefect_note([display_path(p) for p in unread])
        left = left_out_note(self.left_out)  # @flow methods with no instance to run on
        return "; ".join(part for part in (*parts, note, left) if part)

    def _settings_said(self) -> str:
        """What the summary says of the settings files saved: which reloaded, by name
        (``Reloaded flowtop.toml``; "settings" when the change names none, a whole load),
        or removed (``Removed flowtop.toml (its settings no longer apply)``);
        nothing of one said apart (``said_apart``: the app's own save, which said so); or that
        a file saved was refused (``settings_kept``)."""
        if self.settings_kept:
            return "kept the last good settings"
        files = [path for path in self.paths if path.suffix == ".toml"]
        named = [path for path in files if path not in self.said_apart]
        if files and not named:
            return ""
        gone = [display_path(path) for path in named if not path.exists()]  # (a stat each)
        said = [display_path(path) for path in named if display_path(path) not in gone]
        if gone:  # it read "Reloaded flowtop.toml" of a file deleted
            their = "its" if len(gone) == 1 else "their"
            removed = f"Removed {few_names(gone)} ({their} settings no longer apply)"
            return f"Reloaded {few_names(said)}; {then_said(removed)}" if said else removed
        return f"Reloaded {few_names(said) or 'settings'}"

    def said_after(self, summary: str) -> str:
        """``summary`` (this change's) said after a semicolon (``reload_actions``): its
        first part lower-cased when that is flowtop's own words (``reloaded etl.py …``),
        not an error's path nor a flow's name (``stopped_said``)."""
        ours = not self.errors and (self.modules or self.removed or not self.settings_stopped)
        return then_said(summary) if ours else summary

    def noted(self, loaded: Iterable[Path]) -> WorkspaceChanged:
        """This change with what ``summary`` says beside it, read from the files now, where
        the change is made (the flow host, a reload's thread): ``summary`` read and parsed
        them at each call, on the monitor's UI thread, twice per reload. ``loaded``: the
        files (re)loaded; of a reload, only the saved ones among them are noted."""
        files = list(loaded)
        if self.paths:
            files = [path for path in self.paths if display_path(path) in self.modules]
        return replace(self, unread=self._unread(), left_out=tuple(methods_left_out(files)))

    def _unread(self) -> tuple[Path, ...]:
        """The saved files not read because they import ``prefect`` (drop-in mode off):
        none of them reloaded, failed or is a helper. Saving one said "No flow changed
        (pf.py)", as if it had loaded; ``flowtop run pf.py`` knew why it was not."""
        said = {*self.modules, *self.helpers, *(display_path(e.path) for e in self.errors)}
        saved = [p for p in self.paths if p.suffix == ".py" and display_path(p) not in said]
        return tuple(prefect_only(saved)) if saved else ()

    def only(self, saved: Iterable[Path], flow_files: Mapping[str, Path]) -> WorkspaceChanged:
        """This change (a whole load) as a reload of the ``saved`` files alone would have
        reported it: what a flow host started afresh answers to a save, for the toast and
        for auto-rerun, which must not rerun every flow the new host loaded."""
        files = {real_path(path) for path in saved}  # (a symlink loop among them too)

        def among(path: Path | str | None) -> bool:
            return path is not None and real_path(path) in files

        modules = tuple(m for m in self.modules if among(m))
        narrowed = replace(
            self,
            paths=tuple(saved),
            modules=modules,
            flows=tuple(name for name in self.flows if among(flow_files.get(name))),
            errors=tuple(error for error in self.errors if among(error.path)),
            settings_changed=self.settings_changed and any(p.suffix == ".toml" for p in files),
            helpers=self.helpers if modules else (),
            left_out=tuple(note for note in self.left_out if among(note.path)),
        )
        return replace(narrowed, unread=narrowed._unread())  # (a load noted none: no path)

    def to_json(self) -> dict[str, Any]:
        return {
            "paths": [str(p) for p in self.paths],
            "modules": list(self.modules),
            "flows": list(self.flows),
            "errors": [e.to_json() for e in self.errors],
            "settings_changed": self.settings_changed,
            "settings_kept": self.settings_kept,
            "settings_stopped": list(self.settings_stopped),
            "removed": list(self.removed),
            "helpers": list(self.helpers),
            "unread": [str(p) for p in self.unread],
            "left_out": [note.to_json() for note in self.left_out],
            "said_apart": [str(p) for p in self.said_apart],
            "copied": list(self.copied),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WorkspaceChanged:
        return cls(
            paths=tuple(Path(p) for p in data["paths"]),
            modules=tuple(data["modules"]),
            flows=tuple(data["flows"]),
            errors=tuple(LoadError.from_json(e) for e in data["errors"]),
            settings_changed=bool(data["settings_changed"]),
            settings_kept=bool(data["settings_kept"]),
            settings_stopped=tuple(data.get("settings_stopped", ())),
            removed=tuple(data["removed"]),
            helpers=tuple(data["helpers"]),
            unread=tuple(Path(p) for p in data.get("unread", ())),
            left_out=tuple(LoadError.from_json(e) for e in data.get("left_out", ())),
            said_apart=tuple(Path(p) for p in data.get("said_apart", ())),
            copied=tuple(data.get("copied", ())),
        )


def saved_helpers(
    helpers: Iterable[Path],
    saved: Iterable[Path],
    reloaded: Iterable[Path],
    deps: Mapping[Path, frozenset[Path]],
) -> tuple[str, ...]:
    """The saved files the ``reloaded`` flow files import (``deps``: each file's imports,
    at any depth), as ``summary`` names them ("…, which import flaky_api.py"), beside the
    ``helpers`` the loader evicted: a helper fixed after it raised at import was in no
    module to evict, and its importers' toast said no why (a plain save of it did)."""
    files = {*saved}
    used = {dep for path in reloaded for dep in deps.get(path, ()) if dep != path}
    found = {*helpers, *(p for p in used & files if p.suffix == ".py")}
    return tuple(display_path(p) for p in sorted(found))


#: The words flowtop's own parts of a toast begin with, lower-cased after a semicolon
#: (``then_said``), as "kept the last good settings" is: an error begins with its file's
#: path, ``stopped_said`` with flow names, and those are left as they are.
OWN_WORDS = (
    "Loaded ",
    "Reloaded ",
    "Removed ",
    "Still failing: ",
    "No flow changed ",
    "No flow loaded",
)


def then_said(part: str) -> str:
    """``part`` of a toast as said after a semicolon: flowtop's own words lower-cased
    (``OWN_WORDS``): ``flowtop.toml:3: …; reloaded .flowtop/overrides.toml``, not
    ``…; Reloaded settings``."""
    return part[0].lower() + part[1:] if part.startswith(OWN_WORDS) else part


def stopped_said(flows: tuple[str, ...]) -> str:
    """The runs a bad table of a saved settings file stops (``settings_stopped``), as `r`
    on its row says them (``file_rows.not_a_flow_said``)."""
    one = len(flows) == 1
    return (
        f"{few_names(flows, 'flows')} {'does' if one else 'do'} not run until "
        f"{'its table is' if one else 'their tables are'} fixed; the other flows run with "
        "the rest of the file"
    )
