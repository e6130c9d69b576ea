"""App-wide messages: what background work tells the UI thread.

Workers never touch widgets; they post one of these and the app applies it on its own
thread. Engine events do not travel as messages at all: they go through the
``EventBuffer`` and a frame timer, which is what keeps an event storm cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from flowtop.tui.workspace_view import Change


@dataclass
class WorkspaceLoaded(Message):
    """The first load finished (on a thread, after the first frame)."""

    change: Change


@dataclass
class WorkspaceReloaded(Message):
    """The watcher reloaded files; ``change`` is a ``WorkspaceChanged``."""

    change: Change


@dataclass
class WatcherFailed(Message):
    """The file watcher stopped with an error; the app keeps running without reload."""

    error: BaseException


class EventsPending(Message):
    """The event buffer went from empty to not empty. Sent at most once per drain,
    and a queued one absorbs the next (Toolong's coalescing), so a storm of events
    costs one message per frame."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, EventsPending)
