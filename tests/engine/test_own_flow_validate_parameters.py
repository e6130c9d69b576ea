"""``my_flow.validate_parameters({...})`` on flowtop's own ``@flow``, as the README's
Prefect 3 API says ``my_flow`` has it: the parameters by name read as ``--param`` reads
them, given back as Prefect's method gives them (every parameter in order, defaults
added). It was an AttributeError since the option moved to ``should_validate_parameters``
(before that the name held the option's bool); only a drop-in flow had the method.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from flowtop import flow
from flowtop.engine.parameters import ParameterError


@flow
def daily(day: dt.date, n: int = 3, *rest: Any, **extra: Any) -> int:
    return n


def test_the_parameters_come_back_typed_in_order_with_their_defaults() -> None:
    assert daily.validate_parameters({"n": "4", "day": "2026-11-30"}) == {
        "day": dt.date(2026, 11, 30),
        "n": 4,
        "rest": [],
        "extra": {},
    }
    given = {"day": "2026-11-30", "rest": [1, 2], "extra": {"x": 1}}
    assert daily.validate_parameters(given) == {
        "day": dt.date(2026, 11, 30),
        "n": 3,
        "rest": [1, 2],  # a list, as Prefect's
        "extra": {"x": 1},
    }


def test_what_does_not_fit_is_refused_in_flowtop_run_s_words() -> None:
    with pytest.raises(ParameterError, match=r"^flow 'daily': parameter day: expected date"):
        daily.validate_parameters({"day": "later"})
    with pytest.raises(ParameterError, match=r"^flow 'daily' needs day \(no default\)"):
        daily.validate_parameters({})
    with pytest.raises(ParameterError, match="rest takes extra positional arguments"):
        daily.validate_parameters({"day": "2026-11-30", "rest": 5})
    with pytest.raises(TypeError, match="validate_parameters of flow 'daily' takes a dict"):
        daily.validate_parameters([("day", "2026-11-30")])  # type: ignore[arg-type]


def test_validate_parameters_false_gives_the_values_as_they_are() -> None:
    @flow(validate_parameters=False)
    def lax(day: dt.date) -> None:
        return None

    assert lax.should_validate_parameters is False
    assert lax.validate_parameters({"day": "later"}) == {"day": "later"}


def test_extra_positional_arguments_reach_star_args_not_star_star_kwargs() -> None:
    """``-p 'rest=[1, 2]'`` without ``n``: the run was called ``daily(day, rest=(1, 2))``,
    ``rest`` landing in ``**extra``; ``n`` before it now takes its default."""
    called = daily.start_arguments({"day": "2026-11-30", "rest": [1, 2]})
    assert called == {"args": (dt.date(2026, 11, 30), 3, 1, 2), "kwargs": {}}
