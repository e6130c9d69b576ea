"""How long to wait before retry n: every form ``retry_delay`` accepts, and why.

A delay is computed as a :class:`DelayBreakdown` rather than a bare float so the TUI can
show the user how a countdown came about (base, backoff, cap, jitter, override).
"""

from __future__ import annotations

import inspect
import math
import random
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any, NamedTuple

from .value_text import error_text, safe_repr, safe_str

Seconds = int | float | timedelta

#: The longest delay, timeout or deadline flowtop takes: 365 days. A run process waits
#: it out, beating its heartbeat, so anything longer is a mistake (``1e300``, a unit
#: slip), not a plan; a thread's wait would overflow past ``threading.TIMEOUT_MAX``
#: (292 years), and a wait of 1e300 s is a run that never ends.
MAX_SECONDS = 365 * 24 * 3600.0
MAX_SECONDS_TEXT = "365 days (31,536,000 seconds)"
#: The largest ``retry_jitter``: each delay at most ×101. Jitter is a fraction of the
#: delay (0.1 adds up to 10%); ``1e308`` was taken by ``@task``, the settings files and the
#: retry editor alike, showed ``+0–inf%``, and failed the task only at its first retry,
#: the wait it made past ``MAX_SECONDS`` (``jitter_too_big``). Checked where the other
#: bounds are: ``@task``, ``workspace.settings``, the retry editor's field.
MAX_JITTER = 100.0
MAX_JITTER_TEXT = "100 (adds up to 10,000% to each delay)"


def to_seconds(value: Any, *, what: str, most: float = MAX_SECONDS) -> float:
    """Turn seconds or a timedelta into float seconds, or say what was wrong with it
    (more than ``most`` seconds: too long)."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(
            f"{what} must be seconds (int/float) or a timedelta, got {type(value).__name__} {safe_repr(value, 80)}"
        )
    else:
        try:
            seconds = float(value)
        except OverflowError:  # an int too large for a float: infinite for every purpose here
            seconds = math.inf
    if not math.isfinite(seconds):  # NaN or infinity: a wait that would never end
        raise ValueError(f"{what} must be a finite number of seconds, got {_shown(value)}")
    if seconds < 0:
        raise ValueError(f"{what} must not be negative, got {_shown(value)}")
    if seconds > most:
        raise ValueError(f"{what} must be at most {MAX_SECONDS_TEXT}, got {_shown(value)}")
    return seconds + 0.0  # -0.0 is no wait, and read "-0s" in `flowtop list` and --json


def _shown(value: Any) -> str:
    """A refused delay as its message shows it: a timedelta by its seconds, as its repr
    says -1 s as ``datetime.timedelta(days=-1, seconds=86399)``."""
    if isinstance(value, timedelta):
        return f"timedelta(seconds={value.total_seconds():g})"
    return safe_repr(value, 80)


class DelayError(ValueError):
    """A retry delay could not be computed (the callable raised, or the value was unusable).

    The message names the option (``retry_delay``, ``retry_jitter``) and the attempt; the
    task fails with it. ``culprit``: the user's ``retry_delay`` callable it is about, so
    that where it failed names the callable's own line (``records.error_info``), not
    flowtop's, when nothing of the user's is on the stack (it returned ``"5s"``).
    """

    culprit: Any = None


class RetryDelayError(DelayError):
    """A ``Retry(delay=)`` that is no delay: the task fails at once, not retried
    (``attempt.settled_before_the_policy``, ``policy.decide``), however it was wrong.

    Raised where the ``Retry`` is built, in the task's code (whose line its traceback
    shows), it was a ``ValueError`` like any other, which ``retry_on`` or ``max_retries``
    retried: each retry burned an attempt raising it again (``attempt 3/3``), while a
    delay past 365 days, refused only where its wait would begin, failed at once. A retry
    cannot mend a bug in the task's code: neither is retried."""


