"""The flows of the workspace, and the files that failed to load, on the left.

A file that fails to import is listed with a ✗ next to the flows that loaded, so the
user sees at once that something is broken and can select it to read the error.
While the first load goes on, a last dim row says what still imports (``first_load``),
under the flows of the files already imported; so does a slow reload (``reload_actions``).
Every prompt is a ``Text`` object: file names and flow names are never parsed as markup.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
from textual.message import Message
from textual.visual import VisualType
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from flowtop.formats import cut_cells, middle_cut
from flowtop.looks import LOAD_ERROR_LOOK, STATE_LOOK
from flowtop.printable import printable, printable_name
from flowtop.tui.widgets.state_colors import looks
from flowtop.workspace.flow_order import file_order

#: The id of the row that says what a load still imports (never highlighted).
LOADING = "loading"
#: The pane is as wide as its longest name, up to a quarter of the screen or, on a
#: narrow one, ``NARROW_MOST`` cells (``width: auto``; flowtop.tcss's ``max-width: 30%``
#: keeps it to a third of a very narrow one, as before).
SCREEN_SHARE = 4
NARROW_MOST = 20


class FlowList(OptionList):
    """Options have ids ``flow:NAME`` or ``error:PATH``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: What a load still imports, said under the flows; None: none is slow.
        self.loading_said: str | None = None
        #: each option's prompt in its state colours, by id; the highlighted one is plain
        self._coloured: dict[str | None, VisualType] = {}
        #: where each option's name is in its prompt (characters), by id: the part cut
        #: in its middle when the pane is narrower than the name (``fitted``)
        self._names: dict[str | None, tuple[int, int]] = {}
        self._fitted_to = 0  # the width the prompts shown were cut for (0: none yet)
        self._cut_in_middle: set[str | None] = set()  # ids whose names are (``fitted``)
        self._plain_at: int | None = None
        #: The files listed as failing (``✗``), by error key: each one's error as shown,
        #: so a reload can say what a deleted one had (failed, or a part not in use).
        self.listed_errors: dict[str, Any] = {}
        #: The longest flow or file entry, in cells (the pane's width follows it).
        self.widest = 0

    class Selected(Message):
        """A flow (``kind == "flow"``) or a load error (``kind == "error"``) was highlighted."""

        def __init__(self, flow_list: FlowList, kind: str, value: str) -> None:
            super().__init__()
            self.flow_list = flow_list
            self.kind = kind
            self.value = value

        @property
        def control(self) -> FlowList:
            return self.flow_list

    def show(
        self,
        flows: Iterable[str],
        errors: Mapping[str, Any],
        run_looks: Mapping[str, tuple[str, str, str]] | None = None,
        *,
        root: Path | None = None,
        gone: Collection[str] = (),
    ) -> None:
        """Replace the options, keeping the highlight on the same id when it still exists.
        ``run_looks``: how each flow's newest run looks (``RunModel.look``); ``gone``:
        flows no file defines any more, listed (dim) for their runs."""
        current = self.highlighted_option.id if self.highlighted_option is not None else None
        options: list[Option] = []
        styles = looks(self.app)
        self._names = {}
        for name in flows:
            symbol, _, look = (run_looks or {}).get(name, STATE_LOOK[None])
            prompt = Text.assemble((f"{symbol} ", styles[look]), (printable(name), ""))
            self._names[f"flow:{name}"] = (len(symbol) + 1, len(prompt))
            if name in gone:
                prompt.stylize("dim", 2)
                prompt.append(" (gone)", style="dim")
            options.append(Option(prompt, id=f"flow:{name}"))
        symbol, look = LOAD_ERROR_LOOK
        self.listed_errors = dict(errors)
        for key in sorted(errors, key=_file_rows_order):
            label = printable_name(_short(key, root))  # a file name may hold escapes or a newline
            self._names[f"error:{key}"] = (len(symbol) + 1, len(symbol) + 1 + len(label))
            options.append(
                Option(
                    Text.assemble((f"{symbol} ", styles[look]), (label, styles["error"])),
                    id=f"error:{key}",
                )
            )
        if self.loading_said is not None and options:  # (alone, the header says it)
            options.append(Option(Text(self.loading_said, style="dim"), id=LOADING, disabled=True))
        self._coloured = {o.id: o.prompt for o in options}
        self._measure()
        self._plain_at = None  # every option is new, in its colours
        self._fit_to(self._name_room())
        self.clear_options()
        self.add_options(Option(self._fitted(o.id), o.id, o.disabled) for o in options)
        ids = [o.id for o in options]
        if current in ids:
            self.highlighted = ids.index(current)
        elif options:
            self.highlighted = 0
        self._in_cursor_colour(self.highlighted)  # unchanged index: no watcher call

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """The pane's width (``width: auto``): its longest flow or file name, up to a
        quarter of the screen (``SCREEN_SHARE``); at a fixed 20 cells,
        ``warehouse-nightly`` read ``warehouse-nigh…`` at 120 columns. The loading row
        counts with its seconds as two digits (``_measure``): they tick, and must not
        move the table."""
        most = max(NARROW_MOST, viewport.width // SCREEN_SHARE) - self.styles.gutter.width
        if self.show_vertical_scrollbar:
            most -= self.styles.scrollbar_size_vertical
        padding = self.get_component_styles("option-list--option").padding.width
        return max(1, min(self.widest + padding, most))

    def _measure(self) -> None:
        """``widest`` again, from the options listed: their names and the loading row's
        lines, its seconds counted as two digits (``⋯ importing 00 s``), so the pane does
        not grow as they tick, and ``⋯ importing 6 s`` is not cut to ``⋯ import…``."""
        widths = [
            prompt.cell_len
            for key, prompt in self._coloured.items()
            if isinstance(prompt, Text) and key != LOADING
        ]
        if self.loading_said is not None and LOADING in self._coloured:
            lines = re.sub(r"\d+", "00", self.loading_said).splitlines()
            widths += map(cell_len, lines)
        widest = max(widths, default=0)
        if widest != self.widest:
            self.widest = widest
            self.refresh(layout=True)  # its width follows (``get_content_width``)

    def say_loading(self, said: str | None) -> None:
        """What a load still imports (None: it is over, the row goes). Measured again:
        the row turns from ``⋯ loading`` to the file's name a second into its import,
        with no flow listed meanwhile, and the pane measured for ``⋯ loading`` cut the
        name to ``b_sl…``. A reload's row is added under the flows already listed."""
        if said == self.loading_said:
            return
        self.loading_said = said
        with contextlib.suppress(OptionDoesNotExist):  # listed only under a flow or error
            if said is None:
                self.remove_option(LOADING)
                self._coloured.pop(LOADING, None)
            elif LOADING in self._coloured:
                self.replace_option_prompt(LOADING, Text(said, style="dim"))
            elif self.option_count:
                self._coloured[LOADING] = Text(said, style="dim")
                self.add_option(Option(self._coloured[LOADING], id=LOADING, disabled=True))
        self._measure()

    def action_cursor_down(self) -> None:
        """Down stops at the last flow or error: the loading row under them is not one,
        and OptionList would wrap past it to the top."""
        at, last = self.highlighted, self.option_count - 1
        if at == last - 1 and self.get_option_at_index(last).id == LOADING:
            return
        super().action_cursor_down()

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        self._in_cursor_colour(highlighted)

    def _in_cursor_colour(self, index: int | None) -> None:
        """The highlighted option drawn in the cursor's own colours, as the task table's
        cursor row is: a state-coloured ✓ or ✗ on the highlight (green or red on blue, or
        on cyan with 16 colours) could not be read, on the one flow being looked at. The
        option highlighted before gets its colours back."""
        for at, plain in ((self._plain_at, False), (index, True)):
            if at is None or at >= self.option_count or (at == index and not plain):
                continue
            key = self.get_option_at_index(at).id
            if isinstance(self._coloured.get(key), Text):
                self.replace_option_prompt_at_index(at, self._fitted(key, plain=plain))
        self._plain_at = index

    def on_resize(self) -> None:
        """The names cut again for the pane's new width (``fitted``)."""
        room = self._name_room()
        if room == self._fitted_to:
            return
        self._fit_to(room)
        for at in range(self.option_count):
            key = self.get_option_at_index(at).id
            if key in self._names:
                self.replace_option_prompt_at_index(
                    at, self._fitted(key, plain=at == self._plain_at)
                )

    def _name_room(self) -> int:
        """The cells an option's prompt has (0 before the pane is laid out, or styled:
        ``on_resize`` fits the names once it is)."""
        try:
            padding = self.get_component_styles("option-list--option").padding.width
        except KeyError:  # (Textual has not styled the pane yet)
            return 0
        return max(0, self.scrollable_content_region.width - padding)

    def _fit_to(self, room: int) -> None:
        """Which names ``fitted`` cuts in the middle in ``room`` cells: those whose cut
        at the end reads like another's (``fanout…`` for ``fanout-10`` and ``fanout-1000``
        at 40 columns). The others are cut at their end (the CSS ellipsis), where the
        start of a name says most: ``region…``, not ``reg…ort``."""
        self._fitted_to = room
        ends: dict[str | None, str] = {}
        for key in self._names:
            name, space = self._name_and_room(key)
            if space >= 4 and cell_len(name) > space:
                ends[key] = cut_cells(name, space)
        alike = Counter(ends.values())
        self._cut_in_middle = {key for key, end in ends.items() if alike[end] > 1}

    def _name_and_room(self, key: str | None) -> tuple[str, int]:
        """Option ``key``'s name and the cells it has beside its symbol and suffix."""
        prompt = self._coloured[key]
        start, end = self._names.get(key, (0, 0))
        text = prompt.plain if isinstance(prompt, Text) else ""
        return text[start:end], self._fitted_to - cell_len(text[:start]) - cell_len(text[end:])

    def _fitted(self, key: str | None, *, plain: bool = False) -> VisualType:
        """Option ``key``'s prompt (in no colour when ``plain``), its name cut in the
        middle (``middle_cut``, as the task table's names) when its cut at the end would
        read like another's (``_fit_to``): at 40 columns the pane's 7 cells cut
        ``fanout-10`` and ``fanout-1000`` both to ``fanout…``; cut in the middle they
        read ``fan…-10`` and ``f…-1000``. Widening the pane instead would cut the
        table's task names to 6 cells there."""
        prompt = self._coloured[key]
        if not isinstance(prompt, Text):
            return prompt
        if plain:
            prompt = Text(prompt.plain)
        if key not in self._cut_in_middle:
            return prompt
        start, end = self._names[key]
        name, room = self._name_and_room(key)
        head, tail = middle_cut(name, room)
        before, dropped, after = prompt.divide([start + len(head), end - len(tail)])
        ellipsis = dropped[:1]
        ellipsis.plain = "…"
        return Text.assemble(before, ellipsis, after)

    def lists(self, option_id: str) -> bool:
        """Whether an option of id ``option_id`` (``flow:NAME``, ``error:PATH``) is listed."""
        try:
            self.get_option(option_id)
        except OptionDoesNotExist:
            return False
        return True

    def select_flow(self, name: str) -> None:
        with contextlib.suppress(OptionDoesNotExist):  # an unknown flow isn't highlighted
            self.highlighted = self.get_option_index(f"flow:{name}")

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        option_id = event.option.id or ""
        kind, _, value = option_id.partition(":")
        self.post_message(self.Selected(self, kind, value))


def _short(key: str, root: Path | None) -> str:
    path = Path(key)
    if root is not None:
        try:
            return str(path.relative_to(root))
        except ValueError:
            pass
    return path.name or key


def _file_rows_order(key: str) -> tuple[bool, tuple[Any, ...]]:
    """Where a file's ``✗`` row goes: flow files first, in ``ls -v`` order as the flows
    are (they were in the order they failed), then the settings files."""
    path = Path(key)
    return path.suffix != ".py", file_order(path)
