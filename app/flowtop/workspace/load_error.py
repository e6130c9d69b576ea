"""What went wrong with a flow file or a settings file, and where.

Its own module because every process names errors, while only the loader imports user
code: the TUI shows a ``LoadError`` it got from the flow host without importing the
loader (see ``flow_host.py``).
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..printable import printable_name


def display_path(path: Path | str) -> str:
    """The path relative to the current folder when it is below it, else as given; on
    one line (a file may be named ``a\nb.py``)."""
    try:
        shown = str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        shown = str(path)
    return printable_name(shown)


def undecodable(path: Path, exc: UnicodeDecodeError, encoding: str = "utf-8") -> LoadError:
    """A file (flow or settings) that is not ``encoding`` text, at the line and column of
    its first bad byte (``exc.object`` is the whole file): a settings file's was said by
    its offset alone (``can't decode byte 0xe9 in position 5``)."""
    data = exc.object
    line = data.count(b"\n", 0, exc.start) + 1
    column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    byte = data[exc.start : exc.start + 1].hex()
    why = f"file is not valid {encoding.upper()} text: byte 0x{byte} ({exc.reason})"
    return LoadError(path, line, column, why)


def import_overran(seconds: float, where: str | None = None) -> str:
    """Why a flow file is broken whose import took longer than ``load_timeout``: the
    setting is named, as raising it is the fix when the import is only slow; and where the
    import was when it was given up, when known (``hang.py:3``; a large file's author had
    to guess). ``where`` None: as this process's own deadline saw it, when one expired
    here (``import_guard.overran_at``: a run process says it as it ends)."""
    if where is None:
        from .import_guard import overran_at

        where = overran_at()
    at = f", at {where}" if where else ""
    return f"import did not finish in {seconds:g} s ([defaults] load_timeout){at}"


class Stopped(KeyboardInterrupt):
    """Ctrl+C or SIGTERM, raised by flowtop's own signal handlers (``commands.run``): the
    loader lets it stop the command, where a ``KeyboardInterrupt`` a flow file raises
    itself is that file's load error."""

    how = "Ctrl+C"
    exit_code = 130
    #: What the runs it cancels say (the history's reason for each unfinished task).
    why = "cancelled by the user"


#: A folder file is executed only when its source mentions flowtop or a ``Flow`` (as a
#: word: a report script's ``class CashFlow`` ran it as a flow file, "defines no flows").
FLOW_MARKERS = re.compile(rb"flowtop|\bFlow\b")
#: The same in drop-in mode, where a Prefect flow file needs no flowtop name.
FLOW_OR_PREFECT_MARKERS = re.compile(rb"flowtop|\bFlow\b|prefect")


def mentions(markers: re.Pattern[bytes], data: bytes) -> bool:
    """Whether the source ``data`` names one of ``markers`` in its code, not only in a
    comment or a string: a script whose docstring spoke of "Flow control" was imported as
    a flow file, and started its development server. A source Python cannot tokenize is
    imported (its error is then said)."""
    found = list(markers.finditer(data))
    if not found:
        return _mentions_coded(markers, data)
    for hit in found:  # the common case, an import line, without tokenizing the file
        line = data[data.rfind(b"\n", 0, hit.start()) + 1 : hit.start()].lstrip()
        if line.startswith((b"from ", b"import ")):
            return True
    try:
        for token in tokenize.tokenize(io.BytesIO(data).readline):
            if token.type == tokenize.NAME and markers.search(token.string.encode()):
                return True
    except (tokenize.TokenError, SyntaxError, LookupError, UnicodeError):  # (a non-text
        return True  # codec, ``rot13``: LookupError)
    return False


def _mentions_coded(markers: re.Pattern[bytes], data: bytes) -> bool:
    """Whether a source whose coding declaration names a codec other than UTF-8 names a
    marker in its decoded text; a codec that is no text codec, or none at all, makes it
    a file to import, its error then said: a folder's ``# coding: rot13`` flow file was
    neither listed nor said (its bytes hide the names)."""
    if b"coding" not in b"\n".join(data.split(b"\n", 2)[:2]):
        return False
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        if encoding.startswith("utf-8"):
            return False  # the bytes searched were the text
        text = data.decode(encoding)
    except (SyntaxError, LookupError):  # unknown codec; ``rot13``, ``hex``: not text
        return True
    except UnicodeError:  # not this codec's text: Python would not read it either
        return False
    return markers.search(text.encode()) is not None


def readable_sources(paths: Iterable[Path]) -> Iterator[tuple[Path, bytes]]:
    """Each file of ``paths`` that can be read, with its bytes: the scans before an
    import pass over the others (the import itself reports them). Regular files only: a
    named pipe's read waited for a writer for good (``flowtop list`` of a folder holding
    one, since its Prefect files are looked for beside the flows it lists)."""
    for path in paths:
        if not path.is_file():
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        yield path, data


def prefect_only(paths: Iterable[Path]) -> list[Path]:
    """The files of ``paths`` that import ``prefect`` and never mention flowtop: without
    drop-in mode they are not read as flow files (one that does is read as any other)."""
    return [
        path
        for path, data in readable_sources(paths)
        if not FLOW_MARKERS.search(data) and (b"from prefect" in data or b"import prefect" in data)
    ]


#: How to read the files that import ``prefect``: drop-in mode.
PREFECT_COMPAT_HOW = (
    "run flowtop with --prefect-compat, or set [workspace] prefect_compat = true in flowtop.toml"
)


def _few_files(names: Sequence[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def unread_prefect_hint(names: Sequence[str]) -> str:
    """Why a folder of Prefect flows shows no flows (``Workspace.unread_prefect_files``):
    said by ``flowtop run``/``list`` and by the TUI alike."""
    if not names:
        return ""
    return (
        f"{_few_files(names)} import{'s' if len(names) == 1 else ''} prefect: {PREFECT_COMPAT_HOW}"
    )


def unread_prefect_note(names: Sequence[str]) -> str:
    """The same of Prefect files beside flows that loaded: ``flowtop list`` (on stderr)
    and the monitor's reload toast said not a word of them (the toast "No flow changed
    (pf.py)" read as if the file had loaded), and a user's new flow never appeared."""
    if not names:
        return ""
    they = "it imports" if len(names) == 1 else "they import"
    return f"{_few_files(names)} not read, as {they} prefect: {PREFECT_COMPAT_HOW}"


@dataclass(frozen=True)
class LoadError:
    """A flow file or settings file that could not be used, and where it went wrong.

    ``in_part``: a settings file that loaded, a table of which names a flow, task or
    exception that does not exist (a flow renamed in code leaves its override behind):
    the rest of the file is in use, and saying it "failed to load" would be wrong.
    ``unused``: such a table names a flow that does not exist, or (in ``overrides.toml``,
    which the retry editor writes from the code's own names) a task its flow no longer
    has: nothing runs differently for it, so it is said but stops no run (a renamed flow's override, left behind by the
    retry editor, stopped a cron job's `flowtop run --flow` of another flow).
    """

    path: Path
    line: int | None
    column: int | None
    message: str
    in_part: bool = False
    unused: bool = False
    #: A value at fault in this flow's task table of ``overrides.toml``: it stops that
    #: flow's runs only, the rest of the file in use (``SettingsState.scoped``).
    stops_flow: str | None = None

    def __str__(self) -> str:
        where = display_path(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"

    def to_json(self) -> list[object]:
        where = [str(self.path), self.line, self.column, self.message]
        return [*where, self.in_part, self.unused, self.stops_flow]

    @classmethod
    def from_json(cls, data: list[object]) -> LoadError:
        path, line, column, message, *rest = data
        return cls(
            Path(str(path)),
            int(line) if isinstance(line, int) else None,
            int(column) if isinstance(column, int) else None,
            str(message),
            in_part=bool(rest and rest[0]),
            unused=bool(rest[1:] and rest[1]),
            stops_flow=str(rest[2]) if rest[2:] and rest[2] is not None else None,
        )
