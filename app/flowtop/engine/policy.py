"""The retry policy of a task and the one pure function that applies SPEC §3 to it.

``decide`` takes a policy and how an attempt ended and returns what happens next. It
touches no clock, thread or task: the runner, the tests and the hypothesis properties all
call the same function, so the rules live in exactly one place.
"""

from __future__ import annotations

import math
import operator
import random
import reprlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

from .delays import (
    MAX_SECONDS,
    MAX_SECONDS_TEXT,
    RETRY_DELAY_REFUSED,
    DelayBreakdown,
    DelayError,
    ExponentialBackoff,
    PrefectBackoff,
    RetryDelayError,
    after_attempt,
    callable_name,
    compute_delay,
    fmt_seconds,
)
from .errors import Interrupt, PredicateError, RetriesExhausted, Retry
from .layers import Layer
from .states import State, StateType
from .value_text import error_text, safe_repr, users_own

DEFAULT_MAX_RETRIES = 3
#: The most retries a task takes, in code and in settings files: past it a budget is a
#: slip (``10**30``, retried for ever with no delay, grew a store by 75 MB in 10 s; tomli-w
#: wrote 99999999999999999999, which is no TOML integer). A million retries is eleven days
#: of them a second; ``retry_deadline`` bounds a long poll by time instead.
MAX_RETRIES = 1_000_000

#: A drop-in Prefect task's budget when nothing set one (``compat.prefect_tasks``): its
#: ``max_retries`` and the reason its failure was not retried, as a Prefect user reads it.
PREFECT_DEFAULT = "no retries (Prefect's default)"

#: The two spellings of a task's retry budget in code: flowtop's and Prefect's.
BudgetOption = Literal["max_retries", "retries"]

