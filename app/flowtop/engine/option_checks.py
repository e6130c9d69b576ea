"""Checks of what a ``@task`` or a flow is given when it is written: its callable retry
options, its name (``name_problem``).

A ``retry_predicate`` or ``retry_delay`` callable that cannot take the argument flowtop
gives it used to be accepted, and failed only when an attempt ended, naming flowtop's own
line (``policy.py:265 in decide``). Refused here instead, the loader names the ``@task``'s
file and line. A callable whose signature cannot be read (a builtin, some C callables) is
left alone: only a call can tell.
"""

from __future__ import annotations

import ast
import inspect
import linecache
import math
import numbers
import re
import sys
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from datetime import timedelta
from types import FrameType
from typing import Any

from .ast_race import parse_python
from .delays import (
    PrefectBackoff,
    callable_name,
    forgot_backoff_parentheses,
    normalize_delay,
    seconds_with_unit,
    to_seconds,
)
from .library_folders import FLOWTOP_FOLDER
from .policy import MAX_RETRIES
from .suggest import did_you_mean, one_slip
from .value_text import count_text, safe_repr

#: What each callable option is called with, in words, and the shape it must have.
_ONE_ARGUMENT = {
    "retry_predicate": "the attempt's State (state -> bool)",
    "retry_delay": "the retry's number (attempt -> seconds)",
    "retry_delay_seconds": "the task's retries, once (Prefect's retries -> delays)",
}
#: The options (canonical names) that may be callables, checked here.
CALLABLE_OPTIONS = ("retry_predicate", "retry_delay", "retry_condition_fn")
#: Prefect's ``retry_condition_fn(task, task_run, state)``.
_CONDITION_ARGUMENTS = 3


def _refusal(fn: Any, count: int) -> str | None:
    """Why ``fn`` cannot be called with ``count`` positional arguments, or None when it can
    (or when its signature cannot be read)."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(*range(count))
    except TypeError as exc:
        return str(exc)
    return None


def _shown(fn: Any) -> str:
    """``should_retry(state, exc)``: the callable's name and parameters, for a message
    (without annotations: ``-> 'bool'`` said nothing about the arguments)."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return callable_name(fn)
    bare = [p.replace(annotation=p.empty) for p in signature.parameters.values()]
    return f"{callable_name(fn)}{signature.replace(parameters=bare, return_annotation=signature.empty)}"


def check_callable_option(option: str, fn: Any) -> None:
    """Refuse a callable ``option`` (as the user wrote it: ``retry_delay_seconds`` too)
    that cannot take what flowtop calls it with, saying what it is given instead."""
    if option in ("retry_delay", "retry_delay_seconds"):
        hint = forgot_backoff_parentheses(fn, option)
        if hint is not None:
            raise TypeError(hint)
    if option == "retry_condition_fn":
        why = _refusal(fn, _CONDITION_ARGUMENTS)
        if why is not None:
            raise TypeError(
                f"retry_condition_fn {_shown(fn)} must take Prefect's three arguments "
                f"(task, task_run, state) -> bool: {why}"
            )
        return
    given = _ONE_ARGUMENT.get(option)
    if given is None or _refusal(fn, 1) is None:
        return
    message = f"{option} {_shown(fn)} must take one argument, {given}"
    if option == "retry_predicate" and _refusal(fn, _CONDITION_ARGUMENTS) is None:
        message += (
            "; a (task, task_run, state) function is Prefect's: pass it as retry_condition_fn="
        )
    raise TypeError(message)


#: The shortest timeout taken, in code as in ``flowtop.toml`` (``workspace.settings``): a
#: shorter one (``1e-300``, written for ``1e3``) ends every attempt as it starts.
MIN_TIMEOUT = 0.001


def timeout_too_short(seconds: float, given: Any, option: str = "timeout") -> str | None:
    """Why a timeout of ``seconds`` (as ``given`` to ``option``, as written) is refused,
    in the words ``flowtop.toml``'s are: ``timeout must be at least 0.001 seconds (a
    shorter one ends each try as it starts), got 1e-300``; None when it is taken (0 has
    its own words)."""
    if seconds == 0 or seconds >= MIN_TIMEOUT:
        return None
    return (
        f"{option} must be at least {MIN_TIMEOUT:g} seconds (a shorter one ends each try "
        f"as it starts), got {safe_repr(given, 80)}"
    )


