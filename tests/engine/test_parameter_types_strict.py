"""A ``@flow``'s parameters given as JSON (``--param``, ``--params``, the run form) are
checked against the annotation as Prefect's pydantic checks them: a value that does not
fit is refused, naming the parameter, the type and the value.

Three were let through: ``-p name=null`` for ``name: str`` (the flow got None), ``-p
name=true`` (the flow got the bool ``True`` for a ``str``), and, in the run form,
``[[1]]`` for ``tuple[str, ...]`` (the form did not read a container's annotation, so with
the flow host busy nothing checked it before the run). A number typed for a ``str`` is
the text typed (``-p version=2024``), at any depth, as README promises.
"""

from __future__ import annotations

import collections.abc as abc
import datetime as dt
import re
import textwrap
from pathlib import Path
from typing import Any, Literal, Optional

import pytest
from textual.app import App
from textual.widgets import Input

import fork_cli
from flowtop.engine.parameter_types import coerce, hint_named, type_text
from flowtop.engine.parameters import ParameterError, ParameterInfo, call_for
from flowtop.tui.screens.run_form import RunForm


def greet(
    name: str,
    ids: list[str] = ["a"],  # noqa: B006 - a flow's default as users write it, never mutated
    tags: tuple[str, ...] = ("x",),
    note: str = None,  # type: ignore[assignment]  # noqa: RUF013 - the "optional" users write
    maybe: Optional[int] = 3,  # noqa: UP045 - the spelling Prefect flows use
    counts: dict[str, int] | None = None,
    ratio: float = 1.0,
) -> dict[str, Any]:
    return dict(locals())


def called(**given: Any) -> dict[str, Any]:
    args, kwargs = call_for(greet, "greet", given)
    return greet(*args, **kwargs)


def refused(**given: Any) -> str:
    with pytest.raises(ParameterError) as caught:
        call_for(greet, "greet", given)
    return str(caught.value)


def test_null_is_refused_for_a_type_that_does_not_allow_none() -> None:
    assert refused(name=None) == (
        "flow 'greet': parameter name: expected str, got None "
        "(only a parameter typed str | None or defaulting to None takes null)"
    )
    assert "parameter ratio: expected float, got None" in refused(name="a", ratio=None)
    assert "parameter ids: expected list[str], got None" in refused(name="a", ids=None)


def test_null_is_taken_by_an_optional_type_or_a_none_default() -> None:
    assert called(name="a", maybe=None)["maybe"] is None
    assert called(name="a", note=None)["note"] is None  # `note: str = None`
    assert called(name="a", counts=None)["counts"] is None
    assert coerce(None, Literal["a", None]) is None
    assert coerce(None, Any) is None


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"tags": [["x"]]}, "parameter tags: expected str at [0], got ['x']"),
        ({"ids": [None]}, "parameter ids: expected str at [0], got None (only an item typed str | None takes null)"),
        ({"counts": {"a": None}}, "parameter counts: expected int at ['a'], got None"),
        ({"counts": {"a": "many"}}, "parameter counts: expected int at ['a'], got 'many'"),
    ],
)  # fmt: skip
def test_a_containers_items_are_checked_and_refused_by_where_they_sit(
    given: dict[str, Any], says: str
) -> None:
    assert refused(name="a", **given).startswith(f"flow 'greet': {says}")


def test_items_are_checked_at_any_depth_and_in_a_sequence_or_mapping() -> None:
    with pytest.raises(ValueError, match=re.escape("expected str at ['k'][1][0], got None")):
        coerce({"k": [["a"], [None]]}, dict[str, list[tuple[str, ...]]])
    with pytest.raises(ValueError, match=re.escape("expected int at [1], got None")):
        coerce([1, None], set[int])
    with pytest.raises(ValueError, match=re.escape("expected str at [0], got [1]")):
        coerce([[1]], abc.Sequence[str])
    with pytest.raises(ValueError, match=re.escape("expected Sequence[str] as a JSON list")):
        coerce("eu", abc.Sequence[str])  # not its letters
    assert coerce({"a": ["1"]}, abc.Mapping[str, list[int]]) == {"a": [1]}
    assert coerce([1, None], list[int | None]) == [1, None]


@pytest.mark.parametrize(("value", "text"), [(4, "4"), (1.5, "1.5"), (True, "true")])
def test_a_number_or_bool_typed_for_a_str_is_the_text_typed(value: Any, text: str) -> None:
    """``-p version=2024`` means the text: pydantic refuses it, a command line should not.
    ``true`` was passed on as the bool itself."""
    assert called(name=value)["name"] == text


