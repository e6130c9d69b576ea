"""Names made of spaces, edged with one, or spelt two ways (explorer rv401, §1).

flowtop refused a name a terminal draws as nothing (U+3164: ``the name would look
blank``), but took ``@task(name=" ")`` (a task with no name in every view), ``"load"``
beside ``"load "`` (two tasks ``load``, one completed, one failed), flows ``"etl"`` and
``"etl "`` (past the "two flows named" check: history had two ``etl #1``), and tasks
``"café"`` and ``"cafe\\u0301"`` (NFC and NFD: two ``nf/café`` rows). Now a name that is
blank or starts or ends with a space is refused where it is written, in drop-in mode too,
and names one after NFC normalisation are one name: a second task of it is numbered
(``café-2``), as a second ``load`` is, and a second flow or task key is refused, naming
both spellings.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cli_kit import flowtop
from flowtop import Flow, flow, task
from flowtop.engine import Runner
from flowtop.engine.option_checks import name_problem
from flowtop.workspace.name_owners import claim

Here = Callable[..., subprocess.CompletedProcess[str]]

NFC, NFD = "caf\u00e9", "cafe\u0301"
SPELT = r"one name spelt two ways: 'caf\xe9' and 'cafe\u0301'"


def one() -> int:
    return 1


def two() -> int:
    return 2


@pytest.mark.parametrize(
    ("name", "said"),
    [
        (" ", "' ' is only spaces: the name would look blank; name it"),
        ("   ", "'   ' is only spaces: the name would look blank; name it"),
        ("load ", "'load ' ends with a space: the name would look like 'load'; remove it"),
        (" load", "' load' starts with a space: the name would look like 'load'; remove it"),
        (NFC + " ", f"{NFC + ' '!r} ends with a space: the name would look like {NFC!r}"),
    ],
)
def test_a_blank_or_space_edged_name_is_refused_for_tasks_flows_and_keys(
    name: str, said: str
) -> None:
    with pytest.raises(ValueError, match=f"^task name {said}"):
        task(name=name)(one)
    with pytest.raises(ValueError, match=f"^task name {said}"):
        task(one).with_options(name=name)
    with pytest.raises(ValueError, match=f"^flow 'f': task key {said}"):
        Flow("f").add_task(task(one), key=name)
    if name.strip():  # (a blank one: ``Flow name must be a non-empty string``, as before)
        with pytest.raises(ValueError, match=f"^Flow name {said}"):
            Flow(name)
        with pytest.raises(ValueError, match=f"^Flow name {said}"):
            flow(one, name=name)
        with pytest.raises(ValueError, match=f"^Flow name {said}"):
            flow(one).with_options(name=name)


def test_spaces_inside_a_name_and_other_names_are_still_taken() -> None:
    for name in ("load data", "a", NFC, "x-1", "👨\u200d👩\u200d👧 family"):
        assert name_problem("task name", name) is None, name
    assert task(name="load data")(one).name == "load data"
    assert task(name="")(one).name == "one"  # none given: the function's, as before


def test_a_task_name_spelt_another_way_is_the_same_name_numbered_in_a_graph() -> None:
    nf = Flow("nf")
    for made in (task(name=NFC)(one), task(name=NFD)(two), task(name=NFC)(one)):
        nf.add_task(made)
    assert list(nf.nodes) == [NFC, f"{NFD}-2", f"{NFC}-3"]
    # a key given that is one already, spelt the other way: refused as a duplicate key
    with pytest.raises(ValueError, match=r"^flow 'nf': duplicate task key") as refused:
        nf.add_task(task(one), key=NFD)
    assert str(refused.value) == f"flow 'nf': duplicate task key {NFD!r}, {SPELT}"
    keyed = Flow("keyed")
    keyed.add_task(task(one), key=f"{NFC}-2")  # taken by a key: the next number is used
    keyed.add_task(task(name=NFD)(one))
    keyed.add_task(task(name=NFD)(two))
    assert list(keyed.nodes) == [f"{NFC}-2", NFD, f"{NFD}-3"]


def test_a_task_name_spelt_another_way_is_numbered_in_a_flow_body() -> None:
    first, second = task(name=NFC)(one), task(name=NFD)(two)

    def body() -> Any:
        return first() + second()

    with Runner() as runner:
        run = runner.start(flow(body, name="nf"))
        result = run.final_result(10)
    assert result.is_completed(), result.error
    assert list(run.flow.known_nodes) == [NFC, f"{NFD}-2"]


BLANK = """\
from flowtop import Flow, task


@task(name=" ")
def a():
    return "A"


flow = Flow("blank")
flow.add_task(a)
"""

TWINS = """\
from flowtop import Flow, task


@task
def a():
    return "A"


flow = Flow("etl")
flow.add_task(a)
flow2 = Flow("etl ")
flow2.add_task(a)
"""

SPELT_TWICE = f"""\
from flowtop import Flow, task


@task
def a():
    return "A"


f1 = Flow({NFC!r})
f1.add_task(a)
f2 = Flow({NFD!a})
f2.add_task(a)
"""

DROP_IN = """\
from prefect import flow, task


@task(name="load ")
def load():
    return 1


@flow
def etl():
    load()
"""


def test_the_load_refuses_them_naming_the_line(tmp_path: Path, flowtop_here: Here) -> None:
    cases = {
        "blank.py": "blank.py:4: ValueError: task name ' ' is only spaces",
        "twins.py": "twins.py:11: ValueError: Flow name 'etl ' ends with a space",
        "spelt.py": f"spelt.py:11: two flows named {NFD!r} (f1 at line 9 and f2), {SPELT}",
    }
    for name, text in {"blank.py": BLANK, "twins.py": TWINS, "spelt.py": SPELT_TWICE}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        listed = flowtop_here("list", name, cwd=tmp_path)
        assert listed.returncode == 2, listed.stdout
        assert listed.stderr.startswith(f"flowtop list: {cases[name]}"), listed.stderr


def test_drop_in_mode_refuses_them_too(tmp_path: Path) -> None:
    """Prefect 3.9.1 takes ``name="load "`` (checked), as it takes U+3164, which flowtop
    refuses in drop-in mode too: stripped, the name Prefect code reads back
    (``task_run.task_name``, ``[flows."…"]``, ``--flow``) would not be the one written."""
    (tmp_path / "pf.py").write_text(DROP_IN)
    listed = flowtop("list", "--prefect-compat", "pf.py", cwd=tmp_path)  # (its own process)
    assert listed.returncode == 2, listed.stdout
    assert listed.stderr.startswith(
        "flowtop list: pf.py:4: ValueError: task name 'load ' ends with a space"
    ), listed.stderr


def test_a_flow_of_another_file_spelt_another_way_is_already_defined(
    tmp_path: Path, flowtop_here: Here
) -> None:
    (tmp_path / "a.py").write_text(SPELT_TWICE.split("f2 =")[0], encoding="utf-8")
    (tmp_path / "b.py").write_text(
        f"from flowtop import Flow, task\n\n\n@task\ndef b():\n    return 1\n\n\n"
        f"f2 = Flow({NFD!a})\nf2.add_task(b)\n"
    )
    listed = flowtop_here("list", cwd=tmp_path)
    assert listed.returncode == 2
    assert f"flowtop list: b.py:9: flow {NFD!r} is already defined in a.py, {SPELT}" in (
        listed.stderr
    )
    # a reload where the file before it gains the name: the one after loses its spelling
    later = claim(tmp_path / "a.py", [NFC], {NFC: 9}, {NFD: tmp_path / "b.py"})
    assert later.refused is None and later.displaced == {tmp_path / "b.py": NFD}