def policy_value(option: str, canonical: str, value: Any) -> Any:
    """``value`` of a retry budget, delay, deadline or timeout as the policy holds it
    (seconds, a tuple of them, a backoff or a callable), or refused naming ``option`` as
    the code wrote it (``canonical``: the name it means): ``retries must be an int >= 0``
    for ``retries=-1``, as ``check_option`` names a value of the wrong type. Other
    options' values are given back as they are."""
    if canonical == "max_retries":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{option} must be an int >= 0, got {safe_repr(value)}")
        if value > MAX_RETRIES:
            raise ValueError(f"{option} must be at most {MAX_RETRIES:,}, got {count_text(value)}")
        return value
    if canonical == "retry_delay":
        if isinstance(value, list | tuple) and len(value) > PrefectBackoff.MAX_DELAYS:
            raise ValueError(
                f"Can not configure more than {PrefectBackoff.MAX_DELAYS} retry delays per "
                f"task (Prefect's limit), got {len(value)}"
            )
        return normalize_delay(value, what=option)
    if canonical not in ("timeout", "retry_deadline"):
        return value
    seconds = to_seconds(value, what=option)
    if canonical == "timeout":
        if seconds == 0:
            raise ValueError(f"{option} must be greater than 0, got {value!r}")
        too_short = timeout_too_short(seconds, value, option)
        if too_short is not None:
            raise ValueError(too_short)
    return seconds


#: Seconds, as a timeout or a deadline takes them.
_SECONDS = ((int, float, timedelta), "seconds (int/float) or a timedelta")
#: What each option (as written: Prefect's spellings too) must be, by type: a value of
#: another type is refused with a ``TypeError`` naming the option, the value and the type
#: it must be. Its value (``max_retries=-1``) is checked when the policy is built, a
#: ``ValueError``. ``max_retries='3'`` was refused as a ``ValueError``, as if only the
#: number were wrong.
_OPTION_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "max_retries": ((int,), "an int"),
    "retries": ((int,), "an int"),
    "retry_jitter": ((int, float), "a number (int/float)"),
    "retry_jitter_factor": ((int, float), "a number (int/float)"),
    "timeout": _SECONDS,
    "timeout_seconds": _SECONDS,
    "retry_deadline": _SECONDS,
}
#: The callable options, with what they are called with: anything else is the wrong type.
_CALLABLE_SHAPES = {
    "retry_predicate": "(state) -> bool",
    "retry_condition_fn": "(task, task_run, state) -> bool",
}
#: The delay options: seconds, a list of them, a timedelta, a backoff or a callable.
_DELAY_OPTIONS = ("retry_delay", "retry_delay_seconds")


def option_type_problem(option: str, value: Any) -> str | None:
    """Why ``value`` is of a type ``option`` (as the user wrote it) cannot take, in words
    that name the option, the value and the type expected; None when its type fits (its
    value may still be refused) or when ``option`` is not one checked here."""
    if value is None:  # unset: the default applies
        return None
    if option in _DELAY_OPTIONS:
        return _delay_type_problem(option, value)
    if option in _CALLABLE_SHAPES:
        if callable(value):
            return None
        expected = f"callable {_CALLABLE_SHAPES[option]}"
    elif option in _OPTION_TYPES:
        types, expected = _OPTION_TYPES[option]
        if isinstance(value, types) and not isinstance(value, bool):
            return None
    else:
        return None
    got = f"{type(value).__name__} {safe_repr(value, 80)}"
    return f"{option} must be {expected}, got {got}{_unquoted_hint(option, value)}"


def _unquoted_hint(option: str, value: Any) -> str:
    """``; write retries=3, without quotes`` for a number written as text, else ``""``;
    for seconds written with a unit (``retry_delay="2m"``, a list of them too), the
    seconds to write instead: ``; write retry_delay=120 (seconds), without quotes``."""
    if isinstance(value, list | tuple) and option in _DELAY_OPTIONS:
        return _unquoted_list_hint(option, value)
    written = number_written(option, value)
    if written is None:
        return ""
    number, had_unit = written
    return f"; write {option}={number}{' (seconds)' if had_unit else ''}, without quotes"


