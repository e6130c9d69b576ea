"""What ``flowtop run FILE`` takes from the file's ``if __name__ == "__main__":`` block.

``python FILE`` runs ``extract(pages=10)``; ``flowtop run FILE`` runs the flows that block
calls (``entry_flows``), and with the arguments it gives them that are literals
(``workspace.main_block_args``), each under ``-p`` of the same name. Said on stderr, as
``running extract(pages=10), as etl.py's __main__ block calls it``: the user sees where a
value the command line did not give comes from.
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..printable import say
from ..workspace.entry_flows import DRAWING
from ..workspace.main_block_args import (
    MainCall,
    as_called,
    called_again_note,
    defaults_notes,
)
from .common import shell_word

if TYPE_CHECKING:
    from ..workspace import Workspace


def takes_main_block(args: argparse.Namespace) -> bool:
    """Whether the runs take their arguments from the block: ``flowtop run FILE`` as typed
    (``python FILE`` is what it stands for; a folder's runs are every flow's own), not a
    rerun (its source's parameters), nor a run the TUI or ``--detach`` launched (the
    launcher gave them: the form's, pre-filled from the block, or the block's)."""
    return args.rerun_of is None and args.run_id is None and Path(args.path).is_file()


def main_calls_loaded(args: argparse.Namespace, workspace: Workspace) -> dict[str, MainCall]:
    """How the block calls the loaded flows it calls, when the runs take its arguments."""
    if not takes_main_block(args):
        return {}
    from ..workspace.entry_flows import main_block_calls_of

    return _asked_for(args, main_block_calls_of(workspace))


def main_calls_listed(
    args: argparse.Namespace, flows: Mapping[str, Mapping[str, Any]]
) -> dict[str, MainCall]:
    """The same, from a loader process's description of the flows (``--detach``)."""
    if not takes_main_block(args):
        return {}
    calls = {
        name: call for name, info in flows.items() if (call := MainCall.from_json(info)) is not None
    }
    return _asked_for(args, calls)


def _asked_for(args: argparse.Namespace, calls: Mapping[str, MainCall]) -> dict[str, MainCall]:
    """``calls``, but a flow the block only draws (``X.visualize()``, refused as the run of
    the file) when ``--flow`` asks for it by name: then it runs, as ``-p`` gives it."""
    if args.flow is None:
        return dict(calls)
    return {name: call for name, call in calls.items() if call.how not in DRAWING}


def drawn_left_out(names: list[str], calls: Mapping[str, MainCall]) -> tuple[list[str], list[str]]:
    """The flows the block calls, but those it only draws (``X.visualize()``) when it
    calls another (``python FILE`` runs that one: the file was refused, exit 2), and a
    line for each left out; all of them when it calls none (refused: it runs nothing)."""
    drawn = _drawn(names, calls)
    called = [name for name in names if name not in drawn]
    if not drawn or not called:
        return names, []
    return called, [
        f"{name} is not run: the __main__ block at {calls[name].where} calls "
        f"{calls[name].written}, which draws its graph in Prefect without running it "
        f"(--flow {shell_word(name)} runs it)"
        for name in drawn
    ]


def listed_refusals(
    flows: Mapping[str, Mapping[str, Any]], names: Sequence[str], calls: Mapping[str, MainCall]
) -> dict[str, str]:
    """Why each of ``names`` that would not start would not (``--detach``): as the block
    calls it when the run takes its arguments, else as ``-p`` alone gives them."""
    reasons: dict[str, str] = {}
    for name in names:
        reason = flows[name].get("refused_as_called" if name in calls else "refused")
        if reason is not None:
            reasons[name] = str(reason)
    return reasons


