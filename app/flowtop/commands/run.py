"""``flowtop run PATH``: run flows without a UI, for scripts and CI (SPEC §5).

With ``--detach`` each run starts in a process of its own instead: ``run_detach``.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..engine import status_line
from ..engine.states import StateType
from ..printable import say
from ..workspace.load_error import Stopped
from ..workspace.places import STORE_FILE
from .common import (
    one_flow_at_a_time,
    places_of,
    report_load_errors,
    say_unread_prefect,
    select_names,
    settings_error,
    store_refusal,
    warn_unread_settings,
)
from .flow_file_error import failed_flow_file
from .printers import (
    READER_GONE,
    HumanPrinter,
    JsonPrinter,
    Output,
    can_redraw,
    is_pipe,
    subscribed,
)
from .run_args import configure as configure  # the command's arguments, for cli
from .run_args import empty_rerun_of, refused_parameter, want_dashboard
from .run_lines import name_runs
from .run_main_block import drawn_left_out, main_calls_loaded, say_running, say_unfollowed
from .run_output import (
    STOP_GRACE,
    end_runs,
    forget_log_once_recorded,
    json_stdout,
    let_go,
    not_started,
    reader_left,
)
from .run_record import recorded
from .run_signals import (
    command_signals,
    ctrl_c_after,
    silence_on_hang_up,
    stop_like_ctrl_c_on_sigterm,
    stop_taken,
)

if TYPE_CHECKING:
    from ..engine.dask_backend import DaskBackend
    from ..engine.flow import Flow
    from ..engine.parameters import ParameterInfo
    from ..workspace import Workspace
    from ..workspace.main_block_args import MainCall
    from ..workspace.run_stage import StageWriter
    from .run_start import Reservation
    from .unrecorded_json import UnrecordedJsonPrinter


#: A run process's youngest-generation collection threshold (see ``main``).
GC_YOUNG = 100_000


def given_parameters(args: argparse.Namespace) -> dict[str, Any]:
    """``--params`` then each ``--param`` over it, into ``args.parameters``; the text of
    each number typed into ``args.parameter_texts`` (``parameters_for``). Raises
    ``ParameterError``, also for one too deep or given twice (``refused_parameter``)."""
    from ..engine.parameters import ParameterError, parse_given

    given = parse_given(args.params, args.param)
    refused = refused_parameter(args.params, args.param)
    if refused is not None:
        raise ParameterError(refused)
    args.parameter_texts = given.texts
    return given.values


def parameters_for(
    args: argparse.Namespace, flow_parameters: Iterable[ParameterInfo]
) -> dict[str, Any]:
    """``args.parameters`` as a flow with ``flow_parameters`` takes them: a number typed
    for a ``str`` parameter as the text typed (``-p version=1.10`` is "1.10", not "1.1").
    Done before the values leave this process as JSON (a launched run, the run store),
    which keeps the number, not how it was written."""
    from ..engine.parameters import as_typed

    texts = getattr(args, "parameter_texts", None)  # (set by ``given_parameters``)
    if not texts:
        return dict(args.parameters)
    return as_typed(args.parameters, texts, flow_parameters)


def main(args: argparse.Namespace) -> int:
    out: TextIO = json_stdout() if args.json else sys.stdout
    outputs: list[Output] = []  # the printer's, once made
    with command_signals():
        if out is not sys.stdout:  # a copy of the terminal's stdout, maybe
            silence_on_hang_up(out.fileno())
        try:
            return _main(args, out, outputs)
        finally:
            let_go(out, outputs)


def _main(args: argparse.Namespace, out: TextIO, outputs: list[Output]) -> int:
    from ..engine.parameters import ParameterError

    try:
        args.parameters = given_parameters(args)
    except ParameterError as exc:
        say(str(exc))
        return 2
    empty = empty_rerun_of(args)
    if empty is not None:
        say(empty)
        return 2
    if args.detach and args.no_history:
        # `watch`, `cancel` and the TUI know a detached run only from the store
        say("--detach needs the history: a detached run is followed and cancelled through it")
        return 2
    if args.detach:
        from .run_detach import detach_main  # (imported by the detached path alone)

        return detach_main(args, out)
    unopened = places_of(args.path, "flowtop run")
    if isinstance(unopened, str):
        say(unopened)
        if args.run_id is not None:  # launched: its reserved run says why too
            from .run_start import fail_unopened

            fail_unopened(args, unopened)
        return 2
    if args.run_id is None:  # a run the TUI launched: the TUI said it
        warn_unread_settings(args.path)
    stop_like_ctrl_c_on_sigterm()
    # The flow's tasks and a run's records live until the run ends, and Python's default
    # (a collection every 700 allocations, for interactive latency) scanned them over and
    # over, from the import of the flow file on: a 50,000-task run process spent 0.3 s of
    # its 2 s in the collector. Collecting every GC_YOUNG allocations from here: 0.04 s
    # (three collections); cyclic garbage waits that much longer to be freed.
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])
    from ..workspace.closing_writes import signals_held
    from .run_start import open_for_run

    workspace, reservation = open_for_run(args)
    launched = None if args.run_id is None or args.no_history else workspace.history
    try:
        status = _run_opened(args, out, outputs, workspace, reservation)
    finally:
        # Its owner agent's last round ends first: a cancel it applied, which ended the
        # run and so let this command return, is answered before the process exits (as
        # a daemon thread, it died between the two: `flowtop cancel` waited 5 s and said
        # the request "stays queued"). Then the store's last writes, as at exit.
        with signals_held():
            workspace.close()
    if launched is not None:  # its writes are all done (or lost) now
        # A store that confirmed the run's last writes only at its close (later than
        # ``end_runs`` waited: a busy disk, another process holding the store) kept the
        # launched run's log until a prune. (Not on a raise: its traceback goes there.)
        forget_log_once_recorded(launched, workspace.state_dir, args.run_id, wait=0.0)
    return status


def _run_opened(
    args: argparse.Namespace,
    out: TextIO,
    outputs: list[Output],
    workspace: Workspace,
    reservation: Reservation | None,
) -> int:
    from .run_start import why_not_started

    take_flow_of_source(args, workspace, workspace.flows)
    failed = failed_flow_file(workspace, args.flow)  # said as the reason, not "no flow named"
    had_errors = report_load_errors(workspace, warn_unread=args.no_history, instead=failed)
    names = None
    calls = {} if failed else main_calls_loaded(args, workspace)  # the block's arguments
    main_block: list[str] = []
    if not failed:
        from ..workspace.entry_flows import main_block_flows

        main_block = main_block_flows(workspace)
        names = checked_names(
            args,
            workspace.flows,
            workspace.root,
            settings_bad=settings_error(workspace) is not None,
            had_errors=had_errors,
            executor=workspace.settings.executor,
            main_block=main_block,
            calls=calls,
        )
    if names is None:
        if reservation is not None:  # what was said above, for whoever launched the run
            reservation.fail(why_not_started(workspace, reservation.flow))
        return 2
    if args.flow is None:  # a Prefect file beside these flows: said before they run
        say_unread_prefect(args.path, workspace=workspace)
        say_unfollowed(args, main_block)
        for note in workspace.left_out:  # and a @flow method left out, as list says it
            say(str(note))
    elif args.run_id is None and not Path(args.path).is_file():  # the others, unimported
        from .run_others import say_others_broken  # (not in a launched run's process)

        say_others_broken(workspace, args.path)

    def cannot_start(reason: str) -> int:
        say(reason)
        if reservation is not None:
            reservation.fail(reason)
        return 2

    starts: dict[str, dict[str, Any]] = {}
    refusals: dict[str, str] = {}
    for name in names:  # before any run starts: one flow that cannot start stops them all
        start = (
            rerun_start(workspace, name, args)
            if args.rerun_of is not None
            else call_start(
                workspace.flows[name],
                parameters_for(args, workspace.flows[name].parameters()),
                calls.get(name),
            )
        )
        if start is None:  # a rerun that would only reuse: said, exit 0
            return 0
        if isinstance(start, str):
            refusals[name] = start
        else:
            starts[name] = start
    if refusals:  # each said (`backfill` needs `start` too), then the flows that can run
        file = Path(args.path).is_file()
        *others, last = [
            one_flow_at_a_time(reason, name, names, list(starts), file=file)
            for name, reason in refusals.items()
        ]
        for line in others:
            say(line)
        return cannot_start(last)

    printer: JsonPrinter | HumanPrinter
    json_printer: UnrecordedJsonPrinter | None = None
    if args.json:  # a run the store does not hold says so (its number is the command's)
        from .unrecorded_json import UnrecordedJsonPrinter

        printer = json_printer = UnrecordedJsonPrinter(out, everything=args.no_history)
    else:
        live = can_redraw(sys.stdout)  # others' lines then clear the status line first
        shown_on = status_line.drawn_on(sys.stdout) if live else sys.stdout
        printer = HumanPrinter(shown_on, live=live, verbose=not args.quiet)
        printer.recorded = not args.no_history  # its runs' numbers are then its own
        printer.sources.store = None if args.no_history else workspace.state_dir / STORE_FILE
        printer.task_output = args.run_id is None  # launched: its log holds no copy of it
        if args.rerun_of is not None:  # its sources by number, as history says them
            from ..workspace.subflow_sources import rerun_sources

            start = starts[names[0]]
            sources = [start["rerun_of"], *rerun_sources(start)]  # its subflows' too
            name_runs(printer.names, workspace.history.path, sources)
    outputs.append(printer.output)
    kwargs = {"workers": args.workers} if args.workers else {}
    from ..engine.dask_backend import DaskBackend
    from ..engine.spec import ExecutorError
    from .run_start import connect_cancels

    try:
        runner = workspace.make_runner(
            # a @flow body's own output reaches the same terminal
            sinks=[subscribed(printer)],
            executor=args.executor,
            record=not args.no_history,
            **kwargs,
        )
    except ExecutorError as exc:
        return cannot_start(str(exc))
    if workspace.history_error:
        runner.shutdown(wait=False)
        say(
            f"{store_refusal(workspace.history_error, workspace.state_dir)} (the run was not "
            "started; --no-history runs it without recording it)"
        )
        return 2
    if json_printer is not None and not args.no_history:
        json_printer.numbered_here = workspace.history.session_numbered  # (open now)
    dask = runner.backend if isinstance(runner.backend, DaskBackend) else None
    stages = None if dask is None or args.no_history else _stages(workspace, runner, reservation)
    try:  # connect to the cluster now: a wrong address is one clear error, not one per task
        if dask is not None:
            dask.on_stage = stages  # what the run waits on, in the store (``run_stage``)
            with connect_cancels(reservation, _connecting(dask)):  # a cancel cuts it short
                dask.start()
    except ExecutorError as exc:
        runner.shutdown(wait=False)  # a thread hung past its timeout must not hold the exit
        return cannot_start(executor_set_at(workspace, args.executor) + str(exc))
    if stages is not None:  # "connecting…" cleared before the run's start is written
        stages.wait(STAGE_WAIT)
    run_id = args.run_id  # launched: its launcher reserved it (a rerun, checked)
    if args.rerun_of is not None and run_id is None and not args.no_history:  # typed in a shell
        from ..engine.records import new_run_id
        from .rerun_reservation import RerunRefused, reserve

        run_id = new_run_id()
        try:
            reserve(workspace.history.path, names[0], starts[names[0]]["rerun_of"], run_id)
        except RerunRefused as exc:
            runner.shutdown(wait=False)
            return cannot_start(str(exc))
    if dask is not None and dask.dashboard_link:
        say(f"Dask dashboard: {dask.dashboard_link}")
    # A reader that leaves (`flowtop run --json | head -3`) stops the runs, as SIGPIPE
    # stops a Unix tool: nobody sees the rest, and the history records them cancelled.
    gone = printer.output.reader_gone

    def why_gone() -> str:  # the folder's flows not started yet named (``reader_left``)
        return reader_left(names[begun:])

    def stop_runs() -> None:
        for active in runner.active_runs:
            active.cancel(why_gone())

    printer.output.on_reader_gone = stop_runs
    # (a pipe only: a terminal that hangs up loses the output, the run goes on, as ever)
    piped = is_pipe(out)
    # What exists now (flowtop, the flow's modules and the flow) lives as long as this
    # process: frozen out of the collector's sight, as the TUI does, it is not scanned
    # again by each collection the run's allocations trigger. A 5,000-task run process
    # took about 30 ms less (bench_store.py part 4), a 50,000-task one about 100 ms.
    gc.freeze()
    ok = True
    begun = 0  # how many of ``names`` were started
    try:
        for name in names:
            if gone.is_set():
                break
            with ctrl_c_after():  # a run is recorded, then started: never half of it
                run = runner.start(workspace.flows[name], run_id=run_id, **starts[name])
                begun += 1  # (a stop held back till the block's end comes after it)
            if gone.is_set():  # the reader left while this run was being started
                run.cancel(why_gone())
            while not run.wait(printer.until_tick()):  # its clock goes on through a retry wait
                printer.tick()
                if piped and printer.output.reader_left():  # `| head` left during a wait
                    stop_runs()
            ok = run.final_state() is StateType.COMPLETED and ok
    except Stopped as exc:  # the runs say why they were cancelled (SIGTERM, SIGHUP, …)
        stop_taken()  # a later signal must not cut this short
        printer.output.give_up(STOP_GRACE)  # a stdout not read must not hold the exit
        for active in runner.active_runs:
            active.cancel(exc.why)
        if begun < len(names):
            say(not_started(names[begun:], exc.how))
        raise
    finally:  # every line written, however slowly stdout is read; lost ones said
        ok = end_runs(runner, printer, workspace, args) and ok
    if gone.is_set():
        if begun < len(names):  # as a stop says them; stderr may be the pipe that broke
            reader_left(names[begun:], on_stderr=True)
        return READER_GONE
    if not args.no_history and not recorded(workspace):
        return 1
    if printer.output.lost is not None:  # the run is recorded; its output is not whole
        ok = False
    return 0 if ok else 1


def call_start(
    flow: Flow, parameters: dict[str, Any], call: MainCall | None = None
) -> dict[str, Any] | str:
    """``Runner.start`` arguments calling ``flow`` with ``parameters`` (over the literals
    its file's ``__main__`` block gives it: ``call``), or why it cannot start: a ``@flow``
    parameter without a default left out, a name it does not take. Said before the run,
    not as a ``TypeError`` from inside flowtop."""
    from ..engine.parameters import ParameterError
    from ..workspace.main_block_args import start_arguments

    try:
        return start_arguments(flow, call, parameters)
    except ParameterError as exc:
        return str(exc)


def take_flow_of_source(
    args: argparse.Namespace, workspace: Workspace, flows: Iterable[str]
) -> None:
    """``--rerun-of RUN`` without ``--flow``: RUN's flow is the one run, when RUN names a
    run of one flow of PATH alone (``rerun_reservation.flow_of_source``)."""
    if args.rerun_of is not None and args.flow is None:
        from .rerun_reservation import flow_of_source

        args.flow = flow_of_source(workspace, args.rerun_of, flows)


#: Longest the run's start waits for its stage's words ("connecting…") to be cleared.
STAGE_WAIT = 5.0


def _connecting(dask: DaskBackend) -> str:
    """What the run's process does as it starts its Dask executor (the note of a run
    cancelled meanwhile): ``connecting to the Dask scheduler at …``, as the store says."""
    from ..engine.dask_backend import connecting_words

    return (
        "starting its local Dask cluster"
        if dask.address is None
        else connecting_words(dask.address)
    )


def _stages(workspace: Workspace, runner: Any, reservation: Reservation | None) -> StageWriter:
    """What records what the process's runs wait on (``run_stage``): its live runs, or
    before they start the run its launcher reserved (none typed in a shell: not stored)."""
    from ..workspace.run_stage import StageWriter

    reserved = [reservation.run_id] if reservation is not None else []

    def run_ids() -> list[str]:
        return [run.run_id for run in runner.active_runs] or reserved

    return StageWriter(workspace.history.path, run_ids)


def checked_names(
    args: argparse.Namespace,
    flows: Iterable[str],
    root: object,
    *,
    settings_bad: bool,
    had_errors: bool,
    executor: str,
    main_block: Sequence[str] = (),
    calls: Mapping[str, MainCall] | None = None,
) -> list[str] | None:
    """The flows to run, or None after saying why not (exit 2). ``main_block``: the flows
    the ``__main__`` block of their file calls (``entry_flows``), run alone from a file;
    ``calls``: how it calls them, when the runs take its arguments (``run_main_block``)."""
    # One rule: a settings error is a usage error (exit 2), whatever is run. A flow file
    # that failed to load stops `run` of every flow, not `run --flow` of another one.
    if settings_bad or (had_errors and args.flow is None):
        return None
    everything = select_names(flows, root, args.flow, args.path, unloaded=had_errors)
    if everything is None:
        return None
    names, drawn = everything, list[str]()  # (drawn: said of flows the block only draws)
    if args.flow is None and Path(args.path).is_file():
        names, drawn = drawn_left_out(run_by_main_block(everything, main_block), calls or {})
    if not want_dashboard(args, args.executor or executor):
        return None
    one_flow = {"--rerun-of": args.rerun_of, "--task": args.task, "--run-id": args.run_id}
    given = [option for option, value in one_flow.items() if value is not None]
    if args.parameters:
        given.append("--param")
    if given and args.flow is None and len(names) > 1:  # one flow: it is the one meant
        # named as typed: --run-id is the TUI's, not in --help
        needs = f"{' and '.join(given)} need{'s' if len(given) == 1 else ''} --flow NAME"
        holds = " holds" if names is everything else "'s __main__ block calls"
        say(f"{needs}: {args.path or 'the folder'}{holds} {len(names)} flows")
        return None
    if args.task is not None and args.rerun_of is None:
        say("--task needs --rerun-of RUN (the run to take results from)")
        return None
    # the others left out, the block's arguments: said
    say_running(names, args.path, calls or {}, args.parameters, others_left=names != everything)
    for line in drawn:  # ``X.visualize()`` beside a call of another flow: that one runs
        say(line, command="flowtop run")
    return names


def run_by_main_block(names: list[str], main_block: Sequence[str]) -> list[str]:
    """Of a file's flows ``names``, those its ``if __name__ == "__main__":`` block calls
    (``main_block``, in the order it calls them), as ``python FILE`` runs them: the
    subflows a parent calls and its ``with_options`` copies ran as top-level runs too, and
    a subflow's parameter refused the command. ``names`` when the block calls none."""
    chosen = [name for name in main_block if name in names]
    return chosen or names


