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
