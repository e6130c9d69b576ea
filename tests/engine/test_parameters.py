"""A @flow run's parameters: recorded by name as JSON, turned back into the same call."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import re
from pathlib import Path, PurePath
from typing import Any, Literal, Optional

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowtop import flow
from flowtop.engine import Runner
from flowtop.engine.events import RunStarted
from flowtop.engine.parameter_types import coerce, hint_named, type_text
from flowtop.engine.parameters import (
    UNSTORED,
    ParameterError,
    ParameterInfo,
    call_for,
    decode,
    describe,
    given_json,
    parse_given,
    parse_object,
    signature_parameters,
)


def scaled(n: int, factor: float = 1.0, *rest: int, label: str = "run", **extra: Any) -> Any:
    return n, factor, rest, label, extra


def loose(n, factor=1.0, *rest, label="run", **extra):  # type: ignore[no-untyped-def]
    """Unannotated: any JSON value goes through as it is."""
    return n, factor, rest, label, extra


def positional(a: int, b: int = 2, /) -> tuple[int, int]:
    return a, b


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)


@given(
    n=JSON_VALUES,
    factor=JSON_VALUES,
    rest=st.lists(st.integers(), max_size=3),
    extra=st.dictionaries(st.sampled_from(["x", "y", "zone"]), JSON_VALUES),
)
def test_a_recorded_call_is_made_again_the_same_way(
    n: Any, factor: Any, rest: list[int], extra: dict[str, Any]
) -> None:
    """What a rerun in another process relies on: record, decode, call again."""
    args, kwargs = (n, factor, *rest), {"label": "x", **extra}
    again = call_for(loose, "loose", decode(given_json(loose, args, kwargs)))
    assert loose(*again[0], **again[1]) == loose(*args, **kwargs)


def test_positional_only_parameters_go_back_by_position() -> None:
    args, kwargs = call_for(positional, "p", decode(given_json(positional, (1, 5), {})))
    assert (args, kwargs) == ((1, 5), {})


def test_defaults_are_not_recorded_so_a_rerun_takes_the_code_s_own() -> None:
    assert decode(given_json(scaled, (3,), {})) == {"n": 3}
    assert given_json(scaled, (), {}) is None
    assert decode(None) == {}


def test_a_value_json_cannot_hold_is_kept_as_its_repr_and_refused_by_name() -> None:
    recorded = decode(given_json(scaled, (object(),), {}))
    assert set(recorded["n"]) == {UNSTORED} and "object object" in recorded["n"][UNSTORED]
    assert describe(recorded).startswith("n=<object object at")
    with pytest.raises(ParameterError, match=r"parameter n was <object object .*not JSON"):
        call_for(scaled, "scaled", recorded)


def test_missing_and_unknown_parameters_are_named() -> None:
    with pytest.raises(
        ParameterError, match=r"^flow 'scaled' needs n \(no default\): give --param n=VALUE$"
    ):
        call_for(scaled, "scaled", {"factor": 2})

    def strict(n: int, factor: float = 1.0) -> None: ...

    with pytest.raises(ParameterError) as caught:
        call_for(strict, "strict", {"n": 1, "fator": 2})
    assert str(caught.value) == (
        "flow 'strict' has no parameter fator (did you mean 'factor'?); it takes n, factor"
    )
    # a function with **extra takes any name
    assert call_for(scaled, "scaled", {"n": 1, "fator": 2}) == ((1,), {"fator": 2})


def test_variadic_parameters_want_their_json_shape() -> None:
    assert call_for(scaled, "s", {"n": 1, "factor": 2, "rest": [3, 4]}) == ((1, 2, 3, 4), {})
    with pytest.raises(ParameterError, match="rest takes extra positional arguments"):
        call_for(scaled, "s", {"n": 1, "rest": 3})
    with pytest.raises(ParameterError, match="extra takes extra keyword arguments"):
        call_for(scaled, "s", {"n": 1, "extra": [1]})


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("n=4", ("n", 4)),
        ("factor=0.5", ("factor", 0.5)),
        ("on=true", ("on", True)),
        ("days=[1, 2]", ("days", [1, 2])),
        ('label="4"', ("label", "4")),
        ("region=eu-west", ("region", "eu-west")),  # not JSON: the text itself
        ("empty=", ("empty", "")),
        ("query=a=b", ("query", "a=b")),
    ],
)
def test_param_values_are_json_else_text(text: str, parsed: tuple[str, Any]) -> None:
    name, value = parsed
    assert parse_given(None, [text]).values == {name: value}


@pytest.mark.parametrize("text", ["n", "=4", "two words=1", "1n=2"])
def test_a_param_without_a_name_is_refused(text: str) -> None:
    with pytest.raises(ParameterError, match="expected NAME=VALUE"):
        parse_given(None, [text])


def test_params_is_a_json_object() -> None:
    assert parse_object('{"n": 4}') == {"n": 4}
    with pytest.raises(ParameterError, match="expected a JSON object"):
        parse_object("[4]")
    with pytest.raises(ParameterError, match="not JSON"):
        parse_object("{n: 4}")


def test_a_form_sees_each_named_parameter_with_its_default_and_type() -> None:
    assert signature_parameters(scaled) == [
        ParameterInfo("n", True, "", "int"),
        ParameterInfo("factor", False, "1.0", "float"),
        ParameterInfo("label", False, '"run"', "str"),
    ]


def test_describe_cuts_long_values() -> None:
    assert describe({"n": 4, "label": "x" * 100}, limit=10) == 'n=4, label="xxxxxxxx…'


def test_a_flow_run_records_its_parameters_in_run_started() -> None:
    @flow
    def add(a: int, b: int = 1) -> int:
        return a + b

    seen: list[Any] = []
    with Runner(sinks=[seen.extend]) as runner:
        result = runner.start(add, **add.start_arguments({"a": 2})).final_result()
    assert result.value == 3
    (started,) = [e for e in seen if isinstance(e, RunStarted)]
    assert json.loads(started.parameters or "") == {"a": 2}
    assert started.as_json()["parameters"] == {"a": 2}
    assert add.parameters() == [
        ParameterInfo("a", True, "", "int"),
        ParameterInfo("b", False, "1", "int"),
    ]


def test_a_static_flow_takes_no_parameters() -> None:
    from flowtop import Flow

    static = Flow("etl")
    assert static.parameters() == [] and static.start_arguments({}) == {}
    with pytest.raises(ParameterError, match=r"flow 'etl' takes no parameters .*got n"):
        static.start_arguments({"n": 1})


class Mode(enum.Enum):
    FAST = "fast"
    FULL = "full"


def daily(
    day: dt.date,
    at: dt.datetime | None = None,
    out: Path = Path("/tmp/out.csv"),
    mode: Mode = Mode.FAST,
    limit: int | None = None,
    ratio: float = 1.0,
    label: str = "x",
    on: bool = False,
    tags: list[str] | None = None,
) -> dict[str, Any]:
    return dict(locals())


def test_values_given_as_text_become_the_annotated_type_as_prefect_validates_them() -> None:
    given = {
        "day": "2026-11-30",
        "at": "2026-11-30T06:00:00",
        "out": "/data/x.csv",
        "mode": "full",
        "limit": "5",
        "ratio": 2,
        "label": "4",  # typed "4" for a name (a bare 4 is refused: not a str)
        "on": "true",
        "tags": ["a"],
    }
    args, kwargs = call_for(daily, "daily", given)
    assert daily(*args, **kwargs) == {
        "day": dt.date(2026, 11, 30),
        "at": dt.datetime(2026, 11, 30, 6, 0),
        "out": Path("/data/x.csv"),
        "mode": Mode.FULL,
        "limit": 5,
        "ratio": 2.0,
        "label": "4",
        "on": True,
        "tags": ["a"],
    }
    _, kwargs = call_for(daily, "d", {"day": "2026-11-30", "mode": "FAST"})
    assert kwargs["mode"] is Mode.FAST  # by name too


def test_such_values_are_recorded_as_their_text_and_called_again_the_same_way() -> None:
    args = (dt.date(2026, 11, 30), None, Path("/data/x.csv"), Mode.FULL)
    recorded = decode(given_json(daily, args, {}))
    assert recorded == {"day": "2026-11-30", "at": None, "out": "/data/x.csv", "mode": "full"}
    again_args, again_kwargs = call_for(daily, "daily", recorded)
    assert daily(*again_args, **again_kwargs) == daily(*args)


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"day": "yesterday"}, "parameter day: expected date, got 'yesterday'"),
        ({"day": "2026-11-30", "limit": "abc"}, "parameter limit: expected int, got 'abc'"),
        (
            {"day": "2026-11-30", "mode": "slow"},
            "parameter mode: expected Mode (one of FAST, FULL), got 'slow'",
        ),
        ({"day": "2026-11-30", "ratio": [1]}, "parameter ratio: expected float, got [1]"),
        (  # text is not a list of its letters
            {"day": "2026-11-30", "tags": "eu"},
            """parameter tags: expected list[str] as a JSON list (["a", "b"]), got 'eu'""",
        ),
    ],
)
def test_a_value_that_is_not_of_its_type_is_named(given: dict[str, Any], says: str) -> None:
    with pytest.raises(ParameterError, match=re.escape(f"flow 'daily': {says}")):
        call_for(daily, "daily", given)


def test_a_date_default_shows_as_its_text_in_the_form() -> None:
    def later(day: dt.date = dt.date(2026, 1, 2), out: Path = Path("a.csv")) -> None: ...

    assert [p.default for p in signature_parameters(later)] == ['"2026-01-02"', '"a.csv"']


def test_a_json_list_becomes_the_tuple_a_parameter_declares() -> None:
    def regional(regions: tuple[str, ...] = ("eu",)) -> tuple[str, ...]:
        return regions

    args, kwargs = call_for(regional, "r", {"regions": ["eu", "us"]})
    assert regional(*args, **kwargs) == ("eu", "us")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("int", int),
        ("date | None", dt.date | None),  # null fits it, and only it
        ("Optional[float]", float | None),
        ("pathlib.Path", PurePath),
        ("list[str]", list[str]),  # items checked in the form too
        ("Mode", None),  # a class of the user's: the run checks it
        ("int | str", int | str),
    ],
)
def test_the_run_form_knows_common_types_by_their_text(text: str, kind: Any) -> None:
    assert hint_named(text) == kind


def test_validate_parameters_false_passes_values_as_given() -> None:
    """Prefect's option: no coercion to the annotated types."""
    from flowtop import flow as make_flow

    def daily_fn(day: dt.date) -> Any:
        return day

    typed = make_flow(daily_fn)
    untyped = make_flow(daily_fn, validate_parameters=False)
    assert typed.start_arguments({"day": "2026-11-30"})["args"] == (dt.date(2026, 11, 30),)
    assert untyped.start_arguments({"day": "2026-11-30"})["args"] == ("2026-11-30",)


