"""``flowtop run FOLDER --flow NAME``: one line on the folder's other flow files that are
broken.

Such a run imports only the file that defines NAME (``workspace.flow_naming``): another
file's error is neither waited for nor said, and a CI job ran its flow, exited 0, and never
told that ``bad.py`` beside it no longer parses. The files whose source cannot be read or
parsed (the run's scan for NAME read them all already) are named in one line on stderr,
the exit status unchanged; a file that parses but fails at import is known only by
importing it, which such a run does not do (``flowtop list`` imports them all).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..printable import say
from ..workspace.flow_naming import imported_by_a_load, names_given
from ..workspace.flow_order import file_order
from .common import shell_word

if TYPE_CHECKING:
    from ..workspace import Workspace

#: The most files named in the line; more are counted.
MOST_NAMED = 5


def say_others_broken(workspace: Workspace, path: str | None) -> None:
    """Say the flow files of ``workspace`` (a folder given as ``path``) that did not load
    and whose errors were not said (they were not imported): those that cannot be parsed."""
    from ..compat import forced

    compat = workspace.settings.prefect_compat or forced()
    loaded = set(workspace.flow_files.values()) | set(workspace.errors)  # (said, or fine)
    broken = [
        file.name
        for file in sorted(workspace.flow_file_candidates(), key=file_order)  # as `ls -v`
        if file not in loaded
        and imported_by_a_load(file, workspace.root, prefect_compat=compat)
        and not _parses(file)
    ]
    if not broken:
        return
    named = ", ".join(broken[:MOST_NAMED]) + (", …" if len(broken) > MOST_NAMED else "")
    files = "file" if len(broken) == 1 else "files"
    folder = f" {shell_word(path)}" if path else ""
    say(
        f"{len(broken)} other flow {files} could not be loaded ({named}): "
        f"flowtop list{folder} says why"
    )


def _parses(file: Path) -> bool:
    """Whether Python can read and parse ``file`` (not whether it imports)."""
    try:
        data = file.read_bytes()
    except OSError:
        return False
    return names_given(data, file) is not None
