"""A run's plan as the runs table keeps it: its tasks' keys, attempt limits and policies
(runs before schema version 5; "[]" since), as ``StoreReader.run_detail`` reads it."""

from __future__ import annotations

import json
from typing import Any

from .log_fold import PlanEntry
from .run_log import UNREADABLE


def stored_plan(stored: Any) -> list[PlanEntry] | None:
    """The plan ``stored`` in a runs row, None when it is not one (a damaged or crafted
    row)."""
    try:
        plan = json.loads(stored)
    except UNREADABLE:
        return None
    if type(plan) is not list or not all(_is_entry(entry) for entry in plan):
        return None
    return [(key, limit, policy) for key, limit, policy in plan]


def _is_entry(entry: Any) -> bool:
    """Whether ``entry`` is a plan's ``[task key, attempt limit, policy]``."""
    return (
        type(entry) is list
        and len(entry) == 3
        and type(entry[0]) is str
        and type(entry[1]) is int
        and type(entry[2]) is str
    )
