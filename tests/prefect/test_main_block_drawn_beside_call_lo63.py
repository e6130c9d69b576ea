"""A flow a file's ``__main__`` block only draws (``X.visualize()``) while it also calls
another flow: ``flowtop run FILE`` runs the other and leaves the drawn one out, but
``flowtop list FILE`` said "flowtop run refuses it", as of a block that only draws."""

from __future__ import annotations

from pathlib import Path

from cli_kit import flowtop

BESIDE = """\
from prefect import flow

@flow(name="Hello Flow")
def hello_world():
    return 1

@flow
def other():
    return 2

if __name__ == "__main__":
    hello_world.visualize()
    other()
"""


def test_list_says_a_drawn_flow_beside_a_call_is_left_out_as_run_says(tmp_path: Path) -> None:
    (tmp_path / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    (tmp_path / "jobs.py").write_text(BESIDE)
    listed = flowtop("list", "jobs.py", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    heads = {line.split("  (")[0]: line for line in listed.stdout.splitlines() if "  (" in line}
    assert "refuses" not in heads["Hello Flow"], listed.stdout
    assert heads["Hello Flow"].endswith(
        "(its __main__ block only draws it, hello_world.visualize(): flowtop run leaves it "
        "out; --flow 'Hello Flow' runs it)"
    ), listed.stdout
    assert heads["other"].endswith("(run by its __main__ block)"), listed.stdout
    ran = flowtop("run", "jobs.py", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert "Hello Flow is not run" in ran.stderr, ran.stderr