def test_the_coercions_prefect_does_are_kept() -> None:
    done = called(name="4", maybe="5", ratio=2, counts={"a": "1"}, tags=["y"])
    assert (done["name"], done["maybe"], done["ratio"]) == ("4", 5, 2.0)
    assert done["counts"] == {"a": 1} and done["tags"] == ("y",)
    assert coerce(2.0, int) == 2 and coerce(["1", 1], set[int]) == {1}
    assert coerce("true", bool) is True
    assert coerce(["2026-11-30"], list[dt.date]) == [dt.date(2026, 11, 30)]


def test_an_unannotated_parameter_still_takes_any_value() -> None:
    def loose(x, y=None):  # type: ignore[no-untyped-def]  # unannotated: under test
        return x, y

    args, kwargs = call_for(loose, "loose", {"x": None, "y": [1]})
    assert loose(*args, **kwargs) == (None, [1])


@pytest.mark.parametrize(
    ("text", "value", "says"),
    [
        ("tuple[str, ...]", ["a", [1]], "expected str at [1], got [1]"),
        ("Optional[List[int]]", ["x"], "expected int at [0], got 'x'"),
        ("dict[str, list[date]]", {"a": ["later"]}, "expected date at ['a'][0], got 'later'"),
        ("list[Level]", "LOW", "expected list[Level] as a JSON list"),  # Level: the host's
        ("str", None, "expected str, got None"),
        ('Literal["a", "b"]', "c", "expected one of 'a', 'b', got 'c'"),
    ],
)
def test_the_form_reads_a_containers_annotation_and_checks_its_items(
    text: str, value: Any, says: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        coerce(value, hint_named(text))


def test_the_form_takes_null_where_the_run_does() -> None:
    assert coerce(None, hint_named("int | None")) is None
    assert coerce(None, hint_named("str"), none_default=True) is None
    assert hint_named("Level | None") is None  # a class of the user's: the host checks it
    assert type_text(hint_named("list[Level] | None")) == "list[Level] | None"  # shape checked


class FormApp(App[None]):
    """The run form alone, with the flow host busy (its check says nothing)."""

    def __init__(self, parameters: tuple[ParameterInfo, ...]) -> None:
        super().__init__()
        self.parameters = parameters
        self.dismissed: list[Any] = []

    def on_mount(self) -> None:
        form = RunForm("greet", self.parameters, {}, lambda _given: None)
        self.push_screen(form, self.dismissed.append)


async def test_the_run_form_refuses_items_of_the_wrong_type_by_itself() -> None:
    app = FormApp(
        (
            ParameterInfo("tags", True, "", "tuple[str, ...]"),
            ParameterInfo("note", False, "null", "str"),
        )
    )
    async with app.run_test() as pilot:
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RunForm)
        form.query_one("#param-0", Input).value = "[[1], 2]"
        form.query_one("#param-1", Input).value = "null"  # its default is None: it fits
        await pilot.pause()
        _, errors = form.values()
        assert errors == {0: "tags: expected str at [0], got [1]"}
        form.action_run()
        await pilot.pause()
        assert app.dismissed == [] and app.screen is form  # Run refused it
        form.query_one("#param-0", Input).value = '["1", "2"]'
        await pilot.pause()
        form.action_run()
        await pilot.pause()
        assert app.dismissed == [{"tags": ["1", "2"], "note": None}]


FLOW = """
    from flowtop import flow

    @flow
    def greet(name: str, ids: list[str] = ["a"]) -> str:
        return name
"""


@pytest.mark.parametrize(
    ("given", "says"),
    [
        (["name=null"], "flowtop run: flow 'greet': parameter name: expected str, got None"),
        (["name=ok", "ids=[[1]]"], "flowtop run: flow 'greet': parameter ids: expected str at [0]"),
    ],
)
def test_the_cli_refuses_a_misfit_before_the_run_with_exit_2(
    tmp_path: Path, given: list[str], says: str
) -> None:
    (tmp_path / "greet.py").write_text(textwrap.dedent(FLOW))
    params = [arg for assignment in given for arg in ("-p", assignment)]
    done = fork_cli.run(
        ["run", "greet.py", *params],
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(says)
    assert "started" not in done.stdout  # no run was launched only to fail
