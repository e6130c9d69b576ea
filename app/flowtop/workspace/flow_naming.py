"""Which flow file of a folder a flow is in, guessed from the sources before any import.

Importing a folder's every file to run, or start, one of its flows costs the slowest
file's import: ``flowtop run DIR --flow NAME`` imports the file whose source names NAME
in its own process (``Loader.only_flow``), and ``--detach`` has its loader process
describe that one file only (``loader_process.describe_workspace``). Both check that
the file defines NAME once imported; the guess only saves the other imports. Split out
of ``loader`` (at its 600 lines), which reads the same rules to pick what it imports.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from .code_trust import code_refusal
from .load_error import FLOW_MARKERS, FLOW_OR_PREFECT_MARKERS, mentions, readable_sources


def file_naming(paths: list[Path], flow: str) -> Path | None:
    """The one file of ``paths`` whose source names ``flow`` (``"etl"``, ``'etl'``, or
    ``def etl(`` for a ``@flow`` function); None for none or several. A guess that spares
    the run of one flow of a folder a second import of its file; the load still checks
    that the file defines it, and the probes of the others find it where it is if not."""
    quoted = flow.encode("utf-8", "surrogatepass")
    needles = (
        b'"' + quoted + b'"',
        b"'" + quoted + b"'",
        b"def " + quoted.replace(b"-", b"_") + b"(",
    )
    found = [path for path, data in readable_sources(paths) if any(n in data for n in needles)]
    return found[0] if len(found) == 1 else None


def will_import(path: Path, force: bool, markers: re.Pattern[bytes]) -> bool:
    """Whether loading ``path`` would execute it (a regular file that mentions a marker,
    or any regular file with ``force``)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        return force or mentions(markers, path.read_bytes())
    except OSError:
        return False


def file_defining(files: list[Path], flow: str, root: Path, *, prefect_compat: bool) -> Path | None:
    """Of the flow files ``files`` of the folder ``root``, the one a load would import
    whose source names ``flow``; None when no single one does."""
    wanted = [p for p in files if imported_by_a_load(p, root, prefect_compat=prefect_compat)]
    return file_naming(wanted, flow)


def imported_by_a_load(path: Path, root: Path, *, prefect_compat: bool) -> bool:
    """Whether a load of the folder ``root`` would import its file ``path``: it mentions
    flowtop (or prefect, in drop-in mode) and is no stranger's (``code_trust``)."""
    markers = FLOW_OR_PREFECT_MARKERS if prefect_compat else FLOW_MARKERS
    return will_import(path, False, markers) and code_refusal(path, root) is None