class Level(enum.Enum):
    LOW = 1
    HIGH = 2


def test_an_enum_of_numbers_takes_its_value_as_json() -> None:
    def run(level: Level = Level.LOW) -> Level:
        return level

    assert call_for(run, "r", {"level": 2})[0] == (Level.HIGH,)
    assert call_for(run, "r", {"level": "HIGH"})[0] == (Level.HIGH,)
    with pytest.raises(ParameterError, match=re.escape("expected Level (one of LOW, HIGH), got 3")):
        call_for(run, "r", {"level": 3})


def test_an_enum_parameter_offers_its_members() -> None:
    """The run form's placeholder and ``flowtop list`` say which values to type."""

    def run(level: Level, backup: Level | None = Level.HIGH, n: int = 1) -> None:
        del level, backup, n

    level, backup, n = signature_parameters(run)
    assert level.choices == ("LOW", "HIGH") and level.offered() == "one of LOW, HIGH"
    assert backup.default == '"HIGH"'  # by the name offered, not its value 2
    assert backup.choices == ("LOW", "HIGH")  # | None too
    assert n.choices == () and n.offered() == ""
    many = ParameterInfo("code", True, "", "Code", tuple(f"C{i}" for i in range(20)))
    assert many.offered() == "one of C0, C1, C2, C3, C4, C5, C6, C7, … (20 in all)"


