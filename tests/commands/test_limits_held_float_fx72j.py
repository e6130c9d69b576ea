"""``flowtop limits --json`` gives every limit's ``held`` as a float (fx72j §6): a limit
taken out of ``flowtop.toml`` read ``"held": 1`` (an int) beside the others' ``0.0``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_limits_removed_fx71l import held  # noqa: F401 - a fixture, used by name
from .test_limits_runs_fx71g import limits


def test_a_removed_limits_held_is_a_float_as_the_others_are(
    tmp_path: Path,
    held: int,  # noqa: F811 - the fixture imported above
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "flowtop.toml").write_text("[concurrency]\napi = 5\n")
    data = json.loads(limits(tmp_path, capsys, "--json"))
    said = [(e["name"], e["held"], type(e["held"]).__name__) for e in data["limits"]]
    # old: ("database", 2, "int")
    assert said == [("api", 0.0, "float"), ("database", 2.0, "float")]