#: Why an attempt whose ``Retry(delay=)`` was no delay (``RetryDelayError``) was not retried.
RETRY_DELAY_REFUSED = "Retry(delay=) refused"


def retry_delay_seconds(delay: object, *, built: bool = False) -> float:
    """``Retry(delay=)`` as float seconds, checked as every delay flowtop takes
    (``to_seconds``), else a ``RetryDelayError`` naming the value as given.

    ``built``: checked as the ``Retry`` is built, where a finite delay past 365 days is
    let through: it is refused where its wait would begin (``compute_delay``), as a
    backoff grown past a year is, with the same error."""
    try:
        return to_seconds(delay, what="Retry(delay=)", most=math.inf if built else MAX_SECONDS)
    except (TypeError, ValueError) as exc:
        raise RetryDelayError(str(exc)) from None


class ExponentialBackoff:
    """``base × factor^(n-1)`` seconds before retry n, capped at ``max_delay``."""

    __slots__ = ("base", "factor", "max_delay")

    def __init__(
        self,
        base: Seconds = 1.0,
        factor: float = 2.0,
        max_delay: Seconds | None = None,
        *,
        hint: bool = False,
    ) -> None:
        """``hint``: a number written as text says what to write, as Python does
        (``exponential_backoff()``'s; a settings file's table is not written so)."""
        self.base = _backoff_seconds(base, "base", hint)
        finite = finite_float(factor)
        if finite is None or finite < 1:
            rule = "exponential_backoff(factor=) must be a finite number >= 1"
            raise _number_refusal(factor, rule, ("factor", 1) if hint else None)
        self.factor = finite
        self.max_delay = (
            None if max_delay is None else _backoff_seconds(max_delay, "max_delay", hint)
        )

    def uncapped(self, attempt: int) -> float:
        if self.base == 0:
            return 0.0  # not 0 × an overflowed power
        try:
            return self.base * self.factor ** (attempt - 1)
        except OverflowError:
            return float("inf")

    def __call__(self, attempt: int) -> float:
        delay = self.uncapped(attempt)
        return delay if self.max_delay is None else min(delay, self.max_delay)

    def describe(self) -> str:
        cap = "" if self.max_delay is None else f", max {fmt_seconds(self.max_delay)}"
        return f"backoff {fmt_seconds(self.base)}×{self.factor:g}^(n-1){cap}"

    def __repr__(self) -> str:
        return f"exponential_backoff(base={self.base:g}, factor={self.factor:g}, max_delay={self.max_delay!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExponentialBackoff) and (
            self.base,
            self.factor,
            self.max_delay,
        ) == (
            other.base,
            other.factor,
            other.max_delay,
        )

    def __hash__(self) -> int:
        return hash((self.base, self.factor, self.max_delay))


def exponential_backoff(
    base: Seconds = 1.0,
    factor: float = 2.0,
    max_delay: Seconds | None = None,
    *,
    backoff_factor: float | None = None,
) -> ExponentialBackoff | PrefectBackoff:
    """A ``retry_delay`` that doubles (by default) on every retry, up to ``max_delay``.

    ``exponential_backoff(backoff_factor=10)`` is Prefect 3's form: see :class:`PrefectBackoff`.
    """
    if backoff_factor is not None:
        if (base, factor, max_delay) != (1.0, 2.0, None):
            raise TypeError(
                "exponential_backoff(): backoff_factor= is Prefect's form and takes no "
                "base=, factor= or max_delay="
            )
        return PrefectBackoff(backoff_factor, hint=True)
    return ExponentialBackoff(base, factor, max_delay, hint=True)


