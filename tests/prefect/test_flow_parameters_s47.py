"""A drop-in flow's call is validated as Prefect 3.9.1 validates it (checked side by side):
``c(cfg={"source": "gs://x"}, limit="7")`` runs with a ``Config`` and ``7``; a value
pydantic refuses raises ``ParameterTypeError`` before any run. flowtop's own ``@flow``
still passes what a program gave as it is."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from flowtop import flow as flowtop_flow
from flowtop import task
from flowtop.compat.prefect_flows import flow
from flowtop.exceptions import ParameterTypeError


class Config(BaseModel):
    source: str = "s3://bucket"
    retries: int = 2


class Connection:
    """A class pydantic makes no schema of: checked by isinstance, as Prefect checks it."""


DEFAULT = Config()


@flow
def configured(cfg: Config = DEFAULT, limit: int = 5, tags: list[int] | None = None) -> Any:
    return type(cfg).__name__, cfg.source, limit, tags


def test_arguments_are_made_their_annotated_types() -> None:
    got = configured(cfg={"source": "gs://x"}, limit="7", tags=["1", 2])
    assert got == ("Config", "gs://x", 7, [1, 2])


def test_a_refused_value_raises_prefects_parameter_type_error() -> None:
    with pytest.raises(ParameterTypeError) as raised:
        configured(limit="seven")
    assert str(raised.value) == (
        "Flow run received invalid parameters:\n"
        " - limit: Input should be a valid integer, unable to parse string as an integer"
    )


def test_return_state_and_subflows_are_validated_too() -> None:
    @flow
    def parent() -> Any:
        return configured(limit="3")

    assert parent() == ("Config", "s3://bucket", 3, None)
    assert configured(limit="4", return_state=True).result()[2] == 4


def test_validate_parameters_false_passes_values_as_given() -> None:
    @flow(validate_parameters=False)
    def loose(limit: int = 5) -> Any:
        return limit

    assert loose(limit="7") == "7"


def test_a_class_of_the_users_is_checked_not_converted() -> None:
    @flow
    def uses(conn: Connection) -> str:
        return type(conn).__name__

    assert uses(Connection()) == "Connection"
    with pytest.raises(ParameterTypeError, match="conn: Input should be an instance of Connection"):
        uses("not a connection")


def test_a_future_given_to_a_subflow_is_left_for_the_run() -> None:
    @task
    def seven() -> int:
        return 7

    @flow
    def child(n: int) -> int:
        return n + 1

    @flow
    def parent() -> int:
        return child(seven.submit())

    assert parent() == 8


def test_flowtops_own_flow_keeps_what_a_program_gave() -> None:
    @flowtop_flow
    def plain(limit: int = 5) -> Any:
        return limit

    assert plain(limit="7") == "7"


def test_a_default_is_validated_too() -> None:
    """Prefect applies the defaults before validating: a dict default becomes the model."""

    @flow
    def defaulted(cfg: Config = {"source": "gs://d"}) -> Any:  # type: ignore[assignment]  # noqa: B006 - the dict is the point
        return type(cfg).__name__, cfg.source

    assert defaulted() == ("Config", "gs://d")


def test_return_state_gives_a_failed_state_for_a_refused_value() -> None:
    state = configured(limit="seven", return_state=True)
    assert state.is_failed()
    with pytest.raises(ParameterTypeError, match="limit: Input should be a valid integer"):
        state.result()
