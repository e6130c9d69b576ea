"""Code another local user could have written is never run as you: a cached result (a
pickle, which runs code as it is read back) from a folder they could write in, or a flow
file or helper module they put in a folder every user may write in (``/tmp``).

A reviewer had Bob plant a pickle in Alice's ``.flowtop/cache`` (``chmod 777``), and in a
``.flowtop`` of his own in a ``1777`` workspace: her ``flowtop run`` (or ``run
--no-history``, the advice the refusal gave) ran his code as her. His ``zz_helper.py``,
which mentions ``Flow``, in a ``1777`` folder ran as her on ``flowtop list``. Tests run
as root give files to uid 65534 (``nobody``) to play Bob; as any other user, the parts
that need no other owner run.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import textwrap
from pathlib import Path

import pytest

from cli_kit import Here
from flowtop.engine.caching import CachedResult
from flowtop.workspace.result_cache import FolderCache

from .conftest import flowtop

BOB = 65534  # nobody: an owner that is neither you nor root
ROOT_ONLY = "giving a file to another user (chown) needs root"

CACHED_FLOW = """
    from flowtop import Flow, task

    def key(context, arguments):
        return "fixed-key"

    @task(cache_key_fn=key)
    def x():
        return 1

    with Flow("cf") as flow:
        x()
