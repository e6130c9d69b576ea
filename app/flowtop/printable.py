"""Make text from user code safe to put on a terminal.

Exception messages, task output and reprs come from user code and may hold ANSI escapes
(``\\x1b[2J`` clears the screen, ``\\x1b]0;…\\x07`` retitles the window). Written raw, they
would act on the user's terminal instead of being shown. Rich strips only a few control
characters, so every view of such text (the TUI, the headless printer) passes it through
:func:`printable` first: each control character becomes a visible stand-in of one cell
(``␛`` for ESC), newlines and tabs stay. It also asks for the text presentation of an
emoji whose width terminals disagree on (:func:`drawn_as_measured`).
"""

from __future__ import annotations

import codecs
import io
import locale
import os
import re
import sys
import unicodedata
from collections.abc import Mapping
from typing import Protocol, TextIO

#: The explicit bidirectional controls (embeddings, overrides, isolates: "Trojan Source",
#: where ``\u202e`` shows ``exe.txt`` for ``txt.exe`` and reorders the rest of a line)
#: and the implicit marks (LRM, RLM, ALM). Not the joiners U+200C/U+200D (emoji sequences,
#: Persian and Indic words need them), nor U+200B: like them it is of the boundary-neutral
#: class, moving nothing; terminals draw it as nothing (``wcwidth`` 0, as Rich measures
#: it), and Thai, Khmer or Japanese text carries it as a word-break hint.
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
#: The format characters a terminal draws as nothing (the soft hyphen, the Mongolian vowel
#: separator, the word joiner and invisible operators, the byte-order mark, the tags):
#: ``tags:\U000e0069\U000e0067… end`` showed as ``tags: end``, its hidden text ("ASCII
#: smuggling") reaching whoever copied or logged it. Names refuse them (``option_checks``);
#: text shows them as their escapes (``\ufeff``, ``\U000e0069``), as the bidi controls.
#: ``INVISIBLE`` those of the Basic Multilingual Plane (``parameters.describe`` writes
#: them as JSON's ``\ufeff``), ``TAGS`` the tags.
INVISIBLE = "\u00ad\u180e\u2060-\u206f\ufeff"
TAGS = "\U000e0000-\U000e007f"
#: Lone surrogates too: a file name's bytes that are not UTF-8 (``surrogateescape``), which
#: a terminal gets back raw (0x9b is an 8-bit CSI), show as those bytes (``\xff``); any
#: other (``\ud800`` in a ``@flow`` parameter, which the store keeps) as its escape, as
#: the terminal's encoder would write it: six cells, measured as six, so a row that holds
#: one keeps its columns. The bidirectional controls (:data:`BIDI`) and the invisible
#: characters (:data:`INVISIBLE`, :data:`TAGS`) show as theirs too.
#: The Unicode line and paragraph separators (U+2028, U+2029) too: a terminal draws them
#: as nothing, or as a box, and a line of task output that held one read as two to an
#: editor or ``str.splitlines`` (the one-line summary of an error made them spaces).
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029" + BIDI + INVISIBLE + TAGS + "]"
)
_PICTURES = {c: chr(0x2400 + c) for c in range(0x20) if c not in (0x09, 0x0A)}
_PICTURES[0x7F] = "\u2421"  # ␡
_PICTURES.update({c: f"\\x{c:02x}" for c in range(0x80, 0xA0)})
_PICTURES.update({c: f"\\u{c:04x}" for c in range(0xD800, 0xE000)})
_PICTURES.update({ord(c): f"\\u{ord(c):04x}" for c in BIDI})
_PICTURES.update({c: ascii(chr(c))[1:-1] for c in (0xAD, 0x180E, 0xFEFF, *range(0x2060, 0x2070))})
_PICTURES.update({c: f"\\U{c:08x}" for c in range(0xE0000, 0xE0080)})
_PICTURES.update({0x2028: "\\u2028", 0x2029: "\\u2029"})
_PICTURES.update({c: f"\\x{c - 0xDC00:02x}" for c in range(0xDC80, 0xDD00)})
#: The flags drawn by tags (England, Scotland, Wales: U+1F3F4, ``gbeng`` in tag letters,
#: the cancel tag), kept whole; any other tags after U+1F3F4 are hidden text as well.
_TAG_FLAGS = re.compile(
    "|".join(
        "\U0001f3f4" + "".join(chr(0xE0000 + ord(c)) for c in f) + "\U000e007f"
        for f in ("gbeng", "gbsct", "gbwls")
    )
)