class PrefectBackoff:
    """Prefect 3's ``exponential_backoff(backoff_factor)``: called with a task's number of
    retries, it returns the delays ``[backoff_factor * 2**i for i in range(retries)]``
    (at most 50 of them, as in Prefect; later retries wait as long as the 50th).

    As a ``retry_delay`` it needs no retry count: retry n waits ``delay(n)``, which is
    ``backoff_factor × 2^(n-1)`` up to the 50th retry and the 50th delay after it,
    exactly what Prefect's list gives.
    """

    __slots__ = ("backoff_factor",)

    #: Prefect configures at most this many retry delays per task.
    MAX_DELAYS = 50

    def __init__(self, backoff_factor: float, *, hint: bool = False) -> None:
        """``hint``: as ``ExponentialBackoff``'s."""
        factor = finite_float(backoff_factor)
        if factor is None or factor < 0:
            rule = "exponential_backoff(backoff_factor=) must be a finite number of seconds >= 0"
            raise _number_refusal(backoff_factor, rule, ("backoff_factor", 0) if hint else None)
        # an int stays one: Prefect's list reads [2, 4, 8] for 2, not [2.0, 4.0, 8.0]
        self.backoff_factor = backoff_factor if isinstance(backoff_factor, int) else factor

    def __call__(self, retries: int) -> list[float]:
        count = min(int(retries), self.MAX_DELAYS)
        return [self.backoff_factor * 2**i for i in range(count)]

    def delay(self, attempt: int) -> float:
        """Seconds before retry ``attempt`` (1-based)."""
        return self.backoff_factor * 2.0 ** (min(attempt, self.MAX_DELAYS) - 1)

    def describe(self) -> str:
        return f"backoff {fmt_seconds(self.backoff_factor)}×2^(n-1) (Prefect's)"

    def __repr__(self) -> str:
        return f"exponential_backoff(backoff_factor={self.backoff_factor:g})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PrefectBackoff) and self.backoff_factor == other.backoff_factor

    def __hash__(self) -> int:
        return hash(("prefect", self.backoff_factor))


def _number_refusal(
    value: Any, rule: str, hint: tuple[str, float] | None
) -> TypeError | ValueError:
    """Why ``value`` breaks ``rule``: a ``TypeError`` naming its type when it is no number
    (``factor='2'``), as ``@task``'s options of the wrong type are, with what to write for
    a number written as text when ``hint`` gives the option and its least value
    (:func:`_unquoted`); a ``ValueError`` for a number out of range."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        said = "" if hint is None else _unquoted(*hint, value, seconds=False)
        return TypeError(f"{rule}, got {type(value).__name__} {safe_repr(value, 80)}{said}")
    return ValueError(f"{rule}, got {value!r}")


def _backoff_seconds(value: Any, option: str, hint: bool) -> float:
    """``exponential_backoff``'s ``option`` (``base``, ``max_delay``) as seconds
    (:func:`to_seconds`); one written as text says what to write, given ``hint``
    (:func:`_unquoted`)."""
    try:
        return to_seconds(value, what=f"exponential_backoff({option}=)")
    except TypeError as exc:
        said = _unquoted(option, 0, value, seconds=True) if hint else ""
        raise TypeError(f"{exc}{said}") from None


def _unquoted(option: str, least: float, value: Any, *, seconds: bool) -> str:
    """``; write factor=2, without quotes`` for a number written as text, as ``@task``'s
    options say it (``option_checks``); seconds with a unit as the seconds to write
    (``base="2m"``: ``; write base=120 (seconds), without quotes``); else ``""``, also
    for a number below ``least``, which written so would be refused all the same."""
    if not isinstance(value, str):
        return ""
    converted = seconds_with_unit(value.strip()) if seconds else None
    text, had_unit = converted or value.strip(), converted is not None
    try:
        number = float(text)
    except ValueError:
        return ""
    if not math.isfinite(number) or number < least:
        return ""
    return f"; write {option}={text}{' (seconds)' if had_unit else ''}, without quotes"


#: Units seconds may be written in as text (``"5s"``, ``"500ms"``, ``"2m"``, ``"1h"``),
#: with the seconds each stands for.
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
#: A number followed by a unit, a space between them or not: ``5s``, ``1.5 m``.
_NUMBER_WITH_UNIT = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*([a-z]+)")


def seconds_with_unit(text: str) -> str | None:
    """``"120"`` for ``"2m"``, ``"0.5"`` for ``"500ms"``: the seconds a number written
    with a unit of ``_UNIT_SECONDS`` stands for, or None for any other text."""
    found = _NUMBER_WITH_UNIT.fullmatch(text.lower())
    scale = _UNIT_SECONDS.get(found.group(2)) if found else None
    if found is None or scale is None:
        return None
    seconds = round(float(found.group(1)) * scale, 6)  # 1.5ms: 0.0015, float's error rounded off
    return str(int(seconds)) if seconds.is_integer() else repr(seconds)


def finite_float(value: Any) -> float | None:
    """``value`` as a finite float, or None when it is not a finite real number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def normalize_delay(
    spec: Any, *, what: str = "retry_delay"
) -> float | tuple[float, ...] | Callable[[int], Any]:
    """Check a ``retry_delay`` at definition time; return seconds, a tuple, or the callable."""
    if spec is None:
        return 0.0
    if isinstance(spec, PrefectBackoff):
        return spec
    forgot = forgot_backoff_parentheses(spec, what)
    if forgot is not None:
        raise TypeError(forgot)
    if callable(spec) and not isinstance(spec, timedelta):
        delay: Callable[[int], Any] = spec
        return delay
    if isinstance(spec, list | tuple):
        if not spec:  # flowtop's own option: an empty list is a slip, not a plan
            raise ValueError(
                f"{what} list must not be empty: for no delay write {what}=0 "
                "(Prefect's retry_delay_seconds=[] means the same)"
            )
        return tuple(to_seconds(v, what=f"{what}[{i}]") for i, v in enumerate(spec))
    if isinstance(spec, timedelta) or (
        isinstance(spec, int | float) and not isinstance(spec, bool)
    ):
        return to_seconds(spec, what=what)
    raise TypeError(
        f"{what} must be seconds (int/float), a timedelta, a list of them (one per retry), "
        f"or a callable attempt -> seconds, got {type(spec).__name__} {spec!r}"
    )


