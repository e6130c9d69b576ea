"""``flowtop [PATH]``: the interactive monitor."""

from __future__ import annotations

import argparse
import locale
import os
import sys
from collections.abc import MutableMapping
from typing import TextIO

from ..printable import no_unicode, say
from .common import bad_path
from .run_args import add_executor_flags, want_dashboard


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", help="flow file or folder (default: ./flows, else .)")
    add_executor_flags(parser)


def main(args: argparse.Namespace) -> int:
    if bad_path(args.path):
        return 2
    encoding = no_unicode(sys.__stderr__, os.environ, locale.getencoding())
    if encoding:
        say(
            f"the monitor draws with Unicode, and this terminal's encoding is {encoding}: "
            "set a UTF-8 locale (LC_ALL=C.UTF-8) if the terminal shows UTF-8, or follow "
            "runs with `flowtop run` and `flowtop watch`"
        )
        return 2
    why = no_screen()
    if why:
        say(
            f"{why}: the monitor cannot be drawn; follow runs with `flowtop run` and `flowtop watch`"
        )
        return 2
    if sys.__stdin__ is not None and in_the_background(sys.__stdin__):
        say(
            "the monitor runs in the background of its terminal (`&`, or `timeout` without "
            "--foreground), which stops it as it draws: run it in the foreground "
            "(`timeout --foreground 600 flowtop`)"
        )
        return 2
    from ..engine.spec import ExecutorError, check_spec

    if args.executor is not None:
        try:  # a missing extra is reported before the screen is taken over
            check_spec(args.executor)
        except ExecutorError as exc:
            say(str(exc))
            return 2
    # without --executor the TUI uses [defaults] executor, which only it reads: trust it
    if not want_dashboard(args, args.executor or "dask"):
        return 2
    empty_no_color_unset(os.environ)
    from ..tui import run_tui  # Textual is imported only here

    return run_tui(args.path, executor=args.executor)


def empty_no_color_unset(environ: MutableMapping[str, str]) -> None:
    """An empty ``NO_COLOR`` is no request (no-color.org: "present and not an empty
    string"), as the printers' Rich reads it; Textual takes any ``NO_COLOR`` as one, and
    ``NO_COLOR= flowtop`` (a variable cleared in a script) drew every state grey."""
    if environ.get("NO_COLOR") == "":
        del environ["NO_COLOR"]


def no_screen() -> str:
    """Why the monitor could not be drawn here, or "" when it can.

    Without a terminal on stdin and stderr (where Textual reads and draws: a cron job,
    ``flowtop flows < /dev/null``, ``2> log``) it spun a core forever, writing its escapes
    into the file; ``TERM=dumb`` got full-screen truecolor escapes it shows as text.
    """
    if os.environ.get("TEXTUAL_DRIVER"):  # a driver of its own (`flowtop serve`'s, on pipes)
        return ""
    for name, stream in (("stdin", sys.__stdin__), ("stderr", sys.__stderr__)):
        if stream is None or not stream.isatty():
            return f"{name} is not a terminal"
    if os.environ.get("TERM") == "dumb":
        return "this terminal is TERM=dumb (it cannot move the cursor)"
    return ""


def in_the_background(stdin: TextIO) -> bool:
    """Whether this process is in a background process group of the terminal ``stdin``
    is: its first draw stops it (SIGTTOU), and ``timeout 60 flowtop flows`` sat stopped,
    blank and silent, until killed. False when that cannot be told (a terminal that is
    not this process's own: a test's pseudo-terminal, a browser tab's pipes)."""
    try:
        return os.tcgetpgrp(stdin.fileno()) != os.getpgrp()
    except OSError:
        return False