def _unquoted_list_hint(option: str, items: list[Any] | tuple[Any, ...]) -> str:
    """``; write retry_delay=[1, 5] (seconds), without quotes`` for a list of delays
    some of which are written as text (``["1s", "5s"]``), else ``""``."""
    numbers: list[str] = []
    had_unit = False
    for item in items:
        if isinstance(item, int | float) and not isinstance(item, bool):
            numbers.append(repr(item))
            continue
        written = number_written(option, item)
        if written is None:  # not a number at all: its own message says what it is
            return ""
        numbers.append(written[0])
        had_unit = had_unit or written[1]
    shown = f"[{', '.join(numbers)}]"
    return f"; write {option}={shown}{' (seconds)' if had_unit else ''}, without quotes"


#: The options that take seconds: only their text may carry a unit (``retries="5s"`` gets
#: no hint: a count has none).
_SECONDS_OPTIONS = (*_DELAY_OPTIONS, "timeout", "timeout_seconds", "retry_deadline")


def number_written(option: str, value: Any) -> tuple[str, bool] | None:
    """The number text ``value`` means for ``option``, as it should be written without
    quotes, and whether it was converted from a unit (``"2m"``: ``("120", True)``;
    ``"3"``: ``("3", False)``), or None when ``value`` is not such text."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        number = int(text) if option in ("max_retries", "retries") else float(text)
    except ValueError:
        seconds = seconds_with_unit(text) if option in _SECONDS_OPTIONS else None
        return None if seconds is None else (seconds, True)
    return (text, False) if math.isfinite(number) else None


def quoted_class_hint(item: Any) -> str:
    """``; write the class ValueError, without quotes`` for a ``retry_on`` item that is an
    exception's name written as text (``retry_on="ValueError"``), else ``""``."""
    if not isinstance(item, str) or not all(part.isidentifier() for part in item.split(".")):
        return ""
    return f"; write the class {item}, without quotes"


def _delay_type_problem(option: str, value: Any) -> str | None:
    """Why ``value`` is of a type the delay ``option`` cannot take (a list's item too), in
    Prefect's words (``Invalid retry_delay_seconds: …``), or None when its types fit.
    A list over Prefect's limit is left to the policy's check, which says so unread."""
    if isinstance(value, list | tuple) and len(value) > PrefectBackoff.MAX_DELAYS:
        return None
    try:
        normalize_delay(value, what=option)
    except TypeError as exc:
        detail = str(exc).removeprefix(f"{option} ")  # not the option's name twice
        return f"Invalid {option}: {detail}{_unquoted_hint(option, value)}"
    except ValueError:  # a value of the right type: the policy's check says what is wrong
        return None
    return None


#: Prefect options flowtop lacks whose Prefect default is not None, with that default:
#: ``cache_result_in_memory=True`` asks for what flowtop does (it keeps every result).
_NOT_NONE_DEFAULTS = {"cache_result_in_memory": True}


def prefect_default(option: str, value: Any) -> bool:
    """Whether ``value``, given to a Prefect ``option`` flowtop lacks (``result_storage``),
    asks for nothing flowtop does not do: None, Prefect's default (its ``with_options``
    reads None as the default, or as the value kept), or the option's own default
    (``cache_result_in_memory=True``). Any other value is refused where it is given."""
    return value is None or (option in _NOT_NONE_DEFAULTS and value is _NOT_NONE_DEFAULTS[option])


def unknown_options(
    owner: str, unknown: Sequence[str], valid: Sequence[str], *suggested: Iterable[str]
) -> str:
    """The refusal of options ``owner`` does not take, every one in one message, each with
    the closest name of the first of ``suggested`` that has one close, and the ``valid``
    ones listed, as ``@flow``'s: ``task 't': unknown options 'retry' (did you mean
    'retries'?) and 'retry_delay_second' (did you mean 'retry_delay_seconds'?); valid
    options: name, retries, …``. (Only the first was named, and a fix met the next.) A
    name of any of ``suggested`` one slip away (``one_slip``) comes first: ``retry_deadlin`` on a
    drop-in task meant flowtop's ``retry_deadline``, not Prefect's ``retry_delay_seconds``."""
    groups = [list(names) for names in suggested]
    every = [name for names in groups for name in names]

    def hint(key: str) -> str:
        near = {name for name in every if one_slip(key, name)}
        if len(near) == 1:
            return f" (did you mean {next(iter(near))!r}?)"
        return next((said for names in groups if (said := did_you_mean(key, names))), "")

    named = [repr(key) + hint(key) for key in unknown]
    listed = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    plural = "s" if len(named) > 1 else ""
    return f"{owner}: unknown option{plural} {listed}; valid options: {', '.join(valid)}"


