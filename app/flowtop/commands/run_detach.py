"""``flowtop run --detach``: each flow's run started in a run process of its own, and
the command gone once their ids are printed.

This process imports no user code: the flows are read from a loader process
(``workspace_description``), checked as ``run`` checks them (``run.checked_names``), and
launched (``launcher``). Apart from ``run``, which runs the flows here and follows them.
"""

from __future__ import annotations

import argparse
import shlex
import sqlite3
import sys
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..engine.suggest import did_you_mean
from ..printable import say
from .common import (
    bad_path,
    described_settings,
    one_flow_at_a_time,
    store_refusal,
    unused_table,
    warn_unread_settings,
)
from .list import say_notes
from .run import checked_names, parameters_for, take_flow_of_source
from .run_main_block import listed_refusals, main_calls_listed, say_unfollowed
from .run_output import DetachedIds
from .run_signals import raise_noted, stopped_while_importing, stops_noted

if TYPE_CHECKING:
    from ..workspace import Workspace


def detach_main(args: argparse.Namespace, out: TextIO) -> int:
    """``--detach``: the flows are loaded in a loader process (this process imports no user
    code; of a folder, with ``--flow NAME``, only the file that names it), then each run
    starts in a run process of its own."""
    if bad_path(args.path, "flowtop run"):
        return 2
    warn_unread_settings(args.path)
    from ..engine.parameters import ParameterInfo
    from ..workspace import Workspace
    from ..workspace.main_block_args import called_in_order, with_main_call
    from ..workspace.workspace_description import describe_workspace

    from_json = ParameterInfo.from_json

    # checked there, by the flow's code: a run that cannot start is refused here, not
    # launched to fail (a rerun's parameters are the stored ones: its run process checks)
    with stopped_while_importing(args.path):
        listed = describe_workspace(
            args.path, None if args.rerun_of is not None else args.parameters, flow=args.flow
        )
    errors, settings_problem = described_settings(  # the store's folder is said below, if so
        args.path, listed.problems, listed.settings_error, warn_unread=False
    )
    for line in [*errors, *map(unused_table, listed.warnings)]:
        say(line)
    workspace = Workspace(args.path, isolate_imports=False)  # its store and settings only
    try:
        workspace.read_settings()
        take_flow_of_source(args, workspace, listed.flows)
        calls = main_calls_listed(args, listed.flows)  # the block's arguments
        names = checked_names(
            args,
            listed.flows,
            listed.root,
            settings_bad=settings_problem is not None,
            had_errors=bool(errors),
            executor=workspace.settings.executor,
            main_block=called_in_order(listed.flows),  # in the order the block calls them
            calls=calls,
        )
        if names is None:
            return 2
        if args.flow is None:  # as ``run._run_opened`` says them, as the loader read them
            say_notes(listed)
            say_unfollowed(args, called_in_order(listed.flows))
        reasons = listed_refusals(listed.flows, names, calls)
        startable = [name for name in names if name not in reasons]
        file = Path(args.path).is_file()
        refused = [
            one_flow_at_a_time(reason, name, names, startable, file=file)
            for name, reason in reasons.items()
        ]
        for reason in refused:
            say(reason)
        if refused:
            return 2
        files = {name: Path(info["file"]) for name, info in listed.flows.items() if info["file"]}
        described = {name: listed.flows[name].get("parameters", ()) for name in names}
        given = {  # over the block's arguments (``with_main_call``): the run launched has them
            name: with_main_call(calls.get(name), parameters_for(args, map(from_json, infos)))
            for name, infos in described.items()
        }
        with stops_noted() as pressed:  # see detach
            try:
                tasks = {name: _task_keys(listed.flows[name]) for name in names}
                return detach(workspace, names, args, out, files, given, pressed, tasks)
            finally:
                workspace.close()  # (closed within: a signal now must not end the process)
    finally:
        workspace.close()


def _task_keys(described: Mapping[str, Any]) -> set[str]:
    """The task keys a flow's description lists (a ``@flow``'s: its tasks' names)."""
    return {str(entry["task"]) for entry in described.get("tasks", ())}


