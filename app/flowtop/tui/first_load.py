"""The first screen while the flows load: a line that names a file still importing.

``flowtop`` loads the workspace after its first frame, in the flow host. A flow file that
hangs at import held that first screen at "Loading flows…" until its ``load_timeout``
ran out, saying nothing of why: the line now names the file the host has been importing
longest and for how long (``Loading flows… flows/hang.py still importing (6 s)``), from
the host's news (``RemoteWorkspace.still_importing``). A load that takes under
``NAMED_AFTER`` names nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from rich.text import Text
from textual.timer import Timer

from flowtop.workspace.load_error import display_path

if TYPE_CHECKING:
    from textual.app import App

    from flowtop.tui.widgets.run_header import RunHeader
    from flowtop.tui.workspace_view import WorkspaceView

    # The checker sees the mixin as the App it is mixed into; at run time it is a plain
    # class, so it shadows none of the App's methods.
    _AppBase = App[int]
else:
    _AppBase = object

#: Seconds between two looks at what the host imports while the first load goes on.
LOADING_TICK = 0.5
#: Seconds a file imports before the loading line names it.
NAMED_AFTER = 1.0


@runtime_checkable
class SaysImports(Protocol):
    """A workspace that says which file it is importing (``RemoteWorkspace``); one that
    imports in this process (tests, an embedded app) cannot while it does."""

    def still_importing(self) -> tuple[Path, float] | None: ...


def loading_line(importing: tuple[Path, float] | None) -> str:
    """The first screen's line: ``Loading flows…``, naming the file ``importing`` (and
    for how many seconds) once it has taken ``NAMED_AFTER``."""
    if importing is None or importing[1] < NAMED_AFTER:
        return "Loading flows…"
    file, seconds = importing
    return f"Loading flows… {display_path(file)} still importing ({seconds:.0f} s)"


class FirstLoad(_AppBase):
    """The loading line of the app's first load (``FlowtopApp(load=True)``)."""

    header: RunHeader
    workspace: WorkspaceView
    _loading_said: str | None = None
    _loading_ticker: Timer | None = None

    _load_workspace: Callable[[], object]  # FlowtopApp's worker: loads on a thread

    def _begin_first_load(self) -> None:
        """Say ``Loading flows…``, then load on a thread and look at what it imports."""
        self._show_loading_line()
        self._loading_ticker = self.set_interval(
            LOADING_TICK, self._show_loading_line, name="loading"
        )
        self._load_workspace()

    def _show_loading_line(self) -> None:
        workspace = self.workspace
        importing = workspace.still_importing() if isinstance(workspace, SaysImports) else None
        said = loading_line(importing)
        if said != self._loading_said:  # redrawn only when it changes
            self._loading_said = said
            self.header.update(Text(said, style="dim"))

    def _first_load_over(self) -> None:
        """The load is in: the line is the flows' header's again."""
        if self._loading_ticker is not None:
            self._loading_ticker.stop()
            self._loading_ticker = None
