"""Which of a flow file's flows its ``if __name__ == "__main__":`` block runs.

A Prefect-style file defines a parent flow, the subflows it calls and ``with_options``
copies, and ends with ``if __name__ == "__main__": parent()``: ``python file.py`` runs
the parent alone. ``flowtop run FILE`` (no ``--flow``) ran every flow of the file as a
top-level run of its own, each subflow's side effects again, and refused the whole command
for a subflow's parameter. So it runs the flows that block calls, and ``flowtop list``
marks them.

The block is read with ``ast``, never run: the module-level names it calls, as
``parent()``, ``parent.serve(...)``, ``parent.deploy(...)``, ``parent.with_options(...)(...)``,
``parent.from_source(...).deploy(...)``, ``etl.run()``, ``Runner().run(etl)`` or inside
``asyncio.run(parent())``.
``flow_claims.find_flows`` then looks at what those names hold once the file is imported:
a name bound to a flow of the file is that flow. The arguments of each name's first call
(``BlockCall``) are kept too: ``main_block_args`` makes them that flow's parameters.

The names come in the order the block calls them, which is the order ``flowtop run FILE``
runs the flows in: it ran them in the order the file defines them, so ``outer(); check()``
ran ``check`` first when it was defined above ``outer`` (an ETL's report before its
extract, a setup flow after the flows it sets up).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from .main_block_args import MainCall
    from .workspace import Workspace

#: Methods of a flow that run or schedule it: ``parent.serve(...)`` means ``parent``
#: (``etl.run()``: a ``with Flow(...)`` graph's own run, the README's idiom).
SERVING = frozenset({"run", "serve", "deploy", "to_deployment"})
#: Methods of a flow that give a flow to call or serve: ``X.with_options(...)(...)``,
#: ``X.from_source(...).deploy(...)`` mean ``X``.
COPYING = frozenset({"with_options", "from_source"})
#: Methods of a flow that neither run nor schedule it: ``X.visualize()`` draws its graph
#: (Prefect traces the body with stand-in values), and flowtop has none to draw.
DRAWING = frozenset({"visualize"})
#: What of a ``serve``/``deploy``/``to_deployment`` call Prefect does and flowtop does
#: not (``BlockCall.written``): its schedule, its work pool and image.
NOT_DONE = ("cron", "interval", "rrule", "schedule", "schedules", "work_pool_name", "image")
#: Keywords of Prefect's flow call that are not the flow's parameters.
CALL_OPTIONS = frozenset({"return_state", "wait_for"})


@dataclass(frozen=True)
class BlockCall:
    """A call of a flow in the ``__main__`` block, as written: its line and the arguments
    the flow is given. ``serve``/``deploy``'s ``parameters={...}`` (Prefect's way to give
    a served flow its parameters) is a ``**`` keyword here: the flow's, by name.
    ``order``: its place among the names the block calls, first called first (0): what
    ``flowtop run --detach`` orders its runs by, having only ``flowtop list --json``.
    ``again``: the lines of the block's later calls of the same flow, which ``python FILE``
    runs too and ``flowtop run FILE`` does not (it runs each flow once, and says so)."""

    line: int
    positional: tuple[ast.expr, ...] = ()
    keywords: tuple[ast.keyword, ...] = ()
    order: int = 0
    again: tuple[int, ...] = ()
    #: A method flow's call (``Pipeline("sales").run(3)``): what makes its instance,
    #: ``Pipeline("sales")`` (``method_flows``); None for any other call.
    receiver: ast.Call | None = None
    #: ``serve``, ``deploy``, ``to_deployment``, ``visualize``: the flow's method the block
    #: calls, which flowtop does not do (it runs the flow once, or not at all); "" for a
    #: call of the flow. ``written``: that call as Prefect would act on it, its schedule,
    #: work pool and image (``.serve(cron="* * * * *")``), for the line that says so.
    how: str = ""
    written: str = ""
    #: The module's function the block calls that makes this call (``main``: its calls
    #: are the block's, ``_calls_followed``); "" for a call in the block itself.
    within: str = ""


def main_block_calls(tree: ast.Module, *, methods: bool = False) -> dict[str, BlockCall]:
    """The names the module's top-level ``if __name__ == "__main__":`` blocks call (the
    flow ``X`` of ``X.serve(...)`` and ``X.with_options(...)(...)``), each with its first
    call, in the order the block calls them (``python FILE`` runs them so; ``flowtop run
    FILE`` runs each flow once). Its ``else`` runs at import, and a block nested in a
    function is not the module's. ``methods``: also ``Cls.meth`` of ``Cls(...).meth(...)``
    and ``Cls.meth(...)``, a class's flow maybe (``method_flows``)."""
    found: list[tuple[str, BlockCall]] = []
    for at, statement in enumerate(tree.body):
        if not (isinstance(statement, ast.If) and _is_main_test(statement.test)):
            continue
        once = _bound_once(statement.body)
        made: dict[str, ast.Call] = {}  # ``p = Pipeline("sales")``, bound so above: ``p``
        helpers = _helpers(tree.body[:at])  # (as defined when the block runs)
        for part in statement.body:
            for node, within in _calls_followed(part, helpers):
                if (name := _called(node.func)) is not None:
                    found.append((name, replace(_arguments(node), within=within)))
                if methods and (method := _method_called(node.func, made)) is not None:
                    own = _arguments(node, serving=False)  # (a method named ``run``: its own)
                    found.append((method[0], replace(own, receiver=method[1], within=within)))
                if isinstance(node.func, ast.Attribute) and node.func.attr == "run":
                    # ``Runner().run(etl)``, ``runner.run(etl)``: the flow it is given
                    given = (arg.id for arg in node.args if isinstance(arg, ast.Name))
                    found.extend((name, BlockCall(node.lineno, within=within)) for name in given)
            if (instance := _instance_made(part)) is not None and instance[0] in once:
                made[instance[0]] = instance[1]
    calls: dict[str, BlockCall] = {}
    for name, call in found:
        if name not in calls:
            calls[name] = replace(call, order=len(calls))
        elif call.line != calls[name].line:  # (``X.with_options(...)(...)``: one line)
            calls[name] = replace(calls[name], again=(*calls[name].again, call.line))
    return calls