def forgot_backoff_parentheses(spec: Any, what: str) -> str | None:
    """What to say when ``spec`` is ``exponential_backoff`` itself, not a backoff it made
    (``retry_delay=exponential_backoff``): as a callable it would be called with the retry's
    number and give back a backoff, not seconds, failing the task at its first failure.
    flowtop's and Prefect's (``flowtop.tasks``) factory alike; None for anything else."""
    named = getattr(spec, "__name__", None) == "exponential_backoff"
    ours = str(getattr(spec, "__module__", "")).startswith("flowtop")
    if not (named and ours and inspect.isfunction(spec)):
        return None
    return (
        f"{what}=exponential_backoff is the backoff's factory, not a delay: did you mean "
        f"{what}=exponential_backoff(backoff_factor=…)? (or exponential_backoff(base, factor, "
        "max_delay=…))"
    )


#: The source of a delay the task asked for with ``Retry(delay=)``, not the policy's.
OVERRIDE = "Retry(delay=)"


class DelayBreakdown(NamedTuple):
    """One computed delay and the steps that produced it (for the detail pane).

    A ``NamedTuple``, as the events are: immutable, and built per failed attempt, where a
    frozen dataclass cost three times as much.
    """

    seconds: float
    base: float
    source: str  # "fixed", "retry_delay[i]", a backoff's or callable's name, OVERRIDE
    capped_at: float | None = None
    jitter: float = 0.0  # the fraction actually added, j × U(0,1)

    def explain(self) -> str:
        """How the wait was reached, read after "retry in 2s:" in the detail pane and history."""
        base = fmt_seconds(self.base)
        if self.source == "fixed":
            text = f"retry_delay={base}"
        elif self.source == OVERRIDE:
            text = f"the task raised Retry(delay={base})"
        elif self.base >= _PAST_DAYS:  # refused, in an error that says it already
            text = self.source  # (its "→ 1e+308s" cut that error's ``flowtop run`` line)
        else:
            text = f"{self.source} → {base}"
        if self.capped_at is not None:
            text += f", capped at {fmt_seconds(self.capped_at)}"
        if self.jitter:
            text += f", jitter {_percent(self.jitter)} = {fmt_seconds(self.seconds)}"
            if self.seconds > MAX_SECONDS and self.effective <= MAX_SECONDS:
                # ``compute_delay`` refuses what ``retry_jitter`` takes past the cap: only
                # Prefect's ``retry_jitter_factor``, applied to its result, leaves such a delay
                text += ": retry_jitter_factor took it past the cap; lower retry_jitter_factor"
        return text

    @property
    def effective(self) -> float:
        """The delay before any jitter: the base, or the cap a backoff hit."""
        return self.base if self.capped_at is None else self.capped_at


