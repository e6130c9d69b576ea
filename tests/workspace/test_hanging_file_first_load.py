"""A flow file that hangs at import: the first screen says so, and it is waited for once.

With ``hang.py`` looping at import, a new monitor showed only "Loading flows…" for 21 s:
the first (``FAST``) flow host waited out the file's ``load_timeout`` and ended, then the
careful host that replaced it waited it out again in a loader child; nothing named the
file. ``flowtop list`` and ``flowtop run --flow quick --detach`` took 20 s alike. Now the
host says which file it imports (the loading line names it, and for how long), and the
careful host and loader are told the file that hung: its error is the same, at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from flow_texts import QUICK
from flowtop.tui import first_load
from flowtop.tui.app import FlowtopApp
from flowtop.tui.first_load import loading_line
from flowtop.workspace import RemoteWorkspace
from flowtop.workspace.workspace_description import describe_workspace
from pilot_kit import screen_text, wait_for

#: A flow file that notes each import of it beside itself, then never finishes it.
HANG = """
import time
from pathlib import Path

import flowtop

with Path(__file__).with_name("hang.log").open("a") as log:
    log.write("import\\n")
while True:
    time.sleep(0.05)
"""


OVERRAN = "import did not finish in 0.5 s ([defaults] load_timeout)"


@pytest.fixture
def folder(write: Callable[[str, str], Path], tmp_path: Path) -> Callable[[float], Path]:
    """A folder with a quick flow and ``hang.py``, whose imports last ``load_timeout``."""

    def make(load_timeout: float) -> Path:
        write("flowtop.toml", f"[defaults]\nload_timeout = {load_timeout}\n")
        write("quick.py", QUICK)
        return write("hang.py", HANG)

    return make


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[RemoteWorkspace]:
    workspace = RemoteWorkspace(tmp_path)
    yield workspace
    workspace.close()


def imports_of(hang: Path) -> int:
    log = hang.with_name("hang.log")
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_the_careful_host_does_not_wait_again_for_the_file_the_first_one_hung_on(
    folder: Callable[[float], Path], remote: RemoteWorkspace
) -> None:
    hang = folder(0.5)
    change = remote.load()
    assert "quick" in remote.shapes
    assert [str(e) for e in change.errors] in (  # the first host said where, as its child
        [f"hang.py: {OVERRAN}, at hang.py:{n}"] for n in (8, 9)
    )
    assert imports_of(hang) == 1  # the first host's: the careful one took its word
    remote.reload_paths([hang])  # saved: tried afresh, in a child, and still hanging
    assert imports_of(hang) == 2
    assert str(remote.errors[hang]) in {  # the child said where (in the sleep, or between)
        f"hang.py: {OVERRAN}, at hang.py:{n}" for n in (8, 9)
    }


def test_the_host_says_which_file_it_imports_while_the_load_goes_on(
    folder: Callable[[float], Path], remote: RemoteWorkspace
) -> None:
    hang = folder(1.0)
    assert remote.still_importing() is None
    loading = threading.Thread(target=remote.load)
    loading.start()
    seen: list[tuple[Path, float]] = []
    while loading.is_alive() and not seen:
        said = remote.still_importing()
        if said is not None and said[0] == hang:
            seen.append(said)
        time.sleep(0.01)
    loading.join()
    assert seen and 0 <= seen[0][1] < 1.0, "the load never said it was importing hang.py"
    assert remote.still_importing() is None  # the load is over
    assert hang in remote.errors and "quick" in remote.shapes


def test_list_and_detach_wait_for_a_hanging_file_once(folder: Callable[[float], Path]) -> None:
    """``describe_workspace`` is what ``flowtop list`` and ``run --detach`` load with."""
    hang = folder(0.5)
    described = describe_workspace(str(hang.parent))
    assert "quick" in described.flows
    [problem] = described.problems
    assert problem.endswith(  # (where it was: in the sleep, or between two)
        tuple(f"hang.py: {OVERRAN}, at hang.py:{n}" for n in (8, 9))
    )
    assert imports_of(hang) == 1


def test_the_loading_line_names_a_file_once_it_is_slow() -> None:
    hang = Path.cwd() / "flows" / "hang.py"
    assert loading_line(None) == "Loading flows…"
    assert loading_line((hang, 0.4)) == "Loading flows…"  # a quick load names nothing
    assert loading_line((hang, 6.2)) == "Loading flows… flows/hang.py still importing (6s)"


async def test_the_first_screen_names_the_hanging_file_then_lists_it_broken(
    folder: Callable[[float], Path], remote: RemoteWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # named after a quarter of a second here (``NAMED_AFTER``, 1 s), looked at every 0.05 s
    # (``LOADING_TICK``, 0.25 s): from six times that on, till the import is cut
    monkeypatch.setattr(first_load, "NAMED_AFTER", 0.25)
    monkeypatch.setattr(first_load, "LOADING_TICK", 0.05)
    folder(1.5)
    app = FlowtopApp(remote, load=True, watch=False, run_processes=True)
    async with app.run_test(size=(120, 30)) as pilot:

        def names_the_file() -> bool:
            """The header says it; or, once a side host listed quick (a second into the
            import), the flows list's loading row does (``⋯ import…`` over ``hang.py``)."""
            text = screen_text(app)
            return "hang.py still importing (" in text or ("⋯ import" in text and "hang.py" in text)

        await wait_for(pilot, names_the_file, "the loading line")
        await wait_for(pilot, lambda: "✗ hang.py" in screen_text(app), "the broken file")
        assert "quick" in screen_text(app) and "still importing" not in screen_text(app)
