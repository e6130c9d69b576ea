"""Under ``PYTHONUNBUFFERED=1`` a write that stdout takes only part of is finished.

There stdout's text layer writes straight to the raw file and ignores the count a write
returns: ``flowtop watch big.py 2 | head -2`` over a run with 380 KiB of output wrote
64 KiB, dropped the rest without a word, never saw the broken pipe and exited 0 (141
without the variable).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import fork_cli
from flowtop.commands.printers import READER_GONE, Output

APP = Path(__file__).resolve().parents[2] / "app"

#: A flow whose one task prints about 300 KB: more than a pipe holds (64 KiB).
LOUD = """
    from flowtop import Flow, task

    @task
    def shout():
        for i in range(6000):
            print(f"line {i:05d} " + "x" * 40)
        return "ok"

    with Flow("loud") as flow:
        shout()
"""


class Narrow(io.RawIOBase):
    """A raw file that takes at most ``room`` bytes a write, as a pipe can; then, with
    ``leaves``, its reader leaves."""

    def __init__(self, room: int, *, leaves: bool = False) -> None:
        self.room, self.leaves, self.taken = room, leaves, b""

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        if self.leaves and self.taken:
            raise BrokenPipeError(32, "Broken pipe")
        chunk = bytes(data)[: self.room]  # type: ignore[call-overload]
        self.taken += chunk
        return len(chunk)


def unbuffered(raw: io.RawIOBase) -> io.TextIOWrapper:
    """A text stream over ``raw`` as ``python -u`` makes stdout: no buffer between."""
    return io.TextIOWrapper(raw, encoding="utf-8", write_through=True)  # type: ignore[arg-type]


def test_a_write_the_file_takes_in_parts_is_written_whole() -> None:
    raw = Narrow(1000)
    text = "é and ✓ " * 5000  # multi-byte characters cut across the parts
    Output(unbuffered(raw)).write(text)
    assert raw.taken.decode("utf-8") == text


def test_a_reader_leaving_halfway_through_a_write_is_noticed() -> None:
    output = Output(unbuffered(Narrow(1000, leaves=True)))
    output.write("x" * 10_000)
    assert output.reader_gone.is_set()


def test_watch_under_pythonunbuffered_exits_141_when_its_reader_leaves(tmp_path: Path) -> None:
    """``PYTHONUNBUFFERED=1 flowtop watch . | head -c 10`` over a finished run."""
    (tmp_path / "loud.py").write_text(textwrap.dedent(LOUD))
    env = {**os.environ, "PYTHONPATH": str(APP), "PYTHONUNBUFFERED": "1"}
    ran = subprocess.run(
        [sys.executable, "-m", "flowtop", "run", "."],
        cwd=tmp_path,
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr
    watch = fork_cli.popen(
        [sys.executable, "-m", "flowtop", "watch", ".", "--flow", "loud"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert watch.stdout is not None and watch.stderr is not None
    try:
        first = os.read(watch.stdout.fileno(), 10)  # as `head -c 10` does, then leaves
        watch.stdout.close()
        code = watch.wait(timeout=60)
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.wait()
    err = watch.stderr.read().decode()
    watch.stderr.close()
    assert first and code == READER_GONE, (code, err)
    assert "Traceback" not in err, err


def test_through_flowtop_s_stand_in_a_buffered_stream_is_written_as_text() -> None:
    """The stand-in for ``sys.stdout`` has a raw binary stream of its own (``binary_output``)
    whatever the real one's buffering: the printer's lines looked unbuffered there, and
    went past the stand-in and the real stream's text layer as bytes."""
    from flowtop.commands.printers import write_whole
    from flowtop.engine import binary_output, capture

    real = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    stand_in = capture._ThreadRoutedStream(real)  # type: ignore[arg-type]
    bytes_written: list[bytes] = []
    stand_in.bytes.write = bytes_written.append  # type: ignore[method-assign,assignment]
    write_whole(stand_in, "a line\n")  # type: ignore[arg-type]
    real.flush()
    assert bytes_written == []
    assert real.buffer.getvalue() == b"a line\n"  # type: ignore[attr-defined]
    assert isinstance(stand_in.bytes, binary_output.RoutedBytes)
