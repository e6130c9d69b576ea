"""``flowtop run PATH``: run flows without a UI, for scripts and CI (SPEC §5)."""

from __future__ import annotations

import argparse
import sys

from ..engine.states import StateType
from .common import open_workspace, report_load_errors, select_flows
from .printers import HumanPrinter, JsonPrinter


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", help="flow file or folder (default: ./flows, else .)")
    parser.add_argument("--flow", metavar="NAME", help="run only this flow")
    parser.add_argument("--json", action="store_true", help="print one JSON object per event")
    parser.add_argument("--workers", type=int, metavar="N", help="worker threads (default: [defaults] workers, else 8)")
    parser.add_argument("--quiet", action="store_true", help="omit running/completed lines (human output)")


def main(args: argparse.Namespace) -> int:
    workspace = open_workspace(args.path)
    if workspace is None:
        return 2
    had_errors = report_load_errors(workspace)
    if had_errors and args.flow is None:
        return 2
    names = select_flows(workspace, args.flow)
    if names is None:
        return 2
    if args.workers is not None and args.workers < 1:
        print("flowtop: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.json:
        printer = JsonPrinter(sys.stdout)
    else:
        printer = HumanPrinter(sys.stdout, live=sys.stdout.isatty(), verbose=not args.quiet)
    kwargs = {"workers": args.workers} if args.workers else {}
    runner = workspace.make_runner(sinks=[printer], **kwargs)
    ok = True
    try:
        for name in names:
            result = runner.run(workspace.flows[name])
            ok = ok and result.state is StateType.COMPLETED
    finally:
        runner.shutdown()
    return 0 if ok else 1
