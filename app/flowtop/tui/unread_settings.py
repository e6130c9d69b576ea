"""A settings file this user may not read, said as the commands say it.

The workspace keeps the raw ``cannot read settings: [Errno 13] Permission denied: '…'``
(another user's private ``.flowtop``, an ``overrides.toml`` its owner keeps closed).
``flowtop list`` and ``flowtop run`` say instead whose folder or file it is and what to
ask them (``workspace/access.py``); the flows list, the file's pane and the load toast
say that line too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flowtop.workspace.access import unread_settings
from flowtop.workspace.load_error import LoadError

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


def summary_said(change: Change) -> str:
    """``change.summary()``, a settings file this user may not read said as the commands
    say it."""
    summary = change.summary()
    for error in change.errors:
        if isinstance(error, LoadError) and (line := unread_settings(error)) is not None:
            summary = summary.replace(str(error), line)
    return summary
