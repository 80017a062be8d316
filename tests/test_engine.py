"""The engine's structure: layers without import cycles, one home per check code, and checks
that a newcomer adds through the public declaration alone."""

from __future__ import annotations

import ast
import gc
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from casepkg import build_base

from validator import validate
from validator.changes.incremental import validate_incremental
from validator.changes.rules import all_change_rules
from validator.changes.since import validate_since
from validator.checks import all_checks
from validator.checks.common import at_cell
from validator.checks.registry import CHECKS, FOLLOWS, State, check, forget, reads
from validator.checks.runner import run_checks
from validator.problems import Problem
from validator.reading.package import Package, spill_privately

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "validator"
LAYERS = ("reading", "checks", "changes", "publish", "maintenance", "cli")
# what each layer may import, besides itself and the foundation (errors, problems, the package root's __version__)
ALLOWED = {
    "reading": set(),
    "checks": {"reading"},
    "changes": {"reading", "checks"},
    "publish": {"reading", "checks"},
    "maintenance": {"reading", "checks", "changes"},
    "cli": {"reading", "checks", "changes", "publish", "maintenance"},
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for n in ast.walk(node)}
    return skip


def import_graph() -> dict[str, set[str]]:
    """module -> the package's modules it imports, anywhere in its code (inside functions too),
    but not under ``if TYPE_CHECKING:``."""
    mods = _modules()
    graph: dict[str, set[str]] = {}
    for mod, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
        skip = _type_checking_nodes(tree)
        targets: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    targets.add(full if full in mods else target)
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
        graph[mod] = {t for t in targets if t in mods and t != mod}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _layer(mod: str) -> str | None:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_layers_import_only_downwards() -> None:
    wrong = []
    for mod, targets in import_graph().items():
        layer = _layer(mod)
        if layer is None:
            continue
        for t in targets:
            other = _layer(t)
            if other is not None and other != layer and other not in ALLOWED[layer]:
                wrong.append(f"{mod} imports {t}")
    assert wrong == []


