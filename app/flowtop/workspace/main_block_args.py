"""The arguments a flow file's ``__main__`` block calls a flow with, as a run's parameters.

Prefect's examples end with ``if __name__ == "__main__": extract(pages=10)``, and
``python FILE`` runs ``extract`` with 10. ``flowtop run FILE`` ran it with the defaults,
or asked for ``--param pages=…`` when ``pages`` had none. So the block's arguments that
are literals (``ast.literal_eval``: numbers, strings, lists, dicts, True/False/None) are
bound to the flow's signature, positional ones by position, and become that run's
parameters, under those given with ``-p`` (which win, each by its name).

The block is never run: an argument that is an expression (a variable, a call,
``sys.argv[1]``) is not guessed. It is kept as written (``unread``), to name it when its
parameter has no default, and to say that a parameter with one takes its default.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from ..engine.parameters import ParameterError, ParameterProblem, describe
from ..engine.suggest import did_you_mean
from .entry_flows import DRAWING
from .load_error import display_path

if TYPE_CHECKING:
    from ..engine.flow import Flow
    from .entry_flows import BlockCall

#: Why an argument is not a parameter: it is code, not a value.
NOT_READ = "an expression flowtop cannot read without running the file"
#: Why a literal is not a parameter: a run's parameters are JSON.
NOT_JSON = "a value a run's parameters cannot hold (not JSON)"

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


@dataclass(frozen=True)
class Unread:
    """An argument of the block that is not a value flowtop can give a run, as written."""

    text: str


@dataclass(frozen=True)
class MainCall:
    """How a flow file's ``__main__`` block calls one of its flows: the literal arguments
    by parameter name, the arguments not read (``unread``: parameter -> as written), a
    ``*args``/``**opts``/``parameters=opts`` not read (``rest``: it may give any parameter),
    the parameters without a default (``required``), and why the call cannot bind to the
    flow's parameters (``problem``: ``python FILE`` fails on it too). ``loose``: the
    keywords the flow's ``**kwargs`` takes, which have no default to fall back on.
    ``order``: the call's place in the block's order, ``again`` the lines of its later
    calls of the flow, not run; ``how`` the flow's method it calls that flowtop does not
    do (``serve``, ``deploy``, ``visualize``), as ``written`` (``entry_flows.BlockCall``)."""

    file: str
    line: int
    parameters: dict[str, Any] = field(default_factory=dict)
    unread: dict[str, str] = field(default_factory=dict)
    rest: str = ""
    required: tuple[str, ...] = ()
    problem: str = ""
    loose: tuple[str, ...] = ()
    order: int = 0
    again: tuple[int, ...] = ()
    how: str = ""
    written: str = ""
    within: str = ""

    @property
    def where(self) -> str:
        """``flows/etl.py:12``: where the block makes the call (``flows/etl.py:12, in
        main()``: in the module's function the block calls, ``within``)."""
        inside = f", in {self.within}()" if self.within else ""
        return f"{display_path(self.file)}:{self.line}{inside}"

    def to_json(self) -> dict[str, Any]:
        """As ``flowtop list --json`` adds it to the flow: ``main_block_parameters``, and
        what ``flowtop run --detach`` needs besides in ``main_block_call``."""
        call = {"line": self.line, "order": self.order, "unread": self.unread, "rest": self.rest}
        call.update(required=list(self.required), problem=self.problem, loose=list(self.loose))
        call.update(again=list(self.again), how=self.how, written=self.written)
        call.update(within=self.within)
        return {"main_block_parameters": self.parameters, "main_block_call": call}

    @classmethod
    def from_json(cls, flow: Mapping[str, Any]) -> MainCall | None:
        """A flow's call as ``flowtop list --json`` described it; None when its block
        does not call it."""
        call = flow.get("main_block_call")
        if call is None:
            return None
        return cls(
            file=str(flow.get("file") or ""),
            line=int(call["line"]),
            parameters=dict(flow.get("main_block_parameters", {})),
            unread={str(k): str(v) for k, v in call["unread"].items()},
            rest=str(call["rest"]),
            required=tuple(map(str, call["required"])),
            problem=str(call["problem"]),
            loose=tuple(map(str, call.get("loose", ()))),
            order=int(call.get("order", 0)),
            again=tuple(map(int, call.get("again", ()))),
            how=str(call.get("how", "")),
            written=str(call.get("written", "")),
            within=str(call.get("within", "")),
        )


def bind_main_call(flow: Flow, call: BlockCall, file: str) -> MainCall:
    """``call``'s arguments bound to ``flow``'s parameters by name."""
    positional, rest = _positional(call.positional)
    keywords, rest_of_keywords = _keywords(call.keywords)
    rest = rest or rest_of_keywords
    signature = _signature(getattr(flow, "fn", None))
    required: tuple[str, ...] = ()
    loose: tuple[str, ...] = ()
    if signature is None:  # a static flow (``with Flow(...)``): it takes no parameters
        problem = "it takes no positional arguments" if positional else ""
        bound = keywords  # (``start_arguments`` refuses them by name)
    else:
        named = tuple(signature.parameters.values())
        required = tuple(p.name for p in named if p.default is p.empty and p.kind not in _VARIADIC)
        bound, problem = _bound(named, positional, keywords)
        loose = tuple(name for name in bound if name not in signature.parameters)
    if problem:
        problem = (
            f"flow {flow.name!r}: the __main__ block at {display_path(file)}:{call.line} calls "
            f"it with arguments it does not take: {problem} (python {display_path(file)} "
            "fails on it too)"
        )
    if call.how in DRAWING:  # ``X.visualize()``: Prefect draws it, and runs nothing
        problem = (
            f"flow {flow.name!r}: the __main__ block at {display_path(file)}:{call.line} calls "
            f"{call.written}, which draws its graph in Prefect without running it; flowtop "
            f"has no visualize() and runs nothing in its place (--flow {flow.name!r} runs it)"
        )
    return MainCall(
        file=file,
        line=call.line,
        parameters={name: value for name, value in bound.items() if not isinstance(value, Unread)},
        unread={name: value.text for name, value in bound.items() if isinstance(value, Unread)},
        rest=rest,
        required=required,
        problem=problem,
        loose=loose,
        order=call.order,
        again=call.again,
        how=call.how,
        written=call.written,
        within=call.within,
    )


def called_again_note(flow: str, call: MainCall) -> str | None:
    """The line saying the block calls ``flow`` more than once and only the first call
    runs (``python FILE`` runs each); None when it calls it once."""
    if not call.again:
        return None
    lines = ("line " if len(call.again) == 1 else "lines ") + ", ".join(map(str, call.again))
    return (
        f"{PurePath(call.file).name}'s __main__ block calls {flow} again ({lines}): "
        f"flowtop run runs each flow once, as line {call.line} calls it"
    )


def in_call_order(calls: Mapping[str, MainCall]) -> list[str]:
    """The flows of ``calls`` in the order their file's ``__main__`` block calls them,
    which is the order ``flowtop run FILE`` runs them in, as ``python FILE`` does (each
    file's together, in the order ``calls`` first names a flow of it)."""
    files = list(dict.fromkeys(call.file for call in calls.values()))
    return sorted(calls, key=lambda name: (files.index(calls[name].file), calls[name].order))


def called_in_order(flows: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The same, of the flows as ``flowtop list --json`` describes them (``--detach``,
    which has only that): the ones with a ``main_block_call``."""
    calls = {
        name: call for name, info in flows.items() if (call := MainCall.from_json(info)) is not None
    }
    return in_call_order(calls)


def _signature(fn: object) -> inspect.Signature | None:
    if fn is None or not callable(fn):
        return None
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin or an odd callable: nothing to bind to
        return None


def _bound(
    named: tuple[inspect.Parameter, ...], positional: list[Any], keywords: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    """The arguments by parameter name, as Python binds a call (the positional ones in
    order, the ones past them into ``*args`` as a list; a keyword it does not name into
    ``**kwargs``, by its own name, as ``--param`` gives it), and why they cannot bind."""
    slots = [p.name for p in named if p.kind in _POSITIONAL]
    extra = next((p.name for p in named if p.kind is p.VAR_POSITIONAL), None)
    takes_any = any(p.kind is p.VAR_KEYWORD for p in named)
    unknown = [name for name in keywords if name not in slots and not _keyword_only(named, name)]
    if unknown and not takes_any:
        takes = [p.name for p in named if p.kind not in _VARIADIC]
        listed = f"it takes {', '.join(takes)}" if takes else "it takes none"
        return {}, f"it has no parameter {unknown[0]}{did_you_mean(unknown[0], takes)}; {listed}"
    bound = dict(zip(slots, positional, strict=False))
    past = positional[len(slots) :]
    if past and extra is None:
        return {}, f"it takes {len(slots)} positional arguments, {len(positional)} given"
    if past and extra is not None:
        unread = [item.text for item in past if isinstance(item, Unread)]
        bound[extra] = Unread(", ".join(unread)) if unread else past
    twice = [name for name in keywords if name in bound]
    if twice:
        return {}, f"{twice[0]} given twice, by position and by name"
    return {**bound, **keywords}, ""


def _keyword_only(named: tuple[inspect.Parameter, ...], name: str) -> bool:
    return any(p.name == name and p.kind is p.KEYWORD_ONLY for p in named)


def _positional(given: Iterable[ast.expr]) -> tuple[list[Any], str]:
    """The positional arguments' values (``Unread`` where not a value), and a ``*args``
    that is not a literal (the ones after it cannot be placed: left out)."""
    values: list[Any] = []
    for expr in given:
        if not isinstance(expr, ast.Starred):
            values.append(literal(expr))
            continue
        spread = literal(expr.value)
        if not isinstance(spread, list):
            return values, ast.unparse(expr)
        values.extend(spread)
    return values, ""


def _keywords(given: Iterable[ast.keyword]) -> tuple[dict[str, Any], str]:
    """The keyword arguments' values by name, a literal ``**{...}`` spread out, and a
    ``**opts`` (or ``serve(parameters=opts)``) that is not a literal dict."""
    values: dict[str, Any] = {}
    rest = ""
    for keyword in given:
        if keyword.arg is not None:
            values[keyword.arg] = literal(keyword.value)
            continue
        spread = literal(keyword.value)
        if isinstance(spread, dict):
            values.update(spread)
        else:
            rest = rest or ast.unparse(keyword.value)
    return values, rest


def literal(expr: ast.expr) -> Any:
    """``expr``'s value as a run's parameter (JSON: a tuple or set as a list), or
    ``Unread`` when it is not a literal or JSON cannot hold it (``b"x"``, ``1j``)."""
    try:
        return _as_json(ast.literal_eval(expr))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return Unread(ast.unparse(expr))


def _as_json(value: Any) -> Any:
    """``value`` as JSON holds it; raises ``TypeError`` for what it cannot hold."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_as_json(item) for item in value]
    if isinstance(value, set | frozenset):  # in one order, whatever the hash seed
        return sorted((_as_json(item) for item in value), key=repr)
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: _as_json(item) for key, item in value.items()}
    raise TypeError(type(value).__name__)


def why_unread(text: str) -> str:
    """Why the argument written ``text`` is not given to the run (``NOT_READ``, or
    ``NOT_JSON`` for a literal such as ``b"x"``)."""
    try:
        ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return NOT_READ
    return NOT_JSON


def with_main_call(call: MainCall | None, given: Mapping[str, Any]) -> dict[str, Any]:
    """The run's parameters: the block's literals, each under ``given`` (``-p``)."""
    return {**(call.parameters if call is not None else {}), **given}


def start_arguments(flow: Flow, call: MainCall | None, given: Mapping[str, Any]) -> dict[str, Any]:
    """``flow.start_arguments`` for a run of ``flow`` as its file's ``__main__`` block
    calls it (``call``), ``given`` over the block's literals. Raises ``ParameterError``
    saying where the block gives what is refused: a parameter without a default that it
    passes an expression, a literal not of its type."""
    if call is None:
        return flow.start_arguments(given)
    if call.problem:
        raise ParameterError(call.problem)
    refusal = unread_refusal(flow.name, call, given)
    if refusal is not None:
        raise refusal
    try:
        return flow.start_arguments(with_main_call(call, given))
    except ParameterError as exc:
        name = exc.problem.name if exc.problem is not None else None
        if name is None or name not in call.parameters or name in given:
            raise
        passes = f"the __main__ block at {call.where} passes it"
        raise ParameterError(
            f"{exc} ({passes}; -p {name}=VALUE gives another)", exc.problem
        ) from None


def unread_refusal(flow: str, call: MainCall, given: Mapping[str, Any]) -> ParameterError | None:
    """Why the run cannot start: a parameter without a default that the block passes an
    expression (or may pass it, in a ``**opts``) and ``-p`` does not give."""
    missing = [n for n in call.required if n not in call.parameters and n not in given]
    said = [
        f"the __main__ block at {call.where} passes {name} {text}, {why_unread(text)}"
        for name in missing
        if (text := call.unread.get(name)) is not None
    ]
    if not said and call.rest and missing:
        said = [f"the __main__ block at {call.where} passes {call.rest}, {NOT_READ}"]
    if not said:
        return None
    options = " ".join(f"-p {name}=VALUE" for name in missing)
    return ParameterError(
        f"flow {flow!r} needs {', '.join(missing)} (no default): {'; '.join(said)}; "
        f"give {'it' if len(missing) == 1 else 'them'} with {options}",
        ParameterProblem(missing[0], "the __main__ block passes an expression: give a value"),
    )


def as_called(flow: str, call: MainCall, given: Mapping[str, Any]) -> str:
    """``extract(pages=10)``: the flow with the parameters the block gives it and ``-p``
    does not; "" when it gives none."""
    from_block = {name: v for name, v in call.parameters.items() if name not in given}
    return f"{flow}({describe(from_block)})" if from_block else ""


def defaults_notes(call: MainCall, given: Mapping[str, Any]) -> list[str]:
    """What the block passes that the run does not get, where the parameter's default
    stands in: ``etl.py:12: the __main__ block passes source sys.argv[1], an expression
    …: source takes its default (-p source=VALUE gives it)``; a keyword of the flow's
    ``**kwargs`` has none: ``the run is not given k`` (it said ``k takes its default``)."""
    taken = [n for n in call.unread if n not in given and n not in call.required]
    notes = [
        f"the __main__ block at {call.where} passes {name} {call.unread[name]}, "
        f"{why_unread(call.unread[name])}: {_left_out(name, call)} (-p {name}=VALUE gives it)"
        for name in taken
    ]
    if call.rest:
        notes.append(
            f"the __main__ block at {call.where} passes {call.rest}, {NOT_READ}: the "
            "parameters it may give take their defaults (-p NAME=VALUE gives one)"
        )
    return notes


def _left_out(name: str, call: MainCall) -> str:
    """What the run has instead of the argument ``name`` the block passes and the run does
    not get: its parameter's default, or nothing for a keyword of ``**kwargs``."""
    return f"the run is not given {name}" if name in call.loose else f"{name} takes its default"


def refusals(flow: Flow, call: MainCall | None, given: Mapping[str, Any]) -> dict[str, str]:
    """Why a run of ``flow`` given ``given`` would not start, for ``flowtop run --detach``
    to say before launching it (``workspace_description``): ``refused`` as ``--flow`` of a folder
    runs it, ``refused_as_called`` as its file's ``__main__`` block calls it (a file's)."""
    ways = {"refused": None, **({"refused_as_called": call} if call is not None else {})}
    reasons: dict[str, str] = {}
    for key, with_call in ways.items():
        try:
            start_arguments(flow, with_call, given)
        except ParameterError as exc:
            reasons[key] = str(exc)
    return reasons
