"""A flow file's source as the loader reads it: bytes, text, syntax tree.

Each way reading can fail (the file gone, unreadable, a named pipe or a symlink loop,
text in no encoding Python reads, a syntax error) is raised as :class:`LoadFailed`,
whose :class:`LoadError` names the file and, where there is one, the line and column:
what the flows list and ``flowtop list`` show for a file that never got to run.
"""

from __future__ import annotations

import ast
import codecs
import errno
import io
import os
import re
import stat
import tokenize
from pathlib import Path

from ..engine.ast_race import parse_python
from ..printable import printable_name
from .load_error import LoadError, undecodable


class LoadFailed(Exception):
    """A flow file that cannot be loaded, and why: unreadable here, or (raised by the
    loader) failed at import."""

    def __init__(self, error: LoadError) -> None:
        super().__init__(str(error))
        self.error = error


def read_source_and_status(path: Path) -> tuple[bytes, os.stat_result]:
    """The file's bytes, and its status (its owner and mode, for ``code_trust``), taken
    as it is read; never opens what is not a regular file (a named pipe would block the
    load forever)."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise LoadFailed(
                LoadError(path, None, None, f"not a regular file ({_kind(info.st_mode)})")
            )
        return path.read_bytes(), info
    except FileNotFoundError:
        raise LoadFailed(LoadError(path, None, None, _missing(path))) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LoadFailed(
                LoadError(path, None, None, "symlink loop: cannot read file")
            ) from None
        reason = exc.strerror or type(exc).__name__
        raise LoadFailed(LoadError(path, None, None, f"cannot read file: {reason}")) from None


def decode_source(path: Path, data: bytes) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # (an unknown codec: tokenize names no line, nor Python)
        line = exc.lineno or _declaring_line(data)
        raise LoadFailed(LoadError(path, line, None, f"SyntaxError: {exc.msg}")) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise LoadFailed(undecodable(path, exc, encoding)) from None
    except (LookupError, UnicodeError) as exc:  # a declared codec that is not text's
        # (``rot13``, ``hex``, ``zlib``: LookupError; ``punycode``: UnicodeError) failed
        # the whole folder's load, every other file's flows unlisted
        raise LoadFailed(_not_text(path, data, encoding, exc)) from None
    return text.removeprefix("\ufeff")


#: A coding declaration (PEP 263), as ``tokenize`` finds it on line 1 or 2.
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")


def _declaring_line(data: bytes) -> int:
    """The line an encoding error of ``tokenize.detect_encoding`` is about: of the first
    two, the one with the coding declaration (``# coding: bogus``: an unknown codec; one
    after a BOM that is not UTF-8), or not UTF-8 (no declaration); else line 1. Said with
    no line, such a file's error read unlike every other codec error's."""
    for number, text in enumerate(data.removeprefix(codecs.BOM_UTF8).splitlines()[:2], 1):
        if _CODING.match(text):
            return number
        try:
            text.decode()
        except UnicodeDecodeError:
            return number
    return 1


def _not_text(path: Path, data: bytes, encoding: str, exc: Exception) -> LoadError:
    """The error of a file whose coding declaration names a codec that does not decode
    it to text, at the declaration's line (as Python says: "encoding problem")."""
    lines = data.splitlines()[:2]
    line = next((n for n, text in enumerate(lines, 1) if _CODING.match(text)), None)
    # punycode's: "decoding with 'punycode' codec failed (…)"
    not_text = f"{encoding!r} is not a text encoding"
    why = not_text if isinstance(exc, LookupError) else printable_name(str(exc))
    return LoadError(path, line, None, f"SyntaxError: encoding problem: {why}")


def parse_source(path: Path, text: str) -> ast.Module:
    try:
        return parse_python(text, str(path))
    except SyntaxError as exc:
        raise LoadFailed(
            LoadError(path, exc.lineno, exc.offset, f"{type(exc).__name__}: {exc.msg}")
        ) from None
    except ValueError as exc:  # e.g. null bytes in the source
        raise LoadFailed(LoadError(path, None, None, f"cannot compile: {exc}")) from None
    except (RecursionError, MemoryError) as exc:  # nested too deep (a generated ``1+1+…``)
        # one such file failed the whole folder's load, every other file's flows unlisted
        why = f"{type(exc).__name__}: {str(exc) or 'the parser ran out of stack (nested too deep)'}"
        raise LoadFailed(LoadError(path, None, None, f"cannot compile: {why}")) from None


def _missing(path: Path) -> str:
    """Why a listed file cannot be found: a symlink to nothing, or gone since listed."""
    try:
        target = os.readlink(path)
    except OSError:
        return "file disappeared while reloading"
    return f"broken symlink: its target {printable_name(target)} does not exist"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"
