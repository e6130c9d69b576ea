"""An emoji narrow by default and made wide by U+FE0F (``⚠️``, ``❤️``, ``✔️``) is
drawn one cell wide by tmux 3.3, xterm, VTE or Alacritty, two by tmux 3.4, kitty or
WezTerm; Rich counts two. A line of task output or an error holding one was a cell short
in the first (a table row's right edge left unwritten, every cell after it moved) and
``flowtop history`` shifted its columns. Shown, such an emoji is asked for in its text
presentation (U+FE0E), one cell everywhere and in Rich's count."""

from __future__ import annotations

import io
import re
import textwrap
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st
from rich.cells import cell_len, get_character_cell_size

from flowtop.formats import cut_cells, pad_cells
from flowtop.printable import (
    PrintableStream,
    drawn_as_measured,
    has_control,
    printable,
)
from flowtop.tui.widgets.ordered_input import drawn
from pilot_kit import screen_text, wait_for

VS16, VS15, ZWJ = "\ufe0f", "\ufe0e", "\u200d"


def by_code_point(text: str) -> int:
    """Cells as tmux 3.3 or xterm draw ``text``: each code point's own width, a
    selector none (a ZWJ sequence aside, which no test line holds)."""
    return sum(get_character_cell_size(char) for char in text)


def test_a_narrow_symbol_made_emoji_is_asked_for_as_text() -> None:
    for base in "⚠❤✔\u2139☀✈©↔▶":  # U+2139: information
        shown = drawn_as_measured(f"{base}{VS16} retrying")
        assert shown == f"{base}{VS15} retrying"
        assert cell_len(shown) == by_code_point(shown) == 1 + len(" retrying")
    keycap = drawn_as_measured(f"1{VS16}\u20e3")
    assert keycap == f"1{VS15}\u20e3" and cell_len(keycap) == by_code_point(keycap) == 1


def test_an_emoji_wide_by_default_keeps_its_presentation() -> None:
    for text in ("✅ done", "🚀", f"⭐{VS16}", f"🧑{ZWJ}⚕{VS16}", f"🐻{ZWJ}❄{VS16}", "中文"):
        assert drawn_as_measured(text) == text
        assert cell_len(text) == by_code_point(text.replace(ZWJ + "⚕", "").replace(ZWJ + "❄", ""))


def test_a_zwj_sequence_that_starts_with_a_narrow_symbol_stays_one_emoji() -> None:
    """The selector before a joiner starts a sequence drawn as one emoji (❤️‍🔥, 🏳️‍🌈):
    made text, it split the sequence, and Rich then counted the part after the joiner as
    nothing (``❤️‍🔥``: 2 cells became 1, padding 2 cells off)."""
    for sequence in (f"❤{VS16}{ZWJ}🔥", f"🏳{VS16}{ZWJ}🌈", f"👁{VS16}{ZWJ}🗨{VS16}"):
        shown = drawn_as_measured(sequence)
        assert shown.startswith(sequence[:3]) and cell_len(shown) == cell_len(sequence) == 2
    detective = f"🕵{VS16}{ZWJ}♂{VS16}"  # the joined ♂'s selector alone becomes text
    assert drawn_as_measured(detective) == f"🕵{VS16}{ZWJ}♂{VS15}"
    assert cell_len(drawn_as_measured(detective)) == 2


def test_text_without_the_selector_is_returned_as_it_is() -> None:
    for text in ("plain ascii", "café", "✅ 🚀 日本語", ""):
        assert drawn_as_measured(text) is text
        assert printable(text) is text


def test_every_view_of_user_text_gets_it() -> None:
    warning = f"⚠{VS16} retrying"
    assert printable(warning) == f"⚠{VS15} retrying"
    assert drawn(warning) == (f"⚠{VS15} retrying", tuple(range(12)))  # a field's, in place
    assert printable(f"\x1b[31m⚠{VS16}") == f"␛[31m⚠{VS15}"
    assert has_control(warning)  # the TUI's events pass through printable on this answer
    stream = io.StringIO()
    PrintableStream(stream).write(warning)
    assert stream.getvalue() == f"⚠{VS15} retrying"
    assert pad_cells(warning, 12) == f"⚠{VS15} retrying" + "  "
    assert cut_cells(f"⚠{VS16} a", 3) == f"⚠{VS15} a"  # 3 cells drawn, not 4 counted


@given(st.text(alphabet=["⚠", "❤", "1", "a", "✅", "⭐", "🧑", "⚕", VS16, VS15, ZWJ, "\u20e3"]))
@example(f"🧑{ZWJ}{ZWJ}⚠{VS16}")  # the second ZWJ is joined: ⚠ is not (found by hypothesis)
def test_no_selector_is_left_that_widens_what_rich_counts(text: str) -> None:
    """Rich counts a cell for U+FE0F after a narrow character; none is left where it
    would (each left counts as U+FE0E would, nothing), so a terminal that ignores the
    selector draws what Rich counts: but one before a joiner, which starts a sequence
    drawn as one emoji."""
    shown = drawn_as_measured(text)
    assert len(shown) == len(text)  # an input's cursor offsets keep meaning
    unjoined = re.sub(f"{VS16}(?!{ZWJ})", VS15, shown)
    assert cell_len(shown) == cell_len(unjoined)


FLOW = """
    from flowtop import Flow, task


    @task
    def fetch():
        print("\u26a0\ufe0f retrying the fetch, \u2764\ufe0f ok, \u2705 done")
        raise ValueError("\u26a0\ufe0f disk \u2139\ufe0f almost \u2714\ufe0f full " + "x" * 200)


    with Flow("emoji \u26a0\ufe0f") as flow:
        fetch()
"""


async def test_a_row_with_an_emoji_keeps_the_screen_s_columns(tmp_path: Path) -> None:
    """Each line of the screen is as wide as the screen for a terminal that draws by code
    point too: the flow's name, the failed row's error and the detail pane's output held
    ``⚠️``."""
    from flowtop.engine.states import StateType
    from flowtop.tui.app import FlowtopApp
    from flowtop.workspace import Workspace

    (tmp_path / "emoji.py").write_text(textwrap.dedent(FLOW))
    workspace = Workspace(tmp_path)
    workspace.load()
    assert not workspace.errors, workspace.errors
    app = FlowtopApp(workspace, watch=False)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await wait_for(pilot, lambda: "fetch" in screen_text(app), "the task row")
            await pilot.press("r")

            def ended() -> bool:
                run = app.store.latest_for("emoji \u26a0\ufe0f")
                return run is not None and run.state is StateType.FAILED

            await wait_for(pilot, ended, "the run to fail")
            await wait_for(pilot, lambda: "retrying the fetch" in screen_text(app), "the output")
            lines = screen_text(app).splitlines()
            shown = [line for line in lines if "disk" in line or "retrying the fetch" in line]
            assert len(shown) >= 2, lines
            for line in lines:
                assert by_code_point(line) == cell_len(line) == 120, line
    finally:
        workspace.close()
