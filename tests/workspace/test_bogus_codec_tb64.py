"""A flow file whose encoding ``tokenize`` refuses names the line it refuses.

``# coding: bogus`` was said as ``bog.py: SyntaxError: unknown encoding: bogus`` with no
line (``tokenize.detect_encoding`` gives none), while every other codec error names one
(``rot.py:1: SyntaxError: encoding problem: …``): it now names the declaration's line, or
for bytes that are no UTF-8 and declare nothing, their line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from flowtop.workspace import Workspace
from flowtop.workspace.flow_source import LoadFailed, decode_source

GOOD = 'from flowtop import flow\n\n\n@flow\ndef good():\n    return "good"\n'


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"# coding: bogus\nx = 1\n", "bog.py:1: SyntaxError: unknown encoding: bogus"),
        (
            b"#!/usr/bin/env python\n# -*- coding: bogus -*-\nx = 1\n",
            "bog.py:2: SyntaxError: unknown encoding: bogus",
        ),
        (  # a BOM says UTF-8, its declaration something else
            b"\xef\xbb\xbf\n# coding: latin-1\nx = 1\n",
            "bog.py:2: SyntaxError: encoding problem: utf-8",
        ),
        (
            b"# a comment\n# caf\xe9\nx = 1\n",
            "bog.py:2: SyntaxError: invalid or missing encoding declaration",
        ),
    ],
)
def test_an_encoding_tokenize_refuses_is_said_at_its_line(data: bytes, said: str) -> None:
    with pytest.raises(LoadFailed) as failed:
        decode_source(Path("bog.py"), data)
    assert str(failed.value.error) == said


def test_a_folder_names_its_bogus_codec_file_s_line(
    tmp_path: Path, workspace: Callable[..., Workspace]
) -> None:
    (tmp_path / "good.py").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bog.py").write_bytes(b"# coding: bogus_codec\nx = 1\n")
    ws = workspace()
    assert set(ws.flows) == {"good"}
    assert [str(error) for error in ws.errors.values()] == [
        "bog.py:1: SyntaxError: unknown encoding: bogus_codec"
    ]
