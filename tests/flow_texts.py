"""Flow files the tests write, where tests in several folders need the same one.

``tests/`` is not a package, but pytest puts it on ``sys.path`` for the packages under
it (as for ``pilot_kit``), so a test module in any folder imports this by its plain name.
"""

#: A flow ``quick`` whose one task ``one`` returns 1: one that loads and runs at once,
#: beside the hanging, slow or failing one a test is about.
QUICK = """\
from flowtop import Flow, task


@task
def one():
    return 1


with Flow("quick") as flow:
    one()
"""


#: A flow ``etl`` whose one task ``extract`` returns 1: a flow beside the settings file a
#: test is about.
ETL = """\
from flowtop import Flow, task


@task
def extract():
    return 1


with Flow("etl") as flow:
    extract()
"""


def slow_import(flow: str) -> str:
    """A flow file defining ``flow`` whose import first writes ``importing`` beside it,
    then takes 30 s (a heavy library): a test stops the command once that file appears."""
    return f"""\
import time
from pathlib import Path
from flowtop import Flow, task

Path(__file__).with_name("importing").touch()
time.sleep(30)


@task
def step():
    return 1


with Flow({flow!r}) as flow:
    step()
"""


#: A flow ``slow`` whose import waits for the test to write ``release`` beside it (30 s at
#: most, for a test that failed midway): a slow file, let go when the test has looked.
HELD_UNTIL_RELEASE = """\
import time
from pathlib import Path

from flowtop import Flow, task

release = Path(__file__).with_name("release")
end = time.monotonic() + 30
while not release.exists() and time.monotonic() < end:
    time.sleep(0.02)


@task
def nap():
    return 1


with Flow("slow") as flow:
    nap()
"""


#: A ``@flow`` ``own-opts`` calling two ``with_options`` copies of one module task, each
#: with its own retry policy: what the monitor predicts of them (``task_copies``).
WITH_OPTIONS = """
from flowtop import flow, task

@task
def step(x):
    return x

@flow
def own_opts():
    a = step.with_options(max_retries=2, retry_delay=0.1)(1)
    c = step.with_options(max_retries=4)(3)
    return a + c
"""


#: A flow ``sink`` whose one task ``fails`` raises at once, never retried: a failed run
#: to rerun, auto-rerun or refuse.
SINK = """\
from flowtop import Flow, task


@task(max_retries=0)
def fails():
    raise ValueError("no")


with Flow("sink") as flow:
    fails()
"""


#: A flow ``etl`` of two tasks, ``extract`` then ``load``: the flow two files define at
#: once in the tests of which file keeps a flow name (``name_owners``).
ETL_EXTRACT_LOAD = """
from flowtop import Flow, task

@task
def extract():
    return 1

@task
def load(x):
    return x

with Flow("etl") as flow:
    load(extract())
"""
