"""A file name cannot break the line it is printed on, flowtop's own code is never "where
the error was raised in your code", and a flow's name cannot hide what it holds.

Before: a flow file named ``a\\n  b  FAKE LINE.py`` broke ``flowtop run``'s failure line
(``(a`` then ``  b  FAKE LINE.py:5 in boom)``) and every traceback's ``File "…"`` line, in
``flowtop run``, the history and the monitor; a ``Retry(delay=1e308)`` that the delay
check refused ended its line ``(delays.py:299 in compute_delay)``; ``etl`` and
``etl\\u3164`` (a Hangul filler) were two flows that looked the same, and a 5,000-character
flow name padded every row of ``flowtop history`` to 5,088 columns.
"""

from __future__ import annotations

import io
import os
import sysconfig

import pytest

from flowtop import Flow, Retry, task
from flowtop.commands.printers import HumanPrinter, raised_at
from flowtop.engine.delays import MAX_JITTER, MAX_SECONDS, DelayError
from flowtop.engine.events import ErrorInfo, TaskStateChanged
from flowtop.engine.library_folders import FLOWTOP_FOLDER
from flowtop.engine.option_checks import MAX_NAME_LENGTH
from flowtop.engine.policy import decide
from flowtop.engine.records import error_info, users_line
from flowtop.engine.states import State, StateType
from flowtop.printable import LINE_BREAKS, has_control, printable, printable_name

#: The explorer's file name: a newline, a carriage return and an escape that erases a line.
FORGED = "a\n  b  FAKE LINE\r\x1b[2Kx.py"


def _traceback(file: str) -> str:
    return (
        "Traceback (most recent call last):\n"
        f'  File "{file}", line 5, in boom\n'
        '    raise ValueError("bad")\n'
        "ValueError: bad\n"
    )


@pytest.mark.parametrize("brk", list(LINE_BREAKS))
def test_every_line_break_in_a_file_name_shows_as_a_stand_in(brk: str) -> None:
    shown = printable_name(f"/flows/a{brk}b.py")
    assert len(shown.splitlines()) == 1 and shown.startswith("/flows/a") and brk not in shown


def test_a_traceback_frame_keeps_its_file_name_on_its_line() -> None:
    shown = printable(_traceback("/flows/" + FORGED)).split("\n")
    assert shown[1] == '  File "/flows/a\u240a  b  FAKE LINE\u240d\u241b[2Kx.py", line 5, in boom'
    assert shown[2:] == ['    raise ValueError("bad")', "ValueError: bad", ""]  # the rest as is
    # the monitor rewrites an event's text only when has_control says it must
    assert has_control(_traceback("/flows/a\nb.py"))
    assert has_control(_traceback("/flows/a\u2028b.py"))
    assert "\u2028" not in printable(_traceback("/flows/a\u2028b.py"))


def test_text_without_a_broken_frame_is_left_as_it_is() -> None:
    plain = _traceback("/flows/etl.py")
    assert printable(plain) == plain and not has_control(plain)
    said = '  File "report.csv" not found\nretrying\n  File "/x/etl.py", line 3, in f\n'
    assert printable('  File "report.csv", line 3\n  next') == '  File "report.csv", line 3\n  next'
    assert printable(said) == said  # its newlines are not in a frame's file name


def test_a_failure_line_names_a_forged_file_on_one_line() -> None:
    trace = _traceback("/flows/" + FORGED)
    assert raised_at(trace) == "a\u240a  b  FAKE LINE\u240d\u241b[2Kx.py:5 in boom"
    failed = TaskStateChanged(
        "r1",
        "kflow",
        "boom",
        StateType.FAILED,
        1,
        1,
        0.0,
        error=ErrorInfo("ValueError", "bad", trace),
    )
    out = io.StringIO()
    HumanPrinter(out, live=False)([failed])
    (line,) = out.getvalue().splitlines()
    assert line.endswith("ValueError: bad (a\u240a  b  FAKE LINE\u240d\u241b[2Kx.py:5 in boom)")


def _refused_delay(**options: object) -> str:
    """The traceback of the error an attempt fails with when its delay is refused."""
    policy = task(max_retries=1, retry_on=[ValueError, Retry], **options)(lambda: None).policy
    error = Retry("x", delay=1e308) if not options else ValueError("v")
    decision = decide(policy, State(StateType.FAILED, exception=error, attempt=1))
    assert isinstance(decision.error, DelayError)
    return error_info(decision.error).traceback


def test_a_refused_delay_names_no_line_of_flowtop_s() -> None:
    # the longest delay, and the most jitter @task takes: any draw but 0 is past a year
    jittered = _refused_delay(retry_delay=MAX_SECONDS, retry_jitter=MAX_JITTER)
    for trace in (_refused_delay(), jittered):
        assert os.path.join(FLOWTOP_FOLDER, "engine", "delays.py") in trace  # only ours
        assert raised_at(trace) == ""  # not "delays.py:299 in compute_delay"


