"""``flowtop [PATH]``: the interactive monitor."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", help="flow file or folder (default: ./flows, else .)")


def main(args: argparse.Namespace) -> int:
    if not Path(args.path).exists():
        print(f"flowtop: {args.path}: no such file or folder", file=sys.stderr)
        return 2
    from ..tui import run_tui  # Textual is imported only here

    return run_tui(args.path)
