"""Which runs the screen keeps and which one each flow shows, as their events arrive.

Its own module beside the view model of one run (``model.py``): which run a flow shows is
a question of several runs at once (started elsewhere, reached with ``w``, ended beside the
shown one), and it grew with the multi-window work until it no longer fit there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.tui.flows_without_file import FlowsWithoutFile
from flowtop.tui.model import RunModel, RunStartedElsewhere
from flowtop.tui.subflow_links import link
from flowtop.workspace.reuse_origin import origin_pruned, origin_source
from flowtop.workspace.run_log import UNREADABLE, LogDamage, LogEvent, RunInterrupted
from flowtop.workspace.store_notices import RunsPruned, RunsReserved, StoreGone

if TYPE_CHECKING:
    from flowtop.tui.workspace_view import WorkspaceView
    from flowtop.workspace.store_notices import ClientEvent, StoreNotice
    from flowtop.workspace.store_reader import ReservedRun

#: A run's start with more tasks than this has its rows laid out by ``prepare``, on the
#: thread that delivers it: for 100,000 tasks that took 140–300 ms of the screen's thread.
PREPARE_OVER = 1_000


class RunStore(FlowsWithoutFile):
    """The runs the screen can show, by id, plus which one each flow shows.

    A flow shows its newest run, except that a run started elsewhere never takes the place
    of a live run on screen (keys pressed there would act on a run the user did not
    choose): it is kept beside it, which the header announces and ``w`` shows (``show``:
    the run ``w`` reached is the one shown, also once it ends). A finished run stops being
    kept once a newer run of its flow is shown: older ones are in the history, and keeping
    every run of a session grew memory by ~10 MB per rerun of a 10,000-task flow.
    ``evicted`` lists the ids dropped, so the app can let go of their engine handles too.
    """

    def __init__(self, workspace: WorkspaceView | None = None) -> None:
        self.runs: dict[str, RunModel] = {}
        self.latest: dict[str, str] = {}  # flow name -> id of the run it shows (newest, or w's)
        self.evicted: list[str] = []
        #: Subflow runs read before the run that called them (the store gives them in any
        #: order), by that run's id; kept here, not in ``runs``: a flow's newer run evicts them.
        self.early_children: dict[str, list[RunModel]] = {}
        #: When each subflow run started, as its start says (the store's ``started``;
        #: ``RunModel.started`` is on this window's clock), for as long as its model lives:
        #: ``link`` keeps ``children`` in that order, call order, however they were read.
        self._called_at: WeakKeyDictionary[RunModel, float] = WeakKeyDictionary()
        #: The newest run of each flow started from here that no event has shown yet: a
        #: run process imports its flow for a second or so before it says anything.
        self.launched: dict[str, RunModel] = {}
        #: Runs the store holds reserved (a number, RUNNING) whose process has said nothing
        #: yet, by id (``RunsReserved``): started from any window, a browser tab or
        #: ``flowtop run``. Only the window that pressed `r` knew of its run (``launched``);
        #: the others showed nothing of it for as long as its flow file took to import.
        self.reserved: dict[str, RunModel] = {}
        #: id of a big run's start -> it and its model, made by ``prepare`` on the thread
        #: that delivers the events (a dict's set and pop are atomic: no lock is needed).
        self._prepared: dict[int, tuple[RunStarted, RunModel]] = {}
        #: Starts of runs handed on whole (a stored run read back), by id, marked by
        #: ``prepare``, each with the event it is shown at: its end in the same batch, or a
        #: live run's last event there; then those runs while their events are folded, by
        #: run id, with ``_arrived`` then (``_read_whole``; ``reading_for`` says them).
        self._whole: dict[int, tuple[RunStarted, LogEvent]] = {}
        self._reading: dict[str, tuple[RunStarted, RunModel, int, LogEvent]] = {}
        self._arrived: dict[str, int] = {}  # flow -> how many of its starts were folded
        #: Those runs shown since ``take_read_shown``: a live one's shown at no start or end
        #: (the flows list, which redraws at those, read `· big` until its end, minutes on).
        self.read_shown: list[str] = []
        #: The guess of how many attempts a run runs at once (``[defaults] workers``, as
        #: the app reads it), for a start that does not say (``RunStarted.workers`` 0: an
        #: older flowtop's); each such run's model keeps what it said at the run's start.
        self.workers: Callable[[], int] = lambda: 0
        #: id of a live run -> the ``@flow`` retry of it started before it ended (its
        #: end names the error the retry shows while it has no tasks: ``_retry_of``).
        self._retried_by: dict[str, RunModel] = {}
        #: Told, with what to say, that the runs shown went with their deleted run store
        #: (``StoreGone``): the app shows its flows again, and says so once.
        self.store_gone: Callable[[str], object] = lambda said: None  # result ignored
        #: Live runs ``w`` went away from to an older one (ids): the user saw them on
        #: screen, so one that ends meanwhile is shown once that older run ends (``_ended``).
        self._left: set[str] = set()
        #: flow -> the run ``w`` reached, while shown: a newer run ending after it is not
        #: shown in its place (``_ended``; the screen went to it, `f` and `t` acted on it).
        self._reached: dict[str, str] = {}
        #: (the run that ended, the newer ended run shown in its place), for each time the
        #: screen moved on from a run it followed (``take_moved_on``): said in a toast.
        self.moved_on: list[tuple[RunModel, RunModel]] = []
        #: Flows whose shown run went as the store's log went back under its client, no
        #: word said (``StoreGone.said``): pruned (``take_pruned``). A store moved in was
        #: said a moment before, its runs gone then. The screen read `not run yet`.
        self.pruned: list[str] = []
        #: Those flows, for as long as they show no run (a run of one shows: it leaves):
        #: the header and `h` say their runs were pruned, where they read `not run yet`.
        self.pruned_away: set[str] = set()
        #: The runs live as their store went (``StoreGone`` said), ended next, in any order.
        self._went: set[str] = set()
        super().__init__(workspace)

    def prepare(self, events: Iterable[ClientEvent]) -> int:
        """Called on the thread that delivers ``events``, before they are buffered: lays
        out the rows of each big run's start among them, which ``apply_batch`` then
        takes as they are. That thread holds the interpreter a few milliseconds at a
        time, where the fold held the screen's thread for the whole layout. Returns the
        most rows it laid out for a run (0: none). The runs whose start and end are both
        among ``events`` are marked whole (``_whole``): a batch is folded a slice at a time,
        the screen drawn in between, and a run that had ended read `▶ Running`, its retries
        `⟳ Overdue`, until the slice with its end (for minutes on a loaded machine). So is
        a live run with events after its start among them, up to the last (a live run read
        back: its counts and rows stepped through what it had done, as they were read)."""
        most = 0
        starts: dict[str, RunStarted] = {}
        last: dict[str, LogEvent] = {}  # run id -> an open start's last event after it
        for event in events:
            if isinstance(event, RunStarted):
                starts[event.run_id] = event
                last.pop(event.run_id, None)
                if len(event.tasks) > PREPARE_OVER:
                    self._prepared[id(event)] = (event, RunModel.from_started(event))
                    most = max(most, len(event.tasks))
            elif isinstance(event, RunFinished | RunInterrupted) and event.run_id in starts:
                start = starts.pop(event.run_id)
                last.pop(event.run_id, None)
                self._whole[id(start)] = (start, event)
            elif starts and isinstance(event, LogEvent) and event.run_id in starts:
                last[event.run_id] = event
        for run_id, event in last.items():
            self._whole[id(starts[run_id])] = (starts[run_id], event)
        return most

    def _model_of(self, event: RunStarted) -> RunModel:
        prepared = self._prepared.pop(id(event), None)
        if prepared is not None and prepared[0] is event:
            return prepared[1]
        return RunModel.from_started(event)

    def starting(self, flow: str, still_live: Callable[[RunModel], bool]) -> RunModel | None:
        """``flow``'s run started from here and not shown yet, unless it ended meanwhile
        (``still_live`` asks where it runs): a second ``r`` asks about it, ``f`` waits for
        it, ``c`` cancels it, as once it shows."""
        run = self.launched.get(flow)
        if run is not None and (run.run_id in self.runs or not still_live(run)):
            del self.launched[flow]
            run = None
        if run is None and (reserved := self._reserved_for(flow)) is not None:
            return reserved if still_live(reserved) else None  # (another window's)
        return run

    def landed(self, run: RunModel) -> None:
        """``run`` was just launched from here: ``launched`` until it shows. One whose
        first event came first is shown already: kept, it said `starting` again once a
        newer run evicted it (``_newest`` lets go of the others as they show)."""
        if run.run_id in self.runs:
            self.launched.pop(run.flow, None)
        else:
            self.launched[run.flow] = run

    def loading(self, flow: str) -> RunModel | None:
        """``flow``'s run started from here whose process has said nothing yet (it
        imports the flow file first): the header says it is starting, where it said
        `press r to run` for seconds after `r`. Asks no one (``starting`` does): it is
        drawn often, and a run that dies before its first event shows as interrupted."""
        run = self.launched.get(flow)
        if run is not None and run.run_id not in self.runs:
            return run
        return self._reserved_for(flow)

    def starting_over(self, flow: str) -> RunModel | None:
        """``flow``'s run still importing (``loading``) when the screen shows it in the
        place of the flow's newest run, which has ended: newer than that run. The header
        kept `run #1 ✓ Completed` and its table for the whole import of run #2, which its
        `h` listed starting and its `c` offered to cancel; a first run showed starting."""
        run = self.loading(flow)
        latest = self.latest_for(flow)
        if run is None or latest is None:
            return run
        if latest.is_live or (run.number is not None and not _newer(run, latest)):
            return None  # a live run stays shown (`2 live runs`); an older run starting too
        return run

    def starting_runs(self, flow: str) -> list[RunModel]:
        """``flow``'s runs whose process has said nothing yet, started here or elsewhere,
        by number: live runs, counted as such (`N live runs`, "start another?")."""
        launched = self.launched.get(flow)
        runs = {r.run_id: r for r in self.reserved.values() if r.flow == flow}
        if launched is not None and launched.run_id not in self.runs:
            runs[launched.run_id] = launched
        return sorted(runs.values(), key=_number)

    def _reserved_for(self, flow: str) -> RunModel | None:
        """``flow``'s newest reserved run not heard from (``reserved``), if any."""
        found = [r for r in self.reserved.values() if r.flow == flow]
        return max(found, key=_number) if found else None

    def _reserve(self, runs: tuple[ReservedRun, ...], stages: dict[str, str]) -> None:
        """``runs``: the reserved runs not heard from now (``RunsReserved``). One kept keeps
        its model (a question asked about it holds it); one gone with no event (its process
        could not start) is not live (that question goes). ``stages``: what runs wait on."""
        kept: dict[str, RunModel] = {}
        for run in runs:
            if run.run_id not in self.runs:
                kept[run.run_id] = self.reserved.get(run.run_id) or RunModel(
                    run.flow, (), run_id=run.run_id, number=run.number, started=run.started
                )
        for run_id, model in self.reserved.items():
            if run_id not in kept and run_id not in self.runs:
                model.state = None
        self.reserved = kept
        for model in [*kept.values(), *self.launched.values(), *self.runs.values()]:
            model.stage = stages.get(model.run_id or "", "")

    def latest_for(self, flow: str) -> RunModel | None:
        run_id = self.latest.get(flow)
        return self.runs.get(run_id) if run_id else None

    def shown_for(self, flow: str) -> RunModel | None:
        """The run whose state the flows list shows: the newest, unless it ended while an
        older one still runs (a cancelled run beside another: the flow is still running)."""
        latest = self.latest_for(flow)
        if latest is not None and not latest.is_live and (live := self.live_for(flow)):
            return live[-1]
        if latest is None or not latest.is_live:  # a run still importing: it runs
            return self.loading(flow) or latest
        return latest

    def live_for(self, flow: str) -> list[RunModel]:
        """The flow's runs still running, oldest first (several when started in parallel)."""
        live = [r for r in self.runs.values() if r.flow == flow and r.is_live]
        return sorted(live, key=lambda r: (r.started or 0.0, r.number or 0))

    def apply_batch(self, events: Iterable[ClientEvent]) -> dict[str, set[str]]:
        """Fold events in; return run id -> keys of rows that changed (an empty set when
        only the run itself changed).

        An event that cannot be shown (a crafted or damaged row of the store: a number
        where its output should be) is skipped and said in its run's ``read_note``, as is a row
        of the log that could not be read (``LogDamage``): the other events and runs go
        on. The ``try`` costs nothing until an event fails. A run ``prepare`` marked whole
        is kept out of sight until its end (a live run's: its last event read) is folded
        (``_read_whole``)."""
        changed: dict[str, set[str]] = {}
        runs = self.runs
        for event in events:
            # the store client's word, no run's (``type() is``: 20 ns an event, ``isinstance`` 60)
            if type(event) is StoreGone or type(event) is RunsReserved or type(event) is RunsPruned:
                self._noticed(event, changed)
                continue
            run_id = event.run_id
            try:
                if isinstance(event, RunStarted):
                    whole = self._whole.pop(id(event), None)  # (kept none if unreadable)
                    model = self._model_of(event)  # (counted after: one that raised overtakes none)
                    arrived = self._arrived[event.flow] = self._arrived.get(event.flow, 0) + 1
                    self._sourced(model)  # (before its reused tasks are folded in)
                    if whole is not None and whole[0] is event:  # shown later (``_read_whole``)
                        self._reading[run_id] = (event, model, arrived, whole[1])
                        continue
                    self._started(event, model)
                    changed[run_id] = set()
                    continue
                run, overtaken = self._read_whole(event) if self._reading else (None, False)
                run = run or runs.get(run_id) or self._never_started(event)
                if run is None:  # a run started before the sink was attached
                    continue
                key = run.apply(event)
                if key is None and isinstance(event, LogDamage):  # a row that cannot be read
                    run.read_noted(event.said(run.label))
                if self._reading and run_id in self._reading:  # not shown yet: nothing changed
                    continue
                if isinstance(event, RunFinished | RunInterrupted):
                    if (retry := self._retried_by.pop(run_id, None)) is not None:
                        _retries(retry, run)
                    self._ended(run, overtaken=overtaken)
                keys = changed.get(run_id)
                if keys is None:
                    keys = changed[run_id] = set()
                if key is not None:
                    keys.add(key)
                if isinstance(event, RunInterrupted):  # its unfinished rows ended with it
                    keys.update(k for k, row in run.rows.items() if row.interrupted)
            except UNREADABLE as exc:
                self._unshown(event, exc, changed)
        return changed

    def _started(self, event: RunStarted, model: RunModel, *, overtaken: bool = False) -> None:
        """``model``, of the run ``event`` starts, is kept and shown from now on, linked
        to its parent and subflow runs kept (``overtaken``: ``_newest``). A run naming itself
        its parent names none, its link to itself refused and said (``link``): walked for ever."""
        runs, run_id = self.runs, event.run_id
        parent_run = event.parent_run if event.parent_run != run_id else None
        model.parent_run = parent_run  # (its header said `(child run)`)
        if not model.workers:
            model.workers = self.workers()
        if parent_run:
            self._called_at[model] = event.ts
        parent = model if event.parent_run == run_id else self._known(parent_run)  # (see above)
        if parent is not None:
            link(parent, model, self._called_at)
        elif parent_run:  # read back from the store: its parent comes later
            self.early_children.setdefault(parent_run, []).append(model)
        if (before := runs.get(run_id)) is not None:  # handed on anew (a prune's):
            for child in before.children:  # its children are not; they stay
                link(model, child, self._called_at)
        for child in self.early_children.pop(run_id, ()):
            link(model, child, self._called_at)
        self._retry_of(model)
        self._newest(model, elsewhere=isinstance(event, RunStartedElsewhere), overtaken=overtaken)

    def _known(self, run_id: str | None) -> RunModel | None:
        """The run ``run_id`` kept here, shown or read whole (``_reading``): a flow retry's
        failed run read in its batch was missed, the retry never told why it ran."""
        run = self.runs.get(run_id or "")
        if run is None and (reading := self._reading.get(run_id or "")) is not None:
            return reading[1]
        return run

    def _read_whole(self, event: LogEvent) -> tuple[RunModel | None, bool]:
        """The model of ``event``'s run when it is read whole (``prepare``), shown once ``event`` is
        its end, or the last event read of a live run (``_started``), which it then takes as a live
        run's would; and whether a later start of its flow was folded before then (``_newest``)."""
        reading = self._reading.get(event.run_id)
        if reading is None:
            return None, False
        if event is not reading[3] and not isinstance(event, RunFinished | RunInterrupted):
            return reading[1], False
        del self._reading[event.run_id]
        start, model, arrived, _ = reading
        overtaken = self._arrived[start.flow] > arrived
        self._started(start, model, overtaken=overtaken)
        self.read_shown.append(start.run_id)
        return model, overtaken

    def reading_over(self, rows: int) -> bool:
        """Whether a run read whole, its events folded and it not shown yet (``_read_whole``),
        has more than ``rows`` rows: what its events build is frozen as a shown run's is."""
        return any(len(reading[1].rows) > rows for reading in self._reading.values())

    def reading_for(self, flow: str) -> RunModel | None:
        """``flow``'s newest run read whole and not shown yet (``_read_whole``), newer than
        the run it shows: the header and the table say it is being read. A big run read
        back showed nothing of itself for seconds: the run before it, or `not run yet`."""
        shown = self.latest_for(flow)
        found = [
            reading[1]
            for reading in self._reading.values()
            if reading[0].flow == flow and (shown is None or _newer(reading[1], shown))
        ]
        return max(found, key=_number) if found else None

    def _noticed(self, notice: StoreNotice, changed: dict[str, set[str]]) -> None:
        """What the store client said of the store, in its place among the events: the
        store went (``StoreGone``), a prune took runs (``RunsPruned``; ``changed``: the
        rows whose words it changed), or the runs still importing changed (``RunsReserved``)."""
        if isinstance(notice, RunsPruned):
            self._pruned_runs(notice.runs)
            self._sources_pruned(notice.sources, changed)
        elif isinstance(notice, StoreGone):
            flows = self._forget_store()
            if notice.said:
                self._went = {run_id for run_id, run in self.runs.items() if run.is_live}
                self.pruned_away.clear()  # went with their store, said so: not pruned
                self.store_gone(notice.reason)
            elif flows:  # its log went back under the client: pruned (`history --prune`)
                self.pruned += [flow for flow in flows if flow not in self.pruned]
                self.pruned_away.update(flows)
        else:
            self._reserve(notice.runs, dict(notice.stages))

    def _pruned_runs(self, gone: tuple[str, ...]) -> None:
        """A prune took the runs ``gone`` (``RunsPruned``; none live): they are not shown.
        A flow that showed one shows its newest run kept here instead (a live one), or the
        newest the store has left, handed on just before, already; else none, and that its
        runs were pruned (``pruned``, ``pruned_away``), as when its store's log is read
        anew. It kept the run, which `h` no longer listed, until a restart."""
        went = set(gone)
        lost = sorted(flow for flow, run_id in self.latest.items() if run_id in went)
        for run_id in gone:
            run = self.runs.get(run_id)
            if run is not None and not run.is_live:
                self._evict(run)
        self.early_children = {
            parent: [child for child in children if child.run_id not in went]
            for parent, children in self.early_children.items()
            if parent not in went
        }
        self._retried_by = {k: v for k, v in self._retried_by.items() if k in self.runs}
        for flow in lost:
            kept = [run for run in self.runs.values() if run.flow == flow]
            if kept:
                self.latest[flow] = max(kept, key=_number).run_id or ""
                continue
            del self.latest[flow]
            if flow not in self.pruned:
                self.pruned.append(flow)
            self.pruned_away.add(flow)

    def _sources_pruned(
        self, sources: frozenset[tuple[str, int]], changed: dict[str, set[str]]
    ) -> None:
        """A prune took the runs ``sources`` (flow, number) that reused results shown name
        as where they were made (``cached result of etl #2, …``, ``reused from run #1``),
        or that reruns shown rerun: their words say so now (``origin_pruned``), in the rows
        and their attempts, and the reruns' headers (``rerun of a pruned run``, as
        ``RunStarted.rerun_number`` 0 says it); ``changed`` gets the rows."""
        if not sources:
            return
        for run in self.runs.values():
            if run.rerun_number and (run.flow, run.rerun_number) in sources:
                run.rerun_number = 0
                changed.setdefault(run.run_id or "", set())
                run.version += 1
            if not run.reused:  # (no walk of a big run that reused none)
                continue
            for key, row in run.rows.items():
                if row.reused and origin_source(run.flow, row.message) in sources:
                    row.message = origin_pruned(row.message)
                    for attempt in row.attempts:
                        attempt.message = origin_pruned(attempt.message)
                    changed.setdefault(run.run_id or "", set()).add(key)
                    run.version += 1

    def _forget_store(self) -> list[str]:
        """Every ended run kept came from a store that was deleted since: none is shown
        any more. They stayed (``slowimp run #3`` beside the new store's #1), and ``f`` on
        one was refused as a run pruned. A live one stays, its end (``RunInterrupted``,
        which follows) saying why it can no longer be followed; so does a run started
        here and not shown yet (``launched``): the store it is recorded in is the new one."""
        for run in [run for run in self.runs.values() if not run.is_live]:
            self._evict(run)
        shown = self.latest
        self.latest = {flow: run_id for flow, run_id in shown.items() if run_id in self.runs}
        self.early_children.clear()
        self._reading.clear()  # (``_whole`` stays: it marks batches after this notice too)
        self.reserved.clear()  # (the new store's are said next)
        self._retried_by = {k: v for k, v in self._retried_by.items() if k in self.runs}
        return sorted(flow for flow in shown if flow not in self.latest)

    def _sourced(self, model: RunModel) -> None:
        """A rerun names its source's number (``rerun of #3``) when that run is kept here
        (``f`` on the run shown keeps it until the rerun shows), and where its reused
        results were made (``RunModel.origins``). A number kept for every run ever read,
        by id, was never let go of as runs were evicted or pruned: a store client's start
        names it (``RunStarted.rerun_number``), read once from the store."""
        source = self._known(model.rerun_of)
        if source is not None:
            if model.rerun_number is None:
                model.rerun_number = source.number
            model.origins = source.made_where()

    def _retry_of(self, model: RunModel) -> None:
        """A ``@flow``'s own retry (``body_due``) learns why the run it retries failed,
        which it shows while it waits with no tasks (the screen jumped to the retry and
        the failure was only in `h`): now if that run has ended, else at its end."""
        failed = self._known(model.rerun_of) if model.body_due is not None else None
        if failed is None or failed.run_id is None:
            return  # not a flow retry, or the run it retries was never read here
        if failed.is_live:
            self._retried_by[failed.run_id] = model
        else:
            _retries(model, failed)

    def _unshown(self, event: LogEvent, exc: Exception, changed: dict[str, set[str]]) -> None:
        """Say, in what reading its run found (``read_note``), that ``event`` could not be shown (skipped)."""
        run_id = event.run_id if isinstance(event.run_id, str) else ""
        run = self._known(run_id)
        if run is None:
            return  # its run is not kept: nothing to say it on
        said = f"{type(exc).__name__}: {exc}"
        run.read_noted(
            f"an event of run {run.flow} #{run.number} cannot be shown, skipped ({said})"
        )
        changed.setdefault(run_id, set())

    def _newest(self, model: RunModel, *, elsewhere: bool = False, overtaken: bool = False) -> None:
        """``model`` is its flow's newest run: shown from now on (the one it replaces is dropped
        once finished), unless it was started ``elsewhere`` while the flow shows a live run: then
        that one stays, and ``model`` is one of the flow's live runs. Read whole and ``overtaken``
        (a later start of its flow folded first), ``_ended`` decides: #1 ending after #2 in one
        batch took #2's place (not by number: a prune hands on an older run to show)."""
        previous = self.latest_for(model.flow)
        assert model.run_id is not None
        self.runs[model.run_id] = model
        self.pruned_away.discard(model.flow)  # it has a run to show again
        self.reserved.pop(model.run_id, None)  # heard from: shown from now on
        launched = self.launched.get(model.flow)
        if launched is not None and launched.run_id == model.run_id:  # shown: ``loading`` no
            del self.launched[model.flow]  # more, also once a newer run evicts it from ``runs``
        if previous is not None and previous.run_id == model.run_id:
            previous = None  # the same run handed on again (its store read anew): replaced
        if previous is not None and (overtaken or (elsewhere and previous.is_live)):
            return
        if previous is not None:
            self._reached.pop(model.flow, None)  # a newer run shown: ``w``'s is left
        self.latest[model.flow] = model.run_id
        if previous is not None and not previous.is_live:
            self._evict(previous)

    def show(self, run: RunModel, *, reached: bool = True) -> None:
        """``run`` is shown as its flow's newest would be (``w``: one of its live runs, so it
        stays on screen when it ends, ``reached``); an ended run it replaces is dropped."""
        previous, self.latest[run.flow] = self.latest_for(run.flow), run.run_id or ""
        self._reached[run.flow] = (run.run_id or "") if reached else ""
        if previous is not None and previous is not run and not previous.is_live:
            self._evict(previous)
        elif previous is not None and previous is not run and previous.run_id is not None:
            self._left.add(previous.run_id)

    def _ended(self, run: RunModel, *, overtaken: bool = False) -> None:
        """``run`` ended. Shown, it stays, its end on screen: a newer run that ended beside
        it takes its place only if the user saw it live here and ``w`` went from it to
        ``run`` (its ending must not be lost), and the toast says how ``run`` ended. A newer
        run never shown here (started and ended elsewhere meanwhile) is dropped: the screen
        read `run #2 ■ Cancelled`, another window's, and never how the run it followed
        ended. Not shown, an older run is dropped, superseded while it ran, as is one read
        whole and ``overtaken`` (``_newest``): no later end let go of it, kept for the session.
        A newer one takes the place of the ended run shown, unless ``w`` reached that run
        (``_reached``): the user reads it, and ``run``'s end is in the history."""
        shown = self.latest_for(run.flow)
        if run.run_id in self._went:  # gone with its store, all at once: the shown run stays
            self._went.discard(run.run_id)
            if shown is not run:
                self._evict(run)
            return
        if shown is run:
            ended = [r for r in self.runs.values() if r.flow == run.flow and _newer(r, run)]
            for newer in sorted((r for r in ended if not r.is_live), key=_number):
                if newer.run_id in self._left:
                    self.show(newer, reached=False)  # (each drops the one before it)
                else:
                    self._evict(newer)
            if (now := self.latest_for(run.flow)) is not run and now is not None:
                self.moved_on.append((run, now))
        elif overtaken or (shown is not None and not _newer(run, shown)):
            self._evict(run)
        elif shown is not None and not shown.is_live:
            if self._reached.get(run.flow) == shown.run_id:
                self._evict(run)  # (its end changes the header's `N live runs` only)
            else:
                self.show(run, reached=False)

    def _never_started(self, event: LogEvent) -> RunModel | None:
        """A run whose process died before logging its start (while importing its flow
        file), known by its interruption: shown if it is its flow's newest run."""
        if not isinstance(event, RunInterrupted) or not event.flow:
            return None
        if (reserved := self.reserved.pop(event.run_id, None)) is not None:
            reserved.state = None  # it ended importing (shown if its flow's newest run)
        latest = self.latest_for(event.flow)
        if latest is not None and (latest.number or 0) >= event.run:
            return None
        mine = self.launched.get(event.flow)
        if latest is not None and latest.is_live and (mine is None or mine.run_id != event.run_id):
            return None  # another client's: no reason to leave the live run shown
        model = RunModel(event.flow, [], run_id=event.run_id, number=event.run, started=event.ts)
        self._newest(model)
        return model

    def _evict(self, run: RunModel) -> None:
        if run.run_id is not None and self.runs.pop(run.run_id, None) is not None:
            self.evicted.append(run.run_id)
            self._left.discard(run.run_id)

    def take_pruned(self) -> list[str]:
        """``pruned`` since the last call that still show no run, each said once: the
        runs the store still has are handed on after its notice (those flows show them)."""
        pruned, self.pruned = self.pruned, []
        return [flow for flow in pruned if flow not in self.latest and not self.loading(flow)]

    def take_moved_on(self) -> list[tuple[RunModel, RunModel]]:
        """``moved_on`` since the last call, each said once."""
        moved, self.moved_on = self.moved_on, []
        return moved

    def take_evicted(self) -> list[str]:
        evicted, self.evicted = self.evicted, []
        return evicted

    def take_read_shown(self) -> list[str]:
        shown, self.read_shown = self.read_shown, []
        return shown


def _retries(retry: RunModel, failed: RunModel) -> None:
    """``retry`` retries ``failed``, an ended run: it names it, and what its function raised."""
    if failed.error is not None:
        retry.retried = (failed.number or 0, failed.error)


def _number(run: RunModel) -> int:
    return run.number or 0


def _newer(run: RunModel, than: RunModel) -> bool:
    return _number(run) > _number(than)
