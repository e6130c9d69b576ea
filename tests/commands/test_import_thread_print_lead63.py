"""A thread a flow module starts at import, printing as ``flowtop run``'s import ends,
killed the run with SIGSEGV in about a third of runs: CPython 3.11's ``print`` holds
``sys.stdout`` without a reference of its own, and the import's printable stand-in,
replaced and freed meanwhile, was written through. The stand-ins now live as long as the
process (``import_output._RETIRED``)."""

from __future__ import annotations

import gc
import sys
import weakref

from flowtop.commands import import_output


def test_the_import_stand_ins_outlive_the_import() -> None:
    with import_output.printable_output():
        stand_ins = [weakref.ref(sys.stdout), weakref.ref(sys.stderr)]
    gc.collect()
    assert all(ref() is not None for ref in stand_ins)  # old: freed as sys.stdout was put back
    assert sys.stdout is not stand_ins[0]()