"""


class Planted:
    """Bob's result: reading it back creates ``marker`` (``open(marker, "w")``)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def plant(cache: Path, marker: Path, *, owner: int | None = None) -> Path:
    """Bob's cache file for the key ``fixed-key``, as the cache writes one."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / hashlib.sha256(b"fixed-key").hexdigest()[:40]
    path.write_bytes(pickle.dumps((None, "bob's run", pickle.dumps(Planted(marker)))))
    if owner is not None:
        os.chown(path, owner, owner)
    return path


def cached_workspace(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "cf.py").write_text(textwrap.dedent(CACHED_FLOW))
    return folder


def test_a_cache_folder_every_user_may_write_in_is_never_read(tmp_path: Path) -> None:
    """Case A: Alice's ``.flowtop`` is 0755 but its cache 0777; Bob's pickle there ran as
    her (``✓ completed (cached result of x)``): only ``put`` checked the folder."""
    folder = cached_workspace(tmp_path / "work")
    state = folder / ".flowtop"
    state.mkdir(mode=0o755)
    state.chmod(0o755)
    marker = tmp_path / "bob-ran"
    plant(state / "cache", marker, owner=BOB if os.geteuid() == 0 else None)
    (state / "cache").chmod(0o777)
    for extra in ((), ("--no-history",)):
        done = flowtop("run", ".", "--flow", "cf", *extra, cwd=folder)
        assert done.returncode == 0, done.stderr
        assert not marker.exists(), "Bob's pickle was read back"
        assert "cached result of" not in done.stdout, done.stdout
        assert "✓ completed" in done.stdout, done.stdout  # the task ran instead
        warned = [line for line in done.stderr.splitlines() if "cached results not read" in line]
        assert len(warned) == 1, done.stderr  # said once, naming the folder and why
        assert ".flowtop/cache is writable by every user (drwxrwxrwx" in warned[0]


def test_a_flowtop_every_user_may_write_in_is_not_read_without_history(tmp_path: Path) -> None:
    """``.flowtop`` at 0777 (its cache 0700): ``run`` refused it, ``run --no-history``
    still read its cache."""
    folder = cached_workspace(tmp_path / "work")
    state = folder / ".flowtop"
    marker = tmp_path / "bob-ran"
    plant(state / "cache", marker)
    (state / "cache").chmod(0o700)
    state.chmod(0o777)
    refused = flowtop("run", ".", "--flow", "cf", cwd=folder)
    assert refused.returncode == 2, refused.stderr
    done = flowtop("run", ".", "--flow", "cf", "--no-history", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert not marker.exists(), "the pickle was read back"
    assert "cached result of" not in done.stdout, done.stdout
    assert re.search(r"cached results not read .*\.flowtop is writable by every user", done.stderr)


def test_a_stranger_s_flowtop_in_a_folder_open_to_all_is_never_read(tmp_path: Path) -> None:
    """Case B: in a ``1777`` workspace Bob made ``.flowtop`` (0755, his) with his pickle
    in its cache. ``run`` refused (not writable), and ``--no-history``, as that refusal
    advised, read his pickle. Now: refused by both, whose and why said."""
    if os.geteuid() != 0:
        pytest.skip(ROOT_ONLY)
    folder = cached_workspace(tmp_path / "work")
    folder.chmod(0o1777)
    state = folder / ".flowtop"
    marker = tmp_path / "bob-ran"
    plant(state / "cache", marker, owner=BOB)
    for path in (state, state / "cache"):
        os.chown(path, BOB, BOB)
        path.chmod(0o755)
    refused = flowtop("run", ".", "--flow", "cf", cwd=folder)  # root may write it: refused
    assert refused.returncode == 2, refused.stderr
    assert re.search(r"\.flowtop is \S+'s \(drwxr-xr-x .*anyone could have made it", refused.stderr)
    done = flowtop("run", ".", "--flow", "cf", "--no-history", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert not marker.exists(), "Bob's pickle was read back"
    assert "cached result of" not in done.stdout, done.stdout
    assert re.search(r"cached results not read .*\.flowtop is \S+'s", done.stderr), done.stderr


def test_a_stranger_s_file_in_your_private_cache_is_a_miss(tmp_path: Path) -> None:
    """A result file of another user's in a ``.flowtop`` that is not shared with a group
    of yours: a miss (the task runs), never unpickled."""
    if os.geteuid() != 0:
        pytest.skip(ROOT_ONLY)
    state = tmp_path / ".flowtop"
    marker = tmp_path / "bob-ran"
    plant(state / "cache", marker, owner=BOB)
    state.chmod(0o700)
    with pytest.raises(ValueError, match=r"\.flowtop/cache/\w+ is \S+'s .*not shared with a group"):
        FolderCache(state / "cache", cap=1_000_000).get("fixed-key")
    assert not marker.exists()


def test_a_team_s_shared_store_is_still_read(tmp_path: Path) -> None:
    """A ``.flowtop`` its owner shares with a group you are in (``chmod 2770``, README
    "What is safe to share"): what another member cached there is read, as before."""
    if os.geteuid() != 0:
        pytest.skip(ROOT_ONLY)
    state = tmp_path / ".flowtop"
    cache = state / "cache"
    cache.mkdir(parents=True)
    ours = os.getegid()
    FolderCache(cache, cap=1_000_000).put("fixed-key", CachedResult(42, "bob's run"))
    for path in (state, cache, *cache.iterdir()):
        os.chown(path, BOB, ours)
        path.chmod(0o660 if path.is_file() else 0o2770)
    found = FolderCache(cache, cap=1_000_000).get("fixed-key")
    assert found is not None and (found.value, found.source) == (42, "bob's run")
    state.chmod(0o2750)  # no longer shared: Bob's files are his alone
    with pytest.raises(ValueError, match=r"is \S+'s .*not shared with a group you are in"):
        FolderCache(cache, cap=1_000_000).get("fixed-key")


FLOW = """
    from flowtop import Flow, task
    {imports}

    @task
    def a():
        return 1

    with Flow({name!r}) as flow:
        a()
"""

PLANTED = """
    from flowtop import Flow  # it names Flow in its code: a flow file, were it trusted
    open({marker!r}, "w").close()