def executor_set_at(workspace: Workspace, given: str | None) -> str:
    """``flowtop.toml:2: [defaults] executor: `` when the executor came from the settings
    file (no ``--executor``), to go before what went wrong with it (a scheduler that cannot
    be reached): the user learns which line to fix, as for a bad value. Empty otherwise."""
    if given is not None:
        return ""
    from ..workspace.load_error import LoadError
    from ..workspace.settings import locate

    path = workspace.settings_path
    try:  # read again: the workspace keeps the text it checked to itself
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    except (OSError, UnicodeDecodeError):
        text = ""
    line = locate(text, ("defaults",), "executor")
    return f"{LoadError(path, line, None, '[defaults] executor')}: "


def rerun_start(
    workspace: Workspace, name: str, args: argparse.Namespace
) -> dict[str, Any] | str | None:
    """``Runner.start`` arguments reusing ``--rerun-of``'s stored results, or why there are
    none; None, said, for a rerun that would run no task (``run_start.nothing_to_rerun``)."""
    from ..workspace.history_records import HistoryError
    from ..workspace.reruns import plan_rerun
    from .run_start import nothing_to_rerun

    try:
        flow = workspace.flows[name]
        given = parameters_for(args, flow.parameters()) if args.parameters else {}
        plan = plan_rerun(workspace.history, args.rerun_of, flow, args.task, given)
    except HistoryError as exc:  # a store held past the wait, or damaged: one line, exit 2
        return str(exc)
    except (KeyError, ValueError) as exc:
        return str(exc.args[0] if exc.args else exc)
    for note in plan.notes:
        say(note)
    if plan.nothing_to_run:  # said; a launched rerun's reserved run ends as not started
        nothing_to_rerun(workspace, args, name, plan.nothing_to_run)
    return None if plan.nothing_to_run else plan.start
