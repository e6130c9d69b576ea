"""What a loader child says when it fails on its own, past the flow file's import.

The import itself is reported by the loader (``import_errors``); an error after it (while
the child lists the file's flows and their tasks, or describes a workspace) used to end
the child with exit code 70, and ``flowtop list`` said only "the import ended the
process (exit code 70)". The child now replies with one line naming the error and where
it was raised: ``flow.py:7: NotAvailable: … (raised in …/dynamic.py:297)``. That reply
and the child's usual one reach the parent alike, whole (``write_reply``).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from ..engine.value_text import error_text
from .import_errors import same_file
from .load_error import display_path


def failure_reply(exc: BaseException, request: dict[str, Any]) -> dict[str, Any]:
    """The reply for ``exc``: its line in the flow file (an import request's) where the
    traceback passes there, and the file and line that raised it."""
    frames = traceback.extract_tb(exc.__traceback__)
    line = None
    if request.get("kind") != "describe":  # there, ``path`` is the workspace's
        path = Path(os.path.abspath(str(request.get("path", ""))))
        for frame in frames:
            if same_file(frame.filename, path):
                line = frame.lineno
    message = error_text(exc)
    if frames:
        message += f" (raised in {display_path(frames[-1].filename)}:{frames[-1].lineno})"
    return {"error": [line, None, message], "flows": [], "fatal": True}


def write_failure(exc: BaseException, request: dict[str, Any], reply_fd: int) -> int:
    """Write ``failure_reply`` to the parent: the child's exit code (70: not written)."""
    for stream in (sys.stdout, sys.stderr):  # what the module printed is kept too
        with contextlib.suppress(Exception):
            stream.flush()
    try:
        write_reply(reply_fd, json.dumps(failure_reply(exc, request), default=str).encode())
    except BaseException:  # noqa: BLE001 - the parent reads the exit code instead
        return 70
    return 0


def write_reply(reply_fd: int, data: bytes) -> None:
    """Write all of ``data`` to the pipe ``reply_fd``: one ``os.write`` may take only
    part of a reply longer than the pipe's buffer."""
    view = memoryview(data)
    while view:
        view = view[os.write(reply_fd, view) :]


__all__ = ["failure_reply", "write_failure", "write_reply"]
