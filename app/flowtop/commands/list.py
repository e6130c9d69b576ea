"""``flowtop list PATH``: flows, tasks, dependencies and where each retry setting comes from.

The flow files are imported in a loader process, never in this one: a file that hangs or
ends the process at import is listed as broken, and what modules print at import never
reaches this process's stdout.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.events import json_record
from ..engine.layers import Layer
from ..engine.parameters import ParameterInfo
from ..formats import fmt_seconds, plural
from ..printable import PrintableStream, Writer, printable_name, say
from .common import (
    bad_path,
    described_settings,
    select_names,
    shell_word,
    unused_table,
    warn_unread_settings,
)

if TYPE_CHECKING:
    from ..workspace.workspace_description import WorkspaceDescription


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", help="flow file or folder (default: ./flows, else .)")
    parser.add_argument("--flow", metavar="NAME", help="list only this flow")
    parser.add_argument("--json", action="store_true", help="print one JSON object per flow")


def main(args: argparse.Namespace) -> int:
    if bad_path(args.path, "flowtop list"):
        return 2
    warn_unread_settings(args.path)
    from ..workspace.workspace_description import describe_workspace
    from .run_signals import stopped_while_importing

    with stopped_while_importing(args.path):
        listed = describe_workspace(args.path)
    errors, settings_error = described_settings(args.path, listed.problems, listed.settings_error)
    for line in [*errors, *map(unused_table, listed.warnings)]:
        say(line)
    had_errors = bool(errors)
    if settings_error is not None:
        return 2  # listed without the settings, every source would read [builtin]: wrong
    if had_errors and not listed.flows and args.flow is None:
        return 2  # the errors said why there is nothing to list
    names = select_names(listed.flows, listed.root, args.flow, args.path, unloaded=had_errors)
    if names is None:
        return 2
    if args.flow is None:  # a Prefect file beside these flows: said, not a listing error
        say_notes(listed)
    out: Writer = sys.stdout if args.json else PrintableStream(sys.stdout)
    # what `flowtop run FILE` runs, as `python FILE` does (``entry_flows``); `flowtop run
    # DIR` runs every flow of the folder (``run.checked_names``): no flow is marked there
    of_a_file = Path(args.path).is_file()
    block_runs_one = of_a_file and any(map(_called_by_main_block, listed.flows.values()))
    for name in names:
        info = listed.flows[name]
        if args.json:
            out.write(json_record(info) + "\n")
            continue
        by_main = main_block_mark(info, block_runs_one) if of_a_file else ""
        if info["dynamic"]:
            out.write(
                f"{name}  ({printable_name(info['file'])}, a @flow function: calls of these tasks appear as it "
                f"runs, keyed name, name-2, …){by_main}\n"
            )
        else:
            out.write(
                f"{name}  ({printable_name(info['file'])}, {plural(len(info['tasks']), 'task')}){by_main}\n"
            )
        if info.get("parameters"):
            out.write(f"  parameters: {_parameters(info['parameters'])}\n")
        if info.get("runs"):
            out.write(f"  runs: {_run_options(info['runs'])}\n")
        for names, upstream, lines in _alike_runs(info["tasks"]):
            after = f"  after {_names(upstream)}" if upstream else ""
            out.write(f"  {_names(names)}{after}\n")
            out.write("".join(lines))
    return 2 if had_errors else 0


def say_notes(listed: WorkspaceDescription) -> None:
    """The Prefect files not read beside the flows listed (drop-in mode off), then the
    ``@flow`` instance methods left out of their files, unlisted for want of an instance
    (``method_flow_source.left_out``): said, not listing errors. Both as the loader
    process read them: this process read every file again for them."""
    from ..workspace.load_error import unread_prefect_note

    for note in (unread_prefect_note(listed.unread_prefect), *listed.left_out):
        if note:
            say(note)


def main_block_mark(info: dict[str, Any], block_runs_one: bool = False) -> str:
    """``  (run by its __main__ block)`` for a flow of a listed file that `flowtop run FILE`
    runs because the file's ``if __name__ == "__main__":`` block calls it, else ``""``.
    Only for a file: a folder's flows were marked too, though `flowtop run DIR` runs
    every one of them, the subflows a marked parent calls among them. A flow the block
    only draws (``X.visualize()``) is not run by `flowtop run FILE`: it refuses the file
    when the block only draws, and leaves the drawn one out when the block also calls
    another flow (``block_runs_one``, ``run_main_block.drawn_left_out``): said as run
    says it (it read "run by its __main__ block", then "refuses it" in both cases)."""
    if not info.get("run_by_main_block"):
        return ""
    if not _called_by_main_block(info):
        drawn = (info.get("main_block_call") or {}).get("written") or "visualize()"
        does = "leaves it out" if block_runs_one else "refuses it"
        return (
            f"  (its __main__ block only draws it, {drawn}: flowtop run {does}; "
            f"--flow {shell_word(str(info.get('flow') or ''))} runs it)"
        )
    return "  (run by its __main__ block)"


def _called_by_main_block(info: dict[str, Any]) -> bool:
    """Whether the file's ``__main__`` block runs the flow of ``info``, not only draws it."""
    from ..workspace.entry_flows import DRAWING

    call = info.get("main_block_call") or {}
    return bool(info.get("run_by_main_block")) and call.get("how") not in DRAWING


