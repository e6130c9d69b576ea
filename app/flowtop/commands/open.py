"""``flowtop [PATH]``: the interactive monitor."""

from __future__ import annotations

import argparse
import sys

from ..printable import encodes_symbols, say
from .common import bad_path
from .run import add_executor_flags, want_dashboard


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", help="flow file or folder (default: ./flows, else .)")
    add_executor_flags(parser)


def main(args: argparse.Namespace) -> int:
    if bad_path(args.path):
        return 2
    if not encodes_symbols(sys.__stderr__):  # where Textual draws
        encoding = getattr(sys.__stderr__, "encoding", None)
        say(
            f"the monitor draws with Unicode, and this terminal's encoding is {encoding}: "
            "set a UTF-8 locale (LC_ALL=C.UTF-8) if the terminal shows UTF-8, or follow "
            "runs with `flowtop run` and `flowtop watch`"
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
    from ..tui import run_tui  # Textual is imported only here

    return run_tui(args.path, executor=args.executor)
