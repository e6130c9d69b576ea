"""Escape sequences a flow module prints at import never reach ``flowtop run``'s terminal.

``flowtop run`` imports the file it runs in its own process, with the terminal's streams:
``\\x1b]0;pwned\\x07`` (retitles the window) or ``\\x1b[2J`` (clears it) printed at import
went to the terminal raw, while the same text printed by a task showed as ``␛``.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from .conftest import flowtop

LOUD = """\
import logging
import sys

print("\\x1b]0;pwned\\x07 title \\x1b[2J cleared")
sys.stderr.write("err \\x1b[31mred\\x1b[0m\\n")
logging.warning("\\x1b]0;logged\\x07 warned")
print("tty" if sys.stdout.isatty() else "no tty", sys.stdout.encoding)

from flowtop import Flow, task

@task
def job():
    return 1

with Flow("loud") as flow:
    job()
"""


@pytest.mark.parametrize(
    "command",
    [("run", "loud.py"), ("run", ".", "--flow", "loud"), ("run", "loud.py", "--json")],
)
def test_what_a_module_prints_at_import_is_shown_not_sent(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    (tmp_path / "loud.py").write_text(LOUD)
    done = flowtop(*command, "--no-history", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    both = done.stdout + done.stderr
    assert "\x1b" not in both and "\x07" not in both, both
    assert "␛]0;pwned␇ title ␛[2J cleared" in both
    assert "err ␛[31mred␛[0m" in done.stderr
    assert "␛]0;logged␇ warned" in done.stderr
    assert "no tty utf-8" in both  # the stream's own answers, through the stand-in
    if "--json" in command:  # stdout still holds JSON lines only
        events = [json.loads(line)["event"] for line in done.stdout.splitlines()]
        assert events[0] == "run_started" and events[-1] == "run_finished"


def test_the_streams_come_back_after_the_import(monkeypatch: pytest.MonkeyPatch) -> None:
    from flowtop.commands.import_output import printable_output

    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    with printable_output():
        print("\x1b[2J", end="")
        sys.stderr.writelines(["\x07", "ok"])
        assert sys.stdout.getvalue() == "␛[2J"  # type: ignore[attr-defined]
    assert sys.stdout is out and sys.stderr is err
    assert err.getvalue() == "␇ok"
    replaced = io.StringIO()
    with printable_output():
        sys.stdout = replaced  # the module's own choice stays
    assert sys.stdout is replaced


KEPT = """\
import sys
from flowtop import Flow, task

OUT = sys.stdout  # kept at import, written to by a task

@task
def paint():
    OUT.write("\\x1b[32mgreen\\x1b[0m via OUT\\n")
    return 1

with Flow("kept") as flow:
    paint()
"""


def test_a_stream_kept_at_import_writes_exact_text_once_the_import_is_over(
    tmp_path: Path,
) -> None:
    """A logging handler or `OUT = sys.stdout` made at import kept the stand-in for the
    whole run: the tasks' output reached `--json` and the store as ␛[32m, not as it was."""
    (tmp_path / "kept.py").write_text(KEPT)
    done = flowtop("run", "kept.py", "--json", "--no-history", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    completed = [json.loads(line) for line in done.stdout.splitlines()]
    outputs = [e.get("output") for e in completed if e["event"] == "task_state" and "output" in e]
    assert outputs == ["\x1b[32mgreen\x1b[0m via OUT\n"]