#: A name a module binds before its block, to what ``python FILE`` calls by it: one of its
#: own undecorated functions, followed (``_calls_followed``), or why it is not.
Bound: TypeAlias = "ast.FunctionDef | ast.AsyncFunctionDef | str"


def _bindings(statements: list[ast.stmt]) -> dict[str, Bound]:
    """The names ``statements`` bind to functions, each to its function when flowtop follows
    it (the module's own, undecorated) or why not ("decorated": a ``@click.command()``
    runs what its decorator says; "imported": another file's code), later bindings winning,
    as in Python."""
    bound: dict[str, Bound] = {}
    for statement in statements:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            bound[statement.name] = "decorated" if statement.decorator_list else statement
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            for alias in statement.names:
                bound[(alias.asname or alias.name).split(".")[0]] = "imported"
    return bound


def _helpers(statements: list[ast.stmt]) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """The functions ``main_block_calls`` follows among those ``statements`` (before a
    block) bind: a ``main()`` the block calls, whose calls ``python FILE`` makes then."""
    return {name: b for name, b in _bindings(statements).items() if not isinstance(b, str)}


def unfollowed(tree: ast.Module) -> list[tuple[str, str]]:
    """The functions its ``__main__`` blocks call that ``main_block_calls`` does not
    follow, each with why (``_bindings``; or "defined after the block": ``python FILE``
    fails on it, ``NameError``), in the order first called. ``flowtop run FILE`` says so
    when the block calls no flow, rather than run every flow with its defaults silently."""
    found: dict[str, str] = {}
    for at, statement in enumerate(tree.body):
        if not (isinstance(statement, ast.If) and _is_main_test(statement.test)):
            continue
        after = _bindings(tree.body[at + 1 :])
        why: dict[str, Bound] = dict.fromkeys(after, "defined after the block")
        why.update(_bindings(tree.body[:at] + statement.body))
        for part in statement.body:
            for node in _in_call_order(part):
                name = node.func.id if isinstance(node.func, ast.Name) else ""
                said = why.get(name)
                if isinstance(said, str) and name not in found:
                    found[name] = said
    return list(found.items())