#: What ends a line for someone: a terminal (``\n``, and ``\v``, ``\f`` move down), an
#: editor or ``str.splitlines`` (``\r``, ``\x1c``-``\x1e``, NEL, the Unicode line and
#: paragraph separators). :func:`printable` shows all but the first as
#: stand-ins anywhere; in a name (:data:`_BREAK_PICTURES`) that one must not break its line.
LINE_BREAKS = "\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029"
_BREAK_PICTURES = {0x0A: "\u240a", 0x2028: "\\u2028", 0x2029: "\\u2029"}
_NAME_PICTURES = {**_BREAK_PICTURES, 0x09: "\u2409"}


def printable_name(name: str) -> str:
    """:func:`printable` with newlines, tabs and the Unicode line separators shown too: a
    file name (``a\nFAKE LINE.py``) stays on its line and cannot forge another."""
    return printable(name).translate(_NAME_PICTURES)


#: A frame's line of a traceback, up to its line number (``  File "/x/etl.py", line 36``;
#: ``    |   File …`` in an exception group's), its file name across lines: Python writes a
#: file named ``a\nb.py`` as it is, and its frame's line went on as a line of its own.
#: A ``File "`` never closed so (``File "report.csv" not found`` in a task's output) ends
#: at the next frame's line, and within 4,096 characters (``PATH_MAX``): its newlines stay.
_FRAME_FILE = re.compile(
    r'^([ |]*File ")((?:(?!\n[ |]*File ").){0,4096}?)(", line \d+(?=, in |\n|$))',
    re.MULTILINE | re.DOTALL,
)
_BREAK = re.compile(f"[{LINE_BREAKS}]")
#: Where frames may start: after Python's heading of a traceback. A task's own output
#: (``File "data.csv"`` on one line, ``error at "row 7", line 7`` on the next) is no frame,
#: and its lines were joined.
_TRACEBACK = "Traceback (most recent call last):"


def _frames_from(text: str) -> int:
    """Where the first traceback in ``text`` starts, -1 when it holds none."""
    return text.find(_TRACEBACK) if 'File "' in text else -1  # (no search in most text)


def _frame_file_broken(text: str) -> bool:
    """Whether a traceback's frame line in ``text`` names a file with a line break."""
    start = _frames_from(text)
    if start < 0:
        return False
    return any(_BREAK.search(found[2]) for found in _FRAME_FILE.finditer(text, start))


def _frame_files_on_their_lines(text: str) -> str:
    """``text`` with the line breaks in its traceback frames' file names as stand-ins."""

    def one_line(found: re.Match[str]) -> str:
        head, file, tail = found.groups()
        return head + file.translate(_BREAK_PICTURES) + tail

    start = _frames_from(text)
    return text if start < 0 else text[:start] + _FRAME_FILE.sub(one_line, text[start:])


def has_control(text: str) -> bool:
    """True when :func:`printable` may change ``text``: a control character, an emoji's
    presentation selector (which it changes only after a character narrow by default), or
    a traceback's file name that breaks its frame's line."""
    return (
        EMOJI_PRESENTATION in text or _CONTROL.search(text) is not None or _frame_file_broken(text)
    )


