"""``flowtop list`` names a dotted ``retry_on`` of ``flowtop.toml`` without importing it.

flowtop's own processes (``list``, ``run --detach``, the TUI) import no user code: the
flows load in a loader child. A dotted ``retry_on`` name of a package of the user's
(``userpkg.errors.Flaky``, importable but not a workspace script) was imported in the
listing process itself while its settings were read, and whatever that package did at
import (print, sleep, connect) happened there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FLOW = """\
from flowtop import Flow, task

@task(max_retries=1)
def extract():
    return 1

with Flow("etl") as flow:
    extract()
"""

#: A package of the user's, outside the workspace, on the path: it notes who imports it.
PACKAGE_INIT = """\
import os
from pathlib import Path

with Path(os.environ["MARKER"]).open("a") as marker:
    marker.write(f"{__name__} {os.getpid()}\\n")
print("userpkg printed at import")
"""

ERRORS = """\
import os
from pathlib import Path

with Path(os.environ["MARKER"]).open("a") as marker:
    marker.write(f"{__name__} {os.getpid()}\\n")


class Flaky(Exception):
    pass
"""

SETTINGS = """\
[flows."etl".tasks."extract"]
retry_on = ["userpkg.errors.Flaky", "ConnectionError"]
"""


def test_list_shows_a_dotted_retry_on_without_importing_it_in_its_own_process(
    tmp_path: Path,
) -> None:
    workspace, library = tmp_path / "ws", tmp_path / "lib"
    (library / "userpkg").mkdir(parents=True)
    (library / "userpkg" / "__init__.py").write_text(PACKAGE_INIT)
    (library / "userpkg" / "errors.py").write_text(ERRORS)
    workspace.mkdir()
    (workspace / "etl.py").write_text(FLOW)
    (workspace / "flowtop.toml").write_text(SETTINGS)
    marker = tmp_path / "imported-by"
    path = os.pathsep.join(filter(None, [str(library), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "MARKER": str(marker), "PYTHONPATH": path, "NO_COLOR": "1"}
    listing = subprocess.Popen(
        [sys.executable, "-m", "flowtop", "list", str(workspace)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=workspace,
    )
    out, err = listing.communicate(timeout=60)
    assert listing.returncode == 0, err
    assert "Flaky, ConnectionError" in out and "[flowtop.toml]" in out  # named, from the child
    importers = {line.split()[1] for line in marker.read_text().splitlines()}
    assert importers  # resolved where the flows loaded
    assert str(listing.pid) not in importers
    assert "userpkg printed at import" not in out + err
