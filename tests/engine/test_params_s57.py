"""Parameters given as JSON (``--param``, the run form, a rerun) made as Prefect 3's
pydantic makes them (rv352's findings 1-3): a type flowtop cannot check never crashes,
``Annotated``/``conint``/``Field`` constraints are checked, and the types pydantic knows
(``timedelta``, ``Decimal``, ``UUID``, ``bytes``, a ``NamedTuple``, lax ``bool``) take
the values a Python call gets them from."""

from __future__ import annotations

import datetime as dt
import inspect
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, NamedTuple, Protocol, TypedDict
from uuid import UUID

import pytest
from pydantic import Field, conint

from flowtop.engine.parameter_types import coerce, hints, type_text
from flowtop.engine.parameters import ParameterError, call_for, given_json, signature_parameters


class Opts(TypedDict):
    a: int
    b: str


class HasName(Protocol):
    name: str


class Point(NamedTuple):
    x: int
    y: int


def takes_opts(opts: Opts, o: HasName | None = None) -> None: ...


def bounded(
    n: Annotated[int, Field(ge=1, le=10)] = 5,
    m: conint(ge=1) = 3,  # type: ignore[valid-type]
    name: Annotated[str, Field(min_length=2)] = "ab",
) -> None: ...


def fielded(n: int = Field(default=5, ge=1)) -> None: ...


NO_RUN = UUID(int=0)
ORIGIN = Point(1, 2)


def typed(
    since: dt.timedelta = dt.timedelta(hours=1),
    amount: Decimal = Decimal("1.5"),
    run: UUID = NO_RUN,
    p: Point = ORIGIN,
    raw: bytes = b"",
    flag: bool = False,
    day: dt.date = dt.date(2024, 1, 1),
) -> None: ...


def made(fn: Callable[..., Any], given: dict[str, Any], **options: Any) -> dict[str, Any]:
    """The arguments ``call_for`` calls ``fn`` with, by name."""
    args, kwargs = call_for(fn, fn.__name__, given, **options)
    return dict(inspect.signature(fn).bind_partial(*args, **kwargs).arguments)


def test_a_typed_dict_or_protocol_parameter_never_crashes() -> None:
    got = made(takes_opts, {"opts": {"a": 1, "b": "x"}, "o": {"name": "x"}})
    assert got == {"opts": {"a": 1, "b": "x"}, "o": {"name": "x"}}
    assert coerce({"name": "x"}, HasName) == {"name": "x"}


def test_annotated_constraints_are_refused_naming_the_parameter() -> None:
    with pytest.raises(ParameterError, match=r"parameter n: expected int \(Input should be"):
        call_for(bounded, "annot", {"n": 0})
    with pytest.raises(ParameterError, match=r"parameter m: .*greater than or equal to 1"):
        call_for(bounded, "annot", {"m": 0})
    with pytest.raises(ParameterError, match=r"parameter name: .*at least 2 characters"):
        call_for(bounded, "annot", {"name": "x"})
    assert made(bounded, {"n": "7", "m": 2, "name": "abc"}) == {
        "n": 7,
        "m": 2,
        "name": "abc",
    }


def test_a_field_default_is_its_default_and_its_constraints() -> None:
    assert made(fielded, {}) == {"n": 5}
    with pytest.raises(ParameterError, match=r"parameter n: .*greater than or equal to 1"):
        call_for(fielded, "f", {"n": 0})
    assert signature_parameters(fielded)[0].default == "5"


def test_hints_keep_annotated_and_type_text_shows_the_type() -> None:
    declared = hints(bounded)
    assert declared["n"].__metadata__  # Annotated kept, for pydantic to check
    assert type_text(declared["n"]) == "int"


def test_pydantic_types_take_the_values_a_python_call_takes() -> None:
    given = {
        "since": "PT2H",
        "amount": 2.25,
        "run": "12345678-1234-5678-1234-567812345678",
        "p": [3, 4],
        "raw": "abc",
        "flag": "yes",
        "day": "2024-01-02T00:00:00",
    }
    assert made(typed, given) == {
        "since": dt.timedelta(hours=2),
        "amount": Decimal("2.25"),
        "run": UUID("12345678-1234-5678-1234-567812345678"),
        "p": Point(3, 4),
        "raw": b"abc",
        "flag": True,
        "day": dt.date(2024, 1, 2),
    }
    assert made(typed, {"since": 3600, "flag": 0}) == {
        "since": dt.timedelta(hours=1),
        "flag": False,
    }


def test_a_value_pydantic_refuses_is_refused_in_its_words() -> None:
    with pytest.raises(ParameterError, match=r"parameter since: expected timedelta \(Input"):
        call_for(typed, "types", {"since": "yesterday"})
    with pytest.raises(ParameterError, match="parameter flag: expected bool"):
        call_for(typed, "types", {"flag": "maybe"})
    with pytest.raises(ParameterError, match="parameter day: expected date"):
        call_for(typed, "types", {"day": "2024-01-02T01:00:00"})


def test_defaults_show_and_values_store_as_pydantic_json() -> None:
    shown = {p.name: p.default for p in signature_parameters(typed)}
    assert shown["since"] == '"PT1H"'
    assert shown["amount"] == '"1.5"'
    stored = json.loads(given_json(typed, (), {"since": dt.timedelta(hours=2)}) or "{}")
    assert stored == {"since": "PT2H"}  # a rerun makes it the same timedelta again
    assert made(typed, stored, replayed=["since"]) == {"since": dt.timedelta(hours=2)}