POLICY_FIELDS = (
    "max_retries",
    "retry_delay",
    "retry_on",
    "retry_predicate",
    "retry_jitter",
    "retry_deadline",
    "timeout",
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Effective retry settings of one task.

    ``max_retries`` is None unless some layer above ``[defaults]`` set it: rule 3 retries
    a plain failure only when it was set explicitly. ``default_max_retries`` is the budget
    otherwise. ``sources`` maps each field to the layer it came from.
    """

    max_retries: int | None = None
    retry_delay: float | tuple[float, ...] | Callable[[int], Any] = 0.0
    retry_on: tuple[type[BaseException], ...] | None = None
    retry_predicate: Callable[[State], Any] | None = None
    retry_jitter: float = 0.0
    retry_deadline: float | None = None
    timeout: float | None = None
    #: Prefect 3's ``retry_condition_fn(task, task_run, state)``: consulted on failures only,
    #: when a retry is left. Set by ``@task`` as a :class:`RetryCondition`.
    retry_condition_fn: Callable[[State], bool] | None = None
    #: Prefect 3's ``retry_jitter_factor``: the delay is drawn around its base value
    #: (:func:`clamped_poisson_interval`), at most ``base × (1 + factor)``.
    retry_jitter_factor: float | None = None
    default_max_retries: int = DEFAULT_MAX_RETRIES
    #: Said as a Prefect user reads it (a drop-in task, ``compat.prefect_tasks``): a
    #: budget of 0, set or not, is ``no retries`` in the summary, and as ``max_retries``
    #: ``0 (no retries)``, or :data:`PREFECT_DEFAULT` when no layer set it, where a flowtop
    #: task keeps ``0×`` and its ``Retry`` budget's words. Words only: no decision reads it.
    prefect_words: bool = False
    #: How the task's code spelled its budget, ``@task(max_retries=1)`` or Prefect's
    #: ``retries=1`` (``task._budget_option``): a reason quotes it so (``budget_words``).
    #: Words only: two policies differing in it alone are equal.
    budget_option: BudgetOption = field(default="max_retries", compare=False)
    #: ``retry_on`` as a settings file wrote it (``Outer.Inner``,
    #: ``requests.exceptions.HTTPError``), one name per class; None when the code set it.
    #: Words only (``retry_on_written``): the classes' own names read ``Inner``.
    retry_on_names: tuple[str, ...] | None = field(default=None, compare=False)
    sources: Mapping[str, Layer] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def budget(self) -> int:
        return self.default_max_retries if self.max_retries is None else self.max_retries

    @property
    def max_attempts(self) -> int:
        return self.budget + 1

    def source(self, name: str) -> Layer:
        return self.sources.get(name, Layer.BUILTIN)

    def with_values(self, layer: Layer, **values: Any) -> RetryPolicy:
        """A copy with ``values`` set and their source recorded as ``layer``. A drop-in
        Prefect task has no ``Retry`` budget (``prefect_words``): a default budget
        (``[defaults] max_retries``, a run's own) is its retries, as Prefect's
        ``PREFECT_TASK_DEFAULT_RETRIES`` is, unless a layer above set them."""
        if self.prefect_words and "default_max_retries" in values:
            values = dict(values)
            default = values.pop("default_max_retries")
            if self.max_retries is None or self.source("max_retries") is Layer.DEFAULTS:
                values["max_retries"] = default
        if "retry_on" in values:  # names come with the classes they name, or none
            values = dict(values)
            names = values.pop("retry_on_names", None)
        else:
            names = self.retry_on_names
        sources = dict(self.sources)
        sources.update(dict.fromkeys(values, layer))
        return replace(self, sources=MappingProxyType(sources), retry_on_names=names, **values)

    @property
    def retry_only(self) -> bool:
        """Only a ``Retry`` spends the budget (rule 1): no ``retry_predicate``, and either an
        empty ``retry_on`` (no exception matches it, whatever ``max_retries`` says) or
        neither ``retry_on`` nor ``max_retries`` (rule 3 then retries no plain failure)."""
        if self.retry_predicate is not None:
            return False
        return self.retry_on == () or (self.retry_on is None and self.max_retries is None)

    def summary(self) -> str:
        """One short line for the table: ``3× 1s×2^(n-1) +0–20% on ConnectionError``.

        Jitter only lengthens a delay (``d × (1 + j × U(0,1))``), hence ``+0–20%``. A
        budget of 0 that only ``Retry`` would spend, or any budget of 0 of a drop-in
        Prefect task (``retries=0``: ``prefect_words``), reads ``no retries``: no attempt
        is retried, so no delay either."""
        if self.budget == 0 and (self.retry_only or self.prefect_words):
            return " ".join(["no retries", *self._limits()])
        parts = [f"{self.budget}× on Retry only" if self.retry_only else f"{self.budget}×"]
        parts.append(describe_delay(self.retry_delay))
        if self.retry_jitter:
            parts.append(f"+0–{self.retry_jitter * 100:.0f}%")
        if self.retry_on:
            parts.append("on " + ", ".join(self.retry_on_written()))
        elif self.retry_on == () and not self.retry_only:  # a predicate: results only
            parts.append("on no exception")
        if self.retry_predicate is not None:
            parts.append("if predicate")
        if self.retry_condition_fn is not None:
            parts.append("if retry_condition_fn")
        if self.retry_jitter_factor:
            parts.append(f"jitter factor {self.retry_jitter_factor:g}")
        parts.extend(self._limits())
        return " ".join(parts)

    def _limits(self) -> list[str]:
        """The summary's time limits: ``timeout 5s``, ``deadline 1m``."""
        limits = []
        if self.timeout is not None:
            limits.append(f"timeout {fmt_seconds(self.timeout)}")
        if self.retry_deadline is not None:
            limits.append(f"deadline {fmt_seconds(self.retry_deadline)}")
        return limits

    def describe(self) -> dict[str, tuple[str, Layer]]:
        """Every field as ``name -> (readable value, layer)`` for `flowtop list` and the TUI."""
        values = {
            "max_retries": self.max_retries_text(),
            "retry_delay": describe_delay(self.retry_delay),
            "retry_on": self.retry_on_text(),
            "retry_predicate": callable_name(self.retry_predicate)
            if self.retry_predicate
            else "unset",
            "retry_jitter": f"{self.retry_jitter:g}",
            "retry_deadline": fmt_seconds(self.retry_deadline)
            if self.retry_deadline is not None
            else "unset",
            "timeout": fmt_seconds(self.timeout) if self.timeout is not None else "unset",
        }
        if self.retry_condition_fn is not None:
            values["retry_condition_fn"] = callable_name(self.retry_condition_fn)
        if self.retry_jitter_factor is not None:
            values["retry_jitter_factor"] = f"{self.retry_jitter_factor:g}"
        layer = {name: self.source(name) for name in values}
        if self.max_retries is None:
            layer["max_retries"] = self.budget_source()
        return {name: (value, layer[name]) for name, value in values.items()}

    def max_retries_text(self) -> str:
        """``max_retries`` as `flowtop list` and the detail pane show it: its value, or
        :meth:`unset_budget`. A drop-in task's budget of 0 reads ``0 (no retries)``, or
        :data:`PREFECT_DEFAULT` when nothing set it: its author knows no ``Retry`` budget."""
        if self._prefect_default():
            return PREFECT_DEFAULT
        if self.prefect_words and self.budget == 0:
            return "0 (no retries)"
        return str(self.max_retries) if self.max_retries is not None else self.unset_budget()

    def _prefect_default(self) -> bool:
        """A drop-in task's budget of 0 that no layer set: a Prefect task's default."""
        return (
            self.prefect_words
            and self.max_retries is None
            and self.default_max_retries == 0
            and self.budget_source() is Layer.BUILTIN
        )

    def not_retried(self) -> str:
        """Rule 3's reason for a failure with no retry option: ``no retry options (only Retry
        retries)``. A drop-in task's code cannot raise ``Retry``: its budget of 0 says where
        it comes from instead, :data:`PREFECT_DEFAULT` or ``no retries (max_retries 0 from
        defaults)``."""
        if self._prefect_default():
            return PREFECT_DEFAULT
        if self.prefect_words and self.budget == 0:
            return f"no retries (max_retries 0 from {self.budget_source()})"
        return "no retry options (only Retry retries)"

    def unset_budget(self) -> str:
        """``max_retries`` when unset, as `flowtop list` shows it: ``unset (budget 3, Retry
        only)``; the layer it comes from is :meth:`budget_source`."""
        only = ", Retry only" if self.retry_only else ""
        return f"unset (budget {self.default_max_retries}{only})"

    def budget_source(self) -> Layer:
        """Where an unset ``max_retries``'s budget comes from (``[defaults]``, or builtin)."""
        return self.sources.get("default_max_retries", Layer.BUILTIN)

    def budget_words(self) -> str:
        """The budget as a reason says it: as the code set it, ``max_retries=2`` or Prefect's
        ``retries=2`` (``budget_name``), else `flowtop list`'s words and layer:
        ``max_retries unset (budget 3, Retry only) [builtin]``: no max_retries to quote.
        (It said both, ``max_retries=1 (retries=1)``, read as two settings.)"""
        if self.max_retries is not None and self.source("max_retries") is Layer.DEFAULTS:
            return f"max_retries {self.max_retries} from {Layer.DEFAULTS}"  # a drop-in task's
        if self.max_retries is not None:
            return f"{self.budget_name()}={self.max_retries}"
        return f"max_retries {self.max_retries_text()} [{self.budget_source()}]"

    def budget_name(self) -> str:
        """The budget's option as a reason names it: as the task's code spelled it
        (``budget_option``: ``retries``), else ``max_retries`` (a settings file's word)."""
        return self.budget_option if self.source("max_retries") is Layer.TASK else "max_retries"

    def budget_set(self) -> str:
        """Rule 3's reason to retry a failure when ``retry_on`` is unset: ``max_retries is
        set``, ``retries is set`` (``printers`` reads it to tell an allowed retry from a
        refused one)."""
        return f"{self.budget_name()} is set"

    def retry_on_text(self) -> str:
        """``retry_on`` in words: its types, ``unset`` (rule 3 then asks ``max_retries``),
        or ``none`` for an empty one, which is set and retries no exception but ``Retry``."""
        if self.retry_on is None:
            return "unset"
        if self.retry_on:
            return ", ".join(self.retry_on_written())
        if self.retry_predicate is not None:  # it may still retry a completed attempt
            return "none: a failure retries only on Retry"
        return "none: only Retry retries"

    def retry_on_written(self) -> list[str]:
        """``retry_on``'s names as one would write them back in a settings file: as its
        file wrote them, else each class's qualified name (``Outer.Inner``; a class made
        inside a function, which no name reaches, by its own)."""
        classes = self.retry_on or ()
        if self.retry_on_names is not None and len(self.retry_on_names) == len(classes):
            return list(self.retry_on_names)
        return [t.__name__ if "<locals>" in t.__qualname__ else t.__qualname__ for t in classes]

    def deciders(self) -> list[str]:
        """The options of the task's code that decide whether a failure is retried, beside
        ``retry_on`` or in its place: ``retry_predicate`` (rule 2) and Prefect's
        ``retry_condition_fn`` (asked after rule 3); a ``retry_on`` set with them only
        narrows what they may retry."""
        return [
            name
            for name, fn in (
                ("retry_predicate", self.retry_predicate),
                ("retry_condition_fn", self.retry_condition_fn),
            )
            if fn is not None
        ]

    def unset_retry_on_text(self) -> str:
        """What an unset ``retry_on`` means, as the retry editor's empty field says it:
        rule 3's ``max_retries``, or the :meth:`deciders` (``retry_condition_fn decides
        (set to filter by type too)``), which a type list would narrow, not replace."""
        deciding = self.deciders()
        if not deciding:
            return "any exception when max retries is set"
        verb = "decides" if len(deciding) == 1 else "decide"
        return f"{' and '.join(deciding)} {verb} (set to filter by type too)"


#: Every field ``summary`` may read (all but ``sources`` and ``budget_option``), fetched as
#: one tuple, in C.
_summary_key = operator.attrgetter(
    *(f.name for f in fields(RetryPolicy) if f.name not in ("sources", "budget_option"))
)


def summaries(policies: list[RetryPolicy]) -> tuple[str, ...]:
    """Each policy's ``summary()``, for a run's start event. The tasks of one ``@task``
    share a policy object, and separate ``task()`` objects often have equal policies:
    each distinct one is summarised once (``summary`` reads every field but ``sources``)."""
    by_id: dict[int, str] = {}
    by_value: dict[tuple[Any, ...], str] = {}
    out = []
    for policy in policies:
        text = by_id.get(id(policy))
        if text is None:
            key = _summary_key(policy)
            try:
                text = by_value.get(key)
                if text is None:
                    text = by_value[key] = policy.summary()
            except TypeError:  # an unhashable value in some field: summarised on its own
                text = policy.summary()
            by_id[id(policy)] = text
        out.append(text)
    return tuple(out)


def describe_delay(spec: Any) -> str:
    if isinstance(spec, int | float):
        return fmt_seconds(spec)
    if isinstance(spec, tuple):
        return "[" + ", ".join(fmt_seconds(s) for s in spec) + "]"
    if isinstance(spec, ExponentialBackoff | PrefectBackoff):
        return spec.describe()
    return f"{callable_name(spec)}(n)"


class Decision(NamedTuple):
    """What follows an attempt: retry after ``delay``, or the final state (a ``NamedTuple``,
    cheap to build once per attempt, like ``DelayBreakdown``)."""

    retry: bool
    final: StateType | None  # COMPLETED or FAILED (CANCELLED: it returned one) when not retrying
    delay: DelayBreakdown | None = None
    error: BaseException | None = None  # the error the final FAILED state carries
    reason: str = ""


def never_retried(kind: type[BaseException]) -> str | None:
    """Why ``retry_on`` holding ``kind`` would be a promise never kept, else None: a
    ``BaseException`` that is not an ``Exception`` (``KeyboardInterrupt``, ``SystemExit``)
    stops its task (rule 0 of ``decide``), so listing it retries nothing."""
    if issubclass(kind, Exception) or issubclass(Exception, kind):
        return None
    return f"{kind.__name__} is never retried: it is not an Exception, and it stops the task"


def decide(
    policy: RetryPolicy,
    outcome: State,
    *,
    elapsed: float = 0.0,
    rng: Callable[[], float] = random.random,
) -> Decision:
    """Apply SPEC §3 to attempt ``outcome.attempt`` that ended in ``outcome``.

    ``elapsed`` is the time since the first attempt started; a retry is only scheduled
    when it would start within ``retry_deadline`` of that.
    """
    attempt = outcome.attempt
    failed = outcome.type is StateType.FAILED
    error = outcome.exception if failed else None
    override: float | None = None

    if failed and not isinstance(error, Exception):
        return Decision(
            False, StateType.FAILED, error=error, reason=f"{type(error).__name__} is never retried"
        )

    if isinstance(error, Retry):
        eligible, override, why = True, error.delay, "task raised Retry"
    elif policy.retry_predicate is not None:
        answered = False
        try:
            answer = policy.retry_predicate(outcome)
            answered = True
            eligible = bool(answer)  # a user's __bool__ may raise too (a numpy array's does)
        except Interrupt:  # flowtop stopping the code around this decision: not the predicate's
            raise
        except BaseException as exc:  # noqa: BLE001 - sys.exit() too: any predicate bug fails the task, clearly
            name = callable_name(policy.retry_predicate)
            # The truth test of what it returned is not the predicate raising: say which.
            if answered:
                name += f" returned a value of type {type(answer).__name__} whose truth test"
            said = f"retry_predicate {name} raised {error_text(exc)}"
            if error is not None:  # what it was asked about: the attempt's own error
                said += f", asked about the attempt's {error_text(error)}"
                if exc.__context__ is None:  # its traceback is shown first (a chain)
                    exc.__context__ = error
            failure = PredicateError(said)
            failure.__cause__ = exc
            return Decision(False, StateType.FAILED, error=failure, reason="retry_predicate raised")
        why = f"retry_predicate returned {predicate_answer(answer, eligible)}"
        if eligible and failed and policy.retry_on is not None:
            eligible, against = retry_on_match(error, policy)
            why = why if eligible else against
    elif failed:
        if policy.retry_on is not None:
            eligible, why = retry_on_match(error, policy)
        else:
            eligible = policy.max_retries is not None
            why = policy.budget_set() if eligible else policy.not_retried()
    else:
        return Decision(False, StateType.COMPLETED, reason="completed")

    if not eligible:
        return Decision(
            False, StateType.FAILED if failed else StateType.COMPLETED, error=error, reason=why
        )

    if (
        failed
        and policy.retry_condition_fn is not None
        and not isinstance(error, Retry)
        and attempt - 1 < policy.budget
    ):
        # As in Prefect, the condition is asked only while a retry is left, and a
        # condition that raises means "don't retry": the task fails with its own error.
        # Any BaseException, as a predicate's (README: sys.exit() included), but flowtop's
        # own ``Interrupt``: raised into a task that runs this decision for a task it
        # called (its timeout), it stops that outer task, as it would anywhere in its code.
        name = callable_name(policy.retry_condition_fn)
        try:
            answer = policy.retry_condition_fn(outcome)
            eligible = bool(answer)
        except Interrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - sys.exit() too: no retry, its own error
            return Decision(
                False,
                StateType.FAILED,
                error=error,
                reason=f"retry_condition_fn {name} raised {error_text(exc)}",
            )
        if not eligible:
            # a forgotten ``return`` reads "returned None (false)", not "returned False"
            said = f"retry_condition_fn returned {predicate_answer(answer, eligible)}"
            return Decision(False, StateType.FAILED, error=error, reason=said)
        why = f"{why}; retry_condition_fn returned True"

    if attempt - 1 >= policy.budget:
        if failed:  # the reason the detail pane, history and --json show
            # "max_retries is set; no retries left: max_retries=1 …" said it twice
            said = "" if why == policy.budget_set() else f"{why}; "
            reason = f"{said}no retries left: {policy.budget_words()}"
            return Decision(False, StateType.FAILED, error=error, reason=reason)
        name = callable_name(policy.retry_predicate)
        exhausted = RetriesExhausted(
            f"retry_predicate {name} still asked for a retry after {attempt} "
            f"attempt{'' if attempt == 1 else 's'}, "
            f"with no retries left: {policy.budget_words()}; "
            f"last result: {safe_repr(outcome.result)}"
        )
        return Decision(False, StateType.FAILED, error=exhausted, reason="retries exhausted")

    try:
        delay = compute_delay(
            policy.retry_delay, attempt, jitter=policy.retry_jitter, override=override, rng=rng
        )
    except DelayError as exc:  # the callable raised, or the delay is not a finite number
        if isinstance(exc, RetryDelayError):  # Retry(delay=1e300): refused as a nan one
            if exc.__cause__ is None:  # only flowtop's frames: the Retry's say where it was
                exc.__cause__ = error  # raised (r.py:6 in f), its text is the task's reason
            return Decision(False, StateType.FAILED, error=exc, reason=RETRY_DELAY_REFUSED)
        return Decision(
            False, StateType.FAILED, error=after_attempt(exc, error), reason="retry_delay failed"
        )
    except BaseException as exc:  # noqa: BLE001 - anything else: fail the task, clearly
        name = callable_name(policy.retry_delay)
        delay_failure = DelayError(f"retry_delay {name}({attempt}) failed: {error_text(exc)}")
        delay_failure.__cause__ = exc
        failed_too = after_attempt(delay_failure, error)
        return Decision(False, StateType.FAILED, error=failed_too, reason="retry_delay failed")
    if policy.retry_jitter_factor and delay.seconds > 0 and override is None:
        jittered = clamped_poisson_interval(delay.seconds, policy.retry_jitter_factor, rng)
        # Both jitters read as one, from the delay before either: "-8%" of a delay that
        # retry_jitter had already raised by 47% said 0.1 s became 0.135 s.
        delay = delay._replace(seconds=jittered, jitter=jittered / delay.effective - 1)
    if policy.retry_deadline is not None and elapsed + delay.seconds > policy.retry_deadline:
        reason = f"{why}; retry_deadline {fmt_seconds(policy.retry_deadline)} would pass"
        if failed:
            return Decision(False, StateType.FAILED, error=error, reason=reason)
        return Decision(False, StateType.FAILED, error=RetriesExhausted(reason), reason=reason)
    if delay.seconds > MAX_SECONDS:  # a backoff grown past a year, or jitter: no such wait
        too_long = after_attempt(delay_too_long(policy, delay, attempt), error)
        return Decision(False, StateType.FAILED, error=too_long, reason="retry_delay failed")
    return Decision(True, None, delay=delay, reason=why)


def _short_repr() -> reprlib.Repr:
    """A ``repr`` that stops early: a predicate returning ``state.result`` (a million rows)
    costs a few items' repr per decision, not the whole result's. For the built-in types
    only: of any other object reprlib builds the whole ``repr`` first (0.3 s for a 2M-row
    frame), so ``predicate_answer`` names its type instead."""
    short = reprlib.Repr()
    short.maxlevel, short.maxstring, short.maxother = 2, 40, 60
    short.maxlist = short.maxtuple = short.maxdict = short.maxset = short.maxfrozenset = 4
    return short


_answer_repr = _short_repr()


def predicate_answer(answer: Any, eligible: bool) -> str:
    """What a ``retry_predicate`` returned: ``True``, or a value and how it counted,
    ``'no' (true)``, ``None (false)``: a truthy string read as ``returned True`` hid a bug."""
    if isinstance(answer, bool):
        return str(answer)
    if type(answer).__module__ != "builtins":
        return f"a {type(answer).__name__} ({'true' if eligible else 'false'})"
    try:
        shown = _answer_repr.repr(answer)
    except BaseException as exc:  # a user's __repr__ may raise anything, sys.exit() too
        if not users_own(exc):  # a Ctrl+C on the main thread, as ``safe_repr`` passes it on
            raise
        shown = f"<unrepresentable {type(answer).__name__}>"
    return f"{shown} ({'true' if eligible else 'false'})"


def retry_on_match(error: BaseException | None, policy: RetryPolicy) -> tuple[bool, str]:
    """Whether a failure's ``error`` matches ``policy.retry_on``, and the words for it: a
    subclass names the type it matched (``Sub matches retry_on (ConnectionError)``),
    since ``Sub`` itself is not in the list; a listed type reads as its settings file
    wrote it (``retry_on_written``), as the policy's summary says it."""
    kind = type(error)
    retry_on = policy.retry_on or ()
    if not retry_on:
        return False, "retry_on is empty (only Retry retries)"
    if kind in retry_on:
        return True, f"{_written(policy, kind)} is in retry_on"
    for listed in retry_on:
        if isinstance(error, listed):
            return True, f"{kind.__name__} matches retry_on ({_written(policy, listed)})"
    return False, f"{kind.__name__} is not in retry_on"


def _written(policy: RetryPolicy, listed: type[BaseException]) -> str:
    """The listed class ``listed`` as ``policy.retry_on_written`` names it (read only for
    the class that matched: this runs at each failed attempt)."""
    return policy.retry_on_written()[(policy.retry_on or ()).index(listed)]


def delay_too_long(policy: RetryPolicy, delay: DelayBreakdown, attempt: int) -> DelayError:
    """A computed delay past :data:`MAX_SECONDS`: what the task fails with, and how the
    delay was reached. (``compute_delay`` keeps a backoff's values as its formula, and
    Prefect's list, give them: the wait is refused where it would begin.)"""
    backoff = isinstance(policy.retry_delay, ExponentialBackoff | PrefectBackoff)
    # (a delay the jitter took past the cap says so in ``explain``: no max_delay helps it)
    hint = " (set max_delay to cap a backoff)" if backoff and delay.effective > MAX_SECONDS else ""
    return DelayError(
        f"the delay before retry {attempt} would be {delay.seconds:g} s "
        f"({delay.explain()}): a delay must be at most {MAX_SECONDS_TEXT}{hint}"
    )


def clamped_poisson_interval(
    average: float, clamping_factor: float, rng: Callable[[], float] = random.random
) -> float:
    """Prefect's ``retry_jitter_factor`` delay: an exponential variate around ``average``.

    The same computation as ``prefect.utilities.math.clamped_poisson_interval``: at most
    ``average × (1 + clamping_factor)``, a lower bound chosen so the mean stays about
    ``average``; ``rng`` stands for ``random.random``.
    """
    upper_multiple = 1 + clamping_factor
    lower_multiple = (
        0.0
        if upper_multiple >= 50
        else math.log(max(2**upper_multiple / (2**upper_multiple - 1), 1e-10), 2)
    )
    upper_bound = average * upper_multiple
    lower_bound = max(0.0, average * lower_multiple)

    def cdf(x: float) -> float:
        return 1 - math.exp(-x / average)

    lower_rv, upper_rv = cdf(lower_bound), cdf(upper_bound)
    u = lower_rv + (upper_rv - lower_rv) * rng()
    return -math.log(max(1 - u, 1e-10)) * average
