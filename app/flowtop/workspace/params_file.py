"""Starting ``flowtop run`` with ``@flow`` parameters kept off its command line.

A process's command line is read by every local user (``ps -eo args``), and parameters
typed in the TUI's form, a browser tab's or ``flowtop run --detach -p`` may hold secrets
(an API token) that ``.flowtop`` is kept private for. Linux also takes at most 128 KiB in
one argument (``MAX_ARG_STRLEN``): longer parameters failed with "Argument list too long".
So the launcher (``launcher.launch``) writes a run's parameters to a private file next to
the run's log and starts this module in place of ``python -m flowtop``: it reads the file,
deletes it, and runs ``flowtop`` with ``--params TEXT`` in its own argument list (which
neither ``ps`` shows nor a limit applies to), exactly as ``python -m flowtop`` does.

Usage: ``python -m flowtop.workspace.params_file FILE ARG...`` runs ``flowtop ARG...
--params <FILE's text>``.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import sys
from pathlib import Path

from ..printable import say
from .private import open_private

#: What a parameters file's name ends with: ``logs/<run id>.params.json``.
SUFFIX = ".params.json"
#: Who this process's lines are by: it becomes the run process, ``flowtop run``.
COMMAND = "flowtop run"


def put(path: Path, text: str) -> None:
    """Write the parameters ``text`` (JSON, UTF-8 only: ``json_text.storable_json``) to
    ``path``, made private (``private.open_private``: never through a link another user
    of a shared ``.flowtop`` put at its name)."""
    with os.fdopen(open_private(path, os.O_WRONLY | os.O_TRUNC), "w", encoding="utf-8") as out:
        out.write(text)


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
        text = take(beside_log(Path(path)))
    except (OSError, UnicodeDecodeError) as exc:  # deleted, unreadable or garbled: one line
        # said as the run process says every notice (``printable.say``): marked, so the
        # TUI shows it as it shows the run's other launch errors (``tui.launch_notes``)
        say(f"the run's parameters could not be read from {path}: {_why(exc)}", command=COMMAND)
        sys.exit(1)
    sys.argv = ["flowtop", *args, "--params", text]
    # the package by name, not imported here: the workspace layer does not import the
    # command line (``lint-imports``); this process becomes that command
    runpy.run_module("flowtop", run_name="__main__", alter_sys=True)


def beside_log(path: Path) -> Path:
    """``path``, or, not there, the file of that name beside this process's log, where
    it went with it (``launcher.launched_into``): the workspace folder moved as the run
    started (``mv flows flows-old``). The run then reads its parameters, deletes them, and
    ends FAILED saying so (``run_start.fail_unopened``), not left RUNNING by an exit 1."""
    if not path.name.endswith(SUFFIX) or os.path.lexists(path):
        return path
    from .launcher import LOGS, launched_into  # (it imports this module)

    now = launched_into(path.name.removesuffix(SUFFIX))
    return path if now is None else now / LOGS / path.name


def _why(exc: OSError | UnicodeDecodeError) -> str:
    """What is wrong with the file, in a few words: ``No such file or directory``, ``not
    UTF-8 text (byte 0xff at offset 0)``."""
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
    return exc.strerror or str(exc)


if __name__ == "__main__":
    main(sys.argv[1:])
