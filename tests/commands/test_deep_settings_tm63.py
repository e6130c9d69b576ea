"""``flowtop list`` and ``flowtop run`` on a settings file nested too deep for tomllib:
one line naming the file and line, exit 2.

A 1 KB ``flowtop.toml`` (or ``.flowtop/overrides.toml``) holding an array or an inline
table 500 deep ended both in a ``RecursionError`` traceback, exit 1: tomllib reads them by
recursion, and only its ``TOMLDecodeError`` was caught.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_kit import flowtop
from flow_texts import ETL

ARRAY = "[defaults]\nretry_delay = " + "[" * 500 + "]" * 500 + "\n"
TABLE = "[variables]\n\nx = " + "{a=" * 600 + "1" + "}" * 600 + "\n"


@pytest.mark.parametrize(
    ("name", "text", "said"),
    [
        ("flowtop.toml", ARRAY, "flowtop.toml:2:15: invalid TOML: value nested 500 deep"),
        (
            "flowtop.toml",
            TABLE,
            "flowtop.toml:3:5: invalid TOML: value nested 600 deep, too deep to read (limit 500)",
        ),
        (
            ".flowtop/overrides.toml",
            ARRAY.replace("[defaults]", "[flows.etl.tasks.extract]"),
            ".flowtop/overrides.toml:2:15: invalid TOML: value nested 500 deep",
        ),
    ],
    ids=["array", "inline-table", "overrides"],
)
@pytest.mark.parametrize("command", ["list", "run"])
def test_a_deep_settings_file_is_one_line_and_exit_2(
    tmp_path: Path, command: str, name: str, text: str, said: str
) -> None:
    (tmp_path / "etl.py").write_text(ETL, encoding="utf-8")
    (tmp_path / name).parent.mkdir(exist_ok=True)
    (tmp_path / name).write_text(text, encoding="utf-8")
    done = flowtop(command, ".", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"flowtop {command}: {said}"), done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 1, done.stderr
