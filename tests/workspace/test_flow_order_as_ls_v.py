"""The flows list follows ``ls -v`` as the README says, suffixes and all.

``natural_order`` compared whole names, each run of digits as a number:
``("big", 10, "k.py")`` against ``("big.py",)`` put ``big10k.py`` before ``big.py`` and
``etl2.py`` before ``etl.py``, where ``ls -v`` (GNU ``filevercmp``) compares the names
without their suffixes first. The model below is ``filevercmp`` ported from gnulib, on
the names' UTF-8 bytes; the key must sort every list of names as it does.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowtop.workspace import Workspace
from flowtop.workspace.flow_order import in_natural_order

#: The brief's names, and the explorer's: as GNU ls 9.1 lists them with ``-v``.
AS_LS_V = [
    "1²2.py",
    "1²10.py",
    "A.py",
    "a0.py",
    "a.b.py",
    "a.py",
    "a001.py",
    "a01.py",
    "a1.py",
    "a2.py",
    "a10.py",
    "a-b.py",
    "a_b.py",
    "big.py",
    "big10k.py",
    "etl.py",
    "etl2.py",
    "gen-1.py",
    "gen-2.py",
    "gen-10.py",
    "x.py",
    "x.py.py",
    "x1.py",
]


def _order(name: bytes, pos: int) -> int:
    """gnulib's ``order``: a character's weight in ``verrevcmp``."""
    if pos == len(name):
        return -1
    c = name[pos]
    if 48 <= c <= 57:
        return 0
    if _is_alpha(c):
        return c
    return -2 if c == ord("~") else c + 256


def _isdigit(name: bytes, pos: int) -> bool:
    return pos < len(name) and 48 <= name[pos] <= 57


def _verrevcmp(a: bytes, b: bytes) -> int:
    """gnulib's ``verrevcmp``, line for line."""
    i = j = 0
    while i < len(a) or j < len(b):
        first_diff = 0
        while (i < len(a) and not _isdigit(a, i)) or (j < len(b) and not _isdigit(b, j)):
            ac, bc = _order(a, i), _order(b, j)
            if ac != bc:
                return ac - bc
            i, j = i + 1, j + 1
        while i < len(a) and a[i] == ord("0"):
            i += 1
        while j < len(b) and b[j] == ord("0"):
            j += 1
        while _isdigit(a, i) and _isdigit(b, j):
            first_diff = first_diff or a[i] - b[j]
            i, j = i + 1, j + 1
        if _isdigit(a, i):
            return 1
        if _isdigit(b, j):
            return -1
        if first_diff:
            return first_diff
    return 0


def _is_alpha(c: int) -> bool:
    return 65 <= c <= 90 or 97 <= c <= 122


def _prefix_length(name: bytes) -> int:
    """gnulib's ``file_prefixlen``: where the name's suffix (``.py``, ``.tar.gz``) starts."""
    n, i, prefix = len(name), 0, 0
    while i != n:
        i += 1
        prefix = i
        while i + 1 < n and name[i] == ord(".") and (_is_alpha(name[i + 1]) or name[i + 1] == 126):
            i += 2
            while i < n and (_is_alpha(name[i]) or 48 <= name[i] <= 57 or name[i] == 126):
                i += 1
    return prefix


def _ls_v(left: str, right: str) -> int:
    """``ls -v``'s comparison: gnulib's ``filevercmp``, then ``strcmp`` on a tie."""
    a, b = left.encode(), right.encode()
    if not a or not b:
        return len(a) - len(b)
    if a[:1] == b"." or b[:1] == b".":
        if (a[:1] == b".") != (b[:1] == b"."):
            return -1 if a[:1] == b"." else 1
        for special in (b".", b".."):
            if (a == special) != (b == special):
                return -1 if a == special else 1
    pa, pb = _prefix_length(a), _prefix_length(b)
    result = _verrevcmp(a[:pa], b[:pb])
    if not result and not (pa == len(a) and pb == len(b)):
        result = _verrevcmp(a, b)
    return result or (a > b) - (a < b)


def test_the_names_the_brief_lists_come_in_ls_v_order() -> None:
    assert in_natural_order(reversed(AS_LS_V)) == AS_LS_V
    assert sorted(AS_LS_V, key=functools.cmp_to_key(_ls_v)) == AS_LS_V  # the model agrees


@pytest.mark.skipif(shutil.which("ls") is None, reason="no ls here")
def test_the_order_is_the_one_ls_v_itself_gives(tmp_path: Path) -> None:
    for name in AS_LS_V:
        (tmp_path / name).touch()
    listed = subprocess.run(
        ["ls", "-v", str(tmp_path)], capture_output=True, text=True, env={"LC_ALL": "C.UTF-8"}
    )
    if listed.returncode or listed.stdout.split("\n")[:-1] != AS_LS_V:
        pytest.skip(f"this ls has no GNU -v: {listed.stdout!r} {listed.stderr!r}")
    assert in_natural_order(AS_LS_V[::-1]) == AS_LS_V


NAME_CHARACTERS = st.sampled_from([*"aAbz~.-_019", "²", "é", "py"])
NAMES = st.lists(NAME_CHARACTERS, max_size=8).map("".join)


@given(st.lists(NAMES, max_size=12))
def test_any_names_sort_as_filevercmp_sorts_them(names: list[str]) -> None:
    assert in_natural_order(names) == sorted(names, key=functools.cmp_to_key(_ls_v))


FLOW = """
from flowtop import Flow, task

@task
def one():
    return 1

with Flow("{name}") as flow:
    one()
"""


def test_the_monitor_lists_big_py_before_big10k_py(
    write: Callable[[str, str], Path], workspace: Callable[..., Workspace]
) -> None:
    for stem in ("big10k", "etl2", "big", "etl"):
        write(f"{stem}.py", FLOW.format(name=f"{stem}-flow"))
    assert list(workspace().flows) == ["big-flow", "big10k-flow", "etl-flow", "etl2-flow"]
