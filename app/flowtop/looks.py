"""How a state looks, everywhere: its symbol, its word, and the name of its style.

The TUI's table, header, flows list, detail pane and history screens, and the human
output of ``flowtop run`` and ``flowtop history``, all show a state through this one
table, so a symbol means the same thing in every place. The symbol carries the meaning
without colour; the style name is what the TUI colours (``tui/widgets/state_colors``).
"""

from __future__ import annotations

import re

from flowtop.engine.final_states import RETURNED
from flowtop.engine.states import StateType

S = StateType

#: Symbol, word and style name per state (``None``: a task of a flow not run yet).
STATE_LOOK: dict[StateType | None, tuple[str, str, str]] = {
    None: ("·", "Not run", "notrun"),
    S.PENDING: ("…", "Pending", "pending"),
    S.RUNNING: ("▶", "Running", "running"),
    S.AWAITING_RETRY: ("⟳", "Retry", "retry"),
    S.COMPLETED: ("✓", "Completed", "completed"),
    S.FAILED: ("✗", "Failed", "failed"),
    S.UPSTREAM_FAILED: ("⊘", "Upstream failed", "upstream"),
    S.CANCELLED: ("■", "Cancelled", "cancelled"),
}
#: An attempt's symbol and style name, by the state its task took when the attempt ended:
#: the table's own, but an attempt a retry followed (``AWAITING_RETRY``) failed, unless it
#: completed and left no error (``REJECTED_LOOK``). One not begun, or of a state no
#: attempt ends in, is ``UNKNOWN_ATTEMPT_LOOK``. An attempt's look: ``attempt_look``.
ATTEMPT_LOOK: dict[StateType, tuple[str, str]] = {
    state: (STATE_LOOK[shown][0], STATE_LOOK[shown][2])
    for state, shown in (
        (S.RUNNING, S.RUNNING),
        (S.AWAITING_RETRY, S.FAILED),
        (S.COMPLETED, S.COMPLETED),
        (S.FAILED, S.FAILED),
        (S.CANCELLED, S.CANCELLED),
    )
}
UNKNOWN_ATTEMPT_LOOK = ("·", "pending")
#: An attempt that completed with a result its ``retry_predicate`` rejected, so a retry
#: followed: no ✗ (nothing failed) and no ✓ (its result was not the task's), but the
#: retry it asked for. Symbol, word (its state: it completed) and style name.
REJECTED_LOOK = ("⟳", "Completed", "retry")
#: A completed task carried over from the run it reran.
REUSED_LOOK = ("↺", "Reused", "reused")
#: Not an engine state: the state the store gives a run, task or attempt that was live
#: when its process died. One name for the store that writes it and every screen that
#: shows it.
INTERRUPTED = "INTERRUPTED"
#: A task left unfinished by a run whose process died (the store's ``INTERRUPTED``).
INTERRUPTED_LOOK = ("⚡", "Interrupted", "interrupted")
#: The end states of a run that did not complete, a subflow's said first (``✗``) and
#: counted as a failed call: by the monitor (``no_rows``), ``flowtop run`` (``printers``)
#: and the history (``subflow_runs``), live (``StateType``) or as the store keeps them
#: (Prefect's ``CRASHED``, and ``INTERRUPTED``: its process died). One set for all three.
UNDONE_STATES: frozenset[str] = frozenset(
    {S.FAILED, S.UPSTREAM_FAILED, S.CANCELLED, S.CRASHED.value, INTERRUPTED}
)
#: A flow file that failed to load, shown where its flows would be (the flows list, the
#: run header, the detail pane's title): a failure's symbol and style name.
LOAD_ERROR_LOOK = (STATE_LOOK[S.FAILED][0], STATE_LOOK[S.FAILED][2])
#: The error "type" of a run that ended before any task ran (its flow file failed to
#: import or lacks the flow): its message is the reason (``commands/run_start``).
NOT_STARTED = "not started"

#: What a run reserved but not started yet is waiting for: the monitor, ``watch``,
#: ``cancel`` and ``history`` say it in these words (the monitor said "loading the flow" where they said this).
STARTING = "its process is importing the flow file"

#: The states an attempt with a planned retry is left in: waiting for it, or its wait
#: ended by a cancel (`x`, giving up, fails it with an error).
_WAIT_ENDS = (S.AWAITING_RETRY, S.CANCELLED)


