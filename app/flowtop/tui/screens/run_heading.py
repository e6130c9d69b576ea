"""How a run's page fits its heading's words to its width: the run's counts beside
when it started, shortened or moved to a line of their own, and the `→ more columns`
hint kept on the last line (``run_detail``)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual.content import Content


def heading_lines(
    start: int, counts: Sequence[str], when: str, tail: str, room: int, hints: tuple[str, str]
) -> str:
    """A run page's heading after its first ``start`` cells (its title and state): the
    first of ``counts``' wordings that fits in ``room`` cells (0: any) with the time
    (``when``) beside it, else with the time on the next line, else none; then ``tail``
    (what it reran, its parameters) and the hint. ``hints``: the hint as measured (while
    the table is wider than the screen) and as shown (while columns are past its edge):
    the words do not change as `→` reaches the last column. They are chosen first for
    the hint to fit on their last line: at 120 columns it wrapped onto a line alone."""
    measured, shown = hints
    layouts = [*((said, True) for said in counts), *((said, False) for said in counts)]

    def lines(said: str, beside: bool) -> list[str]:
        first = (f" · {said}" if said else "") + (f" · {when}" if beside else "")
        return [first] if beside else [first, when]

    def whole(said: str, beside: bool) -> bool:  # every line, the hint on the last
        drawn = lines(said, beside)
        drawn[-1] += tail + measured
        return max([start + cell_len(drawn[0]), *map(cell_len, drawn[1:])]) <= room

    def first_line(said: str, beside: bool) -> bool:  # as before: the first line alone
        return start + cell_len(lines(said, beside)[0]) <= room

    fitting = [layout for layout in layouts if whole(*layout)] if measured else []
    fitting += [layout for layout in layouts if first_line(*layout)]
    said, beside = layouts[0] if not room else next(iter(fitting), ("", False))
    drawn = lines(said, beside)
    drawn[-1] += tail
    last = " " * start + drawn[-1] if len(drawn) == 1 else drawn[-1]
    return "\n".join(drawn) + hint_after(last, shown, room)


def hint_after(last: str, hint: str, room: int) -> str:
    """The ``hint`` after the heading's ``last`` line, as the screen wraps it in ``room``
    cells: on a line of its own where it would not end that line whole. At 40 columns
    `started … · 2.0s · →` ended one line and `more columns` began the next."""
    if not hint or not room:
        return hint
    if Content(last).wrap(room)[-1].cell_length + cell_len(hint) <= room:
        return hint
    return "\n" + hint.removeprefix(" · ")