def printable(text: str) -> str:
    """``text`` with control characters other than newline and tab made visible, and
    drawn as wide as it is measured (:func:`drawn_as_measured`). A traceback frame's file
    name keeps its frame's line (``File "a␊b.py", line 3``): every view of a traceback
    (the monitor's, ``flowtop run``'s) passes it through here, not only through
    :func:`printable_name`, and its newline would start a line of its own."""
    if EMOJI_PRESENTATION in text:  # no search at all in ASCII or Latin-1 text
        text = drawn_as_measured(text)
    if _frame_file_broken(text):
        text = _frame_files_on_their_lines(text)
    if not _CONTROL.search(text):
        return text
    if "\U0001f3f4" not in text:
        return text.translate(_PICTURES)
    pieces: list[str] = []
    start = 0
    for flag in _TAG_FLAGS.finditer(text):  # a flag drawn by tags: kept whole
        pieces += text[start : flag.start()].translate(_PICTURES), flag[0]
        start = flag.end()
    return "".join(pieces) + text[start:].translate(_PICTURES)


#: Variation selectors 16 and 15: the emoji presentation of the character before
#: (``⚠️``, coloured) and its text presentation (``⚠︎``, a symbol of the font).
EMOJI_PRESENTATION, TEXT_PRESENTATION = "\ufe0f", "\ufe0e"


def drawn_as_measured(text: str) -> str:
    """``text`` with each emoji that terminals draw at different widths asked for in its
    text presentation, one cell wide everywhere, as Rich then measures it.

    A character narrow by default (``⚠ ❤ ✔``, a keycap's digit) followed by U+FE0F,
    its emoji presentation (``⚠️ retrying``, common in output and messages), is drawn
    one cell wide by tmux 3.3 and terminals that measure by code point, two by those that
    honour the selector; Rich counts two. Wherever the two differed, every cell after it
    on its line moved: table columns shifted, borders broke, the right edge was
    overwritten. Its U+FE0F becomes U+FE0E: one cell for every terminal, and for Rich.
    The length stays (an input's cursor keeps its place). An emoji wide by default keeps
    its selector (``✅``, ``⭐️``, the ``🧑‍⚕️`` of a ZWJ sequence): two cells everywhere.
    """
    if EMOJI_PRESENTATION not in text:
        return text
    pieces: list[str] = []
    start, base_wide = 0, False
    while (index := text.find(EMOJI_PRESENTATION, start)) >= 0:
        base_wide = _wide_base(text, start, index, base_wide)
        # before a joiner it starts a sequence drawn as one emoji (❤️‍🔥, 🏳️‍🌈): kept
        joined = text.startswith("\u200d", index + 1)
        kept = base_wide or joined
        pieces += text[start:index], EMOJI_PRESENTATION if kept else TEXT_PRESENTATION
        start = index + 1
    pieces.append(text[start:])
    return "".join(pieces)


def _wide_base(text: str, start: int, end: int, before: bool) -> bool:
    """Whether the character a selector at ``end`` applies to is wide: the last one before
    it that takes cells, as Rich finds it (one joined by a ZWJ, ``⚕`` of ``🧑‍⚕️``, is
    part of the character before it). ``before``: the answer for the selector just before
    ``start``, where none was found after it (each stretch of text is walked once)."""
    from rich.cells import get_character_cell_size  # 1 ms: not for the run processes

    for index in range(end - 1, start - 1, -1):
        if _joined(text, index):
            continue  # joined: its cells are those of the character it is joined to
        if size := get_character_cell_size(text[index]):
            return size == 2
    return before


def _joined(text: str, index: int) -> bool:
    """Whether Rich counts the character at ``index`` as joined to the one before (no
    cells of its own): a ZWJ takes the code point after it, whatever it is, so of a run
    of ZWJs just before it, an odd count joins it (``🧑‍‍⚠️``: the second ZWJ is the one
    taken, and ``⚠️`` counts two cells of its own)."""
    joiners = 0
    while index - joiners > 0 and text[index - joiners - 1] == "\u200d":
        joiners += 1
    return joiners % 2 == 1


def as_left_on_screen(output: str, *, carriage: str = "\r") -> str:
    """``output`` as a terminal leaves it: a line rewritten in place, as a progress bar
    rewrites its own after a carriage return, reads as its last version drawn over the
    earlier ones (``ERROR: disk full\\rOK`` leaves ``OKROR: disk full``; a tqdm bar was
    one line of every update it ever drew). ``carriage``: ``"␍"`` in text made printable.
    Every view of a task's output shows it so (:mod:`flowtop.left_on_screen`)."""
    if carriage not in output:
        return output
    from .left_on_screen import left_on_screen  # it measures: not for the run processes

    return left_on_screen(output, carriage=carriage)


