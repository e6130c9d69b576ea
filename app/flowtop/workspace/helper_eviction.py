"""Drop the user's helper modules of saved files from ``sys.modules``, so the loader's next
import of a flow file that uses them reads them afresh (``loader``)."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from pathlib import Path

from ..engine.flow_package import FLOW_PACKAGE


def evict_helpers(helpers: dict[str, Path], files: set[Path]) -> set[Path]:
    """Drop the modules of ``files`` (``helpers``: the helper modules flow files imported,
    by name, forgotten with them), each with its submodules (``pkg/util.py`` saved evicts
    ``pkg`` too); the files of those evicted."""
    names = {n for n, f in helpers.items() if f in files}
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in ("flowtop", FLOW_PACKAGE):
            continue
        if _file_in(getattr(module, "__file__", None), files):
            names.add(name)
    evicted: set[Path] = set()
    for name in names:
        for each in [name, *(n for n in sys.modules if n.startswith(name + "."))]:
            gone = sys.modules.pop(each, None)
            helper = helpers.pop(each, None)
            file = getattr(gone, "__file__", None)
            if helper is not None or file:
                evicted.add(helper or Path(os.path.abspath(str(file))))
    for file in files:
        # A save within the same second with the same size would reuse a stale .pyc.
        with contextlib.suppress(OSError, ValueError, NotImplementedError):
            os.unlink(importlib.util.cache_from_source(str(file)))
    return evicted


def _file_in(file: str | None, files: set[Path]) -> bool:
    return file is not None and file != "" and Path(os.path.abspath(file)) in files
