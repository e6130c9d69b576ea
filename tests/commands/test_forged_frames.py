"""A flow file's name, or an error's message, cannot forge the place an error is said to
come from: ``flowtop run``'s "(etl.py:36 in boom)" and the monitor's open-in-editor read
the frames with ``traceback_frames``. A file named ``evil", line 5, in x.py`` was shown
as ``(evil:5 in x.py", line 6, in boom)``, and a message holding a frame's line could
send the editor to a line of the user's choosing."""

from __future__ import annotations

import traceback
from pathlib import Path

from flowtop.commands.message_lines import raised_at
from flowtop.tui.error_actions import failing_line

FORGED_NAME = 'evil", line 5, in x.py'


def _raised_in(path: Path) -> str:
    path.write_text("def boom():\n    raise ValueError('no')\n", encoding="utf-8")
    space: dict[str, object] = {}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), space)
    try:
        space["boom"]()  # type: ignore[operator]
    except ValueError:
        return traceback.format_exc()
    raise AssertionError("boom did not raise")


def test_a_file_named_like_a_frame_is_named_whole(tmp_path: Path) -> None:
    text = _raised_in(tmp_path / FORGED_NAME)
    assert raised_at(text, "no") == f"{FORGED_NAME}:2 in boom"
    assert failing_line(text, None, tmp_path) == ((tmp_path / FORGED_NAME).resolve(), 2)


def test_a_message_holding_a_frame_is_not_read_as_one(tmp_path: Path) -> None:
    real = tmp_path / "etl.py"
    text = _raised_in(real)
    lie = f'\n  File "{tmp_path / "other.py"}", line 99, in load'
    forged = text.rstrip("\n") + lie + "\n"
    (tmp_path / "other.py").write_text("x = 1\n", encoding="utf-8")
    assert raised_at(forged, "no" + lie) == "etl.py:2 in boom"
    assert failing_line(forged, None, tmp_path, "no" + lie) == (real.resolve(), 2)


def test_a_frame_forged_in_a_message_with_a_note_after_it_is_not_read(tmp_path: Path) -> None:
    """The message was cut only when the text ended with it: a note (``add_note``, as
    flowtop, Prefect and pydantic add) comes after it, and the forged frame was read."""
    real = tmp_path / "etl.py"
    text = _raised_in(real).rstrip("\n")
    lie = f'\n  File "{tmp_path / "other.py"}", line 99, in load'
    (tmp_path / "other.py").write_text("x = 1\n", encoding="utf-8")
    forged = f"{text}{lie}\nthe task's note\n"
    assert raised_at(forged, "no" + lie) == "etl.py:2 in boom"


def test_frames_of_files_in_a_folder_gone_are_read_one_line_each() -> None:
    """A frame whose file is not there was read on over the 4,096 characters after it,
    in case its name held line breaks: a thousand frames of a renamed folder took half a
    second per traceback. A name goes on over lines only where its folder is there."""
    from flowtop.workspace.traceback_frames import traceback_frames

    lines = ["Traceback (most recent call last):"]
    for i in range(1000):
        lines += [f'  File "/gone/etl.py", line {i + 1}, in f{i}', f"    f{i + 1}()"]
    asked: list[str] = []

    def known(file: str) -> bool:
        asked.append(file)
        return False

    frames = traceback_frames("\n".join([*lines, "RecursionError: deep"]), known=known)
    assert len(frames) == 1000 and frames[-1] == ("/gone/etl.py", 1000, "f999")
    assert len(asked) <= 2 * len(frames)
