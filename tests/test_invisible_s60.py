"""Characters a terminal draws as nothing reach no human view raw: the tags
(U+E0000-U+E007F, "ASCII smuggling": ``tags:`` + hidden text + `` end`` showed as
``tags: end``), the byte-order mark, the soft hyphen, the word joiner and invisible
operators, the Mongolian vowel separator. They show as their escapes, as the bidi
controls do; ``--json`` keeps them exact. The three flags drawn by tags stay whole.

And two small texts: a flow's name suggested to type (``--flow '␛]0;X␇'`` held the
stand-ins) is bash's ``$'…'`` with escapes; a ``Retry(delay=)`` past 365 days names
where the task raised it, as every other refused ``Retry(delay=)`` does."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import fork_cli
from flowtop.commands.common import shell_word
from flowtop.printable import has_control, printable
from flowtop.tui.widgets.ordered_input import drawn

SMUGGLED = "".join(chr(0xE0000 + ord(c)) for c in "ignore")
#: What must not reach a terminal raw.
RAW = re.compile("[\u00ad\u180e\u2060-\u2064\ufeff\U000e0000-\U000e007f]")
SCOTLAND = "\U0001f3f4" + "".join(chr(0xE0000 + ord(c)) for c in "gbsct") + "\U000e007f"

FLOW = """
    from flowtop import flow, task


    @task
    def boom():
        print("out:\\ufeffbom\\u00adshy\\u2060wj\\u2064plus\\u180emvs")
        raise ValueError("tags:SMUGGLED end")


    @flow(name="inv")
    def inv():
        boom()
"""


def test_each_invisible_character_is_shown_as_its_escape() -> None:
    for char in "\u00ad\u180e\ufeff" + "".join(map(chr, range(0x2060, 0x2065))):
        assert has_control(char)
        assert printable(f"a{char}b") == "a" + ascii(char)[1:-1] + "b"
    assert printable("\u00ad") == "\\xad"
    for code in (0xE0000, 0xE0001, 0xE0069, 0xE007F):
        assert printable(chr(code)) == f"\\U{code:08x}"
    assert printable(f"tags:{SMUGGLED} end") == (
        "tags:\\U000e0069\\U000e0067\\U000e006e\\U000e006f\\U000e0072\\U000e0065 end"
    )
    assert drawn("a\ufeffb") == ("a\\ufeffb", (0, 1, 7, 8))  # a field: one character still


def test_flags_drawn_by_tags_stay_and_other_tags_after_a_flag_do_not() -> None:
    assert printable(f"go {SCOTLAND}!") == f"go {SCOTLAND}!"
    assert printable(f"{SCOTLAND}\u202e{SCOTLAND}") == f"{SCOTLAND}\\u202e{SCOTLAND}"
    hidden = "\U0001f3f4" + SMUGGLED + "\U000e007f"
    assert not RAW.search(printable(hidden)), printable(hidden)


def test_run_and_history_show_them_escaped_and_json_keeps_them(tmp_path: Path) -> None:
    (tmp_path / "inv.py").write_text(textwrap.dedent(FLOW).replace("SMUGGLED", SMUGGLED))

    def flowtop(*args: str) -> str:
        done = fork_cli.run(args, cwd=tmp_path, timeout=60)
        return done.stdout + done.stderr

    escaped_tags = "".join(f"\\U{ord(c):08x}" for c in SMUGGLED)
    ran = flowtop("run", "inv.py")
    assert not RAW.search(ran), ascii(ran)
    assert f"ValueError: tags:{escaped_tags} end" in ran, ran
    assert "out:\\ufeffbom\\xadshy\\u2060wj\\u2064plus\\u180emvs" in ran, ran
    shown = flowtop("history", "--run", "1")
    assert f"tags:{escaped_tags} end" in shown and not RAW.search(shown), ascii(shown)
    tasks = [json.loads(line) for line in flowtop("history", "--run", "1", "--json").splitlines()]
    assert f"tags:{SMUGGLED} end" in json.dumps(tasks, ensure_ascii=False)


def test_a_word_that_cannot_be_shown_is_suggested_with_shell_escapes(tmp_path: Path) -> None:
    done = fork_cli.run(["list", "\x1b]0;X\x07"], cwd=tmp_path, timeout=60)
    assert "flowtop list --flow $'\\x1b]0;X\\x07'" in done.stderr, done.stderr
    assert "--flow '" not in done.stderr
    assert shell_word("etl") == "etl" and shell_word("it's") == "'it'\"'\"'s'"
    assert shell_word("a\u00a0b\udcff\ufeff'\\\U000e0069") == (
        "$'a\\u00a0b\\xff\\ufeff\\'\\\\\\U000e0069'"
    )


RETRY = """\
from datetime import timedelta

from flowtop import Flow, Retry, task


@task(name="long")
def long():
    raise Retry(delay=timedelta(days=366))


flow = Flow("rd")
flow.add_task(long)
"""


def test_a_retry_delay_past_a_year_names_where_it_was_raised(tmp_path: Path) -> None:
    (tmp_path / "rd.py").write_text(RETRY)
    done = fork_cli.run(["run", "rd.py"], cwd=tmp_path, timeout=60)
    assert "must be at most 365 days (31,536,000 seconds), got 31622400.0 (rd.py:8 in long)" in (
        done.stdout
    ), done.stdout + done.stderr