class Writer(Protocol):
    """What the printers write to: a text stream or a :class:`PrintableStream`."""

    def write(self, text: str, /) -> object: ...


class PrintableStream:
    """A text stream for people: everything written passes through :func:`printable`.

    Human output of every command goes through one of these (JSON output does not: JSON
    escapes control characters itself), so no name, message or result that came from
    user code can write an escape sequence, whichever part of a line it lands in.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str, /) -> int:
        return self.stream.write(printable(text))

    def flush(self) -> None:
        self.stream.flush()


def as_written(text: str, stream: object) -> str:
    """``text`` as ``stream`` puts it out: what its encoding lacks replaced as its error
    handler replaces it (``?????`` for ``データ処理`` on an ASCII or Latin-1 terminal,
    where ``replace_what_cannot_print`` set its ``errors``), or escaped where the
    handler would raise (``\\u30c7``, as flowtop's writers then write it). A column
    measured on the text before that was padded for 10 cells while ``?????`` took 5.
    ``stream``: a text stream, or a :class:`PrintableStream` over one."""
    if text.isascii():
        return text
    if isinstance(stream, PrintableStream):
        stream = stream.stream
    encoding = getattr(stream, "encoding", None) or "utf-8"
    errors = getattr(stream, "errors", None) or "strict"
    try:
        codecs.lookup(encoding)
        codecs.lookup_error(errors)
    except LookupError:  # an encoding or handler this Python does not know: as it is
        return text
    try:
        encoded = text.encode(encoding, errors)
    except UnicodeEncodeError:
        encoded = text.encode(encoding, "backslashreplace")
    return encoded.decode(encoding, "replace")


#: Drawn by every view: a terminal that cannot show these cannot show flowtop. Every
#: symbol of ``looks``' tables (which this module cannot import: the engine imports it)
#: and the table's edges; a test holds them together (■ ⚡ ↺ were missing).
SYMBOLS = "✓✗⟳▶…⊘■⚡↺·▕▔"


def encodes_symbols(stream: object) -> bool:
    """Whether ``stream`` can carry flowtop's symbols: a UTF-8 terminal can, one with a
    Latin-1 locale (``LC_ALL=en_US.ISO-8859-1``) cannot."""
    try:
        SYMBOLS.encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


#: What a terminal whose encoding lacks them shows for the symbols with an ASCII
#: look-alike, one character for one (a column or a status line measured before keeps
#: its width), but ``→``: ``->``, as ``>`` is also the running symbol (``▶``) and read
#: as a comparison (``max 4s > 0.5s``, ``completed (attempt 2/4) > 'ok'``); it is in no
#: status line, and a column is measured as written (``as_written``). Any other
#: character it lacks is ``?``. All ``?`` read as questions: ``1 retrying ? next retry
#: in 8.0s ? 0 failed``, ``? completed (attempt 3/5) ? 'ok'``, ``etl/load ? pending``
#: (``…``, which also ends a name cut short: ``extract_al.``).
ASCII_LOOKALIKES = {
    "·": "-",
    "→": "->",
    "│": "|",
    "×": "*",
    "✓": "+",
    "✗": "x",
    "▶": ">",
    "⟳": "~",
    "…": ".",
}
#: The error handler that writes them (``codecs.register_error``), for the streams
#: ``replace_what_cannot_print`` sets and ``as_written`` measures alike.
LOOKALIKES = "flowtop-lookalikes"


def _lookalikes(error: UnicodeError) -> tuple[str, int]:
    """``errors="replace"``, but a symbol of :data:`ASCII_LOOKALIKES` is its look-alike."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    lacking = error.object[error.start : error.end]
    return "".join(ASCII_LOOKALIKES.get(c, "?") for c in lacking), error.end


codecs.register_error(LOOKALIKES, _lookalikes)


def replace_what_cannot_print() -> None:
    """On a terminal whose encoding lacks flowtop's symbols, human output shows ASCII
    look-alikes or ``?`` for them (:data:`ASCII_LOOKALIKES`): writing ``✓`` raised
    UnicodeEncodeError, a traceback in place of every line of ``flowtop run`` and the
    end of ``flowtop list``; under ``LC_ALL=C`` (where Python writes UTF-8 whatever the
    terminal was told) it wrote ``✓`` as three bytes a terminal told ASCII shows as
    garbage. JSON output is ASCII either way. On the Linux console (``TERM=linux``) a
    terminal writes UTF-8 through :data:`CONSOLE_CODEC`, the symbols its font lacks
    swapped for ones it has. ``sys.__stderr__`` too: the monitor draws there."""
    streams = {id(s): s for s in (sys.stdout, sys.stderr, sys.__stderr__)}.values()
    for stream in streams:
        if not isinstance(stream, io.TextIOWrapper):
            continue
        if not encodes_symbols(stream):
            stream.reconfigure(errors=LOOKALIKES)
        elif stream.isatty() and (codec := _locale_codec(os.environ, locale.getencoding())):
            # a terminal only: a file or pipe keeps UTF-8 (`| cat`, a CI log of a container
            # with LC_ALL=C kept the users' accented names and output)
            stream.reconfigure(encoding=codec, errors=LOOKALIKES)
        elif stream.isatty() and on_linux_console(os.environ):
            stream.reconfigure(encoding=CONSOLE_CODEC)


#: The symbols of the monitor and of human output (flowtop's and Textual's: borders,
#: scrollbars, the palette's icon) that the Linux console's font lacks, and what it
#: shows instead, one cell for one (a column, the monitor's layout, keep their widths).
#: The kernel's default font map (``drivers/tty/vt/cp437.uni``) holds ASCII, Latin-1's
#: ``·`` and ``×`` (as ``x``), the box-drawing lines, blocks and the arrows ``←↑→↓``:
#: these stay, and the state symbols read as their ASCII look-alikes
#: (:data:`ASCII_LOOKALIKES`), with ``^`` for upstream failed, ``=`` reused,
#: ``!`` interrupted, ``#`` cancelled.
CONSOLE_LOOKALIKES = {
    **{c: v for c, v in ASCII_LOOKALIKES.items() if len(v) == 1 and c not in "·│×"},
    "⊘": "^",
    "↺": "=",
    "⚡": "!",
    "■": "#",
    "▕": "│",
    "▏": "│",
    "▎": "│",
    "▊": "│",
    "▔": "─",
    "▁": "─",
    "━": "─",
    "┃": "│",
    "╭": "┌",
    "╮": "┐",
    "╰": "└",
    "╯": "┘",
    "▂": " ",
    "▃": " ",
    "▅": "▄",
    "▆": "█",
    "▇": "█",
    "▉": "█",
    "▋": "▌",
    "▍": "▌",
    "🔎": ">",
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015", "-"),  # the dashes
    **dict.fromkeys("\u2018\u2019\u201a\u201b", "'"),  # single quotation marks
    **dict.fromkeys("\u201c\u201d\u201e\u201f", '"'),
    "•": "·",
}
#: What the console's fonts hold among the characters :data:`_CONSOLE_SYMBOLS` matches.
CONSOLE_FONT = frozenset("←↑→↓─│┌┐└┘├┤┬┴┼═║╔╗╚╝╠╣╦╩╬█▄▀▌▐░▒▓▲▼≤≥")
#: The ranges of symbols (dashes, quotes and ``…``; arrows, mathematical and technical
#: signs, box drawing, blocks, shapes, dingbats, emoji): a console font lacks those outside
#: :data:`CONSOLE_FONT`; letters of any script (a Cyrillic or Greek font) are left be.
_CONSOLE_SYMBOLS = re.compile("[\u2010-\u2027\u2190-\u2bff\U0001f000-\U0001faff\ufe0e\ufe0f]")
_PRESENTATIONS = "\ufe0e\ufe0f"


def on_linux_console(environ: Mapping[str, str]) -> bool:
    """Whether ``TERM`` names the Linux virtual console (``linux``, ``linux-16color``)."""
    term = environ.get("TERM", "")
    return term == "linux" or term.startswith("linux-")


#: Textual's glyphs for keys (``⏎`` for Enter, ``⌫`` for Backspace) by the names a footer gives
#: them where they cannot be drawn, as it spells ``esc``: on the console ``⏎`` read as
#: ``?``, the help key (`? Open run`, `? Keep filter`).
KEY_NAMES = {"⏎": "enter", "⌫": "backspace"}


def key_shown_on(shown: str, environ: Mapping[str, str]) -> str:
    """A key as a footer or the help draws it (``⏎``, ``^r``), with each glyph the Linux
    console's font lacks (:func:`console_text`) as the key's name (:data:`KEY_NAMES`)."""
    if not on_linux_console(environ) or shown.isascii():
        return shown
    for glyph, name in KEY_NAMES.items():
        if glyph in shown and console_text(glyph) != glyph:
            shown = shown.replace(glyph, name)
    return shown


def console_text(text: str) -> str:
    """``text`` as the Linux console can show it: each symbol its font lacks as its
    :data:`CONSOLE_LOOKALIKES` one, any other as ``?``, as wide as the symbol (``⚡``,
    two cells, as ``! ``), and no emoji's presentation selector."""
    if text.isascii():
        return text
    return _CONSOLE_SYMBOLS.sub(_console_symbol, text)


def _console_symbol(match: re.Match[str]) -> str:
    char = match.group()
    if char in CONSOLE_FONT:
        return char
    if char in _PRESENTATIONS:  # of no width, and the symbol it follows is replaced
        return ""
    wide = unicodedata.east_asian_width(char) in "WF"
    return CONSOLE_LOOKALIKES.get(char, "?").ljust(2 if wide else 1)


class _ConsoleEncoder(codecs.IncrementalEncoder):
    def encode(self, input: str, final: bool = False) -> bytes:  # noqa: A002 - codecs' name
        return console_text(input).encode("utf-8", self.errors)


def _console_encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
    return console_text(text).encode("utf-8", errors), len(text)


#: UTF-8 as the Linux console shows it (:func:`console_text`), for the streams
#: ``replace_what_cannot_print`` sets there: the monitor (which Textual draws through
#: ``sys.__stderr__``), ``flowtop run``'s lines and status line, every printer alike.
CONSOLE_CODEC = "flowtop-linux-console"
_CONSOLE_INFO = codecs.CodecInfo(
    name=CONSOLE_CODEC,
    encode=_console_encode,
    decode=codecs.utf_8_decode,
    incrementalencoder=_ConsoleEncoder,
    incrementaldecoder=codecs.getincrementaldecoder("utf-8"),
)
codecs.register(lambda name: _CONSOLE_INFO if name == CONSOLE_CODEC.replace("-", "_") else None)


def no_unicode(stream: object, environ: Mapping[str, str], locale_encoding: str) -> str:
    """The encoding that cannot show the monitor's symbols on ``stream`` (stderr, where
    Textual draws), with the locale that set it, or "" when it can.

    Under ``LC_ALL=C`` (or ``POSIX``) Python turns on its UTF-8 mode and writes UTF-8
    whatever the terminal is: the check of the stream passed, and a terminal that took
    the locale at its word drew ``✓`` as ``â\x9c\x93``. The locale's own encoding
    (``locale.getencoding()``) says what the user told the terminal (``_locale_codec``).
    Under ``flowtop serve`` (a driver of its own) the browser draws, not a terminal.
    """
    if not encodes_symbols(stream):
        return str(getattr(stream, "encoding", None))
    if environ.get("TEXTUAL_DRIVER"):
        return ""
    codec = _locale_codec(environ, locale_encoding)
    return f"{codec} ({said_locale(environ)})" if codec else ""


def _locale_codec(environ: Mapping[str, str], locale_encoding: str) -> str:
    """The locale's encoding (``ascii`` for ANSI_X3.4-1968) when it lacks flowtop's
    symbols and nothing overrules it, else "". Overruling: a UTF-8 output chosen for
    Python (``PYTHONIOENCODING``, ``PYTHONUTF8=1``, ``-X utf8``), or a UTF-8 locale
    this system lacks (an ssh session brings the client's ``en_US.UTF-8``; Python then
    runs in the C locale, yet the terminal shows UTF-8)."""
    chosen = environ.get("PYTHONIOENCODING") or environ.get("PYTHONUTF8") == "1"
    if chosen or "utf8" in sys._xoptions or _names_utf8(locale_variable(environ)[1]):
        return ""
    try:
        codec = codecs.lookup(locale_encoding).name
    except LookupError:
        return "ascii"
    try:
        SYMBOLS.encode(codec)
    except UnicodeEncodeError:
        return codec
    return ""


def locale_variable(environ: Mapping[str, str]) -> tuple[str, str]:
    """The variable that sets the locale's encoding and its value; ("", "") for none."""
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        if value := environ.get(name):
            return name, value
    return "", ""


def _names_utf8(value: str) -> bool:
    return "utf8" in value.lower().replace("-", "")


def said_locale(environ: Mapping[str, str]) -> str:
    """The variable that sets the locale's encoding, as the user set it (``LC_ALL=C``),
    and when the system lacks that locale, so (Python then runs in the C locale)."""
    name, value = locale_variable(environ)
    if not name:
        return "no locale set: C"
    lacking = value not in ("C", "POSIX") and locale.setlocale(locale.LC_CTYPE) in ("C", "POSIX")
    return f"{name}={value}" + (", a locale this system lacks" if lacking else "")


#: The environment variable by which a client that launches a run process
#: (``workspace/launcher.py``) gives it a mark of its own. The process takes it out of its
#: environment as it starts, before any user code (nothing the run starts inherits it),
#: and says its notices with it, ``flowtop[MARK]: …``: the run's log holds the run's own
#: output too, and a ``flowtop: …`` line a flow printed was taken for a notice.
NOTICE_MARK = "FLOWTOP_NOTICE_MARK"
_notice_mark = os.environ.pop(NOTICE_MARK, "")


#: A notice's mark after the command that said it (``flowtop run[MARK]: ``).
_MARKED = re.compile(r"^([\w-]+(?: [\w-]+)?)\[[0-9a-f]+\]: ", re.MULTILINE)


def unmarked(text: str) -> str:
    """``text`` from a run process's log with its notices' marks taken out, as a person
    reads them (``flowtop run: …``): a mark tells notices apart for the TUI only."""
    return _MARKED.sub(r"\1: ", text)


def notice_prefix(mark: str, command: str = "flowtop") -> str:
    """How ``say`` starts its lines in a run process given ``mark`` (``""``: none)."""
    return f"{command}[{mark}]: " if mark else f"{command}: "


#: Who ``say``'s lines are by when its caller names no one: the command the command line
#: chose (``flowtop run``, set by ``cli.run_command`` through ``speak_as``), so that every
#: error line of a command names it, whichever module says it (``run`` said its argument
#: errors as ``flowtop run: …`` and its flow errors as ``flowtop: …``). ``flowtop``
#: before a command is chosen (``flowtop lst: no such file or folder``).
_speaker = "flowtop"


def speak_as(command: str) -> None:
    """Make ``command`` (``flowtop run``) what ``say`` names when its caller does not."""
    global _speaker
    _speaker = command


def say(message: str, *, command: str | None = None, stream: TextIO | None = None) -> None:
    """One error or notice line on stderr, ``flowtop run: message``, made printable (in a
    run process a client launched, ``flowtop run[MARK]: message``: ``NOTICE_MARK``).
    ``command``: who says it, when not the command being run (``speak_as``)."""
    said_by = _speaker if command is None else command
    line = printable(notice_prefix(_notice_mark, said_by) + message)
    print(line, file=stream if stream is not None else sys.stderr)