def plain_numbers(value: Any, *, whole: bool = False) -> Any:
    """``value`` with another library's numbers (NumPy's ``int64``, ``float32``: a
    ``numbers.Integral`` or ``Real``) made Python's ``int`` and ``float``, in a list or
    tuple of delays too. A budget read from a pandas frame or a NumPy config
    (``max_retries=np.int64(3)``) was refused as "must be an int, got int64", where a
    ``float64`` (a ``float``) was taken. ``whole``: a count, which only an ``Integral``
    becomes (``Fraction(2, 1)`` retries is refused as what it is, not as a float)."""
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and not whole:
        return float(value)
    if isinstance(value, list | tuple):
        plain = [plain_numbers(item, whole=whole) for item in value]
        if any(new is not old for new, old in zip(plain, value, strict=True)):
            return type(value)(plain)
    return value


def check_option(option: str, canonical: str, value: Any) -> None:
    """Refuse ``option`` (as written; ``canonical``: the name it means) given a value of
    a type it cannot take, or a callable that cannot take what flowtop calls it with:
    a ``TypeError`` naming the option, the value and what it must be."""
    problem = option_type_problem(option, value)
    if problem is not None:
        raise TypeError(problem)
    if canonical in CALLABLE_OPTIONS and callable(value):
        check_callable_option(option, value)


def option_line(keys: Collection[str]) -> int | None:
    """The line the user wrote one of ``keys=`` on, in the call being made (``@task(``
    over several lines), when it is not that call's first line; else None.

    The loader names the line Python reports for the decorator, its first one: an option
    on line 8 of a ``@task(`` that starts on line 4 was said to be on line 4. Read from the
    source only when an option is refused, never on a good definition.
    """
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(FLOWTOP_FOLDER):
        frame = frame.f_back  # to the user's line that makes the task
    if frame is None or frame.f_lineno is None:
        return None
    line = frame.f_lineno
    source = "".join(linecache.getlines(frame.f_code.co_filename, frame.f_globals))
    try:
        tree = parse_python(source)
    except (SyntaxError, ValueError):  # not the file that runs: say nothing
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.lineno <= line <= (node.end_lineno or line):
            for keyword in node.keywords:
                if keyword.arg in keys and keyword.lineno != line:
                    return keyword.lineno
    return None


def on_its_line(message: str, owner: str, keys: Collection[str]) -> str:
    """``message`` (which starts with ``owner``) with the line its option was written on,
    when the loader's line would be another: ``task 'fetch': line 8: unknown option…``."""
    line = option_line(keys)
    if line is None or not message.startswith(f"{owner}: "):
        return message
    return f"{owner}: line {line}: {message.removeprefix(f'{owner}: ')}"


#: Longest flow, task or task key name: a name heads a row of the history's table and the
#: monitor's, which are as wide as their longest name (5,000 characters padded every row
#: of ``flowtop history`` to 5,088 columns). Prefect sets no limit; no name a person
#: reads is this long.
MAX_NAME_LENGTH = 200
#: Characters a terminal draws as nothing, though ``str.isprintable`` passes most: Unicode's
#: default-ignorable code points (the Hangul fillers U+115F, U+1160, U+3164 and U+FFA0,
#: the combining grapheme joiner U+034F, zero-width spaces and joiners, the tags) and the
#: blank Braille pattern U+2800. ``etl`` and ``etl\u3164`` looked the same in every view,
#: and ``flowtop run --flow etl`` ran the one the user did not mean. Variation selectors
#: are ``_SELECTORS``, the zero-width (non-)joiners ``_JOINERS``.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u206f\u2800\u3164\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e00ff\U000e01f0-\U000e0fff]"
)
#: Variation selectors: they choose how the character before them is drawn (``⚠️``, a
#: CJK name's ideographic variant), so one is kept after a character drawn; alone, after
#: a space or another selector, it is drawn as nothing.
_SELECTORS = re.compile("[\u180b-\u180d\u180f\ufe00-\ufe0f\U000e0100-\U000e01ef]")
#: The zero-width joiner and non-joiner: they join what is drawn on either side of them
#: (``👨‍👩‍👧``, one family; a Persian word's letters), so one is kept between two such
#: characters (the one before may end in a selector, ``❤️‍🔥``); elsewhere, nothing is drawn.
_JOINERS = re.compile("[\u200c\u200d]")


def _drawn(char: str) -> bool:
    """Whether a terminal draws ``char`` as something (a name's end counts as a space)."""
    unseen = _INVISIBLE.match(char) or _SELECTORS.match(char) or _JOINERS.match(char)
    return not (char.isspace() or unseen)