"""


def test_another_user_s_flow_file_every_user_may_write_to_is_not_imported(
    flowtop_here: Here,
    tmp_path: Path,
) -> None:
    """In a folder of yours: Bob's ``0666`` file could hold anyone's code. A ``0666`` file
    of yours loads (a WSL ``/mnt/c`` shows every file so, and only you could fix it)."""
    if os.geteuid() != 0:
        pytest.skip(ROOT_ONLY)
    folder = tmp_path / "flows"
    folder.mkdir()
    marker = tmp_path / "imported"
    (folder / "mine.py").write_text(textwrap.dedent(FLOW.format(imports="", name="mine")))
    (folder / "mine.py").chmod(0o666)
    (folder / "open.py").write_text(textwrap.dedent(PLANTED.format(marker=str(marker))))
    os.chown(folder / "open.py", BOB, BOB)
    (folder / "open.py").chmod(0o666)
    done = flowtop_here("list", ".", cwd=folder)
    assert done.returncode == 2, done.stderr
    assert not marker.exists(), "a file every user may write to was imported"
    assert "mine  (" in done.stdout, done.stdout
    assert re.search(
        r"open\.py: not imported: open\.py is \S+'s and writable by every user \(-rw-rw-rw-",
        done.stderr,
    ), done.stderr


def test_a_stranger_s_files_in_a_folder_open_to_all_are_not_imported(
    flowtop_here: Here, tmp_path: Path
) -> None:
    """``flowtop list`` in a ``1777`` folder imported Bob's ``zz_helper.py`` (it says
    ``Flow``); a helper module of his that a flow of yours imports ran too."""
    if os.geteuid() != 0:
        pytest.skip(ROOT_ONLY)
    folder = tmp_path / "tmp"
    folder.mkdir()
    folder.chmod(0o1777)
    marker = tmp_path / "imported"
    (folder / "mine.py").write_text(textwrap.dedent(FLOW.format(imports="", name="mine")))
    uses = textwrap.dedent(FLOW.format(imports="import bobs_helper", name="uses"))
    (folder / "uses.py").write_text(uses)
    for name in ("zz_helper.py", "bobs_helper.py"):
        (folder / name).write_text(textwrap.dedent(PLANTED.format(marker=str(marker))))
        os.chown(folder / name, BOB, BOB)
    done = flowtop_here("list", ".", cwd=folder)
    assert done.returncode == 2, done.stderr
    assert not marker.exists(), "Bob's file was imported"
    assert "mine  (" in done.stdout, done.stdout
    said = done.stderr
    assert re.search(r"zz_helper\.py: not imported: zz_helper\.py is \S+'s \(-rw-r--r-- ", said)
    assert "which every user may write in (drwxrwxrwt)" in said, said
    assert re.search(r"uses\.py:\d+: ImportError: bobs_helper: not imported: bobs_helper\.py", said)


def test_a_team_folder_of_another_user_still_loads(flowtop_here: Here, tmp_path: Path) -> None:
    """A folder another user owns that not every user may write in (a team's checkout):
    its flows load as before."""
    if os.geteuid() != 0:
        pytest.skip(ROOT_ONLY)
    folder = tmp_path / "team"
    folder.mkdir()
    (folder / "theirs.py").write_text(textwrap.dedent(FLOW.format(imports="", name="theirs")))
    for path in (folder, folder / "theirs.py"):
        os.chown(path, BOB, BOB)
    folder.chmod(0o755)
    done = flowtop_here("list", ".", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert "theirs  (" in done.stdout, done.stdout


def test_a_stranger_s_settings_in_a_folder_open_to_all_are_not_read(
    flowtop_here: Here, tmp_path: Path
) -> None:
    """Bob's ``flowtop.toml`` in a ``1777`` folder could send your runs to his Dask
    cluster (``executor = "dask://…"``), whose results are unpickled: it is not read."""
    if os.geteuid() != 0:
        pytest.skip(ROOT_ONLY)
    folder = tmp_path / "tmp"
    folder.mkdir()
    folder.chmod(0o1777)
    (folder / "mine.py").write_text(textwrap.dedent(FLOW.format(imports="", name="mine")))
    (folder / "flowtop.toml").write_text("[defaults]\nmax_retries = 7\n")
    os.chown(folder / "flowtop.toml", BOB, BOB)
    done = flowtop_here("list", ".", cwd=folder)
    assert "max_retries         7" not in done.stdout, done.stdout
    assert re.search(
        r"flowtop\.toml: cannot read settings: flowtop\.toml is \S+'s \(-rw-r--r-- ", done.stderr
    ), done.stderr