def test_every_layer_says_what_it_may_import() -> None:
    for layer in LAYERS:
        doc = ast.get_docstring(ast.parse((PACKAGE / layer / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "May import" in doc, layer


def test_no_private_name_crosses_a_module_boundary() -> None:
    wrong = []
    for mod, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("validator")):
                wrong += [f"{mod}: {a.name}" for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
    assert wrong == []


def test_every_exception_lives_in_one_module() -> None:
    homes = set()
    for mod, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and (b.id.endswith(("Error", "Exception")) or b.id in ("CannotRun",)) for b in node.bases
            ):
                homes.add(mod)
    assert homes == {"validator.errors"}


def test_a_check_code_is_named_only_where_the_check_is_defined() -> None:
    """A code appears in no module of the package but the one that defines its check."""
    home = {info.code: info.func.__module__ for info in all_checks() + all_change_rules()}
    pattern = re.compile(r"\b(" + "|".join(home) + r")\b")
    wrong = []
    for mod, path in _modules().items():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            wrong += [f"{path.relative_to(ROOT)}:{n}: {m.group(1)}" for m in pattern.finditer(line) if home[m.group(1)] != mod]
    assert wrong == []


def test_every_declaration_is_known() -> None:
    for info in all_checks():
        assert info.reads.follows <= set(FOLLOWS), info.code
        tables = info.reads.tables or ()
        assert all(t in ("retired",) or t in _real_tables() for t in tables), info.code


def _real_tables() -> set[str]:
    return set(Package.load(ROOT, tables=set()).model.tables)


# -- a throwaway check, registered through the public declaration only --------------------------

FORBIDDEN = "Forbidden Name"


def _relations_to_forbidden(pkg: Package) -> Iterator[Problem]:
    """A relation's object is not an entity named 'Forbidden Name' (a test's rule)."""
    if not (pkg.usable("relations") and pkg.usable("entities")):
        return
    for line, rid in pkg.sql(
        "SELECT r._line, r.id FROM relations r JOIN entities e ON r.object_id = e.id WHERE e.name = ? ORDER BY r._line",
        [FORBIDDEN],
    ):
        yield at_cell(pkg, "relations", line, "object_id", f"{rid} points at a forbidden name", record=rid)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def committed_base(tmp_path: Path) -> Path:
    root = build_base(tmp_path / "repo")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "base")
    return root


def _rename_an_object_entity(root: Path) -> str:
    """Give the object of the first relation the forbidden name, touching no relation row."""
    rel = (root / "data/relations.csv").read_text(encoding="utf-8").splitlines()
    header = rel[0].split(",")
    target = rel[1].split(",")[header.index("object_id")]
    ent = (root / "data/entities.csv").read_text(encoding="utf-8").splitlines()
    eh = ent[0].split(",")
    for i, line in enumerate(ent[1:], 1):
        cells = line.split(",")
        if cells[0] == target:
            cells[eh.index("name")] = FORBIDDEN
            ent[i] = ",".join(cells)
    (root / "data/entities.csv").write_text("\n".join(ent) + "\n", encoding="utf-8")
    return target


def _codes(report) -> list[tuple]:
    return sorted((p.code, p.path, p.line, p.record) for p in report.problems)


@pytest.mark.git
@pytest.mark.parametrize("follows, incremental_sees_it", [(["references"], True), ([], False)])
def test_a_new_check_runs_in_a_full_run_and_since(committed_base: Path, follows: list[str], incremental_sees_it: bool) -> None:
    """A check registered with ``@check`` alone runs in both paths; declared as following
    references, ``--since`` re-checks the relations of a renamed entity and agrees with the full
    run. Declared as reading nothing beyond its rows, it is not re-run there: the planner obeys
    the declaration, which is why a check must declare what it follows."""
    code = "RL899"
    check(code, "test-forbidden-object", reads=reads("relations", "entities", follows=follows))(_relations_to_forbidden)
    try:
        assert code in CHECKS
        _rename_an_object_entity(committed_base)
        full = validate_since(committed_base, "HEAD", full=True, max_per_group=0)
        assert code in {p.code for p in full.problems}
        since = validate_incremental(committed_base, "HEAD", max_per_group=0)
        alone = validate_incremental(committed_base, "HEAD", max_per_group=0, select=[code])
        if incremental_sees_it:
            assert _codes(since) == _codes(full)
            assert [p.code for p in alone.problems] == [code]
        else:
            # run alone, nothing else selected follows references: the planner reads what it declared
            assert alone.problems == []
    finally:
        forget(code)
    assert code not in {c.code for c in all_checks()}


@pytest.mark.git
def test_a_new_check_on_changed_rows_agrees(committed_base: Path) -> None:
    code = "TX999"

    def no_shouting(pkg: Package) -> Iterator[Problem]:
        """An entity's description is not written in capitals only (a test's rule)."""
        for line, rid, text in pkg.sql("SELECT _line, id, description FROM entities WHERE description = upper(description)"):
            yield at_cell(pkg, "entities", line, "description", f"{rid}: {text}", record=rid)

    check(code, "test-shouting", reads=reads("entities"))(no_shouting)
    try:
        path = committed_base / "data/entities.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        header = lines[0].split(",")
        cells = lines[1].split(",")
        cells[header.index("description")] = "LOUD"
        lines[1] = ",".join(cells)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        full = validate_since(committed_base, "HEAD", full=True, max_per_group=0)
        since = validate_incremental(committed_base, "HEAD", max_per_group=0)
        assert code in {p.code for p in full.problems}
        assert _codes(since) == _codes(full)
    finally:
        forget(code)


def test_a_held_state_is_released_after_its_last_holder() -> None:
    """The runner lets a state go once, right after the last check of the run that holds it,
    and not before: the checks between its holders still find it."""
    events: list[str] = []
    state = State("test-state", lambda pkg: events.append("released"))

    def holder(name: str):
        def func(pkg: Package) -> Iterator[Problem]:
            """A test's rule."""
            events.append(name)
            return iter(())

        return func

    codes = ["TX991", "TX992", "TX993"]
    check(codes[0], "test-first", holds=state)(holder("first"))
    check(codes[1], "test-between")(holder("between"))
    check(codes[2], "test-last", holds=[state])(holder("last"))
    try:
        pkg = Package.load(ROOT)
        run_checks(pkg, [CHECKS[c] for c in codes])
        assert events == ["first", "between", "last", "released"]
        events.clear()
        run_checks(pkg, [CHECKS[c] for c in codes[:2]])  # the first is now its last holder
        assert events == ["first", "released", "between"]
    finally:
        for code in codes:
            forget(code)


def test_a_database_spills_into_a_directory_of_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A query larger than DuckDB's memory limit spills into the connection's private directory,
    never into the current one (DuckDB's default), and the directory goes with the connection."""
    monkeypatch.chdir(tmp_path)
    import duckdb

    con = duckdb.connect(":memory:")
    spill_privately(con)
    ((spill,),) = con.execute("SELECT current_setting('temp_directory')").fetchall()
    con.execute("SET memory_limit = '60MB'")
    con.execute("SET threads = 1")
    con.execute("CREATE TEMP TABLE t AS SELECT range::VARCHAR || repeat('x', 50) AS s FROM range(1500000)")
    assert con.execute("SELECT count(*) FROM (SELECT s, count(*) FROM t GROUP BY s)").fetchall() == [(1_500_000,)]
    assert Path(spill).is_dir() and any(Path(spill).iterdir())  # it did spill, there
    assert list(tmp_path.iterdir()) == []
    del con
    gc.collect()
    assert not Path(spill).exists()


def _databases_made(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every new in-memory database a package makes from now on (its first connection), none idle
    to begin with (packages of earlier tests let go first)."""
    from validator.reading import package as package_module

    gc.collect()
    made: list[object] = []
    real = package_module._new_database

    def counted(*args: object, **kwargs: object) -> object:
        made.append(con := real(*args, **kwargs))
        return con

    monkeypatch.setattr(package_module, "_new_database", counted)
    monkeypatch.setattr(package_module, "_IDLE_SMALL", [])
    return made


def _temp_tables(pkg: Package) -> set[str]:
    return {name for (name,) in pkg.db.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}


def test_a_small_package_reuses_a_database_let_go_and_sees_nothing_of_its_user(monkeypatch: pytest.MonkeyPatch) -> None:
    """A small package takes the database of one let go before it (making one costs more than a
    sixth of validating the real package again in one process), through a connection of its own:
    the tables its previous user built are gone, and the reports stay the same."""
    made = _databases_made(monkeypatch)
    first = Package.load(ROOT)
    first.db.execute("CREATE TEMP TABLE _left_behind AS SELECT 1 AS x")
    assert "_left_behind" in _temp_tables(first)
    del first
    gc.collect()
    second = Package.load(ROOT)
    assert "_left_behind" not in _temp_tables(second) and "entities" in _temp_tables(second)
    assert len(made) == 1  # the same database
    del second
    gc.collect()
    reports = [validate(ROOT, max_per_group=0) for _ in range(3)]
    assert len(made) == 1
    assert reports[0].errors == 0 and reports[0].problems == reports[1].problems == reports[2].problems


def test_two_small_packages_alive_at_once_have_databases_of_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _databases_made(monkeypatch)
    a, b = Package.load(ROOT), Package.load(ROOT)
    a.db.execute("CREATE TEMP TABLE _only_a AS SELECT 1 AS x")
    assert "_only_a" not in _temp_tables(b)
    assert len(made) == 2


def test_a_connection_kept_outlives_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """The database goes back to the idle ones only once nothing holds its connection: one kept
    after its package was let go still answers, and is not shared meanwhile."""
    made = _databases_made(monkeypatch)
    kept = Package.load(ROOT).db
    gc.collect()
    other = Package.load(ROOT)
    assert kept.execute("SELECT count(*) FROM entities").fetchall()[0][0] > 0
    assert "entities" in _temp_tables(other)
    assert len(made) == 2


def test_a_forked_child_makes_its_own_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """A database idle in a process is closed before it forks, so a child never frees or takes
    one with its parent's locks in it; and a connection of the parent's let go in a child does not
    make its database idle there. The child validates in time, and exits cleanly."""
    import os
    import signal
    import time

    made = _databases_made(monkeypatch)
    assert validate(ROOT).errors == 0
    pid = os.fork()
    if pid == 0:  # the child: whatever happens, it ends here, within 60 s
        signal.alarm(60)
        try:
            os._exit(0 if validate(ROOT).errors == 0 else 3)
        except BaseException:  # noqa: BLE001 - reported to the parent as the exit status
            os._exit(4)
    deadline = time.monotonic() + 90
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if done[0] == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child did not finish")
    assert os.waitstatus_to_exitcode(done[1]) == 0
    parent = os.getpid()
    pkg = Package.load(ROOT)
    assert "entities" in _temp_tables(pkg)
    monkeypatch.setattr(os, "getpid", lambda: parent + 1)  # the package let go in a forked child:
    del pkg  # its parent's database is not kept there
    gc.collect()
    assert "entities" in _temp_tables(Package.load(ROOT))
    assert len(made) == 3  # the parent's first, closed at the fork; the parent's second; the "child's"


def test_a_declaration_names_known_follows() -> None:
    with pytest.raises(ValueError, match="unknown follows"):
        reads("relations", follows=["cousins"])


def test_codes_are_claimed_once() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        check("KY501", "again")(_relations_to_forbidden)


def _python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def test_the_worked_example_of_a_check_runs(tmp_path: Path) -> None:
    """docs/developing.md's example check registers, passes the valid base and fails a leader
    that is not a person: the guide matches the code."""
    block = _python_blocks(ROOT / "docs/developing.md")[0]
    code = "RL805"
    namespace: dict = {"__name__": "validator.checks.relations", "__package__": "validator.checks"}
    exec(
        compile(
            "from collections.abc import Iterator\nfrom validator.problems import Problem\n"
            "from validator.reading.package import Package\n" + block,
            "developing.md",
            "exec",
        ),
        namespace,
    )
    try:
        base = build_base(tmp_path / "base")
        assert code not in {p.code for p in validate(base, select=[code]).problems}
        path = base / "data/relations.csv"
        text = path.read_text(encoding="utf-8").replace(
            "rel-guerrero-leader-of-tren-de-aragua,ent-hector-rustherford-guerrero-flores,leader_of",
            "rel-guerrero-leader-of-tren-de-aragua,ent-tren-de-aragua,leader_of",
        )
        path.write_text(text, encoding="utf-8")
        assert [p.code for p in validate(base, select=[code]).problems] == [code]
    finally:
        forget(code)


def test_an_import_inside_a_function_says_why() -> None:
    """Imports sit at the top of a module; one inside a function is there for start-up time (a
    heavy or optional library, a command's work) and its comment says so."""
    silent = []
    for path in _modules().values():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        tree = ast.parse(text)
        skip = _type_checking_nodes(tree)
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skip:
                    own = lines[node.lineno - 1 : node.end_lineno]
                    said = any("#" in line for line in own) or lines[node.lineno - 2].strip().startswith("#")
                    if not said:
                        silent.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    assert silent == []
