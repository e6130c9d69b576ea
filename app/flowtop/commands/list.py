"""``flowtop list PATH``: flows, tasks, dependencies and where each retry setting comes from."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..formats import plural
from ..printable import PrintableStream, Writer
from .common import open_workspace, report_load_errors, select_flows


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", help="flow file or folder (default: ./flows, else .)")
    parser.add_argument("--flow", metavar="NAME", help="list only this flow")
    parser.add_argument("--json", action="store_true", help="print one JSON object per flow")


def describe(workspace: Any, name: str) -> dict[str, Any]:
    flow = workspace.flows[name]
    dynamic = bool(getattr(flow, "is_dynamic", False))
    # A @flow's graph exists only while it runs: list the @tasks it can call instead.
    nodes = flow.task_nodes() if dynamic else flow.nodes
    tasks = []
    for key, node in nodes.items():
        policy = workspace.policy_for(flow, node)
        tasks.append(
            {
                "task": key,
                "upstream": list(node.upstream),
                "max_attempts": policy.max_attempts,
                "summary": policy.summary(),
                "policy": {
                    field: {"value": value, "layer": layer}
                    for field, (value, layer) in policy.describe().items()
                },
            }
        )
    source = workspace.flow_files.get(name)
    return {
        "flow": name,
        "file": str(source) if source else None,
        "dynamic": dynamic,
        "tasks": tasks,
    }


def main(args: argparse.Namespace) -> int:
    workspace = open_workspace(args.path)
    if workspace is None:
        return 2
    had_errors = report_load_errors(workspace)
    if had_errors and not workspace.flows and args.flow is None:
        return 2  # the errors said why there is nothing to list
    names = select_flows(workspace, args.flow)
    if names is None:
        return 2
    out: Writer = sys.stdout if args.json else PrintableStream(sys.stdout)
    for name in names:
        info = describe(workspace, name)
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
                if entry["value"] in ("unset", "0") and entry["layer"] == "builtin":
                    continue
                out.write(f"      {field:<16} {entry['value']:<32} [{entry['layer']}]\n")
    return 2 if had_errors else 0
