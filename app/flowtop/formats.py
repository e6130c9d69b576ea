"""Durations, times and counts as people read them: one place for every screen and command.

Three duration forms, because they answer three questions: ``short_duration`` for a
value that ticks on screen (``0.42s``, ``12.3s``, ``3m05s``: steady width),
``precise_duration`` for a record in a table (``3ms``, ``0.02ms``: a fast task's time is
still visible), ``coarse_duration`` for a clock printed once a second (``12.3s``);
``fmt_duration`` picks one of the first two for the monitor. Past a minute all three
read as ``fmt_seconds`` writes it (``1h02m``, ``2d03h``, ``365d``): a 50-hour run read
``50h00m`` in the history and ``2d02h`` in the monitor's header.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from rich.cells import cell_len, set_cell_size

from flowtop.engine.clock_text import date_time, local_time
from flowtop.engine.delays import fmt_seconds
from flowtop.engine.states import StateType
from flowtop.engine.value_text import count_text
from flowtop.looks import INTERRUPTED, state_words
from flowtop.printable import drawn_as_measured

__all__ = [
    "cell_head",
    "clock_time",
    "coarse_duration",
    "count_text",
    "cut_cells",
    "cut_name",
    "date_time",
    "fmt_duration",
    "fmt_seconds",
    "in_count_order",
    "middle_cut",
    "moment",
    "names_and_more",
    "pad_cells",
    "plural",
    "precise_duration",
    "retry_text",
    "short_duration",
    "state_counts",
    "try_text",
]


def short_duration(seconds: float | None) -> str:
    """A live duration: two decimals under 10 s, one under a minute, then ``3m05s``."""
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{max(seconds, 0.0):.2f}s"
    if seconds < 59.95:  # what would round to 60.0s reads 1m00s
        return f"{seconds:.1f}s"
    return fmt_seconds(seconds)


#: A retry this long past its due time is said to be overdue (its run process stopped or
#: busy), not ``Retry in 0.0s`` for minutes: the next attempt's start takes a moment.
OVERDUE = 2.0


def retry_text(left: float) -> str:
    """A wait for a retry ``left`` seconds from now: ``Retry in 2.1s``, ``Retry in 3d00h``;
    ``Retry due`` once it is over (it read ``Retry in 0.0s`` while the attempt waited a
    moment for a worker or a tag's slot); ``Overdue 6m44s`` once past its due time by
    more than that moment (``OVERDUE``)."""
    if left < -OVERDUE:
        return f"Overdue {fmt_seconds(float(round(-left)))}"
    return f"Retry in {countdown(left)}" if left >= 0.05 else "Retry due"


def countdown(left: float) -> str:
    """A wait ``left`` seconds from now: tenths while they matter (``2.1s``); a wait of
    minutes in whole seconds (``9m44s``), which also spares the screen ten redraws a
    second through a long outage."""
    left = max(0.0, left)
    return f"{left:.1f}s" if left < 59.95 else fmt_seconds(left)


def precise_duration(seconds: float | None) -> str:
    """A recorded duration, down to hundredths of a millisecond (``-`` when unknown)."""
    if seconds is None:
        return "-"
    if seconds <= 0:  # a clock stepped back mid-attempt: never "<0.01ms" for it
        return "0s"
    if seconds < 0.9995:  # what would round to 1000ms reads 1.0s
        ms = seconds * 1000
        if ms >= 0.995:  # whole milliseconds from where two decimals would read 1.00
            return f"{ms:.0f}ms"
        return f"{ms:.2f}ms" if ms >= 0.01 else "<0.01ms"
    if seconds < 59.95:  # what would round to 60.0s reads 1m00s
        return f"{seconds:.1f}s"
    return fmt_seconds(seconds)


def fmt_duration(seconds: float | None, *, live: bool = False) -> str:
    """A duration on screen, "" when unknown. One that ticks (``live``: a running task or
    run) keeps a steady width, ``0.42s``; one recorded reads as ``flowtop history`` prints
    it, ``3ms``: a fast task's ``0.00s`` said nothing."""
    if seconds is None:
        return ""
    return short_duration(seconds) if live else precise_duration(seconds)


def coarse_duration(seconds: float) -> str:
    """A clock on a line printed again each second (``flowtop run``'s status line): ``0.0s``,
    ``12.3s``, then ``1m05s``; tenths, as hundredths would change between no two prints
    (and never ``0.000117s``)."""
    return f"{seconds:.1f}s" if seconds < 59.95 else fmt_seconds(seconds)


def clock_time(ts: float) -> str:
    """A wall-clock timestamp as local ``HH:MM:SS`` (today's events)."""
    return local_time("%H:%M:%S", ts)


def moment(ts: float, now: float) -> str:
    """A wall-clock moment near ``now``: ``HH:MM:SS`` on the same day, ``Fri 02:15:29``
    within a few days of it, else with its date: a retry due in 73 h read as due today."""
    if local_time("%Y-%m-%d", ts) == local_time("%Y-%m-%d", now):
        return clock_time(ts)
    if abs(ts - now) < 6 * 86400:
        return local_time("%a %H:%M:%S", ts)
    return date_time(ts)


def size_text(n: int) -> str:
    """``512 B``, ``210 KB``, ``9.0 MB``: a file's size as ``ls -lh`` rounds it (1 KB = 1024 B)."""
    if n < 1024:
        return f"{n} B"
    value, unit = n / 1024, "KB"
    for bigger in ("MB", "GB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"


#: How ``RetryPolicy.summary()`` says a budget only ``Retry`` spends (no ``max_retries``).
RETRY_ONLY = "on Retry only"


def try_text(
    attempt: int,
    max_attempts: int,
    retry_only: bool,
    *,
    compact: bool = False,
    inline: bool = False,
    reused: bool = False,
) -> str:
    """``2/4``; a budget only ``Retry`` can spend reads ``1/1 (+3 on Retry)``: a plain
    failure ends such a task at once, so ``1/4`` would mislead. ``compact`` (a narrow
    table): ``1/1+3``; ``inline`` (inside a printed line's parentheses): ``1/1, +3 on Retry``.
    A ``reused`` result reads as the attempts it took where it was made (``3``): the
    budget beside it would be this run's policy, which never ran it (``3/1`` after
    max_retries was lowered)."""
    if reused:
        return str(attempt) if attempt else ""
    if not max_attempts:
        return ""
    if not retry_only or max_attempts <= 1:
        return f"{attempt}/{max_attempts}"
    if attempt <= 1:
        count, extra = f"{attempt}/1", f"+{max_attempts - 1}"
    else:
        count, extra = f"{attempt}/{max_attempts}", ""
    if compact:
        return count + extra
    said = f"{extra} on Retry".lstrip()
    return f"{count}, {said}" if inline else f"{count} ({said})"


def plural(n: int, word: str) -> str:
    """``1 task``, ``2 tasks``, ``1,001 tasks`` (grouped, as the filter's counts are)."""
    return f"{n} {word}" if n == 1 else f"{n:,} {word}s"


#: Past this many names a list said in a toast names the first few and counts the rest
#: (``few_names``): a ``git checkout`` of 150 flow files stacked toasts naming each one,
#: over half an 80x24 screen for seconds.
MANY_NAMES = 4
#: The names a list cut short keeps.
FIRST_NAMES = 3


def names_and_more(names: Sequence[str], most: int, noun: str = "") -> str:
    """``names`` joined with commas, the first ``most`` of them when there are more, and
    how many more (counted as every count is, ``count_text``), of ``noun``: ``leaf-1,
    leaf-2 and 1,998 more``. The detail pane's neighbours read ``and 1992 more``."""
    if len(names) <= most:
        return ", ".join(names)
    more = f"{count_text(len(names) - most)} more{f' {noun}' if noun else ''}"
    return f"{', '.join(names[:most])} and {more}"


def few_names(names: Sequence[str], noun: str = "files") -> str:
    """``names`` joined with commas; past ``MANY_NAMES``, the first ``FIRST_NAMES`` and
    a count of the rest: ``flow_001.py, flow_002.py, flow_003.py and 147 more files``."""
    if len(names) <= MANY_NAMES:
        return ", ".join(names)
    return names_and_more(names, FIRST_NAMES, noun)


#: The order of a run's counts wherever they are shown (``flowtop run`` and ``history``,
#: the monitor's run header, the history screen's runs): how it ended first, then what is
#: still under way, so one run reads the same in every place.
COUNT_ORDER = (
    StateType.COMPLETED.value,
    StateType.FAILED.value,
    StateType.UPSTREAM_FAILED.value,
    StateType.CANCELLED.value,
    INTERRUPTED,
    StateType.RUNNING.value,
    StateType.AWAITING_RETRY.value,
    StateType.PENDING.value,
)

_RANK = {state: i for i, state in enumerate(COUNT_ORDER)}


def in_count_order(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """``counts`` by state name in ``COUNT_ORDER``, zeros left out; a state name it does
    not hold (a newer flowtop's store) after them, by name."""
    items = sorted(counts.items(), key=lambda kv: (_RANK.get(kv[0], len(_RANK)), kv[0]))
    return [(state, n) for state, n in items if n]


def state_counts(counts: Mapping[str, int]) -> str:
    """``3 completed, 1 failed``: counts by state name in ``COUNT_ORDER``, zeros left out."""
    return ", ".join(f"{n:,} {state_words(state)}" for state, n in in_count_order(counts))


def pad_cells(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal cells: a wide character (CJK, emoji) takes
    two, so padding by characters shifted every later column of its row. An emoji whose
    width terminals disagree on (``⚠️``) is asked for in the width measured."""
    text = drawn_as_measured(text)
    return text + " " * max(0, width - cell_len(text))


def cut_cells(text: str, width: int) -> str:
    """``text`` in at most ``width`` terminal cells, ending in ``…`` when cut (an emoji
    whose width terminals disagree on asked for in the width measured, as by ``pad_cells``)."""
    text = drawn_as_measured(text)
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(0, width - 1)).rstrip() + "…" if width > 0 else ""


def cell_head(text: str, cells: int) -> str:
    """The start of ``text`` in at most ``cells`` cells, whole characters only: a wide one
    that does not fit is left out, not replaced by a space before the "…" (``🚀火 …``)."""
    head, used = [], 0
    for char in text:
        used += cell_len(char)
        if used > cells:
            break
        head.append(char)
    return "".join(head)


def broken_into_lines(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken between words; a word wider
    than a line (a long name or path) in pieces of a line each: a note or a reason is
    wrapped where it would have been cut (its cause is at its end). Spaces at its end
    make no empty last line (a blank line under a run in `history`); "" is one line."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        joined = f"{line} {word}" if line else word
        if cell_len(joined) <= width:
            line = joined
            continue
        if line:
            lines.append(line)
        while cell_len(word) > width:
            piece = cell_head(word, width) or word[:1]  # (a character at least)
            lines.append(piece)
            word = word[len(piece) :]
        line = word
    return [*lines, line] if line or not lines else lines


#: The number a task name ends in, with the character before it (``-10`` of
#: ``fetch_item-10``): what tells a mapped task's calls apart.
_NUMBERED = re.compile(r"[^0-9]?([0-9]+)$")


def cut_name(name: str, width: int) -> str:
    """A task name in at most ``width`` cells, cut in the middle when too long
    (``fetch…-10``): cut at its end, every call of a mapped task read ``fetch_i…``. The
    number it ends in stays whole (``middle_cut``); a name without one keeps its start
    and its end (``extr…ers``)."""
    if width < 4 or cell_len(name) <= width:
        return cut_cells(name, width)
    head, tail = middle_cut(name, width)
    return set_cell_size(head + "…" + tail, width)


def middle_cut(name: str, width: int) -> tuple[str, str]:
    """The start and the end ``cut_name`` keeps of a ``name`` too long for ``width``
    cells, the "…" between them (the flows pane cuts its styled names with them). A
    mapped call's number stays whole while it fits beside the "…", the name's start given
    up first (``f…-990``, ``…-1000``, else ``…1000``): sharing the room, the run page read
    ``fetch_page-990`` as ``fet…90``, as a call ``fetch_page-90`` would."""
    room = width - 1
    numbered = _NUMBERED.search(name)
    for tail in (numbered.group(), numbered.group(1)) if numbered else ():
        if cell_len(tail) <= room:
            return cell_head(name, room - cell_len(tail)), tail
    tail = ""
    for char in reversed(name):
        if cell_len(tail) + cell_len(char) > room // 2:
            break
        tail = char + tail
    return cell_head(name, room - cell_len(tail)), tail
