"""`o` and `y`: take the selected task's error out of the app.

``o`` opens the failing line in ``$VISUAL``/``$EDITOR``: the traceback's last frame in
the flow's own file (else its last frame in the workspace, else the flow file's top),
with the app suspended while the editor runs. ``y`` copies the error and its traceback
with OSC 52 (terminals that allow it put it on the clipboard) and also writes it to a
file, whose path the toast gives, for terminals (and tmux set-ups) that don't.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import SuspendNotSupported

from ..engine.states import StateType
from ..looks import STATE_LOOK, error_said
from ..workspace.places import real_path
from ..workspace.private import write_private
from ..workspace.traceback_frames import traceback_frames
from .view_actions import hidden_by_filter

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.app import App
    from textual.notifications import SeverityLevel

    from flowtop.tui.model import TaskRow
    from flowtop.tui.widgets.task_table import TaskTable
    from flowtop.tui.workspace_view import WorkspaceView

    _Base = App[int]  # the mixin only ever lives in FlowtopApp: type it as an App
else:
    _Base = object

#: Editors that take ``FILE:LINE`` after a flag rather than ``+LINE FILE``.
GOTO_FLAG = {"code": "-g", "code-insiders": "-g", "codium": "-g", "cursor": "-g"}
COLON_STYLE = {"subl", "zed", "hx", "helix", "kak"}


def failing_line(
    traceback: str, flow_file: Path | None, root: Path | None, message: str = ""
) -> tuple[Path, int] | None:
    """The frame to open: the last one in ``flow_file``, else the last under ``root``
    (frames read so that a file's name or the error's ``message`` cannot forge one)."""
    frames = [(Path(file), line) for file, line, _ in traceback_frames(traceback, message=message)]
    for wanted in (flow_file, root):
        if wanted is None:
            continue
        wanted = real_path(wanted)  # (a symlink loop raised RuntimeError: the app closed)
        for path, line in reversed(frames):
            resolved = real_path(path if path.is_absolute() else (root or Path.cwd()) / path)
            if resolved == wanted or (wanted.is_dir() and wanted in resolved.parents):
                return resolved, line
    return None


#: The variables that name the editor ``o`` starts, the first set (not empty) first.
EDITOR_VARIABLES = ("VISUAL", "EDITOR")


def editor_setting() -> tuple[str, str] | None:
    """The editor's command as set, and where it was set (``$EDITOR``: an empty
    ``$VISUAL`` is passed over), as a toast names it; None when neither is set."""
    for name in EDITOR_VARIABLES:
        if value := os.environ.get(name):
            return value, f"${name}"
    return None


def editor_command(path: Path, line: int | None) -> list[str] | None:
    """``$VISUAL`` or ``$EDITOR`` (split like a shell would) with the file and line."""
    setting = editor_setting()
    if setting is None:
        return None
    argv = shlex.split(setting[0])
    name = Path(argv[0]).name if argv else ""
    if line is None:
        return [*argv, str(path)]
    if name in GOTO_FLAG:
        return [*argv, GOTO_FLAG[name], f"{path}:{line}"]
    if name in COLON_STYLE:
        return [*argv, f"{path}:{line}"]
    return [*argv, f"+{line}", str(path)]


def _call(command: list[str], **options: Any) -> int | OSError:
    """``command``'s exit status, or why it could not be started."""
    try:
        return subprocess.call(command, **options)
    except OSError as exc:
        return exc


def error_report(flow: str, row: TaskRow) -> str:
    """What ``y`` copies: where, the error line and the whole traceback."""
    error = row.error
    assert error is not None
    lines = [f"{flow} / {row.key}: {error_said(error.type, error.message)}".rstrip()]
    if error.traceback:
        lines += ["", error.traceback.rstrip("\n")]
    return "\n".join(lines) + "\n"


def _has_error(row: TaskRow) -> bool:
    """A task ``o`` and ``y`` act on: one with an error."""
    return row.error is not None


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:80] or "task"


