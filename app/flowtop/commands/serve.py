"""``flowtop serve [PATH]``: the same TUI in a web browser, through textual-serve.

Bound to 127.0.0.1 unless ``--host`` says otherwise: the page can start runs and edit
settings, so exposing it is an explicit choice.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from .common import bad_path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", help="flow file or folder (default: ./flows, else .)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")


def main(args: argparse.Namespace) -> int:
    if bad_path(args.path):
        return 2
    try:
        from textual_serve.server import Server
    except ImportError:
        print('flowtop serve needs textual-serve: pip install "flowtop[serve]"', file=sys.stderr)
        return 2
    command = shlex.join([sys.executable, "-m", "flowtop", "open", str(Path(args.path).resolve())])
    print(
        f"flowtop: serving {args.path} on http://{args.host}:{args.port} (Ctrl+C stops)",
        file=sys.stderr,
    )
    Server(command, host=args.host, port=args.port, title="flowtop").serve()
    return 0
