"""``sys.stdout.buffer`` and ``sys.stderr.buffer`` under flowtop's stand-in streams.

Bytes a task writes there are its output, as its prints are: they went to the real
stream, missing from the attempt's output and reaching ``flowtop run``'s terminal
unescaped. Anywhere else (no attempt capturing on the thread) they go to the real binary
stream, which answers everything else too (``fileno`` for ``subprocess.run(stdout=
sys.stdout.buffer)``, ``isatty``, ``raw``). It is one object for the stand-in's life: a
library that keeps it from an import inside a task writes raw bytes again once that task
is over.
"""

from __future__ import annotations

import codecs
import io
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .pass_through import PassThroughStream


class RoutedBytes(io.RawIOBase):
    """The binary stream of ``text`` (a stand-in): decoded into it while ``capturing()``
    names this thread's capture, else the real one."""

    def __init__(self, text: PassThroughStream, capturing: Callable[[], object | None]) -> None:
        self.text = text
        self.capturing = capturing
        #: Per thread: the capture its decoder is for (by id), and the decoder, which keeps
        #: a character split between two writes (``shutil.copyfileobj``'s chunks) whole.
        self._decoding = threading.local()

    @property
    def real(self) -> Any:
        return self.text.original.buffer

    def write(self, data: Any) -> int:
        view = memoryview(data)  # what a real buffer refuses (an int), refused alike
        capture = self.capturing()
        if capture is None:
            return int(self.real.write(data))
        self.text.write(self._decoder_for(capture).decode(view.tobytes()))
        return view.nbytes

    def _decoder_for(self, capture: object) -> codecs.IncrementalDecoder:
        held: tuple[int, codecs.IncrementalDecoder] | None = getattr(self._decoding, "held", None)
        if held is None or held[0] != id(capture):
            encoding = getattr(self.text, "encoding", None) or "utf-8"
            held = (id(capture), codecs.getincrementaldecoder(encoding)("replace"))
            self._decoding.held = held
        return held[1]

    def flush(self) -> None:
        if self.capturing() is None:
            self.real.flush()
        else:
            self.text.flush()

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return int(self.real.fileno())

    def isatty(self) -> bool:
        return bool(self.real.isatty())

    def close(self) -> None:
        """Kept open: a task's ``io.TextIOWrapper(sys.stdout.buffer)``, collected, closes
        what it wraps, and the real stream is flowtop's output too."""

    @property
    def closed(self) -> bool:
        return bool(self.real.closed)

    def __del__(self) -> None:
        """Not IOBase's, which closes (so flushes) it: the stream is not this one's."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)