class ErrorActions(_Base):
    """Mixed into ``FlowtopApp`` (its notify, workspace, selection and suspend)."""

    workspace: WorkspaceView
    table: TaskTable
    selected_flow: str | None
    _selected_row: Callable[[], TaskRow | None]
    _no_flow_said: Callable[[], bool]  # (``run_actions``: no flow here, said as `r` says it)

    def _error_row(self, verb: str, doing: str) -> TaskRow | None:
        """The highlighted task with an error, else None, said: that no flow is selected
        (none here yet), that the filter hides every task (``No task to DOING``), or that
        ``verb`` works on a task with an error."""
        if self._no_flow_said():
            return None
        row = self._selected_row()
        if row is None and (hidden := hidden_by_filter(self.table, doing, _has_error)) is not None:
            self.notify(hidden, severity="warning", markup=False)
            return None
        if row is None or row.error is None:
            failed, waiting = (
                STATE_LOOK[s][0] for s in (StateType.FAILED, StateType.AWAITING_RETRY)
            )
            self.notify(
                f"{verb} works on a task with an error ({failed} or {waiting})",
                severity="warning",
                markup=False,
            )
            return None
        return row

    def action_open_editor(self) -> None:
        row = self._error_row("Open in editor", "open in an editor")
        if row is None or row.error is None:
            return
        flow_file = self.workspace.flow_files.get(self.selected_flow or "")
        error = row.error
        found = failing_line(error.traceback, flow_file, self.workspace.root, error.message)
        path, line = found if found is not None else (flow_file, None)
        if path is None:
            self.notify(f"No file to open for {row.key}", severity="warning", markup=False)
            return
        where = f"{path}:{line}" if line else str(path)
        command = editor_command(path, line)
        if command is None:  # a browser tab never starts one: $EDITOR would not help
            self._say_where(
                "No terminal here to open an editor in"
                if self.is_web
                else "Set $EDITOR to open files",
                where,
            )
            return
        try:
            with self.suspend():
                # caught inside: Textual resumes the app only when the block ends normally
                returncode = _call(command)
        except SuspendNotSupported:  # no terminal to hand over (a browser tab, headless)
            # an editor started here would run on the server, where no one sees it (a vim
            # with no terminal waits for good, and the tab with it): say where to look
            self._say_where(f"No terminal here to open {command[0]} in", where)
            return
        if isinstance(returncode, OSError):  # $EDITOR names no program, or one not runnable
            # where to look, as with $EDITOR unset: it said only that the editor failed; and
            # the variable that named it ("$VISUAL or $EDITOR" left the user to guess)
            where_set = editor_setting()
            named = f" ({where_set[1]})" if where_set is not None else ""
            why = f"Cannot run {command[0]}{named}: {returncode.strerror or returncode}"
            self._say_where(why, where, severity="error")
            return
        if returncode:
            self.notify(
                f"{command[0]} exited with status {returncode}", severity="warning", markup=False
            )

    def _say_where(self, why: str, where: str, *, severity: SeverityLevel = "warning") -> None:
        """``o`` could not open an editor: why, and the failing line to open by hand."""
        self.notify(
            f"{why}; the failing line is {where}", severity=severity, markup=False, timeout=10
        )

    def action_copy_error(self) -> None:
        row = self._error_row("Copy error", "copy the error of")
        if row is None:
            return
        text = error_report(self.selected_flow or "", row)
        self.copy_to_clipboard(text)  # OSC 52
        # Beside the run store, not in the shared temp folder: a traceback may hold
        # secrets, and a fixed name there is one another user can read or plant a link at.
        name = f"{safe_name(self.selected_flow or 'flow')}-{safe_name(row.key)}.txt"
        path = self.workspace.state_dir / "copied" / name
        try:
            # 0600, never through a link a member of a shared .flowtop planted at the name
            write_private(path, text)
        except OSError as exc:
            self.notify(
                f"Copied the error of {row.key} (OSC 52); could not also write a file: {exc}",
                markup=False,
            )
            return
        self.notify(
            f"Copied the error of {row.key} (OSC 52, if your terminal allows it);"
            f" also in {shown_path(path, self.workspace.root)}",
            markup=False,
            timeout=8,
        )


def shown_path(path: Path, root: Path) -> str:
    """``path`` as a toast gives it: from the folder flowtop was started in when it is
    inside it (``flows/.flowtop/copied/etl-load.txt`` for ``flowtop flows``), else from
    the workspace folder ``root`` (``.flowtop/copied/etl-load.txt``). The whole path filled
    a narrow toast's lines and broke mid-name (``…/copied/etl-lo`` / ``ad.txt``)."""
    for start in (Path.cwd(), root):
        try:
            return str(path.relative_to(start))
        except ValueError:
            continue
    return str(path)  # a state folder elsewhere: only the whole path finds it
