"""A run of a flow whose ``overrides.toml`` table holds a value at fault: stopped as it begins.

Such a table stops only its flow's runs (``SettingsState.scoped``): ``flowtop run --flow``,
``--detach`` and the monitor's ``r`` refuse one before it starts. A run of another flow
that calls it as a subflow was let through (its own flow's table is fine), and the
subflow then ran without its table, with no word said. Here every run a workspace's
runner starts is checked as it begins: one of such a flow fails before its body, its
error naming the table's file, line and key, and its parent's call raises it (a parent
may handle it, as any failed subflow call). A ``with Flow`` flow, which has no body (and
is no subflow: refused before it starts), would be cancelled so, saying why.
"""

from __future__ import annotations

from ..engine.dynamic_run import DynamicRun
from ..engine.errors import OwnFramesOnly
from ..engine.runner import FlowRun, Runner
from .load_error import LoadError
from .settings import SettingsError
from .settings_state import SettingsState


class TableAtFault(OwnFramesOnly, SettingsError):
    """Why a run of a flow whose settings table holds a value at fault did not run: about
    the user's file, so a parent's traceback keeps only the user's frames (the subflow
    call's own in flowtop's ``dynamic.py`` pointed at flowtop)."""


def refusal(flow: str, error: LoadError) -> str:
    """What a run of ``flow`` stopped so says (its table's error first: file, line, key)."""
    return f"{error} ({flow!r} does not run until its table is fixed)"


def at_fault(state: SettingsState, flow: str) -> LoadError | None:
    """The error of ``flow``'s first table at fault in the settings as last read, if any."""
    for scoped in list(state.scoped.values()):  # (a copy: a reread replaces them)
        for name, error in scoped:
            if name == flow:
                return error
    return None


def refuse_tables_at_fault(runner: Runner, state: SettingsState) -> Runner:
    """``runner``, its runs of a flow whose table is at fault failed before their body:
    after the hook it has (the owner agent's: a cancel queued first wins)."""
    before = runner.before_begin

    def before_begin(run: FlowRun) -> None:
        if before is not None:
            before(run)
        error = at_fault(state, run.flow.name)
        if error is None:
            return
        why = refusal(run.flow.name, error)
        if isinstance(run, DynamicRun):  # recorded as begun, then fails before its body
            run.fail_before_body(TableAtFault(why))
        else:  # a ``with Flow`` flow: no body; its tasks CANCELLED, none run, with a word
            run.cancel(why)

    runner.before_begin = before_begin
    return runner