def test_a_list_tuple_or_dict_parameter_takes_json_of_that_shape() -> None:
    assert coerce(["eu", "us"], tuple[str, ...]) == ("eu", "us")
    assert coerce({"a": 1}, dict[str, int]) == {"a": 1}
    with pytest.raises(ValueError, match=re.escape("expected tuple[str, ...] as a JSON list")):
        coerce("[1,", tuple[str, ...])  # not JSON: the text, refused, not split into letters
    with pytest.raises(ValueError, match=re.escape("expected dict[str, int] as a JSON object")):
        coerce(["a"], dict[str, int])


def test_a_containers_items_become_the_types_it_declares_as_prefect_validates_them() -> None:
    """``list[date]`` from ``["2026-11-30"]`` holds dates: a flow written for Prefect does
    ``day.year`` on each."""
    assert coerce(["2026-11-30"], list[dt.date]) == [dt.date(2026, 11, 30)]
    assert coerce(["a", "2"], tuple[str, int]) == ("a", 2)
    assert coerce(["1", 1], set[int]) == {1}
    assert coerce({"1": ["2026-11-30"]}, dict[int, list[dt.date]]) == {1: [dt.date(2026, 11, 30)]}
    assert coerce({"mode": "FULL"}, dict[str, Mode]) == {"mode": Mode.FULL}
    assert coerce([1, 2], tuple) == (1, 2)  # a bare ``tuple``: JSON has lists only


@pytest.mark.parametrize(
    ("value", "hint", "says"),
    [
        (["2026-11-30", "later"], list[dt.date], "expected date at [1], got 'later'"),
        ({"a": ["1", "q"]}, dict[str, list[int]], "expected int at ['a'][1], got 'q'"),
        ({"x": 1}, dict[int, int], "expected int at ['x'], got 'x'"),
        (["a"], tuple[str, int], "expected tuple[str, int] (2 items), got ['a']"),
    ],
)
def test_an_item_not_of_its_type_is_named_with_where_it_sits(
    value: Any, hint: Any, says: str
) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(says)}$"):
        coerce(value, hint)


