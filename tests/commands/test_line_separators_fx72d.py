"""The Unicode line and paragraph separators (U+2028, U+2029) in a task's output reached
``flowtop run``'s, ``watch``'s and ``history --run``'s lines raw, while the one-line
summary of an error made them spaces: they show as their escapes now, as the other
characters a terminal draws as nothing; ``--json`` keeps them exact."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import fork_cli
from flowtop.printable import has_control, printable

FLOW = """
    from flowtop import flow, task


    @task
    def says():
        print("line\\u2028sep\\u2029para")
        raise ValueError("bad\\u2028row")


    @flow(name="seps")
    def seps():
        says()
"""


def test_the_separators_are_shown_as_their_escapes() -> None:
    for char, escape in (("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        assert has_control(char)
        assert printable(f"a{char}b") == f"a{escape}b"
    assert printable("a\nb") == "a\nb"  # a newline still ends its line


def test_run_and_history_show_them_escaped_and_json_keeps_them(tmp_path: Path) -> None:
    (tmp_path / "seps.py").write_text(textwrap.dedent(FLOW))

    def flowtop(*args: str) -> str:
        done = fork_cli.run(args, cwd=tmp_path, timeout=60)
        return done.stdout + done.stderr

    ran = flowtop("run", "seps.py")
    assert "\u2028" not in ran and "\u2029" not in ran, ascii(ran)
    assert "line\\u2028sep\\u2029para" in ran, ran
    assert "ValueError: bad\\u2028row" in ran, ran  # the summary too, not "bad row"
    shown = flowtop("history", "--run", "1")
    assert "\u2028" not in shown and "\u2029" not in shown, ascii(shown)
    assert "line\\u2028sep\\u2029para" in shown, shown
    tasks = [json.loads(line) for line in flowtop("history", "--run", "1", "--json").splitlines()]
    assert "bad\u2028row" in json.dumps(tasks, ensure_ascii=False)