def _percent(fraction: float) -> str:
    """``+25%``, or ``-0.2%`` for a jitter under 1% (``-0%`` read as no jitter at all)."""
    percent = fraction * 100
    return f"{percent:+.0f}%" if abs(percent) >= 0.95 else f"{percent:+.1f}%"


def compute_delay(
    spec: float | tuple[float, ...] | Callable[[int], Any],
    attempt: int,
    *,
    jitter: float = 0.0,
    override: float | None = None,
    rng: Callable[[], float] = random.random,
) -> DelayBreakdown:
    """The wait after failed attempt ``attempt`` (1-based) before the next one.

    Jitter applies to policy delays only: a ``Retry(delay=)`` override is what the task
    asked for (often a server's Retry-After) and is honoured exactly.
    """
    if override is not None:
        # Retry checks its delay when built, but not a later change (``error.delay = nan``)
        seconds = retry_delay_seconds(override)
        return DelayBreakdown(seconds, seconds, OVERRIDE)
    capped = None
    if isinstance(spec, int | float):
        base, source = float(spec), "fixed"
    elif isinstance(spec, tuple):
        index = min(attempt - 1, len(spec) - 1)
        base, source = spec[index], f"retry_delay[{index}]"
    elif isinstance(spec, ExponentialBackoff):
        base, source = spec.uncapped(attempt), spec.describe()
        if spec.max_delay is not None and base > spec.max_delay:
            capped = spec.max_delay
    elif isinstance(spec, PrefectBackoff):
        base, source = spec.delay(attempt), spec.describe()
    else:
        name = f"retry_delay {callable_name(spec)}({attempt})"
        try:
            value = spec(attempt)
        except BaseException as exc:
            raised = DelayError(f"{name} raised {error_text(exc)}")
            raised.culprit = spec
            raise raised from exc
        try:
            base = to_seconds(value, what=name)
        except (TypeError, ValueError) as exc:
            unusable = DelayError(str(exc))
            unusable.culprit = spec
            raise unusable from None
        source = name
    added = jitter * rng() if jitter else 0.0
    effective = base if capped is None else capped
    seconds = effective * (1 + added)
    jitter_made_it = jitter and math.isfinite(effective) and effective <= MAX_SECONDS
    if jitter_made_it and (not math.isfinite(seconds) or seconds > MAX_SECONDS):
        raise jitter_too_big(jitter, effective, seconds, attempt)
    if not math.isfinite(seconds):  # a backoff grown past any float
        raise DelayError(
            f"{source} gave a delay of {seconds} s before retry {attempt}: "
            "a delay must be a finite number of seconds (set max_delay to cap a backoff)"
        )
    return DelayBreakdown(seconds, base, source, capped, added)


