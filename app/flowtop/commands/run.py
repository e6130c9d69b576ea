"""``flowtop run PATH``: run flows without a UI, for scripts and CI (SPEC §5)."""

from __future__ import annotations

import argparse
import os
import sys

from ..engine import pool
from ..engine.states import StateType
from ..printable import say
from .common import open_workspace, report_load_errors, select_flows, whole_number
from .printers import READER_GONE, HumanPrinter, JsonPrinter

#: Each worker is a thread: 100,000 of them cannot start (the engine's own bound, once it has one).
MAX_WORKERS: int = getattr(pool, "MAX_WORKERS", 1024)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", help="flow file or folder (default: ./flows, else .)")
    parser.add_argument("--flow", metavar="NAME", help="run only this flow")
    parser.add_argument("--json", action="store_true", help="print one JSON object per event")
    parser.add_argument(
        "--workers",
        type=whole_number(1, MAX_WORKERS),
        metavar="N",
        help=f"attempts in flight, 1-{MAX_WORKERS} (default: [defaults] workers, else 8)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="omit running/completed lines (human output)"
    )
    parser.add_argument(
        "--executor",
        type=executor_spec,
        metavar="SPEC",
        help="where attempts run: thread, process, dask or dask:tcp://HOST:PORT (default: [defaults] executor, else thread)",
    )
    add_dashboard_flag(parser)


def add_dashboard_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dask-dashboard",
        action="store_true",
        help="with --executor dask: serve the local cluster's dashboard on 127.0.0.1:8787 "
        "(off by default: it shows task arguments)",
    )


def want_dashboard(args: argparse.Namespace, spec: str | None) -> bool:
    """Honour ``--dask-dashboard``; False (after saying why) when the executor has none."""
    if not args.dask_dashboard:
        return True
    from ..engine.executors import DASHBOARD_ENV, ExecutorError, parse_spec

    try:
        local_dask = parse_spec(spec or "thread") == ("dask", None)
    except ExecutorError:
        local_dask = False
    if not local_dask:
        say(f"--dask-dashboard needs --executor dask (a local cluster), not {spec or 'thread'!r}")
        return False
    os.environ[DASHBOARD_ENV] = "1"
    return True


def executor_spec(text: str) -> str:
    """argparse type for ``--executor``: the syntax now, the installed extra when used."""
    from ..engine.executors import ExecutorError, parse_spec

    try:
        parse_spec(text)
    except ExecutorError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text.strip()


def main(args: argparse.Namespace) -> int:
    workspace = open_workspace(args.path)
    if workspace is None:
        return 2
    had_errors = report_load_errors(workspace)
    # One rule: a settings error is a usage error (exit 2), whatever is run. A flow file
    # that failed to load stops `run` of every flow, not `run --flow` of another one.
    if workspace.settings_error is not None or (had_errors and args.flow is None):
        return 2
    names = select_flows(workspace, args.flow)
    if names is None:
        return 2
    printer: JsonPrinter | HumanPrinter
    if not want_dashboard(args, args.executor or workspace.settings.executor):
        return 2
    if args.json:
        printer = JsonPrinter(sys.stdout)
    else:
        printer = HumanPrinter(sys.stdout, live=sys.stdout.isatty(), verbose=not args.quiet)
    kwargs = {"workers": args.workers} if args.workers else {}
    from ..engine.executors import ExecutorError

    try:
        runner = workspace.make_runner(sinks=[printer], executor=args.executor, **kwargs)
    except ExecutorError as exc:
        say(str(exc))
        return 2
    if getattr(workspace, "history_error", None):
        say(f"running without history: {workspace.history_error}")
    try:  # connect to the cluster now: a wrong address is one clear error, not one per task
        getattr(runner.backend, "start", lambda: None)()
    except ExecutorError as exc:
        runner.shutdown(wait=False)  # a thread hung past its timeout must not hold the exit
        say(str(exc))
        return 2
    link = getattr(runner.backend, "dashboard_link", None)
    if link:
        say(f"Dask dashboard: {link}")
    # A reader that leaves (`flowtop run --json | head -3`) stops the runs, as SIGPIPE
    # stops a Unix tool: nobody sees the rest, and the history records them cancelled.
    gone = printer.output.reader_gone

    def stop_runs() -> None:
        for active in runner.active_runs:
            active.cancel()

    printer.output.on_reader_gone = stop_runs
    ok = True
    try:
        for name in names:
            if gone.is_set():
                break
            run = runner.start(workspace.flows[name])
            if gone.is_set():  # the reader left while this run was being started
                run.cancel()
            result = run.final_result()
            ok = ok and result.state is StateType.COMPLETED
    finally:
        runner.shutdown(wait=False)  # a thread hung past its timeout must not hold the exit
    if gone.is_set():
        return READER_GONE
    return 0 if ok else 1