def _calls_followed(
    statement: ast.stmt,
    helpers: dict[str, ast.FunctionDef | ast.AsyncFunctionDef],
    within: tuple[str, ...] = (),
) -> Iterator[tuple[ast.Call, str]]:
    """The calls ``statement`` makes (``_in_call_order``), each followed by the calls of
    the body of the module's function it calls (``helpers``) up to its first ``return``,
    as Python makes them, with the function each is made in ("" for the block's own):
    ``def main(): etl("us")`` called by the block runs ``etl`` with ``"us"``, where
    flowtop ran every flow of the file with its defaults, silently. ``within``: the
    functions being followed, none followed into itself again."""
    for node in _in_call_order(statement):
        yield node, within[-1] if within else ""
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        helper = helpers.get(name)
        if helper is None or name in within:
            continue
        for part in helper.body:
            yield from _calls_followed(part, helpers, (*within, name))
            if isinstance(part, ast.Return):
                break


def _in_call_order(statement: ast.stmt) -> Iterator[ast.Call]:
    """The calls ``statement`` makes, in the order Python makes them: a call once its
    function and arguments are evaluated (``report(extract())`` calls ``extract`` first,
    as ``print("RESULT", etl())`` calls ``etl`` before ``print``), a comprehension's
    iterable before its element, an assignment's value before its target. Walked with a
    stack, as ``ast.walk`` is, not by recursion: no block that compiles is too deep for it."""
    stack: list[tuple[ast.AST, bool]] = [(statement, False)]
    while stack:
        node, evaluated = stack.pop()
        if evaluated:
            if isinstance(node, ast.Call):
                yield node
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(_evaluated_first(node)))


def _evaluated_first(node: ast.AST) -> list[ast.AST]:
    """``node``'s children, in the order Python evaluates them: the order of its fields,
    but a comprehension's ``for ... in`` before its element, and an assignment's value
    before its targets (``table[key()] = load()`` calls ``load`` first)."""
    children = list(ast.iter_child_nodes(node))
    first: list[ast.AST] = [c for c in children if isinstance(c, ast.comprehension)]
    if isinstance(node, ast.Assign):
        first.append(node.value)
    return first + [child for child in children if all(child is not f for f in first)]


def _arguments(node: ast.Call, *, serving: bool = True) -> BlockCall:
    """What a call the block makes gives the flow: its own arguments (``etl(10)``,
    ``etl.with_options(...)(10)``, ``Pipeline("sales").run(3)`` when not ``serving``),
    or ``X.serve(parameters={...})``'s mapping."""
    method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
    if serving and method in DRAWING:
        return BlockCall(node.lineno, how=method, written=f"{ast.unparse(node.func)}()")
    if serving and method in SERVING:
        given = [kw.value for kw in node.keywords if kw.arg == "parameters"]
        keywords = tuple(ast.keyword(None, value) for value in given)
        if method == "run":
            return BlockCall(node.lineno, (), keywords)
        done = [f"{kw.arg}={ast.unparse(kw.value)}" for kw in node.keywords if kw.arg in NOT_DONE]
        written = f".{method}({', '.join(done)})"
        return BlockCall(node.lineno, (), keywords, how=method, written=written)
    keywords = tuple(kw for kw in node.keywords if kw.arg not in CALL_OPTIONS)
    return BlockCall(node.lineno, tuple(node.args), keywords)


