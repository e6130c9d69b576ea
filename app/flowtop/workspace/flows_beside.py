"""A folder with no flows whose ``flows`` subfolder holds flow files: where they are.

``flowtop .`` (or ``flowtop list .``) in a project whose flows are in ``./flows`` said
"no flows found … add a .py file" and no word of them: PATH defaults to ``./flows`` only
when none is given. Said by ``flowtop run``/``list`` and by the TUI's header alike.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from ..formats import plural


def flow_files_in(folder: Path) -> int:
    """How many flow files ``folder`` holds: its own ``*.py`` files, as a load of it would
    import them (``Loader.candidates``); 0 when it cannot be read."""
    from .flow_claims import SKIPPED_FILES

    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    count = 0
    for entry in entries:
        name = entry.name
        if not name.endswith(".py") or name.startswith(".") or name in SKIPPED_FILES:
            continue
        try:
            count += not entry.is_dir()
        except OSError:
            count += 1  # a symlink loop: a load would try it, and say so
    return count


def flows_beside_hint(root: Path) -> str:
    """``./flows holds 8 flow files: flowtop flows``, said where ``root`` lists no flow and
    its ``flows`` subfolder holds flow files; "" when it holds none. The subfolder is named
    as typed from here: ``./flows`` beside it, a relative path above it, else whole."""
    folder = Path(os.path.abspath(root)) / "flows"
    count = flow_files_in(folder)
    if not count:
        return ""
    try:
        typed = str(folder.relative_to(Path.cwd()))
    except (OSError, ValueError):  # not below here, or here is gone
        typed = str(folder)
    shown = (
        "this folder"  # (``flowtop list ..`` in it)
        if typed == "."
        else typed
        if os.path.isabs(typed)
        else f".{os.sep}{typed}"
    )
    return f"{shown} holds {plural(count, 'flow file')}: flowtop {shlex.quote(typed)}"
