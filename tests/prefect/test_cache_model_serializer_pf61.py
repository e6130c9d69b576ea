"""Prefect's caching guide, "Handling Non-Serializable Objects": a pydantic model whose
``@model_serializer`` leaves out what cannot be serialized is hashed by that dump, as
Prefect's ``hash_objects`` (its ``JSONSerializer`` writes ``model_dump(mode="json")``),
so the second call is served from the first. Before, flowtop hashed a model by its
pickle, which the guide's object refuses: nothing was cached. A task whose inputs cannot
be hashed names the parameter to leave out (it named a made-up ``'name'``)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from drop_in_kit import drop_in_module

from flowtop.cache_policies import INPUTS
from flowtop.engine.caching import hash_objects

GUIDE = """
from pydantic import BaseModel, ConfigDict, model_serializer
from prefect import flow, task
from prefect.cache_policies import INPUTS, RUN_ID

class NotSerializable:
    def __getstate__(self):
        raise TypeError("NooOoOOo! I will not be serialized!")

class ContainsNonSerializableObject(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    name: str
    bad_object: NotSerializable

    @model_serializer
    def ser_model(self) -> dict:
        return {"name": self.name}

@task(cache_policy=INPUTS + RUN_ID)
def use_object(some_object: ContainsNonSerializableObject) -> str:
    return f"Used {some_object.name}"

@flow
def demo_flow():
    some_object = ContainsNonSerializableObject(name="test", bad_object=NotSerializable())
    state = use_object(some_object, return_state=True)
    assert state.name == "Completed"
    other_state = use_object(some_object, return_state=True)
    assert other_state.name == "Cached"
    assert state.result() == other_state.result()
    return other_state.name
"""


def test_the_guide_s_model_serializer_makes_the_second_call_cached(tmp_path: Path) -> None:
    module = drop_in_module(tmp_path, "guide_pf61", GUIDE)
    assert module.demo_flow() == "Cached"


def test_a_model_is_hashed_by_its_json_dump(tmp_path: Path) -> None:
    module = drop_in_module(tmp_path, "guide_keys_pf61", GUIDE)
    model = module.ContainsNonSerializableObject
    one = model(name="a", bad_object=module.NotSerializable())
    same = model(name="a", bad_object=module.NotSerializable())
    other = model(name="b", bad_object=module.NotSerializable())
    assert hash_objects(one) is not None
    assert hash_objects(one) == hash_objects(same) != hash_objects(other)


def test_the_hint_names_the_parameter_that_cannot_be_hashed() -> None:
    with pytest.raises(ValueError, match="cannot be hashed") as caught:
        INPUTS.compute_key(None, {"lock": threading.Lock(), "n": 1}, {})
    assert "leave them out (INPUTS - 'lock')" in str(caught.value)
    assert "'name'" not in str(caught.value)
