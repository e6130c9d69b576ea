"""``flowtop limits --json`` lists a limit taken out of ``flowtop.toml`` while runs held
its slots (fx72c §1).

The text said ``database: no longer in flowtop.toml; 2 slots still held``, but the JSON
named it only in its holders' ``limit``: a script reading ``limits`` found no entry.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_limits_removed_fx71l import held  # noqa: F401 - a fixture, used by name
from .test_limits_runs_fx71g import limits


def test_a_removed_limit_has_an_entry_saying_it_was_removed(
    tmp_path: Path,
    held: int,  # noqa: F811 - the fixture imported above
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "flowtop.toml").write_text("[concurrency]\napi = 5\n")
    data = json.loads(limits(tmp_path, capsys, "--json"))
    # old: only api listed, though database's holders named it
    assert data["limits"] == [
        {"name": "api", "slots": 5, "slot_decay_per_second": 0.0, "held": 0.0, "removed": False},
        {
            "name": "database",
            "slots": None,
            "slot_decay_per_second": None,
            "held": 2,
            "removed": True,
        },
    ]
    assert {holder["limit"] for holder in data["holders"]} == {"database"}
    said = [(e["name"], e["held"], type(e["held"]).__name__) for e in data["limits"]]
    # a float as every limit's ``held`` is (it read ("database", 2, "int"))
    assert said == [("api", 0.0, "float"), ("database", 2.0, "float")]
    # the same as the text says it
    assert "database: no longer in flowtop.toml; 2 slots still held" in limits(tmp_path, capsys)


def test_the_whole_table_taken_out_still_lists_the_removed_limit(
    tmp_path: Path,
    held: int,  # noqa: F811 - the fixture imported above
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "flowtop.toml").write_text("[defaults]\nworkers = 2\n")
    data = json.loads(limits(tmp_path, capsys, "--json"))
    assert [(e["name"], e["held"], e["removed"]) for e in data["limits"]] == [("database", 2, True)]
