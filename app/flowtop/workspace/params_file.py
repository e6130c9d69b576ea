"""Starting ``flowtop run`` with ``@flow`` parameters too long for a command line.

Linux takes at most 128 KiB in one argument of a new process (``MAX_ARG_STRLEN``), and
a run started from the TUI's form with more than that in its parameters failed with
"Argument list too long". The launcher (``launcher.launch``) writes such parameters to a
private file next to the run's log and starts this module in place of ``python -m
flowtop``: it reads the file, deletes it, and runs ``flowtop`` with ``--params TEXT`` in
its own argument list, which no limit applies to, exactly as ``python -m flowtop`` does.

Usage: ``python -m flowtop.workspace.params_file FILE ARG...`` runs ``flowtop ARG...
--params <FILE's text>``.
"""

from __future__ import annotations

import contextlib
import runpy
import sys
from pathlib import Path

#: What a parameters file's name ends with: ``logs/<run id>.params.json``.
SUFFIX = ".params.json"


def put(path: Path, text: str) -> None:
    """Write the parameters ``text`` (JSON, UTF-8 only: ``json_text.storable_json``) to
    ``path``, a file made private already (``private.private_file``)."""
    path.write_text(text, encoding="utf-8")


def take(path: Path) -> str:
    """The parameters in ``path``, the file deleted whether or not it could be read."""
    try:
        return path.read_text(encoding="utf-8")
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


def main(argv: list[str]) -> None:
    """Run ``flowtop`` as ``python -m flowtop`` would, ``--params`` read from the file
    ``argv[0]`` after the rest of ``argv``."""
    path, *args = argv
    try:
        text = take(Path(path))
    except OSError as exc:  # deleted or unreadable before this process started: one line
        sys.exit(f"flowtop: the run's parameters could not be read from {path}: {exc.strerror}")
    sys.argv = ["flowtop", *args, "--params", text]
    # the package by name, not imported here: the workspace layer does not import the
    # command line (``lint-imports``); this process becomes that command
    runpy.run_module("flowtop", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