def say_running(
    names: Sequence[str],
    path: str,
    calls: Mapping[str, MainCall],
    given: Mapping[str, Any],
    *,
    others_left: bool,
) -> None:
    """Say which flows run when the block chose them (``others_left``: the file holds
    more) or gave them arguments, and which arguments it gives that the runs do not get
    (an expression: the parameter's default stands in). A flow the block only draws is
    not said to run: its refusal follows (``main_block_args.bind_main_call``). Nothing is
    said when the block calls one with arguments it cannot take (``MainCall.problem``):
    that refusal, said next, stops every run (a ``.deploy(parameters=...)`` was said to
    run once first)."""
    if any(name in calls and calls[name].problem for name in names):
        return
    drawn = _drawn(names, calls)
    running = [name for name in names if name not in drawn]  # (the drawn: refused after)
    shown = {name: as_called(name, calls[name], given) for name in running if name in calls}
    file = Path(path).name
    if any(shown.values()):
        them = "it" if len(running) == 1 else "them"
        which = ", ".join(shown.get(name) or name for name in running)
        another = " (--flow NAME runs another)" if others_left else ""
        say(
            f"running {which}, as {file}'s __main__ block calls {them}{another}",
            command="flowtop run",
        )
    elif others_left and running:
        which = "the flow" if len(running) == 1 else "the flows"
        say(
            f"running {', '.join(running)}, {which} {file}'s __main__ block calls "
            "(--flow NAME runs another)",
            command="flowtop run",
        )
    for name in names:
        if name in calls and (again := called_again_note(name, calls[name])) is not None:
            say(again, command="flowtop run")
        for note in defaults_notes(calls[name], given) if name in calls else ():
            say(note, command="flowtop run")
        if name in calls and (undone := not_done_note(name, calls[name])) is not None:
            say(undone, command="flowtop run")


def not_done_note(flow: str, call: MainCall) -> str | None:
    """What the block asks of ``flow`` that flowtop does not do, when it serves or
    deploys it (``etl runs once: .serve(cron='*/5 * * * *') schedules runs in Prefect;
    flowtop does not schedule``); None for a call of the flow."""
    if call.how not in ("serve", "deploy", "to_deployment"):
        return None
    if _schedules(call.written):
        what, instead = "schedules runs in Prefect", "flowtop does not schedule"
    elif call.how == "serve":
        what, instead = "waits for runs in Prefect", "flowtop does not serve flows"
    else:
        what, instead = "makes a deployment in Prefect", "flowtop makes none"
    return f"{flow} runs once: {call.written} {what}; {instead}"


#: The keywords of ``serve``/``deploy``/``to_deployment`` that schedule runs in Prefect.
SCHEDULING = frozenset({"cron", "interval", "rrule", "schedule", "schedules"})


def _schedules(written: str) -> bool:
    """Whether the call ``written`` (``.serve(schedules=[Cron(...)])``, as
    ``entry_flows`` unparsed it) gives a schedule: one of its keywords, not None. A test
    of ``cron=`` in the text read ``schedules=[...]`` as no schedule, and a value that
    reads ``cron=`` as one."""
    try:
        tree = ast.parse(f"_{written}", mode="eval").body
    except SyntaxError:  # (always Python: ``ast.unparse``'s; nothing said of what is not)
        return False
    return isinstance(tree, ast.Call) and any(
        keyword.arg in SCHEDULING
        and not (isinstance(keyword.value, ast.Constant) and keyword.value.value is None)
        for keyword in tree.keywords
    )


def _drawn(names: Sequence[str], calls: Mapping[str, MainCall]) -> list[str]:
    """Those of ``names`` the block only draws (``X.visualize()``): it runs none of them."""
    return [name for name in names if name in calls and calls[name].how in DRAWING]


def say_unfollowed(args: argparse.Namespace, main_block: Sequence[str]) -> None:
    """Say that ``flowtop run FILE`` runs every flow of FILE because its block calls none
    but through a function flowtop does not follow (``entry_flows.unfollowed``: decorated,
    imported), which ``python FILE`` would run: a click-style ``main()`` ran every flow
    silently."""
    if main_block or args.flow is not None or not takes_main_block(args):
        return
    from ..workspace.entry_flows import unfollowed
    from ..workspace.load_error import display_path

    try:
        names = unfollowed(ast.parse(Path(args.path).read_bytes()))
    except (OSError, SyntaxError, ValueError):  # (its load said so already)
        return
    if names:
        file, (name, why) = display_path(args.path), names[0]
        say(
            f"{file}'s __main__ block calls {name}() ({why}), which flowtop does not follow: "
            f"every flow of {file} runs, each with its defaults (--flow NAME runs one)"
        )
