"""The flows a monitor lists for their runs though no flow file it loaded defines them:
deleted or renamed mid-run, or of a file that failed to load.

Mixed into ``RunStore``, apart from it: a question of the flow files (the one the monitor
was opened on, those that failed to load) more than of the runs kept.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from flowtop.tui.workspace_view import OneFile

if TYPE_CHECKING:
    from flowtop.tui.model import RunModel
    from flowtop.tui.workspace_view import WorkspaceView


class FlowsWithoutFile:
    """Mixed into ``RunStore``: which of its flows are listed without a file."""

    # Provided by RunStore:
    runs: dict[str, RunModel]
    latest: dict[str, str]

    def __init__(self, workspace: WorkspaceView | None) -> None:
        #: The flow file the monitor was opened on (``OneFile``), None for a folder: the
        #: folder's store holds its sibling files' runs too, which it does not list.
        self.file = workspace.only if isinstance(workspace, OneFile) else None
        #: The flows that file has defined since (``without_file``): one it lost mid-run
        #: is still listed for its runs, gone, as in a monitor on the folder.
        self._defined: set[str] = set()
        #: Whether the file's source names each flow (``file_naming``), asked while none
        #: of its flows has loaded yet; read once a flow: on the screen's thread.
        self._named: dict[str, bool] = {}
        #: The files that failed to load (``WorkspaceView.errors``), asked each listing
        #: (none from a stand-in that gives only ``OneFile.only``).
        self._errors: Callable[[], Mapping[Path, object]] = lambda: getattr(workspace, "errors", {})
        #: Flows with a run here whose file failed to load, by that file (``without_file``):
        #: listed as they last ran, beside its ✗ row; `r` and `f` say the file is broken.
        self.of_broken: dict[str, Path] = {}
        #: ``file_naming``'s answer by flow, for the broken files as they are (their sizes
        #: and times): a listing reads no source again until one changes.
        self._broken_named: dict[str, tuple[object, Path | None]] = {}

    def without_file(self, loaded: Collection[str], shown: str | None) -> list[str]:
        """Flows no file defines any more (deleted, renamed, a branch switched) that still
        have a run to watch: a live one, or ``shown``, the flow on screen, with any run.
        Their runs go on; dropping them from the list would hide those runs.

        In a monitor on one flow file (``file``), only that file's: a sibling file's
        flow was listed "(gone)", and opened on while the file imported, so the first
        `r` ran nothing. Its own are the flows it has defined since (``loaded`` each
        time), or, until one has loaded, those its source names (``file_naming``, as
        ``flowtop history FILE`` tells a run's file): a flow of a file still importing,
        or failing to.

        A flow whose file failed to load is listed too, also ended, its runs being all it
        has (``of_broken``): one broken as the monitor opened was listed as ``✗ etl.py``
        only, never loaded, so its runs and `h` could not be reached."""
        self.of_broken = self._flows_of_broken(loaded)
        names = [*self.of_broken]
        names += [r.flow for r in self.runs.values() if r.is_live and r.flow not in loaded]
        if shown is not None and shown not in loaded and shown in self.latest:
            names.append(shown)
        names = list(dict.fromkeys(names))
        if self.file is None:
            return names
        self._defined.update(loaded)
        return [name for name in names if self._in_file(name, self.file)]

    def _flows_of_broken(self, loaded: Collection[str]) -> dict[str, Path]:
        """The flows with a run here (``latest``) that no file loaded defines and a flow
        file that failed to load names (``file_naming``, the rule ``flowtop history FILE``
        has for a file that does not load), by that file."""
        files = sorted(path for path in self._errors() if path.suffix == ".py")
        flows = [flow for flow in self.latest if flow not in loaded]
        if not files or not flows:
            return {}
        stamp = tuple(_stamp(path) for path in files)
        found: dict[str, Path] = {}
        for flow in flows:
            seen = self._broken_named.get(flow)
            if seen is None or seen[0] != stamp:
                from flowtop.workspace.flow_naming import file_naming  # (a broken file)

                seen = self._broken_named[flow] = (stamp, file_naming(files, flow))
            if seen[1] is not None:
                found[flow] = seen[1]
        return found

    def _in_file(self, flow: str, file: Path) -> bool:
        """Whether ``flow`` is of the flow file ``file`` (``without_file``)."""
        if self._defined:
            return flow in self._defined
        if flow not in self._named:
            from flowtop.workspace.flow_naming import file_naming  # (a monitor on a file)

            self._named[flow] = file_naming([file], flow) is not None
        return self._named[flow]


def _stamp(path: Path) -> tuple[Path, int, int]:
    """``path`` as it is now, by its size and time (0s: it cannot be read)."""
    try:
        status = path.stat()
    except OSError:
        return path, 0, 0
    return path, status.st_size, status.st_mtime_ns
