"""A settings file this user may not read, said as the commands say it.

The workspace keeps the raw ``cannot read settings: [Errno 13] Permission denied: '…'``
(another user's private ``.flowtop``, an ``overrides.toml`` its owner keeps closed).
``flowtop list`` and ``flowtop run`` say instead whose folder or file it is and what to
ask them (``workspace/access.py``); the flows list, the file's pane and the load toast
say that line too.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from flowtop.formats import few_names
from flowtop.workspace.access import unread_settings
from flowtop.workspace.changes import WorkspaceChanged
from flowtop.workspace.load_error import LoadError, display_path, unread_prefect_note
from flowtop.workspace.places import real_path

if TYPE_CHECKING:
    from flowtop.tui.workspace_view import Change


@dataclass(frozen=True)
class Unreadable:
    """The flows list's entry of a settings file this user may not read."""

    error: LoadError  # as the workspace has it
    line: str  # as the commands say it

    def __str__(self) -> str:
        return self.line


def as_said(error: LoadError) -> LoadError | Unreadable:
    """``error``, or the file this user may not read, said so (``Unreadable``)."""
    line = unread_settings(error)
    return error if line is None else Unreadable(error, line)


def summary_said(change: Change, said_before: Collection[str] = ()) -> str:
    """``change.summary()``, a settings file this user may not read said as the commands
    say it; the Prefect files not read among ``said_before`` (``NotesSaid.told``) in a
    few words, not the long note again."""
    summary = change.summary()
    for error in change.errors:
        if isinstance(error, LoadError) and (line := unread_settings(error)) is not None:
            summary = summary.replace(str(error), line)
    if said_before and isinstance(change, WorkspaceChanged):
        names = [display_path(path) for path in change.unread]
        new = [name for name in names if name not in said_before]
        old = [name for name in names if name in said_before]
        they = "it imports" if len(old) == 1 else "they import"
        short = f"{few_names(old)} still not read, as {they} prefect" if old else ""
        notes = (unread_prefect_note(new), short)
        summary = summary.replace(unread_prefect_note(names), "; ".join(n for n in notes if n))
    return summary


@dataclass(frozen=True)
class NotesSaid:
    """The long notes said beside a load's or a save's toast: the Prefect files not read
    (each by its name as said, and its file name: the opening names files so), and the
    ``@flow`` methods left out of each file (by their words, not their line: an edit
    above one is no news). Each save of a file said them all again (~14 lines at 120
    columns), though nothing about them changed; now only those new or changed since."""

    unread: frozenset[str] = frozenset()
    methods: Mapping[Path, frozenset[str]] = field(default_factory=dict)

    def opened(self, unread: Iterable[str], left_out: Iterable[LoadError]) -> NotesSaid:
        """After the opening's toast said these."""
        methods: dict[Path, set[str]] = {}
        for note in left_out:
            methods.setdefault(real_path(note.path), set()).add(note.message)
        return NotesSaid(
            self.unread | frozenset(unread),
            {**self.methods, **{path: frozenset(said) for path, said in methods.items()}},
        )

    def told(self, change: Change) -> tuple[Change, tuple[str, ...], NotesSaid]:
        """``change`` with only its methods' notes not said before; the names of its
        Prefect files not read said before (``summary_said``'s ``said_before``); and
        what is said once it is. A file saved that loaded has its notes as they are now
        (none: a method fixed, said again if it comes back); a file saved that failed
        keeps those said."""
        if not isinstance(change, WorkspaceChanged):
            return change, (), self
        failed = {real_path(error.path) for error in change.errors}
        unread = {real_path(path) for path in change.unread}
        loaded = {real_path(p) for p in change.paths if p.suffix == ".py"} - failed - unread
        methods = dict(self.methods)
        for path in loaded | {real_path(note.path) for note in change.left_out}:
            methods[path] = frozenset()
        new: list[LoadError] = []
        for note in change.left_out:
            path = real_path(note.path)
            if note.message not in self.methods.get(path, frozenset()):
                new.append(note)
            methods[path] |= {note.message}
        before = tuple(
            display_path(path)
            for path in change.unread
            if display_path(path) in self.unread or path.name in self.unread
        )
        read = {name for p in change.paths if real_path(p) in loaded for name in _names(p)}
        now = {display_path(path) for path in change.unread}
        said = NotesSaid((self.unread - read) | now, methods)
        return replace(change, left_out=tuple(new)), before, said


def _names(path: Path) -> tuple[str, str]:
    """A file as a save names it and as the opening does."""
    return display_path(path), path.name
