"""Prefect 3.9.1 code that read differently under flowtop, each checked side by side:
``flow_run.parameters`` (a hook's, ``FlowRunContext``'s) and
``runtime.deployment.parameters`` in Prefect's JSON form, so ``json.dumps`` of them works
in a hook; ``Variable.get`` giving a dict back in the order it was set; and a refused
variable name or artifact key raising pydantic's ``ValidationError``, as Prefect's models do."""

from __future__ import annotations

import dataclasses
import enum
import json
import sys
import threading
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic_core import ValidationError

from flowtop import flow, task
from flowtop.artifacts import create_link_artifact, create_markdown_artifact
from flowtop.context import FlowRunContext
from flowtop.engine.prefect_json import jsonable, serialized_parameters
from flowtop.runtime import deployment
from flowtop.runtime import flow_run as runtime_flow_run
from flowtop.states import Completed
from flowtop.variables import Variable


class Cfg(BaseModel):
    region: str
    n: int = 2


# -- flow_run.parameters: Prefect's JSON form -------------------------------------------
def test_a_hook_can_json_dump_its_flow_run_parameters() -> None:
    """p10: ``json.dumps(flow_run.parameters)`` in a hook raised "Object of type date is
    not JSON serializable" (the hook's error is logged and swallowed: no alert sent)."""
    payloads: list[str] = []

    def notify(flow_: Any, flow_run: Any, state: Any) -> None:
        payloads.append(json.dumps({"params": flow_run.parameters, "state": state.name}))

    @flow(on_completion=[notify])
    def daily(day: date = date(2024, 3, 1)) -> str:
        return day.isoformat()

    assert daily() == "2024-03-01"
    assert payloads == ['{"params": {"day": "2024-03-01"}, "state": "Completed"}']


def test_flow_run_parameters_are_json_while_the_context_s_keep_the_objects() -> None:
    """p09, as Prefect 3.9.1 printed it: a model its dict, a date its ISO string, a tuple
    a list, in ``flow_run.parameters`` and ``runtime.deployment.parameters``; the objects
    in ``FlowRunContext.get().parameters`` and ``runtime.flow_run.parameters``."""
    seen: dict[str, Any] = {}

    def done(flow_: Any, flow_run: Any, state: Any) -> None:
        seen["hook"] = flow_run.parameters

    @flow(on_completion=[done])
    def params_flow(
        cfg: Cfg = Cfg(region="eu"),  # noqa: B008 - a model default, as Prefect flows have
        day: date = date(2024, 3, 1),
        tags: tuple[str, ...] = ("a",),
        lock: Any = None,
        state: Any = None,
    ) -> None:
        context = FlowRunContext.get()
        assert context is not None
        seen["context flow_run"] = context.flow_run.parameters
        seen["context"] = context.parameters
        seen["runtime"] = runtime_flow_run.parameters
        seen["deployment"] = deployment.parameters

    guard = threading.Lock()
    params_flow(lock=guard, state=Completed(data=1))
    as_json = {
        "cfg": {"region": "eu", "n": 2},
        "day": "2024-03-01",
        "tags": ["a"],
        "lock": "<lock>",  # what it cannot encode: its type's name
        "state": "<State>",
    }
    assert seen["hook"] == seen["context flow_run"] == seen["deployment"] == as_json
    assert list(seen["hook"]) == list(as_json)  # in the signature's order
    for objects in (seen["context"], seen["runtime"]):
        assert objects["cfg"] == Cfg(region="eu") and objects["day"] == date(2024, 3, 1)
        assert objects["tags"] == ("a",) and objects["lock"] is guard


def test_a_method_flow_s_instance_is_left_out_of_flow_run_parameters() -> None:
    """As Prefect's ``serialize_parameters``: ``self`` (and a classmethod's ``cls``) is
    not a parameter of the flow run; ``FlowRunContext.parameters`` still has it."""
    seen: list[Any] = []

    class Loader:
        @flow
        def load(self, n: int) -> int:
            context = FlowRunContext.get()
            assert context is not None
            seen.append((context.flow_run.parameters, list(context.parameters)))
            return n

    assert Loader().load(3) == 3
    assert seen == [({"n": 3}, ["self", "n"])]


def test_flow_run_parameters_are_those_the_run_was_called_with() -> None:
    """As Prefect serializes them once, as it creates the flow run (checked with 3.9.1:
    ``[{'rows': [1]}, {'rows': [1]}]``), a list the body grows reads as it was called."""
    seen: list[Any] = []

    @flow(on_completion=[lambda flow_, flow_run, state: seen.append(flow_run.parameters)])
    def grow(rows: list[int]) -> None:
        rows.append(2)
        context = FlowRunContext.get()
        assert context is not None
        seen.append(context.flow_run.parameters)

    grow([1])
    assert seen == [{"rows": [1]}, {"rows": [1]}]


