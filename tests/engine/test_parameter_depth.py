"""Parameters nested deeper than one Python reads are neither stored nor read, on every
Python alike: a store is shared by the flowtops of a team, and 3.13 reads JSON ten times
deeper than 3.11 (a run it stored made 3.11's `flowtop history` end in a traceback)."""

from __future__ import annotations

import json
from typing import Any

from flowtop import flow
from flowtop.engine.parameters import (
    MAX_JSON_DEPTH,
    UNSTORED,
    decode,
    given_json,
    parse_value,
    read_json,
)


def nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth - 1):
        value = [value]
    return value


def test_json_just_within_the_limit_reads_and_one_more_level_is_text() -> None:
    within = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert parse_value(within) == nested(MAX_JSON_DEPTH)
    beyond = "[" + within + "]"
    assert parse_value(beyond) == beyond
    # brackets inside strings are not nesting, escaped quotes do not end a string
    text = json.dumps({"s": "[" * 2000 + '\\"' + "{" * 2000, "n": [[1]]})
    assert read_json(text) == json.loads(text)


def test_a_call_with_a_value_too_deep_to_store_runs_and_keeps_the_others() -> None:
    """It raised RecursionError from the flow call itself (the flow never ran)."""

    @flow
    def deep(x: Any, label: str) -> int:
        return 1

    stored = given_json(deep.fn, (nested(3000),), {"label": "ok"})
    assert stored is not None
    given = decode(stored)
    assert given["label"] == "ok"
    assert set(given["x"]) == {UNSTORED}
    assert f"nested over {MAX_JSON_DEPTH} deep" in given["x"][UNSTORED]
    assert deep(nested(3000), "ok") == 1


def test_a_stored_row_too_deep_for_this_python_reads_as_no_parameters_not_a_crash() -> None:
    """One a newer Python stored before the limit: 3.11 cannot read it (none, then),
    3.13 can (as it is)."""
    deep_row = '{"x": ' + "[" * 5000 + "]" * 5000 + "}"
    read = decode(deep_row)
    assert read == {} or set(read) == {"x"}
