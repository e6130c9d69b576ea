"""A flow file declaring a codec that does not decode to text is one broken file.

``# -*- coding: rot13 -*-`` (or ``hex``, ``zlib``: ``LookupError`` "not a text encoding";
``punycode``: a ``UnicodeError`` that is no ``UnicodeDecodeError``) got past the loader's
decoding, which caught ``UnicodeDecodeError`` only: ``flowtop run DIR`` ended in a
traceback, ``flowtop list DIR`` listed no flow of any file (``.: LookupError …``), and the
monitor showed ``✗ .`` and reloaded no file while it was there. It is said as the file's
own error at its declaration's line, as ``# coding: nosuch`` already was, the rest loading.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from cli_kit import Here
from flowtop.workspace import Workspace
from flowtop.workspace.load_error import FLOW_MARKERS, mentions

GOOD = """
from flowtop import Flow, task


@task
def g():
    return 1


with Flow("good1") as f:
    g()
"""

#: Each file's source and the error said of it (after ``NAME.py:LINE: ``).
CODECS = {
    "rot.py": (
        "# -*- coding: rot13 -*-\nfrom flowtop import Flow\n",
        "1: SyntaxError: encoding problem: 'rot13' is not a text encoding",
    ),
    "hexed.py": (
        "#!/usr/bin/env python\n# coding: hex\nfrom flowtop import Flow\n",
        "2: SyntaxError: encoding problem: 'hex' is not a text encoding",
    ),
    "zipped.py": (
        "# vim: set fileencoding=zlib :\nfrom flowtop import Flow\n",
        "1: SyntaxError: encoding problem: 'zlib' is not a text encoding",
    ),
    "puny.py": (
        "# coding: punycode\nfrom flowtop import Flow\n",
        "1: SyntaxError: encoding problem: decoding with 'punycode' codec failed",
    ),
}


def folder_with_codecs(root: Path) -> Path:
    (root / "a_good.py").write_text(GOOD, encoding="utf-8")
    for name, (source, _) in CODECS.items():
        (root / name).write_text(source, encoding="utf-8")
    return root


def test_a_folder_lists_its_flows_and_names_each_file_of_a_non_text_codec(
    tmp_path: Path, flowtop_here: Here
) -> None:
    folder = folder_with_codecs(tmp_path)
    listed = flowtop_here("list", str(folder), "--json")
    assert listed.returncode == 2, listed.stderr  # (files that failed to load)
    assert '"good1"' in listed.stdout
    assert "LookupError" not in listed.stderr
    for name, (_, said) in CODECS.items():
        assert re.search(rf"{re.escape(name)}:{re.escape(said)}", listed.stderr), listed.stderr


def test_a_non_text_codec_file_added_to_an_open_workspace_leaves_reload_working(
    tmp_path: Path, workspace: Callable[..., Workspace]
) -> None:
    (tmp_path / "a_good.py").write_text(GOOD, encoding="utf-8")
    ws = workspace()
    assert set(ws.flows) == {"good1"}
    rot = tmp_path / "rot.py"
    rot.write_text(CODECS["rot.py"][0], encoding="utf-8")
    change = ws.reload_paths([rot])
    assert [str(error) for error in change.errors] == [f"rot.py:{CODECS['rot.py'][1]}"]
    # the other file's next save is seen
    (tmp_path / "a_good.py").write_text(GOOD.replace('"good1"', '"good2"'), encoding="utf-8")
    ws.reload_paths([tmp_path / "a_good.py"])
    assert set(ws.flows) == {"good2"}
    assert set(ws.errors) == {rot}


@pytest.mark.parametrize("codec", ["rot13", "hex", "zlib", "punycode"])
def test_the_flow_marker_scan_reads_a_non_text_codec_as_a_file_to_import(codec: str) -> None:
    """The marker sits on no import line, so the scan tokenizes the file: the codec's
    error came out of it (the import then says the file's error)."""
    data = f"# coding: {codec}\nX = Flow\n".encode()
    assert mentions(FLOW_MARKERS, data)