def _parameters(parameters: list[dict[str, Any]]) -> str:
    """``day: date (required), regions: list[str] = ["eu", "us"], level: Level = 1 (one
    of LOW, HIGH)``: what ``--param`` takes."""
    parts = []
    for data in parameters:
        p = ParameterInfo.from_json(data)
        typed = f"{p.name}: {p.annotation}" if p.annotation else p.name
        notes = ["required"] if p.required else []
        notes += [p.offered()] if p.choices else []
        given = typed if p.required else f"{typed} = {p.default}"
        parts.append(f"{given} ({'; '.join(notes)})" if notes else given)
    return ", ".join(parts)


def _run_options(options: dict[str, Any]) -> str:
    """``retries 2, 5s apart; time limit 20s; named daily-{region}; on_failure: notify``:
    what a @flow's runs do beyond its tasks."""
    parts = []
    if "retries" in options:
        parts.append(f"retries {options['retries']}, {fmt_seconds(options['retry_delay'])} apart")
    if "timeout_seconds" in options:
        parts.append(f"time limit {fmt_seconds(options['timeout_seconds'])}")
    if "flow_run_name" in options:
        parts.append(f"named {options['flow_run_name']}")
    if "max_workers" in options:
        parts.append(f"at most {options['max_workers']} tasks at once")
    parts += [f"{kind}: {', '.join(names)}" for kind, names in options.get("hooks", {}).items()]
    return "; ".join(parts)


#: Consecutive tasks alike in settings and upstream are listed as one entry from this many
#: on: a fan-out of 1,000 calls printed 5,000 identical lines.
ALIKE = 3
#: A longer list of task names shows its first and last few.
SHOWN_NAMES = 6
#: The policy fields' column: as wide as the longest name (``retry_jitter_factor``).
FIELD = 19


def _alike_runs(
    tasks: list[dict[str, Any]],
) -> Iterator[tuple[list[str], list[str], list[str]]]:
    """``(names, upstream, policy lines)`` per entry: a task alone, or a run of ``ALIKE``
    or more consecutive tasks with the same upstream tasks and settings."""
    entries: list[tuple[list[str], list[str], list[str]]] = []
    for task in tasks:
        lines = [
            f"      {field:<{FIELD}} {entry['value']:<32} [{entry['layer']}]\n"
            for field, entry in task["policy"].items()
            if not (entry["value"] in ("unset", "0") and entry["layer"] == Layer.BUILTIN)
        ]
        if "cache" in task:  # Prefect's caching, as the @task asked for it
            lines.append(f"      {'cache':<{FIELD}} {task['cache']:<32} [{Layer.TASK}]\n")
        if "tags" in task:  # and the limits flowtop.toml gives them ("tag:db" = 2)
            lines.append(f"      {'tags':<{FIELD}} {_tags(task['tags']):<32} [{Layer.TASK}]\n")
        if entries and entries[-1][1] == task["upstream"] and entries[-1][2] == lines:
            entries[-1][0].append(task["task"])
        else:
            entries.append(([task["task"]], task["upstream"], lines))
    for names, upstream, lines in entries:
        if len(names) >= ALIKE:
            yield names, upstream, lines
        else:  # two alike tasks read better apart
            yield from (([name], upstream, lines) for name in names)


def _tags(tags: dict[str, int | None]) -> str:
    """``db (limit 2 at a time), nightly``: each tag, with its limit when it has one."""
    return ", ".join(
        tag if slots is None else f"{tag} (limit {slots} at a time)" for tag, slots in tags.items()
    )


def _names(names: list[str]) -> str:
    """``a, b, c`` — or ``a, b, c, …, x, y, z (1,000 tasks)`` for a long list."""
    if len(names) <= SHOWN_NAMES:
        return ", ".join(names)
    half = SHOWN_NAMES // 2
    return (
        f"{', '.join(names[:half])}, …, {', '.join(names[-half:])} ({plural(len(names), 'task')})"
    )
