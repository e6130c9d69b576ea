"""A parameter annotated with a type alias object (``type Day = date``) is converted as
the type it names: Python 3.12's ``type`` statement made such aliases common, and a run
given ``-p day=2026-11-30`` passed the text on, failing in the flow."""

from __future__ import annotations

import datetime as dt
import enum
import sys

import pytest
from typing_extensions import TypeAliasType

from flowtop import flow
from flowtop.engine.parameters import call_for


class Mode(enum.Enum):
    FAST = "fast"
    SLOW = "slow"


Day = TypeAliasType("Day", dt.date)
Speed = TypeAliasType("Speed", Mode)
Later = TypeAliasType("Later", Day | None)  # type: ignore[operator]


@flow
def daily(day: Day, mode: Speed, until: Later = None) -> tuple[object, object, object]:
    return day, mode, until


def test_an_aliased_type_converts_the_text_as_the_type_it_names() -> None:
    given = {"day": "2026-11-30", "mode": "SLOW", "until": "2026-12-01"}
    args, kwargs = call_for(daily, "daily", given)
    assert daily.fn(*args, **kwargs) == (dt.date(2026, 11, 30), Mode.SLOW, dt.date(2026, 12, 1))


@pytest.mark.skipif(sys.version_info < (3, 12), reason="the `type` statement is Python 3.12+")
def test_an_alias_made_by_the_type_statement_converts_too() -> None:
    namespace: dict[str, object] = {"dt": dt}
    # exec: a 3.11 parser refuses the statement anywhere in this file
    exec("type Day = dt.date\ndef one(day: Day):\n    return day\n", namespace)
    one = flow(namespace["one"])  # type: ignore[call-overload]
    args, kwargs = call_for(one, "one", {"day": "2026-11-30"})
    assert one.fn(*args, **kwargs) == dt.date(2026, 11, 30)