def _invisible_at(name: str) -> int:
    """Where the first character of ``name`` that a terminal draws as nothing is, or -1."""
    found = _INVISIBLE.search(name)
    unseen = [found.start()] if found else []
    for selector in _SELECTORS.finditer(name):
        index = selector.start()
        if not _drawn(name[index - 1] if index else " "):
            unseen.append(index)
            break
    for joiner in _JOINERS.finditer(name):
        index = joiner.start()
        before = name[index - 2 : index] if index >= 2 else " " + name[:index]
        joined = _drawn(before[-1]) or (_SELECTORS.match(before[-1]) and _drawn(before[0]))
        if not (joined and _drawn(name[index + 1] if index + 1 < len(name) else " ")):
            unseen.append(index)
            break
    return min(unseen, default=-1)


def _escaped(name: str) -> str:
    """``name`` quoted, with what a terminal would not show written as its escape."""
    unseen = {c for c in name if (not _drawn(c) and not c.isspace()) or not c.isprintable()}
    return f"'{name.translate({ord(c): ascii(c)[1:-1] for c in unseen})}'"


def name_problem(what: str, name: str) -> str | None:
    """Why ``name`` cannot name a flow, a task or a task key (``what``: ``Flow name``,
    ``task name``, as the message starts), or None when it can: it must be printable
    text (no escape sequence reaches a terminal), hold nothing a terminal draws as
    nothing (two names that look the same), neither be blank nor start or end with a
    space (``_spaced``), and be at most ``MAX_NAME_LENGTH`` long."""
    plain = name.isascii() and name.isprintable() and len(name) <= MAX_NAME_LENGTH
    if plain and name[:1] != " " and name[-1:] != " ":
        return None  # most names: no character of ASCII's is drawn as nothing (37 ns, not 1.2 µs)
    index = _invisible_at(name)
    if index >= 0:
        char = name[index]
        label = unicodedata.name(char, "an unnamed character")
        looks = _INVISIBLE.sub("", name[:index] + name[index + 1 :])
        return (
            f"{what} {_escaped(name)} holds U+{ord(char):04X} {label} (character "
            f"{index + 1}), which a terminal draws as nothing: the name would look "
            f"{f'like {looks!r}' if looks.strip() else 'blank'}; remove it"
        )
    if not _JOINERS.sub("", name).isprintable():  # names reach terminals: no escapes in them
        return f"{what} must be printable text, got {name!r}"
    if (spaced := _spaced(what, name)) is not None:
        return spaced
    if len(name) > MAX_NAME_LENGTH:
        return (
            f"{what} {name[:40]!r}… is {len(name):,} characters long; at most "
            f"{MAX_NAME_LENGTH} are allowed (a name heads a row of the history and the "
            "monitor): shorten it"
        )
    return None


def _spaced(what: str, name: str) -> str | None:
    """Why ``name`` cannot be a name for its spaces, or None: blank (``@task(name=" ")``
    drew a task with no name), or starting or ending with one (``"load "`` and ``"load"``
    drew two tasks ``load``; flows ``"etl "`` and ``"etl"`` bypassed the duplicate check,
    and history had two ``etl #1``). Prefect takes them; see docs/prefect.md. (Of the
    spaces, only U+0020 is printable: the others were refused as not printable text.)"""
    stripped = name.strip(" ")
    if not stripped:
        return f"{what} {name!r} is only spaces: the name would look blank; name it"
    if stripped == name:
        return None
    where = "starts" if name[0] == " " else "ends"
    return (
        f"{what} {_escaped(name)} {where} with a space: the name would look like "
        f"{stripped!r}; remove it"
    )


def same_name(name: str) -> str:
    """What a flow, task or task key name is the same name as: its NFC form (``"café"``
    written ``"cafe\\u0301"``, e and a combining accent, is ``"caf\\xe9"``). The two
    spellings print the same: two tasks ``nf/café`` in every view, one completed and one
    failed. Most names are ASCII, their own form."""
    return name if name.isascii() else unicodedata.normalize("NFC", name)


def two_spellings(one: str, other: str) -> str:
    """How ``one`` and ``other``, one ``same_name``, are each written, for the refusal of
    ``other``: ``one name spelt two ways: 'caf\\xe9' and 'cafe\\u0301'``."""
    return f"one name spelt two ways: {one!a} and {other!a}"
