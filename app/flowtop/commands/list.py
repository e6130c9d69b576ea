"""``flowtop list PATH``: flows, tasks, dependencies and where each retry setting comes from.

The flow files are imported in a loader process, never in this one: a file that hangs or
ends the process at import is listed as broken, and what modules print at import never
reaches this process's stdout.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..engine.layers import Layer
from ..formats import plural
from ..printable import PrintableStream, Writer, say
from .common import bad_path, select_names


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", help="flow file or folder (default: ./flows, else .)")
    parser.add_argument("--flow", metavar="NAME", help="list only this flow")
    parser.add_argument("--json", action="store_true", help="print one JSON object per flow")


def main(args: argparse.Namespace) -> int:
    if bad_path(args.path):
        return 2
    from ..workspace.loader_process import describe_workspace

    listed = describe_workspace(args.path)
    errors = listed.problems
    for line in errors:
        say(line)
    had_errors = bool(errors)
    if had_errors and not listed.flows and args.flow is None:
        return 2  # the errors said why there is nothing to list
    names = select_names(listed.flows, listed.root, args.flow)
    if names is None:
        return 2
    out: Writer = sys.stdout if args.json else PrintableStream(sys.stdout)
    for name in names:
        info = listed.flows[name]
        if args.json:
            out.write(json.dumps(info) + "\n")
            continue
        if info["dynamic"]:
            out.write(
                f"{name}  ({info['file']}, a @flow function: calls of these tasks appear as it "
                "runs, keyed name, name-2, …)\n"
            )
        else:
            out.write(f"{name}  ({info['file']}, {plural(len(info['tasks']), 'task')})\n")
        for task in info["tasks"]:
            after = f"  after {', '.join(task['upstream'])}" if task["upstream"] else ""
            out.write(f"  {task['task']}{after}\n")
            for field, entry in task["policy"].items():
                if entry["value"] in ("unset", "0") and entry["layer"] == Layer.BUILTIN:
                    continue
                out.write(f"      {field:<16} {entry['value']:<32} [{entry['layer']}]\n")
    return 2 if had_errors else 0
