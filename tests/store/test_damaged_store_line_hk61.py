"""A damaged store's line on ``flowtop run``'s stderr reads as the command's other lines,
``flowtop run: …``: it read ``ERROR flowtop.history: …`` (the logging record as logged),
and the next line, on the same store, ``flowtop run: …``."""

from __future__ import annotations

from pathlib import Path

from cli_kit import flowtop

ONE_FLOW = """\
from flowtop import Flow, task

@task
def a():
    print("a's line")
    return 1

with Flow("one") as flow:
    a()
"""


def damage(db: Path) -> None:
    """Pages of the store overwritten past its header: "database disk image is malformed"."""
    with db.open("r+b") as raw:
        raw.seek(8192)
        raw.write(b"\xde\xad" * 2048)


def test_a_damaged_store_is_said_in_the_command_s_own_lines(tmp_path: Path) -> None:
    (tmp_path / "one.py").write_text(ONE_FLOW)
    assert flowtop("run", "one.py", cwd=tmp_path).returncode == 0
    damage(tmp_path / ".flowtop" / "history.db")
    for json_lines in (False, True):
        done = flowtop("run", "one.py", *(["--json"] if json_lines else []), cwd=tmp_path)
        assert done.returncode == 1, done
        lines = done.stderr.splitlines()
        said = [line for line in lines if "the run store cannot be written" in line]
        assert len(said) == 1, done.stderr
        assert said[0].startswith("flowtop run: "), done.stderr
        assert all(line.startswith("flowtop run: ") for line in lines), done.stderr