def result_rejected(state: StateType | str, retry_in: float | None, error: object) -> bool:
    """Whether an attempt completed and its ``retry_predicate`` rejected its result: a
    retry was planned after it (``retry_in``, its wait) though it left no ``error``, and
    it was left waiting for that retry or a cancel ended the wait (``state``, as the
    engine's or as stored). Only the predicate retries an attempt that completed (SPEC §3
    rule 2: every other rule needs an error)."""
    return retry_in is not None and error is None and state in _WAIT_ENDS


def attempt_look(
    state: StateType, retry_in: float | None, error: object, *, interrupted: bool = False
) -> tuple[str, str]:
    """An attempt's symbol and style name: ``ATTEMPT_LOOK``'s by the state its task was
    left in, but ``REJECTED_LOOK``'s for a result its ``retry_predicate`` rejected (it
    read ✗, as if it had failed, and not why it was retried), ✗ for one that failed and
    whose wait a cancel then ended (as the history's run page says it, `✗ Failed, then
    cancelled during its wait`, not ■ over its error), and ⚡ for one left running when
    its run's process died (``interrupted``: a cancel's ■ beside a row saying ⚡)."""
    if result_rejected(state, retry_in, error):
        return REJECTED_LOOK[0], REJECTED_LOOK[2]
    if state is S.CANCELLED and retry_in is not None and error is not None:
        state = S.FAILED
    if interrupted and state is S.CANCELLED:
        return INTERRUPTED_LOOK[0], INTERRUPTED_LOOK[2]
    return ATTEMPT_LOOK.get(state, UNKNOWN_ATTEMPT_LOOK)


#: The error of a run whose ``@flow`` function returned a list, tuple or set of states
#: that did not all complete: type ``FailedRun``, Prefect's message for the group
#: (``prefect_api.states_failed``). Nothing raised it.
_RETURNED_STATES = re.compile(r"\d+/\d+ states (?:failed|cancelled|are not final)\.")


def error_line(error_type: str, message: str | None) -> str:
    """An error on one line, as the task tables show it (the live table's LAST ERROR, a
    past run's Last error): ``Type: first line of its message``, or the type alone
    (``error_said``: ``returned Failed('1 rows bad')`` for a failed state returned)."""
    first = message.strip().splitlines()[0] if message and message.strip() else ""
    return error_said(error_type, first)


def error_said(error_type: str, message: str) -> str:
    """An error as every screen words it: ``Type: message``, or the type alone; a failed
    state a task or flow returned, made by hand (type ``returned Failed``, ``records.
    returned_info``), as returned, not raised: ``returned Failed('1 rows bad')``, as
    ``flowtop run`` says it (it read ``returned Failed: 1 rows bad``)."""
    if error_type.startswith(RETURNED):
        said = repr(message) if message else ""
        return f"{error_type}({said})"
    return f"{error_type}: {message}" if message else error_type


def run_error_text(error_type: str, message: str) -> str:
    """A run's own error as a phrase: what its ``@flow`` function raised, or returned
    (``flow returned states: 1/2 states failed.``), or why it never started."""
    if error_type == NOT_STARTED:
        return f"did not start: {message}"
    if returned_states(error_type, message):
        return f"flow returned states: {message}"
    if error_type.startswith(RETURNED):  # ``Failed(message=…)`` made by hand: nothing raised
        return f"flow {error_said(error_type, message)}"
    return f"flow raised {error_type}: {message}"


def returned_states(error_type: str, message: str) -> bool:
    """Whether a run's error is no exception but Prefect's for the states its ``@flow``
    function returned (``1/3 states failed.``): every screen words it as returned, not
    raised (``run_error_text``, the detail pane)."""
    return error_type == "FailedRun" and _RETURNED_STATES.fullmatch(message) is not None


def stored_look(state: str) -> tuple[str, str, str] | None:
    """The look of a state by its stored name: ``STATE_LOOK``'s, the store's own
    ``INTERRUPTED`` as ``INTERRUPTED_LOOK``; None for a name this flowtop does not know (a
    newer one's store), which each screen says by its name, with no symbol."""
    if state == INTERRUPTED:
        return INTERRUPTED_LOOK
    try:
        return STATE_LOOK[StateType(state)]
    except ValueError:
        return None


def state_words(state: StateType | str) -> str:
    """``AWAITING_RETRY`` → ``awaiting retry``: a state name as words in a sentence."""
    value = state.value if isinstance(state, StateType) else state
    return value.lower().replace("_", " ")
