"""A folder's flow file written in a codec that is no text codec is one broken file.

``flowtop list DIR`` (and the monitor) passed over a ``# coding: rot13`` flow file in
silence: the folder scan searched its raw bytes for ``flowtop`` or ``Flow``, which rot13
hides (``sebz sybjgbc vzcbeg sybj``), so it was neither listed nor said, while
``flowtop list rot.py`` said ``rot.py:1: SyntaxError: encoding problem: …``.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from cli_kit import Here
from flowtop.workspace.load_error import FLOW_MARKERS, mentions

GOOD = 'from flowtop import flow\n\n\n@flow\ndef good():\n    return "good"\n'
ROT = "from flowtop import flow\n\n\n@flow\ndef rot():\n    return 1\n"


def rot13_file(source: str) -> bytes:
    return b"# coding: rot13\n" + codecs.encode(source, "rot13").encode()


def test_a_folder_lists_its_flows_and_says_its_rot13_file(
    tmp_path: Path, flowtop_here: Here
) -> None:
    (tmp_path / "good.py").write_text(GOOD, encoding="utf-8")
    (tmp_path / "rot.py").write_bytes(rot13_file(ROT))
    listed = flowtop_here("list", str(tmp_path))
    assert listed.returncode == 2, listed.stderr
    assert listed.stdout.startswith("good "), listed.stdout
    assert "rot.py:1: SyntaxError: encoding problem: 'rot13' is not a text encoding" in (
        listed.stderr
    )


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (rot13_file(ROT), True),
        (b"# coding: nosuch\nx = 1\n", True),  # no codec at all: Python says so
        (rot13_file("x = 1\n"), True),  # not known to name none: imported, its error said
        ("# coding: latin-1\nx = 'é'\n".encode("latin-1"), False),
        (b"# coding: ascii\nx = '\xe9'\n", False),  # not its text: not a flow file's
        (b"# utf-8 coding: utf-8\nx = 1\n", False),
    ],
)
def test_the_scan_reads_a_declared_codec_s_text(data: bytes, named: bool) -> None:
    assert mentions(FLOW_MARKERS, data) is named