def test_only_flowtop_s_frames_name_no_place_a_library_s_still_do() -> None:
    ours = (os.path.join(FLOWTOP_FOLDER, "engine", "policy.py"), 415, "decide")
    stdlib = (
        os.path.join(sysconfig.get_paths()["stdlib"], "json", "decoder.py"),
        355,
        "raw_decode",
    )
    assert users_line([ours]) is None
    assert users_line([stdlib, ours]) == stdlib  # a stdlib function as the task: its line
    user = ("/flows/etl.py", 9, "load")
    assert users_line([user, stdlib, ours]) == user


INVISIBLE = [
    "\u3164",
    "\u115f",
    "\u1160",
    "\uffa0",
    "\u034f",
    "\u2800",
    "\u200b",
    "\u2060",
    "\ufeff",
]


@pytest.mark.parametrize("char", INVISIBLE)
def test_a_flow_name_with_an_invisible_character_is_refused(char: str) -> None:
    with pytest.raises(ValueError, match=f"U\\+{ord(char):04X} .*draws as nothing") as refused:
        Flow(f"etl{char}")
    message = str(refused.value)
    assert "would look like 'etl'" in message and char not in message  # said, not hidden


def test_a_task_key_with_an_invisible_character_is_refused() -> None:
    @task
    def load() -> None: ...

    flow = Flow("etl")
    with pytest.raises(ValueError, match=r"flow 'etl': task key 'load\\u3164' holds U\+3164"):
        flow.add_task(load, key="load\u3164")


def test_names_that_draw_their_selectors_are_kept() -> None:
    for name in ("\u26a0\ufe0f check", "données", "データ処理", "\u845b\U000e0100 report"):
        assert Flow(name).name == name
    with pytest.raises(ValueError, match="VARIATION SELECTOR-16"):
        Flow("etl \ufe0f")  # after a space it selects nothing: drawn as nothing


def test_a_flow_name_past_the_limit_is_refused_with_its_length() -> None:
    assert Flow("x" * MAX_NAME_LENGTH).name == "x" * MAX_NAME_LENGTH
    with pytest.raises(ValueError, match=r"is 5,000 characters long; at most 200 are allowed"):
        Flow("x" * 5000)


def test_a_task_name_with_an_invisible_character_or_past_the_limit_is_refused() -> None:
    with pytest.raises(ValueError, match=r"U\+3164 HANGUL FILLER .*look like 'etl'"):
        task(lambda: 1, name="etl\u3164")
    with pytest.raises(ValueError, match=r"characters long; at most"):
        task(lambda: 1, name="t" * (MAX_NAME_LENGTH + 1))


def test_flowtop_list_shows_a_line_break_in_a_file_name_as_a_stand_in(tmp_path, capsys) -> None:
    from flowtop.cli import main

    (tmp_path / "a\n  b.py").write_text(
        "from flowtop import flow, task\n@task\ndef a():\n    return 1\n@flow\ndef nlf():\n    a()\n"
    )
    assert main(["list", str(tmp_path)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("nlf  (") and "a␊  b.py, a @flow function" in first, first


def test_history_keeps_a_traceback_frame_s_file_name_on_its_line(tmp_path, capsys) -> None:
    """``history --run`` made each line of a traceback printable after splitting it, so a
    newline in a frame's file name started a line of its own (``  b.py", line 4``)."""
    from flowtop.cli import main

    (tmp_path / "a\n  b.py").write_text(
        "from flowtop import flow, task\n@task\ndef boom():\n    raise ValueError('x')\n"
        "@flow\ndef nlf():\n    boom()\n"
    )
    assert main(["run", str(tmp_path)]) == 1
    capsys.readouterr()
    assert main(["history", str(tmp_path), "--run", "1"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert any('a␊  b.py", line 4, in boom' in line for line in shown), shown
    assert not any(line.lstrip().startswith('b.py"') for line in shown), shown


def test_a_task_s_own_output_that_looks_like_a_frame_keeps_its_lines() -> None:
    """``File "data.csv"`` then ``error at "row 7", line 7`` in a task's output was read as
    a frame whose file name held a newline, and the two lines were joined with ``␊``."""
    said = 'File "data.csv"\nerror at "row 7", line 7\n'
    assert printable(said) == said and not has_control(said)
    before = 'File "x"\nTraceback (most recent call last):\n  File "a\nb.py", line 3, in f\n'
    assert printable(before) == (
        'File "x"\nTraceback (most recent call last):\n  File "a␊b.py", line 3, in f\n'
    )


@pytest.mark.parametrize(
    "name", ["deploy 👨\u200d👩\u200d👧", "hot \u2764\ufe0f\u200d\U0001f525", "fa\u200c\u06cc"]
)
def test_a_joiner_between_what_is_drawn_is_kept(name: str) -> None:
    """A zero-width joiner makes one emoji of several (a family), a non-joiner keeps a
    Persian word's letters apart: between two characters drawn they change how a name
    looks, so they are no hidden difference (``str.isprintable`` refused them)."""
    assert task(lambda: 1, name=name).name == name


@pytest.mark.parametrize("name", ["etl\u200d", "\u200detl", "a\u200d b"])
def test_a_joiner_joining_nothing_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="U\\+200D ZERO WIDTH JOINER"):
        task(lambda: 1, name=name)
