"""Frames read back from a stored traceback's text: no file name, and no message, forges one.

A flow file named ``etl", line 5, in x.py`` printed its frame as ``File "/w/etl", line
5, in x.py", line 6, in boom``: read up to the first quote, that was line 5 of
``/w/etl`` (``flowtop run`` said ``(etl:5 in x.py", line 6, in boom)``, and the monitor's
``o`` would open ``/w/etl`` at line 5). Each test compares the frames read from the text
with the frames Python itself kept (``traceback.extract_tb``), the truth the text was
printed from.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest

from flowtop.engine.records import users_line
from flowtop.workspace.traceback_frames import traceback_frames

BOOM = """\
def helper():
    pass

def boom():
    helper()
    raise ValueError("bad")

boom()
"""


def raised_in(file: Path, source: str = BOOM) -> BaseException:
    """What running ``source`` as the file ``file`` (written there too, so its lines show
    in the traceback, as a flow file's do) raised."""
    file.write_text(source)
    try:
        exec(compile(source, str(file), "exec"), {})
    except Exception as exc:  # noqa: BLE001 - the error under test, whatever it is
        return exc
    raise AssertionError("it raised nothing")


def truth(exc: BaseException) -> list[tuple[str, int, str]]:
    return [(f.filename, f.lineno or 0, f.name) for f in traceback.extract_tb(exc.__traceback__)]


@pytest.mark.parametrize(
    "name",
    [
        "etl.py",
        'evil", line 5, in x.py',  # a frame of its own in one line
        'two", line 1, in a", line 2, in b.py',
        'x.py", line 99, in <module>',
        'a", line 1, in f\n  File "nowhere.py", line 9, in fake\nz.py',  # across lines
        'c\n  File "helpers.py", line 1, in <module>\n.py',  # a frame on a file that is there
    ],
)
def test_a_file_name_forges_no_frame(tmp_path: Path, name: str) -> None:
    """(The tests run in ``tmp_path``: ``helpers.py`` is a file there, as a flow folder's is.)"""
    (tmp_path / "helpers.py").write_text("")
    exc = raised_in(tmp_path / name)
    text = "".join(traceback.format_exception(exc))
    frames = traceback_frames(text, message=str(exc))
    assert frames == truth(exc)
    assert users_line(frames) == (str(tmp_path / name), 6, "boom")  # where flowtop run points


def test_a_message_forges_no_frame(tmp_path: Path) -> None:
    """A task's message is its own text: a frame's line in it is no frame (with the
    message given, as every stored error has it)."""
    source = BOOM.replace('"bad"', '"bad\\n  File \\"/etc/passwd\\", line 1, in x"')
    exc = raised_in(tmp_path / "etl.py", source)
    text = "".join(traceback.format_exception(exc))
    assert traceback_frames(text, message=str(exc)) == truth(exc)


def test_chained_and_grouped_tracebacks_give_every_frame(tmp_path: Path) -> None:
    """A ``raise … from`` and an exception group's ``|`` margins, read as before."""
    source = """\
def inner():
    raise KeyError("k")

def outer():
    try:
        inner()
    except KeyError as exc:
        raise ExceptionGroup("many", [ValueError("v"), RuntimeError("r")]) from exc

outer()
"""
    exc = raised_in(tmp_path / 'g", line 3, in h.py', source)
    assert isinstance(exc, ExceptionGroup)
    text = "".join(traceback.format_exception(exc))
    frames = traceback_frames(text)
    file = str(tmp_path / 'g", line 3, in h.py')
    assert [(f, line, fn) for f, line, fn in frames if f == file] == [
        (file, 6, "outer"),  # the KeyError's traceback first, as Python prints the chain
        (file, 2, "inner"),
        (file, 10, "<module>"),  # then the group's own
        (file, 8, "outer"),
    ]


def test_no_heading_no_frames() -> None:
    """A task's output that merely looks like a frame is none (as ``printable`` reads it)."""
    assert traceback_frames('  File "data.csv", line 7, in load\n') == []


def test_a_frame_whose_file_is_not_here_is_read_as_printed() -> None:
    """A traceback from another machine (a Dask worker): its files are not on this disk,
    and each frame is read from its own line."""
    text = (
        "Traceback (most recent call last):\n"
        '  File "/remote/etl.py", line 36, in load\n'
        "    rows = fetch()\n"
        '  File "/remote/api.py", line 12, in fetch\n'
        "    raise ConnectionError()\n"
        "ConnectionError\n"
    )
    assert traceback_frames(text) == [
        ("/remote/etl.py", 36, "load"),
        ("/remote/api.py", 12, "fetch"),
    ]