def after_attempt(failure: DelayError, error: BaseException | None) -> DelayError:
    """``failure`` (no delay could be had for the retry) as the task's error, keeping the
    attempt's own: named at its end, its traceback shown first. The delay's failure alone
    hid it — ``ValueError: a`` appeared nowhere, only flowtop's frames — where a failed
    ``retry_predicate`` keeps it (a ``Retry`` with an unusable delay said where it was
    raised the same way)."""
    if error is None:  # a result a retry_predicate asked to retry: there is no error
        return failure
    failure.args = (f"{safe_str(failure)}; the attempt raised {error_text(error)}",)
    first: BaseException = failure
    seen = {id(first), id(error)}  # (a user's exception may be its own cause's cause)
    while first.__cause__ is not None and id(first.__cause__) not in seen:
        first = first.__cause__  # the callable's own error, when it raised
        seen.add(id(first))
    if first.__cause__ is None and (first.__context__ is None or first.__suppress_context__):
        first.__context__ = error  # shown first, "during handling of" it; what ``raise …
        first.__suppress_context__ = False  # from None`` hid was flowtop's own check
    return failure


def jitter_too_big(jitter: float, base: float, seconds: float, attempt: int) -> DelayError:
    """``retry_jitter`` made a usable delay unusable: named, with the numbers in plain form
    (not 9e+307 seconds as hours and minutes, which run to hundreds of digits)."""
    if math.isfinite(seconds):
        made, rule = _plain_seconds(seconds, 3), f"at most {MAX_SECONDS_TEXT}"
    else:
        made = "not a number" if math.isnan(seconds) else "infinite"
        rule = "a finite number of seconds"
    return DelayError(
        f"retry_jitter={jitter:g} would make the {_plain_seconds(base, 6)} delay before "
        f"retry {attempt} {made}: a delay must be {rule}; lower retry_jitter"
    )


def _plain_seconds(seconds: float, digits: int) -> str:
    """``31,536,000 s`` for a year's delay (``:g`` wrote ``3.1536e+07``), ``9e+11 s`` only
    past 10 billion seconds (centuries), where the digits say nothing more."""
    if 1e6 <= seconds < 1e10:
        return f"{round(seconds):,} s"
    return f"{seconds:.{digits}g} s"


def callable_name(fn: Any) -> str:
    """A user callable's name for messages (never raises)."""
    name = getattr(fn, "__qualname__", None)
    return name if isinstance(name, str) else type(fn).__name__


#: Seconds from which ``fmt_seconds`` writes ``1e+308s``, not days (31 years, past any
#: duration a clock measures): only a delay past the 365-day cap gets there, told in an
#: error, where ``1e+308`` seconds made a number of days 303 digits long and a
#: ``flowtop run`` line cut in its middle.
_PAST_DAYS = 1e9

#: Days from which ``fmt_seconds`` leaves the hours out: ``100d`` keeps a wait in the six
#: cells the table's ``⟳ Retry in`` leaves it, where ``100d00h`` was cut.
_DAYS_ONLY = 100


def fmt_seconds(seconds: float) -> str:
    """Short human form: 0.5s, 12s, 3m05s, 1h02m, past 48 h 3d00h, from 100 days 365d:
    never longer than six characters up to 31 years, so it fits the table's columns
    (``72h59m`` filled the STATE column; ``1080h00m`` was cut in the TIME one). Rounded
    before the unit is chosen (59.95 s is ``1m00s``, not ``60s``). From 1e9 s, past any
    duration flowtop measures, as ``1e+09s``."""
    if seconds == float("inf"):
        return "∞"
    if seconds != seconds:  # NaN: never computed as a delay, but never crash a display
        return "?s"
    if seconds < 9.995 or seconds >= _PAST_DAYS:  # what .3g would round to 10 reads 10s
        return f"{seconds:.3g}s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        m, s = divmod(whole, 60)
        return f"{m}m{s:02d}s"
    if whole < 48 * 3600:
        h, m = divmod(whole // 60, 60)
        return f"{h}h{m:02d}m"
    d, h = divmod(whole // 3600, 24)
    return f"{d}d" if d >= _DAYS_ONLY else f"{d}d{h:02d}h"
