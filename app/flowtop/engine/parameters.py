"""A ``@flow`` run's parameters: what its function was called with, kept as JSON.

A run started from a terminal (``flowtop run --param n=4``, the TUI's parameter form)
gets its arguments as JSON values, and a rerun in another process, maybe after a
restart, must call the function the same way again. So a run's parameters are recorded
by name as a JSON object: readable in the store, in ``history`` and in ``--json``, and
turned back into the same call (``call_for``), each value made the type its
annotation declares (``parameter_types``: a ``date``, ``Path`` or ``Enum`` travels as
its text). A value JSON cannot hold otherwise (an object passed from Python) is kept as
its ``repr`` under the tag ``UNSTORED``: shown as it is, refused by a rerun that would
need it, by name. A number typed for a ``str`` parameter is the text typed (``1.10``), put
in before the value leaves as JSON (``as_typed``), which would keep only the number; and
a rerun's stored values are made their types but never refused (``call_for``'s
``replayed``): its source run was called with them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import enum
import inspect
import json
import re
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, NamedTuple

from ..printable import BIDI, INVISIBLE
from .parameter_types import (
    annotation_for,
    choices,
    coerce,
    default_misfit,
    field_default,
    hint_named,
    hints,
    is_field,
    json_as_declared,
    pydantic_json,
    takes_text,
    to_json,
    type_text,
)
from .suggest import did_you_mean
from .value_text import safe_repr

#: The tag of a value JSON cannot hold: ``{"$repr": "<Client at 0x…>"}``.
UNSTORED = "$repr"

_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


class ParameterProblem(NamedTuple):
    """What a form marks: the parameter a value does not fit, and why."""

    name: str
    reason: str  # ``expected int, got 'x'``


class ParameterError(ValueError):
    """Parameters a flow cannot be called with; the message names them. ``problem`` is
    set when one parameter is at fault, for a form to mark its field."""

    def __init__(self, message: str, problem: ParameterProblem | None = None) -> None:
        super().__init__(message)
        self.problem = problem


class ParameterInfo(NamedTuple):
    """One parameter of a ``@flow`` function, as a form asking for it shows it."""

    name: str
    required: bool  # no default
    default: str  # the default as JSON (its repr if JSON cannot hold it); "" when required
    annotation: str  # ``int``, ``list[str]``; "" when not annotated
    choices: tuple[str, ...] = ()  # an ``Enum``'s member names, the values to type

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ParameterInfo:
        """One parameter as a loader process described it (``_asdict()``, through JSON)."""
        return cls(**{**data, "choices": tuple(data.get("choices", ()))})

    def offered(self, most: int = 8) -> str:
        """``one of LOW, HIGH``: what a form or a listing says of the values it takes
        ("" when any value of its type goes); past ``most`` names, the first few."""
        if not self.choices:
            return ""
        if len(self.choices) <= most:
            return f"one of {', '.join(self.choices)}"
        return f"one of {', '.join(self.choices[:most])}, … ({len(self.choices)} in all)"


def signature_parameters(
    fn: Callable[..., Any], describing: list[str] | None = None
) -> list[ParameterInfo]:
    """``fn``'s named parameters (not ``*args``/``**kwargs``), in order. ``describing``
    holds the name of the one whose default is being described (its repr is the user's
    code: ``workspace/default_reprs`` names the one that never returned)."""
    signature = _signature(fn)
    if signature is None:
        return []
    declared = hints(fn)
    out = []
    for p in signature.parameters.values():
        if p.kind in _VARIADIC:
            continue
        if describing is not None:
            describing[:] = [p.name]
        own = _default(p)
        required = own is p.empty
        default = "" if required else json.dumps(own, default=_shown, ensure_ascii=False)
        annotation = "" if p.annotation is p.empty else type_text(p.annotation)
        out.append(
            ParameterInfo(p.name, required, default, annotation, choices(declared.get(p.name)))
        )
    return out


def _default(parameter: inspect.Parameter) -> Any:
    """A parameter's default, pydantic's ``Field(default=5, ge=1)`` read as its 5 (as
    Prefect's validation reads it); ``empty`` for none."""
    if is_field(parameter.default):
        return field_default(parameter.default)
    return parameter.default


def _signature(fn: Callable[..., Any]) -> inspect.Signature | None:
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin or an odd callable: nothing to name
        return None


def _shown(value: Any) -> Any:
    """A default as the form shows it: a date or path as its text, an enum by the name
    the form offers (``"LOW"``, not its value ``1``), a pydantic secret as its stars
    (``**********``, as pydantic writes it in JSON and so Prefect's schema shows it),
    else its repr."""
    if isinstance(value, enum.Enum):
        return value.name
    if _is_secret(value):
        return "**********" if value.get_secret_value() else ""
    for json_of in (to_json, pydantic_json):  # a timedelta as pydantic writes it, "PT1H"
        try:
            return json_of(value)
        except TypeError:
            continue
    return safe_repr(value)


def _is_secret(value: Any) -> bool:
    """Whether ``value`` is pydantic's ``SecretStr`` or ``SecretBytes`` (or a ``Secret``)."""
    kind = type(value)
    return kind.__module__.startswith("pydantic") and "Secret" in kind.__name__


def _stored(value: Any) -> Any:
    """``json.dumps``' ``default``: a date, path or enum as its text; anything else JSON
    cannot hold as its ``repr``, tagged ``UNSTORED``."""
    try:
        return to_json(value)
    except TypeError:
        return {UNSTORED: safe_repr(value)}


def given_json(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> str | None:
    """The arguments of a call of ``fn`` by parameter name, as a JSON object (defaults not
    applied: a rerun takes the defaults of the code it runs); None for a call without any.
    A ``Field(default=5)`` default is a default too, though the call carries it: ``call_for``
    and a drop-in flow's validation fill it in, as Prefect's, the body getting 5, not the
    ``FieldInfo`` (``_unfilled``)."""
    if not args and not kwargs:
        return None
    signature = _signature(fn)
    given: dict[str, Any]
    try:
        given = dict(signature.bind_partial(*args, **kwargs).arguments) if signature else {}
    except TypeError:  # the call itself fails, and says why; keep what it was given
        signature = None
    if signature is None:
        given = {**{f"arg{i}": a for i, a in enumerate(args)}, **kwargs}
    else:
        given = _unfilled(signature, given)
        if not given:
            return None
    given = _declared_json(fn, given)
    try:
        return _as_json(given)
    except RecursionError:  # one value nested too deeply: kept as its repr, by name
        return _as_json({name: _shallow(value) for name, value in given.items()})


def _unfilled(signature: inspect.Signature, given: dict[str, Any]) -> dict[str, Any]:
    """``given`` without the values the ``Field(default=...)`` defaults of its parameters
    give (filled in for the body, never shown as ``started with n=5`` nor kept for a
    rerun). A value so given by name is left out too: it cannot be told apart, and reads
    the same as the default. A run's retry, called with the values its first attempt got,
    records what the first did."""
    named = signature.parameters
    fields = [n for n in given if n in named and is_field(named[n].default)]
    for name in fields:
        default = _default(named[name])
        with contextlib.suppress(Exception):  # an ``==`` that raises (an array's): given
            if default is given[name] or bool(default == given[name]):
                del given[name]
    return given


#: Values kept as pydantic's JSON of them where their parameter declares their type.
_PYDANTIC_JSON = (dt.timedelta, decimal.Decimal, uuid.UUID)


def _declared_json(fn: Callable[..., Any], given: dict[str, Any]) -> dict[str, Any]:
    """``given`` with a value of a type pydantic writes as JSON (a ``timedelta`` as
    ``"PT2H"``) given to a parameter annotated with that type as that JSON, which the
    parameter makes the same value again (a rerun's); another stays as it is (its repr)."""
    if not any(
        isinstance(v, _PYDANTIC_JSON) or type(v).__module__.startswith("pydantic")
        for v in given.values()
    ):
        return given  # (nearly every call: no annotations read)
    declared = hints(fn)
    kept = dict(given)
    for name, value in given.items():
        with contextlib.suppress(TypeError):
            kept[name] = json_as_declared(value, declared.get(name))
    return kept


def _as_json(given: Mapping[str, Any]) -> str:
    text = json.dumps(given, default=_stored, ensure_ascii=False, separators=(",", ":"))
    check_depth(text)
    return text


def _shallow(value: Any) -> Any:
    try:
        _as_json({"": value})
    except RecursionError:
        return {UNSTORED: f"{safe_repr(value, 40)} (nested over {MAX_JSON_DEPTH} deep)"}
    return value


def decode(text: str | None) -> dict[str, Any]:
    """A run's stored parameters (``given_json``); {} for a run without any."""
    if not text:
        return {}
    try:
        value = json.loads(text)  # (rows are never stored past MAX_JSON_DEPTH: no scan)
    except (ValueError, RecursionError):  # one another Python stored: none, not a crash
        return {}
    return value if isinstance(value, dict) else {}


def call_for(
    fn: Callable[..., Any],
    flow: str,
    parameters: Mapping[str, Any],
    *,
    typed: bool = True,
    replayed: Collection[str] = (),
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The positional and keyword arguments that call ``fn`` with ``parameters`` by name.

    Each value is made the type its annotation declares (``parameter_types.coerce``),
    items and all, and one that does not fit is refused (null too, unless the annotation
    is ``X | None`` or the default None), unless not ``typed`` (Prefect's
    ``@flow(validate_parameters=False)``).

    ``replayed``: the names whose values come from the run store, what a run already ran
    with (a rerun's). They are made their types the same way (a stored ``date`` is its
    text), but never refused: a Python caller's values were not checked (``name=None``
    for ``name: str``), and refusing them again made that run one no rerun could repeat.
    Raises ``ParameterError`` for a name ``fn`` does not take (it has no ``**kwargs``), a
    value kept only as its ``repr`` or (typed, not replayed) not of its type, or a
    parameter without a default left out.
    """
    for name, value in parameters.items():
        if isinstance(value, dict) and set(value) == {UNSTORED}:
            raise ParameterError(
                f"flow {flow!r}: parameter {name} was {value[UNSTORED]}, which the run store "
                "cannot hold (not JSON): give it again with --param, or rerun from Python",
                ParameterProblem(name, f"was {value[UNSTORED]}, not JSON: give a value"),
            )
    signature = _signature(fn)
    if signature is None:
        return (), dict(parameters)
    named = signature.parameters
    declared = hints(fn) if parameters and typed else {}
    extra_name = next((p.name for p in named.values() if p.kind is p.VAR_KEYWORD), None)
    arguments: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    unknown = []
    for name, value in parameters.items():
        parameter = named.get(name)
        if parameter is not None and parameter.kind is parameter.VAR_POSITIONAL:
            if not isinstance(value, list):
                raise ParameterError(
                    f"flow {flow!r}: {name} takes extra positional arguments: give a JSON "
                    f"list, as in --param '{name}=[1, 2]'"
                )
            arguments[name] = tuple(value)
        elif parameter is not None and parameter.kind is parameter.VAR_KEYWORD:
            if not isinstance(value, dict):
                raise ParameterError(
                    f"flow {flow!r}: {name} takes extra keyword arguments: give a JSON object"
                )
            extra.update(value)
        elif parameter is not None and name in replayed:
            arguments[name] = _replayed(value, declared.get(name))
        elif parameter is not None:
            if typed and parameter.annotation is parameter.empty:
                _check_by_default(flow, name, value, parameter.default)
            try:
                none_default = parameter.default is None  # ``note: str = None`` takes null
                arguments[name] = coerce(value, declared.get(name), none_default=none_default)
            except ValueError as exc:
                raise ParameterError(
                    f"flow {flow!r}: parameter {name}: {exc}", ParameterProblem(name, str(exc))
                ) from None
        elif extra_name is not None:
            extra[name] = value
        else:
            unknown.append(name)
    if unknown:
        takes = [p.name for p in named.values() if p.kind not in _VARIADIC]
        hint = did_you_mean(unknown[0], takes)
        listed = f"it takes {', '.join(takes)}" if takes else "it takes none"
        raise ParameterError(
            f"flow {flow!r} has no parameter {', '.join(unknown)}{hint}; {listed}",
            ParameterProblem(unknown[0], f"the flow takes no such parameter; {listed}"),
        )
    for p in named.values():  # a ``Field(default=5)`` default: its 5, as Prefect's
        if p.name not in arguments and is_field(p.default) and _default(p) is not p.empty:
            arguments[p.name] = _default(p)
    missing = [
        p.name
        for p in named.values()
        if _default(p) is p.empty and p.kind not in _VARIADIC and p.name not in arguments
    ]
    if missing:
        raise ParameterError(
            f"flow {flow!r} needs {', '.join(missing)} (no default): give "
            + " ".join(f"--param {name}=VALUE" for name in missing),
            ParameterProblem(missing[0], "has no default: give it a value"),
        )
    if extra_name is not None and extra:
        arguments[extra_name] = extra
    bound = inspect.BoundArguments(signature, _in_order(named, arguments))
    return tuple(bound.args), dict(bound.kwargs)


def _in_order(named: Mapping[str, inspect.Parameter], arguments: dict[str, Any]) -> dict[str, Any]:
    """``arguments`` in the signature's order. Given extra positional arguments
    (``*rest``), each positional parameter before them not given takes its default: only
    through those do they reach the function (``-p 'rest=[1, 2]'`` of ``def f(n=3, *rest,
    **extra)`` was passed as ``rest=(1, 2)`` into ``extra``)."""
    ordered: dict[str, Any] = {}
    star = next((p.name for p in named.values() if p.kind is p.VAR_POSITIONAL), None)
    for name, parameter in named.items():
        if name in arguments:
            ordered[name] = arguments[name]
        elif star in arguments and parameter.kind in _POSITIONAL:
            ordered[name] = _default(parameter)  # (one without a default was refused)
    return ordered


def _replayed(value: Any, hint: Any) -> Any:
    """A stored value as its annotation makes it (a ``date`` stored as its text is a date
    again), or as stored where it does not fit: the run it comes from was called with it."""
    try:
        return coerce(value, hint, none_default=True)
    except ValueError:
        return value


def _check_by_default(flow: str, name: str, value: Any, default: Any) -> None:
    """Refuse a value not of the kind of an unannotated parameter's default: a list, a
    dict or a bool (``default_misfit``), naming the parameter and the fix."""
    needed = default_misfit(value, default)
    if needed is None:
        return
    kind = type(default).__name__
    if isinstance(default, list | tuple | set | frozenset):
        example = json.dumps([value], ensure_ascii=False, default=safe_repr)
    elif isinstance(default, dict):
        example = json.dumps(default, ensure_ascii=False, default=safe_repr)
        example = example if len(example) <= 40 else '{"key": "value"}'
    else:  # a bool: `False` typed as Python writes it is text, and true
        example = "false" if str(value).strip().lower() == "false" else "true"
    article = "an" if kind[0] in "aeiou" else "a"
    reason = f"takes {needed}, got {safe_repr(value)}"
    why = f"it has no annotation, and its default is {article} {kind}"
    raise ParameterError(
        f"flow {flow!r}: parameter {name} {reason} ({why}): write it as in "
        f"--param '{name}={example}', or annotate it ({name}: {annotation_for(default)})",
        ParameterProblem(name, f"{reason} ({why}): as in {example}"),
    )


def _assignment(text: str) -> tuple[str, str]:
    """``NAME=VALUE`` split, the value as typed; raises ``ParameterError`` without a name."""
    name, equals, raw = text.partition("=")
    name = name.strip()
    if not equals or not name.isidentifier():
        raise ParameterError(f"--param {text!r}: expected NAME=VALUE, as in --param n=4")
    return name, raw


class Given(NamedTuple):
    """Parameters as typed on a command line: their JSON values, and the text of each
    number among them (``1.10``), which a ``str`` parameter takes as it is (``as_typed``)."""

    values: dict[str, Any]
    texts: dict[str, str]


def parse_given(params: str | None, assignments: Iterable[str]) -> Given:
    """``--params`` (a JSON object), then each ``--param NAME=VALUE`` over it. Raises
    ``ParameterError`` naming the one that cannot be read."""
    values = parse_object(params) if params is not None else {}
    texts = _number_texts(params) if params is not None else {}
    for text in assignments:
        name, raw = _assignment(text)
        values[name] = parse_value(raw)
        typed = number_text(raw)
        if typed is None:
            texts.pop(name, None)  # a --param over a number of --params: not a number now
        else:
            texts[name] = typed
    return Given(values, texts)


def number_text(text: str) -> str | None:
    """``text`` without the spaces around it when ``parse_value`` reads it as a number
    (``1.10``, ``007`` is text already), else None: JSON keeps the number, not how it
    was written (``1.10`` is the float 1.1, ``1e3`` 1000.0)."""
    value = parse_value(text)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return text.strip()
    return None


class _NumberText(str):
    """A JSON number, as ``--params`` wrote it (``json.loads``' ``parse_float`` and
    ``parse_int``): told apart from a JSON string by its type."""


def _number_texts(params: str) -> dict[str, str]:
    """The text of each number ``--params`` gives a parameter (``{"version": 1.10}``);
    ``params`` has been read (``parse_object``) already, so it is an object of JSON."""
    read = json.loads(
        params, parse_float=_NumberText, parse_int=_NumberText, parse_constant=_NumberText
    )
    return {name: str(value) for name, value in read.items() if isinstance(value, _NumberText)}


def typed_value(text: str, annotation: str) -> Any:
    """A value typed in a form's field for a parameter annotated ``annotation``, read as
    ``--param`` reads it (``parse_value``), a number for a ``str`` as the text typed."""
    typed = number_text(text)
    if typed is not None and keeps_text(annotation):
        return typed
    return parse_value(text.strip())


def keeps_text(annotation: str) -> bool:
    """Whether a parameter annotated ``annotation`` (as ``ParameterInfo`` writes it) takes
    a number typed for it as the text typed: ``str``, ``str | None``, ``Optional[str]``."""
    return takes_text(hint_named(annotation))


def as_typed(
    values: Mapping[str, Any], texts: Mapping[str, str], parameters: Iterable[ParameterInfo]
) -> dict[str, Any]:
    """``values`` (``Given.values``) with a number typed for a parameter annotated
    ``str`` (``parameters``: the flow's) as the text typed (``texts``): ``-p
    version=1.10`` is "1.10", where JSON made it the float 1.1, whose text is "1.1".
    Done where the value is typed, since JSON (the run store, a launched run's
    ``--params``) carries the number, not how it was written."""
    kept = dict(values)
    for parameter in parameters:
        text = texts.get(parameter.name)
        if text is not None and parameter.name in kept and keeps_text(parameter.annotation):
            kept[parameter.name] = text
    return kept


#: JSON nested deeper than this is neither stored nor read, whatever the Python: 3.11 reads
#: about 990 levels, 3.12 1,500, 3.13 9,990, and one store serves them all (a run 3.13
#: stored 5,000 deep made `flowtop history` on 3.11 end in a traceback).
MAX_JSON_DEPTH = 500


#: A JSON string (skipped whole, brackets inside it are text), or a bracket.
_STRINGS_OR_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def check_depth(text: str) -> None:
    """Raise ``RecursionError`` if the JSON ``text`` nests deeper than ``MAX_JSON_DEPTH``."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return  # (nearly every text: no scan)
    depth = 0
    for found in _STRINGS_OR_BRACKETS.finditer(text):  # strings are skipped by the regex
        char = found[0]
        if char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise RecursionError(f"JSON nested over {MAX_JSON_DEPTH} deep")
        elif char in "]}":
            depth -= 1


def read_json(text: str) -> Any:
    """``json.loads``, refusing (``RecursionError``) what nests past ``MAX_JSON_DEPTH``."""
    check_depth(text)
    return json.loads(text)


def parse_value(text: str) -> Any:
    """A typed value: JSON if it reads as JSON, else the text itself (``eu-west``). JSON
    nested deeper than ``MAX_JSON_DEPTH`` (``[[[…]]]``) is text too."""
    try:
        return read_json(text)
    except (ValueError, RecursionError):
        return text


def value_text(value: Any, annotation: str = "") -> str:
    """A value as someone would type it back (``parse_value`` reads it as ``value``): a
    string bare unless it would read as something else (``"4"``), the rest as JSON. For a
    parameter annotated ``str`` (``annotation``) a number's text is bare too (``1.10``):
    it is read back as that text (``as_typed``)."""
    if isinstance(value, str) and parse_value(value) == value:
        return value
    if isinstance(value, str) and number_text(value) == value and keeps_text(annotation):
        return value
    return json.dumps(value, ensure_ascii=False)


def parse_object(text: str) -> dict[str, Any]:
    """``--params '{"n": 4}'``: a JSON object of parameters by name."""
    try:
        value = read_json(text)
    except RecursionError:
        raise ParameterError(f"--params: JSON nested over {MAX_JSON_DEPTH} deep") from None
    except ValueError as exc:
        raise ParameterError(f"--params: not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ParameterError(
            f"--params: expected a JSON object of NAME: VALUE, got {safe_repr(text)}"
        )
    return value


#: What JSON leaves as it is but ``printable`` shows as an escape of its own: DEL, C1,
#: lone surrogates, bidi and invisible format characters. Not a byte that was not UTF-8
#: (``surrogateescape``'s U+DC80-U+DCFF: an argument's raw byte), which ``printable``
#: shows as that byte, ``\xff``, as in a file's name; nor a tag (``printable``'s
#: ``\U000e0069``: JSON's is a surrogate pair).
_UNSEEN = re.compile(rf"[\x7f-\x9f\ud800-\udc7f\udd00-\udfff{BIDI}{INVISIBLE}]")


def describe(parameters: Mapping[str, Any], limit: int = 60) -> str:
    """``n=4, factor=0.5, region="eu"``: a run's parameters on one line, each value cut
    at ``limit`` characters. A value's unseen characters are written as JSON writes a
    control character (``\\u009b`` as ``\\u001b``): ``printable`` then showed ``\\x9b``
    beside JSON's ``\\u001b``, two spellings in one value."""
    parts = []
    for name, value in parameters.items():
        if isinstance(value, dict) and set(value) == {UNSTORED}:
            text = str(value[UNSTORED])
        else:
            text = json.dumps(value, ensure_ascii=False)
            text = _UNSEEN.sub(lambda unseen: f"\\u{ord(unseen[0]):04x}", text)
        if len(text) > limit:
            text = text[: limit - 1] + "…"
        parts.append(f"{name}={text}")
    return ", ".join(parts)
