"""`flowtop run FOLDER --flow ok` beside a flow file that no longer parses: the run of
ok goes on and exits 0 as before, and one line on stderr names the broken file, never on
stdout (``--json`` stays JSON lines). It said nothing: a CI job never heard of it."""

from __future__ import annotations

import json
from pathlib import Path

from cli_kit import flowtop

OK = "from flowtop import flow\n\n\n@flow\ndef ok():\n    return 1\n"
BROKEN = "from flowtop import flow\n\n\n@flow\ndef bad(:\n    pass\n"
LINE = "flowtop run: 1 other flow file could not be loaded (bad.py): flowtop list . says why"


def folder(tmp_path: Path, *, broken: bool) -> Path:
    (tmp_path / "ok.py").write_text(OK, encoding="utf-8")
    if broken:
        (tmp_path / "bad.py").write_text(BROKEN, encoding="utf-8")
    return tmp_path


def test_a_broken_file_beside_the_flow_run_is_named_on_stderr(tmp_path: Path) -> None:
    done = flowtop("run", ".", "--flow", "ok", "--json", cwd=folder(tmp_path, broken=True))
    assert done.returncode == 0, done.stderr
    assert LINE in done.stderr.splitlines()
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert [event["event"] for event in events] == ["run_started", "run_finished"]


def test_nothing_is_said_when_the_other_files_are_fine(tmp_path: Path) -> None:
    (tmp_path / "other.py").write_text(OK.replace("ok", "other"), encoding="utf-8")
    done = flowtop("run", ".", "--flow", "ok", cwd=folder(tmp_path, broken=False))
    assert done.returncode == 0, done.stderr
    assert "could not be loaded" not in done.stderr
