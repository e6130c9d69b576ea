"""The slot store behind ``flowtop.concurrency`` (``.flowtop/limits.db``) against a model:
two stores on one file (two processes' views of it) take and give back slots of plain
limits in any order, and a take succeeds exactly when every limit it names has room."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from flowtop.concurrency.slots import Limit, Short, SlotStore, Taken

LIMITS = {"database": Limit(3, 0.0), "api": Limit(2, 0.0)}


class SharedSlots(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.TemporaryDirectory()
        path = Path(self.folder.name) / "limits.db"
        self.stores = [SlotStore(path), SlotStore(path)]
        self.held: list[tuple[int, Taken]] = []  # (which store took it, what it took)

    def teardown(self) -> None:
        for store in self.stores:
            store._conn.close()
        self.folder.cleanup()

    def in_use(self, name: str) -> int:
        return sum(taken.slots for _, taken in self.held if name in taken.names)

    @rule(
        which=st.integers(0, 1),
        names=st.sets(st.sampled_from(sorted(LIMITS)), min_size=1),
        slots=st.integers(1, 3),
    )
    def take(self, which: int, names: set[str], slots: int) -> None:
        asked = {name: LIMITS[name] for name in names}
        room = all(self.in_use(name) + slots <= limit.slots for name, limit in asked.items())
        result = self.stores[which].take(asked, slots, hold=True)
        if room:
            assert isinstance(result, Taken) and set(result.names) == names
            self.held.append((which, result))
        else:  # all or none: nothing taken, and it names the limits without room
            assert isinstance(result, Short)
            assert {n for n in names if self.in_use(n) + slots > LIMITS[n].slots} == set(
                result.names
            )

    @precondition(lambda self: self.held)
    @rule(data=st.data())
    def give_back(self, data: st.DataObject) -> None:
        which, taken = self.held.pop(data.draw(st.integers(0, len(self.held) - 1)))
        self.stores[1 - which].give_back(taken, LIMITS)  # either view may give it back

    @invariant()
    def the_store_holds_what_the_model_holds(self) -> None:
        rows = self.stores[0]._conn.execute("SELECT name, held FROM pools").fetchall()
        assert {name: held for name, held in rows if held} == {
            name: float(self.in_use(name)) for name in LIMITS if self.in_use(name)
        }


TestSharedSlots = SharedSlots.TestCase
TestSharedSlots.settings = settings(max_examples=60, stateful_step_count=20, deadline=None)