def test_a_bad_item_is_refused_before_the_run_starts_naming_the_parameter() -> None:
    def weekly(days: list[dt.date]) -> list[dt.date]:
        return days

    says = "flow 'weekly': parameter days: expected date at [0], got 'monday'"
    with pytest.raises(ParameterError, match=re.escape(says)):
        call_for(weekly, "weekly", {"days": ["monday"]})


@pytest.mark.parametrize(
    ("hint", "text"),
    [
        (list[dt.date], "list[date]"),  # Python's own text: list[datetime.date]
        (dict[str, list[Path]], "dict[str, list[Path]]"),
        (tuple[str, ...], "tuple[str, ...]"),
        (Optional[int], "int | None"),  # noqa: UP045 - the spelling under test
        (Literal["eu", 1], "Literal['eu', 1]"),
        ("list[date]", "list[date]"),  # left as text by ``from __future__ import annotations``
    ],
)
def test_a_parameters_type_reads_as_it_was_written(hint: Any, text: str) -> None:
    """The run form and ``flowtop list`` show it beside the field."""
    assert type_text(hint) == text


class Config(pydantic.BaseModel):
    """A flow's settings as Prefect users write them: one pydantic model parameter."""

    region: str = "eu"
    limit: int = 3


@dataclasses.dataclass
class Window:
    start: dt.date
    days: int = 7


DEFAULT_CONFIG = Config()


def report(cfg: Config = DEFAULT_CONFIG, window: Window | None = None) -> dict[str, Any]:
    return {"cfg": cfg, "window": window}


def test_a_model_or_dataclass_parameter_takes_a_json_object_of_its_fields() -> None:
    """Prefect validates ``{"region": "us"}`` into the model the flow declares; the
    form and ``-p`` give a JSON object, and a rerun gets the same model back."""
    given = {"cfg": {"region": "us"}, "window": {"start": "2026-11-30"}}
    args, kwargs = call_for(report, "report", given)
    called = report(*args, **kwargs)
    assert called == {
        "cfg": Config(region="us", limit=3),
        "window": Window(dt.date(2026, 11, 30), 7),
    }
    recorded = decode(given_json(report, (), called))
    assert recorded == {
        "cfg": {"region": "us", "limit": 3},
        "window": {"start": "2026-11-30", "days": 7},
    }
    again_args, again_kwargs = call_for(report, "report", recorded)
    assert report(*again_args, **again_kwargs) == called


def test_a_models_default_shows_in_the_form_as_the_json_to_type() -> None:
    cfg = signature_parameters(report)[0]
    assert (cfg.default, cfg.annotation) == ('{"region": "eu", "limit": 3}', "Config")


@pytest.mark.parametrize(
    ("value", "hint", "says"),
    [
        (
            {"limit": "many"},
            Config,
            "expected Config (limit: Input should be a valid integer, unable to parse string"
            " as an integer), got {'limit': 'many'}",
        ),
        ({"start": "monday"}, Window, "expected date at .start, got 'monday'"),
        ({"start": "2026-11-30", "end": 1}, Window, "expected Window (no field 'end'), got"),
        ({"days": 2}, Window, "expected Window (field 'start' has no default), got {'days': 2}"),
    ],
)
def test_a_model_or_dataclass_that_does_not_fit_names_the_field(
    value: dict[str, Any], hint: Any, says: str
) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(says)}"):
        coerce(value, hint)


def test_json_nested_deeper_than_python_reads_is_an_error_not_a_traceback() -> None:
    """`-p x=[[[…]]]` a thousand deep: json.loads raised RecursionError (a traceback in
    the CLI, the run form closed the app)."""
    from flowtop.engine.parameter_types import coerce
    from flowtop.engine.parameters import ParameterError, parse_object, parse_value

    deep = "[" * 5000 + "]" * 5000
    assert parse_value(deep) == deep  # text, as any value that does not read as JSON
    with pytest.raises(ParameterError, match=r"^--params: JSON nested over 500 deep$"):
        parse_object('{"x": ' + deep + "}")
    with pytest.raises(ValueError, match=r"^expected list, got ") as misfit:
        coerce(deep, list)
    assert len(str(misfit.value)) < 250  # the value is cut, not written out whole


def test_a_literal_parameter_takes_only_its_values() -> None:
    """`-p mode=c` for `Literal["a", "b"]` ran with "c"."""
    assert coerce("b", Literal["a", "b"]) == "b"
    assert coerce(2, Literal[1, 2]) == 2
    with pytest.raises(ValueError, match="expected one of 'a', 'b', got 'c'"):
        coerce("c", Literal["a", "b"])
