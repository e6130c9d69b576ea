"""A flow file nested too deep for Python's parser is one broken file, not a broken folder.

A generated module (``X = 1+1+…`` over 100,000 terms) makes ``ast.parse`` raise
``RecursionError``, and ``- - … 1`` a bare ``MemoryError``: neither is a ``SyntaxError``.
The loader let them out, so ``flowtop list DIR`` said only the RecursionError and listed
no flow of any file; and the syntax-tree scan that picks the file defining ``--flow NAME``
(``flow_naming.NameScan``) let them out too, so a run of a flow in another file
ended in a traceback.
"""

from __future__ import annotations

from pathlib import Path

from cli_kit import Here

ETL = """
from flowtop import flow


@flow
def etl() -> int:
    return 7
"""

#: Sources Python's parser cannot read as a syntax tree, though their syntax is valid.
TOO_DEEP = {
    "sum.py": "from flowtop import flow\nX = " + "1+" * 200_000 + "1\n",  # RecursionError
    "minus.py": "from flowtop import flow\nX = " + "-" * 100_000 + "1\n",  # MemoryError
}


def folder_with_deep_files(root: Path) -> Path:
    (root / "etl.py").write_text(ETL)
    for name, text in TOO_DEEP.items():
        (root / name).write_text(text)
    return root


def test_the_file_defining_a_flow_is_found_beside_files_too_deep_to_parse(
    tmp_path: Path,
) -> None:
    from flowtop.workspace.flow_naming import NameScan

    folder = folder_with_deep_files(tmp_path)
    scan = NameScan(sorted(folder.glob("*.py")), "etl")
    assert scan.file_defining() == folder / "etl.py"
    assert scan.unparsed(None) == {folder / "sum.py", folder / "minus.py"}  # (flows: untold)


def test_a_folder_lists_its_flows_and_names_each_file_too_deep_to_compile(
    tmp_path: Path, flowtop_here: Here
) -> None:
    folder = folder_with_deep_files(tmp_path)
    listed = flowtop_here("list", str(folder), "--json")
    assert listed.returncode == 2, listed.stderr  # (files that failed to load)
    assert '"etl"' in listed.stdout
    errors = sorted(line for line in listed.stderr.splitlines() if "cannot compile" in line)
    assert len(errors) == 2, listed.stderr
    assert "minus.py: cannot compile: MemoryError: the parser ran out of stack" in errors[0]
    assert "sum.py: cannot compile: RecursionError: maximum recursion depth" in errors[1]
