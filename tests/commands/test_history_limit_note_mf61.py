"""``flowtop history --limit N`` that leaves runs out: only the ``--json`` form's note
said that ``--limit 0`` lists them all; the table's last line says it too."""

from __future__ import annotations

from pathlib import Path

from cli_kit import flowtop

FILE = """\
from flowtop import flow


@flow
def etl() -> int:
    return 1
"""


def test_the_table_s_last_line_says_limit_0_lists_all(tmp_path: Path) -> None:
    (tmp_path / "etl.py").write_text(FILE)
    for _ in range(3):
        assert flowtop("run", ".", cwd=tmp_path).returncode == 0
    table = flowtop("history", ".", "--limit", "2", cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[-1] == "(newest 2 of 3 runs; --limit N shows more, 0 all)"
    listed = flowtop("history", ".", "--limit", "2", "--json", cwd=tmp_path)
    assert "newest 2 of 3 runs listed; --limit N lists more, 0 all" in listed.stderr
