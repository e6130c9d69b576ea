"""A text stream that answers every question as the stream it wraps does.

``capture``'s stand-ins for ``sys.stdout``/``sys.stderr`` decide only where a write goes.
What ``io.TextIOBase`` would answer itself (``writable()`` False, ``errors`` None, …) is
the original's answer here, as for any other attribute: code that checks the stream
before writing (``isatty``, ``encoding``, ``fileno``) sees the real one.
"""

from __future__ import annotations

import io
from typing import Any, TextIO


class PassThroughStream(io.TextIOBase):
    """Wraps ``original``; a subclass says what ``write`` does."""

    def __init__(self, original: TextIO) -> None:
        self.original = original

    def write(self, text: str) -> int:
        return self.original.write(text)

    def flush(self) -> None:
        self.original.flush()

    def isatty(self) -> bool:
        return self.original.isatty()

    def _asked(self, name: str, default: Any) -> Any:
        """The original's answer to ``name()`` (a stream it wraps may lack the method)."""
        method = getattr(self.original, name, None)
        return default if method is None else method()

    def writable(self) -> bool:
        return bool(self._asked("writable", True))  # it has ``write``: it stands in for one

    def readable(self) -> bool:
        return bool(self._asked("readable", False))

    def seekable(self) -> bool:
        return bool(self._asked("seekable", False))

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.original.seek(offset, whence)

    def tell(self) -> int:
        return self.original.tell()

    @property
    def closed(self) -> bool:
        return bool(getattr(self.original, "closed", False))

    @property
    def errors(self) -> str | None:  # type: ignore[override]  # typeshed: a writable attribute; read-only here
        return getattr(self.original, "errors", None)

    @property
    def newlines(self) -> Any:  # type: ignore[override]  # typeshed: a writable attribute; read-only here
        return getattr(self.original, "newlines", None)

    def __del__(self) -> None:
        """Not IOBase's, which closes (so flushes) the stream: the stream wrapped is not
        this one's to close, and may be closed already (Python 3.13 reports that flush as
        "Exception ignored in: <_ThreadRoutedStream>", failing a user's pytest run)."""

    def fileno(self) -> int:
        return self.original.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]  # typeshed: a writable attribute; read-only here
        return getattr(self.original, "encoding", "utf-8")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.original, name)
