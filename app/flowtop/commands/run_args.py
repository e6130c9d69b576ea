"""``flowtop run``'s command line: its arguments, and the executor flags the monitor
(``flowtop open``) takes too."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from typing import Any

from ..engine.pool import MAX_WORKERS
from ..printable import say
from .common import whole_number


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
        "--detach",
        action="store_true",
        help="start each run in a process of its own, print its run id and return at once",
    )
    parser.add_argument(
        "--rerun-of",
        metavar="RUN",
        help="rerun a stored run (its number as history prints it, with --flow when several "
        "flows have it; its id, or a unique prefix): its completed tasks are reused, the "
        "rest run again",
    )
    parser.add_argument(
        "--task",
        metavar="KEY",
        help="with --rerun-of: rerun this task and everything downstream of it",
    )
    parser.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter of a @flow function, the value read as JSON (4, 0.5, true, "
        '[1, 2], "text"), else as text; repeat for more (--flow NAME too, unless PATH '
        "holds one flow)",
    )
    parser.add_argument(
        "--params",
        metavar="JSON",
        help="@flow parameters as a JSON object, as in '{\"n\": 4}' (--param wins)",
    )
    parser.add_argument(
        "--no-history",
        action="store_true",
        help="run without recording in the run store (other flowtop processes won't see the run)",
    )
    # The run id a launcher picked for this run process (see workspace.launcher).
    parser.add_argument("--run-id", help=argparse.SUPPRESS)
    add_executor_flags(parser)


def add_executor_flags(parser: argparse.ArgumentParser) -> None:
    """``--executor`` and ``--dask-dashboard``: ``flowtop run`` and the app take both."""
    parser.add_argument(
        "--executor",
        type=executor_spec,
        metavar="SPEC",
        help="where attempts run: thread, process, dask or dask:tcp://HOST:PORT "
        "(default: [defaults] executor, else thread)",
    )
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
    from ..engine.spec import DASHBOARD_ENV, ExecutorError, parse_spec

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
    from ..engine.spec import ExecutorError, parse_spec

    try:
        parse_spec(text)
    except ExecutorError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text.strip()


#: ``--rerun-of ''``'s refusal, in the words an unreadable run reference gets
#: (``workspace.run_refs.find_run_ref``): ``--rerun-of ' '`` is refused so already.
EMPTY_RERUN_OF = (
    "--rerun-of takes a run number (e.g. 3) or a run id (hex, at least 4 characters), got ''"
)


def empty_rerun_of(args: argparse.Namespace) -> str | None:
    """Why an empty ``--rerun-of`` is refused: ``--rerun-of "$RUN"`` with ``RUN`` unset
    started a fresh run of every task where a rerun was asked for, and exited 0."""
    return EMPTY_RERUN_OF if args.rerun_of == "" else None


def refused_parameter(params: str | None, assignments: Sequence[str]) -> str | None:
    """Why the parameters given are refused once ``parse_given`` has read them: a
    ``--param`` too deep (``too_deep_parameter``), or one given twice."""
    return too_deep_parameter(assignments) or repeated_parameter(params, assignments)


def too_deep_parameter(assignments: Sequence[str]) -> str | None:
    """Why a ``--param`` whose value is JSON nested past ``MAX_JSON_DEPTH`` is refused, as
    ``--params`` refuses it: ``parse_given`` read it as text ("else as text"), and
    ``-p x=[[[…900 deep…]]]`` gave the flow a ``str`` where a list was typed. A value
    that does not start as JSON's array or object does is text whatever it holds."""
    from ..engine.parameters import MAX_JSON_DEPTH, check_depth

    for text in assignments:
        name, _, raw = text.partition("=")
        if raw.lstrip(" \t\n\r")[:1] not in ("[", "{"):
            continue
        try:
            check_depth(raw)
        except RecursionError:
            return f"--param {name.strip()}: JSON nested over {MAX_JSON_DEPTH} deep"
    return None


def repeated_parameter(params: str | None, assignments: Sequence[str]) -> str | None:
    """Why parameters given twice are refused, naming the first such: ``-p n=1 -p n=2``
    and a key twice in ``--params`` ran with the last value, and a script that added a
    value where one was given already never learnt which one ran. A ``--param`` over a
    value of ``--params`` is not refused: README has it win, on purpose. Called once
    ``parse_given`` has read both (what it refuses is said in its own words)."""
    seen: set[str] = set()
    for text in assignments:
        name = text.partition("=")[0].strip()
        if name in seen:
            return f"--param {name} is given more than once: give each parameter once"
        seen.add(name)
    key = None if params is None else _repeated_key(params)
    if key is not None:
        return f"--params: {key!r} is given more than once: give each parameter once"
    return None


def _repeated_key(params: str) -> str | None:
    """The first key the JSON object ``params`` holds twice at its top level (its
    parameters' names; a value's own keys are the value's), else None."""
    closed: list[list[tuple[str, Any]]] = []  # each object's pairs, innermost first

    def keep(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        closed.append(pairs)
        return dict(pairs)

    try:
        json.loads(params, object_pairs_hook=keep)
    except (ValueError, RecursionError):  # said by ``parse_given``
        return None
    if not closed:
        return None
    seen: set[str] = set()
    for key, _ in closed[-1]:  # the outermost object closes last
        if key in seen:
            return key
        seen.add(key)
    return None