def unknown_task(
    workspace: Workspace, source: str | None, listed: Collection[str], task: str | None
) -> str:
    """Why ``--task`` names no task of the rerun's ``source`` run (as ``reruns.plan_rerun``
    refuses it: its run process would record a run that did not start), else "". A task
    of the flow's code counts (one added since the run; a ``@flow``'s ``load-2`` is a call
    of its task ``load``), and so does any for a run that did not start itself (its rerun
    stands for its source: the run process decides)."""
    from ..workspace.history_records import HistoryError
    from ..workspace.reruns import not_started
    from ..workspace.subflow_task_refusal import subflow_task_refusal

    if task is None or source is None or task in listed:
        return ""
    base, _, number = task.rpartition("-")
    if base in listed and number.isdigit():
        return ""
    try:
        detail = workspace.history.run_detail(source)
        if task in {t.task for t in detail.tasks} or not_started(detail, workspace.history):
            return ""
        run = detail.run  # a task its subflows ran: which to rerun, as without --detach
        subflows = subflow_task_refusal(workspace.history, source, run.number, run.flow, task)
    except (KeyError, HistoryError, sqlite3.Error):
        return ""  # the run process says why
    hint = did_you_mean(task, [t.task for t in detail.tasks])
    return subflows or f"run #{run.number} of {run.flow} has no task {task!r}{hint}"


def launch_failure(exc: OSError, state_dir: Path) -> str:
    """Why a run process could not be launched, in one line: whose folder, or the file
    system, stopped it (a ``FolderError`` says it already)."""
    from ..workspace.access import explain
    from ..workspace.history_records import HistoryError

    if isinstance(exc, HistoryError):
        return str(exc)
    return explain(exc, Path(exc.filename) if exc.filename else state_dir, write=True)


def detach(
    workspace: Workspace,
    names: list[str],
    args: argparse.Namespace,
    out: TextIO,
    files: dict[str, Path],
    given: dict[str, dict[str, Any]],
    pressed: list[int],
    listed_tasks: Mapping[str, Collection[str]] | None = None,
) -> int:
    """Start each flow's run in its own process and print the run ids (one per line);
    ``given``: each flow's parameters (``parameters_for``); ``listed_tasks``: the task
    keys each flow's code lists (``describe_flow``), which a ``--task`` may name.

    SIGTERM, SIGHUP and Ctrl+C are noted in ``pressed`` (``run_signals.stops_noted``)
    and stop the command before the next launch only: once the last run id is printed
    the launch has succeeded, and the command exits 0 whatever came after (1 when the
    ids could not be written, 141 when their reader left: ``DetachedIds``).

    The store is opened (created, migrated) first: a broken one is reported here, and a
    ``flowtop watch`` right after finds it, even before the run process is up.
    """
    from ..workspace.history_records import HistoryError
    from ..workspace.launcher import launch

    try:
        workspace.history.flush(0)
    except HistoryError as exc:
        say(store_refusal(str(exc), workspace.state_dir))
        return 2

    from ..workspace.run_numbers import RerunRunning, SourceGone, StoreBusy
    from .rerun_reservation import SHELL_BUSY_MS, RerunRefused, refusal, source_id
    from .store_access import warnings_held_on_failure

    printed = DetachedIds(out, json_lines=args.json, named=len(names) > 1)
    listed_tasks = listed_tasks or {}
    last = ""
    for name in names:
        raise_noted(pressed)  # the runs printed go on; no more are started
        try:  # a rerun is reserved before its process starts, as the TUI's
            source = (
                None if args.rerun_of is None else source_id(workspace.history, args.rerun_of, name)
            )
            unknown = unknown_task(workspace, source, listed_tasks.get(name, ()), args.task)
            if unknown:  # as without --detach: refused, not a run launched to fail
                say(unknown)
                return 2
            with warnings_held_on_failure():  # a refusal below says it in one line
                launched = launch(
                    files.get(name, workspace.path),
                    name,
                    state_dir=workspace.state_dir,
                    rerun_of=source,
                    task=args.task,
                    executor=args.executor,
                    workers=args.workers,
                    parameters=given[name],
                    exclusive=True,
                    busy_ms=SHELL_BUSY_MS,
                )
        except (RerunRunning, SourceGone, StoreBusy) as exc:
            say(str(refusal(name, exc)))
            return 2
        except RerunRefused as exc:
            say(str(exc))
            return 2
        except OSError as exc:  # no log to start it with: a read-only or private .flowtop
            say(f"{name} was not started: {launch_failure(exc, workspace.state_dir)}")
            return 2
        printed(name, launched.run_id)
        last = launched.run_id
    if last and printed.lost is None and not args.json and sys.stderr.isatty():
        say(next_steps(args.path, last, several=len(names) > 1))
    return printed.status()


def next_steps(path: str | None, run_id: str, *, several: bool) -> str:
    """What a person at a terminal does with a run just started in the background: a bare
    id on stdout (kept bare for ``id=$(flowtop run --detach)``) said nothing of it."""
    where = "" if path in (None, ".", "") else f"{shlex.quote(path)} "
    said = (
        "runs go on without this terminal" if several else "the run goes on without this terminal"
    )
    return (
        f"{said}: flowtop watch {where}{run_id} follows it, "
        f"flowtop cancel {where}{run_id} stops it" + ("; the other ids likewise" if several else "")
    )