def main_block_flows(workspace: Workspace) -> list[str]:
    """The loaded flows their file's ``__main__`` block calls, in the order it calls them
    (``flowtop run FILE`` runs them so; a folder's: each file's together, ``in_call_order``).

    Read from the workspace's loader, which matched the names as it imported each file:
    a function here stands in for a ``Workspace`` property (``workspace.py`` is at its
    600 lines), as ``loader_process`` reaches into the loader it made."""
    from .main_block_args import in_call_order

    flows = workspace.flows
    return [name for name in in_call_order(main_block_calls_of(workspace)) if name in flows]


def main_block_calls_of(workspace: Workspace) -> dict[str, MainCall]:
    """How their file's ``__main__`` block calls the loaded flows it calls, by flow name
    (``main_block_args.MainCall``): read from the loader (``Loader.main_block_calls``)."""
    return workspace._loader.main_block_calls()


def _method_called(
    func: ast.expr, made: Mapping[str, ast.Call]
) -> tuple[str, ast.Call | None] | None:
    """``Cls.meth`` of ``Cls(...).meth(...)`` (an instance's method flow, with the call
    making the instance), of ``p.meth(...)`` after ``p = Cls(...)`` (``made``: the same),
    and of ``Cls.meth(...)`` (a class's or a static method's, with None); None for
    anything else. Prefect names such a flow's place ``Cls.meth`` too."""
    if not isinstance(func, ast.Attribute):
        return None
    owner = func.value
    if isinstance(owner, ast.Name) and owner.id in made:
        owner = made[owner.id]
    if isinstance(owner, ast.Name):
        return f"{owner.id}.{func.attr}", None
    if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name):
        return f"{owner.func.id}.{func.attr}", owner
    return None


def _instance_made(statement: ast.stmt) -> tuple[str, ast.Call] | None:
    """``("p", Pipeline("sales"))`` of the statement ``p = Pipeline("sales")``: a name
    bound to a call of a name (a class, maybe); None for any other statement."""
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
        return None
    target, value = statement.targets[0], statement.value
    if isinstance(target, ast.Name) and isinstance(value, ast.Call):
        return (target.id, value) if isinstance(value.func, ast.Name) else None
    return None


def _bound_once(body: list[ast.stmt]) -> set[str]:
    """The names the block binds once only (an assignment, a loop's or a ``with``'s
    target, a ``def``, an import, ``del``): ``p.run()`` is followed to ``p = Cls(...)``
    only then, with no other value of ``p`` to tell apart."""
    counts: dict[str, int] = {}
    for node in (inner for statement in body for inner in ast.walk(statement)):
        names: list[str] = []
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names = [node.id]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = [node.name]
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [(alias.asname or alias.name).split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            names = [node.name]
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names = list(node.names) * 2  # (bound elsewhere too)
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    return {name for name, count in counts.items() if count == 1}


def _is_main_test(test: ast.expr) -> bool:
    """``__name__ == "__main__"``, either way round."""
    if not (
        isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)
    ):
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
    )


def _called(func: ast.expr) -> str | None:
    """The name a call of ``func`` runs: ``X`` of ``X(...)``, ``X.serve(...)``,
    ``X.deploy(...)``, ``X.with_options(...)(...)`` and Prefect's
    ``X.from_source(source=..., entrypoint=...).deploy(...)`` (a flow too, ``X``'s code
    fetched from elsewhere: flowtop runs the file's ``X``); None for anything else."""
    if isinstance(func, ast.Attribute) and func.attr in SERVING | DRAWING:
        func = func.value
    while (
        isinstance(func, ast.Call)
        and isinstance(func.func, ast.Attribute)
        and func.func.attr in COPYING
    ):
        func = func.func.value
    return func.id if isinstance(func, ast.Name) else None