class Color(enum.Enum):
    RED = "r"


@dataclasses.dataclass
class Point:
    x: int
    y: tuple[int, ...] = (1, 2)


class Plain:
    def __init__(self) -> None:
        self.a = 1
        self._sa_state = 2  # FastAPI's ``sqlalchemy_safe``: such keys are left out


def test_values_encode_as_fastapi_s_jsonable_encoder_does() -> None:
    """Each as Prefect 3.9.1 (fastapi 0.150) gave it back in ``flow_run.parameters``."""
    misc = {
        "e": Color.RED,
        "p": Point(1),
        "o": Plain(),
        "b": b"hi",
        "d": Decimal("1.5"),
        "i": Decimal("3"),
        "td": timedelta(seconds=90),
        "t": time(1, 2),
        "dt": datetime(2024, 1, 2, 3, 4),
        "u": uuid.UUID(int=1),
        "path": Path("/x"),
        "s": {3},
        "fs": frozenset(),
        1: "intkey",
        "nan": float("nan"),
        "bool": True,
    }
    assert jsonable(misc) == {
        "e": "r",
        "p": {"x": 1, "y": [1, 2]},
        "o": {"a": 1},
        "b": "hi",
        "d": 1.5,
        "i": 3,
        "td": 90.0,
        "t": "01:02:00",
        "dt": "2024-01-02T03:04:00",
        "u": "00000000-0000-0000-0000-000000000001",
        "path": "/x",
        "s": [3],
        "fs": [],
        "1": "intkey",
        "nan": None,
        "bool": True,
    }


def test_a_value_that_cannot_be_encoded_is_its_type_s_placeholder() -> None:
    """A list holding a state (Prefect: ``'<list>'``), a lock, a cycle: each parameter
    alone becomes ``"<TypeName>"``; the others keep their JSON form."""
    looped: list[Any] = []
    looped.append(looped)

    @task
    def one() -> int:
        return 1

    parameters = {
        "future": one.submit(),  # Prefect's is a PrefectConcurrentFuture
        "states": [Completed(data=1)],
        "lock": threading.Lock(),
        "loop": looped,
        "n": 1,
    }
    assert serialized_parameters(None, parameters) == {
        "future": "<PrefectConcurrentFuture>",
        "states": "<list>",
        "lock": "<lock>",
        "loop": "<list>",
        "n": 1,
    }


# -- variables ---------------------------------------------------------------------------
@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_dict_variable_comes_back_in_the_order_it_was_set(here: Path) -> None:
    """f07: ``{'region': 'eu', 'batch': 10, 'tags': ['a']}`` came back with its keys sorted."""
    Variable.set("cfg", {"region": "eu", "batch": 10, "tags": ["a"]})
    Variable.set("answer", 42)
    value = Variable.get("cfg")
    assert list(value) == ["region", "batch", "tags"]
    stored = json.loads((here / ".flowtop" / "variables.json").read_text())
    assert list(stored) == ["answer", "cfg"]  # the file lists them by name


def test_a_refused_variable_name_raises_prefect_s_validation_error(here: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        Variable.set("Bad Name", 1)
    assert caught.value.title == "VariableCreate"
    assert str(caught.value).startswith(
        "1 validation error for VariableCreate\nname\n  Value error, Variable name must only "
        "contain lowercase letters, numbers, and dashes or underscores. [type=value_error, "
        "input_value='Bad Name', input_type=str]"
    )
    with pytest.raises(ValidationError, match="for VariableCreate\nvalue\n  Value error, Var"):
        Variable.set("rows", {1, 2})
    with pytest.raises(ValueError, match="at most 255 items after validation, not 300"):
        Variable.set("x" * 300, 1)  # pydantic's own too_long, as Prefect's model gives it


def test_a_refused_artifact_key_raises_the_artifact_model_s_validation_error() -> None:
    for make, model in (
        (lambda: create_markdown_artifact("x", key="Bad_Key"), "MarkdownArtifact"),
        (lambda: create_link_artifact("https://x", key="Bad_Key"), "LinkArtifact"),
    ):
        with pytest.raises(ValueError, match="Artifact key") as caught:  # pydantic's is one
            make()
        assert isinstance(caught.value, ValidationError) and caught.value.title == model
        assert str(caught.value).startswith(
            f"1 validation error for {model}\nkey\n  Value error, Artifact key must only "
            "contain lowercase letters, numbers, and dashes."
        )


def test_without_pydantic_a_refusal_is_a_plain_value_error(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pydantic_core", None)  # its import fails
    with pytest.raises(ValueError, match=r"^Variable name must only contain lowercase") as caught:
        Variable.set("Bad Name", 1)
    assert type(caught.value) is ValueError
