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
