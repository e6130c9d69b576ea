"""A log row holding a big output is parsed on its own, not in one text with the others.

``decode_rows`` joined every body it was given into one JSON array: a monitor opening a
run with 38 MB of output copied all of it twice, and one character past Latin-1 in any
row (an ellipsis) widened the whole text to two bytes a character: 0.5-0.8 s of its
start went in the copies alone. The events read back are the same either way.
"""

from __future__ import annotations

import json
import tracemalloc

from flowtop.engine.events import TaskStateChanged
from flowtop.workspace.log_decode import LogDamage, LogRow, decode_rows


def step(task: str, output: str) -> str:
    """A compact step's body with ``output`` (as ``history_fold.step_body`` writes it)."""
    fields = ["p", "big", task, "COMPLETED", 1, 1, None, "", None, "1", output]
    return json.dumps(fields, ensure_ascii=False)  # (``encode_basestring``: text as it is)


def test_a_big_output_costs_its_own_size_not_the_whole_logs_again() -> None:
    big = "progress line " + "x" * 60 + "\n"
    rows: list[LogRow] = [
        ("run", step("chatty", big * 100_000), 1.0, 0.5),  # 7.5 MB of ASCII
        ("run", step("quiet", "done…"), 2.0, 0.1),  # one character past Latin-1
    ]
    size = sum(len(row[1]) for row in rows)
    tracemalloc.start()
    try:
        events = decode_rows(rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    steps = [e for e in events if isinstance(e, TaskStateChanged)]
    assert [step.output for step in steps] == [big * 100_000, "done…"]
    # old: the joined text widened (15 MB), and copied again with its brackets (15 MB)
    assert peak < 1.6 * size, f"decoding {size:,} characters took {peak:,} bytes at its peak"


def test_small_rows_still_decode_together_and_a_bad_one_is_said() -> None:
    rows: list[LogRow] = [("run", step(f"t{i}", ""), float(i), 0.0) for i in range(5)]
    rows.insert(2, ("run", "[1, 2] [3]", 0.0, 0.0))  # two values: no flowtop writes that
    events = decode_rows(rows, ids=list(range(1, 7)))
    assert [type(e).__name__ for e in events].count("TaskStateChanged") == 5
    damage = [e for e in events if isinstance(e, LogDamage)]
    assert len(damage) == 1 and damage[0].row == 3
