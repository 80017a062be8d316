"""Reading a package: the descriptor, the model in schemas/, the tables and the seeds.

Nothing here judges the data; it loads what can be loaded and keeps the positions (path,
line, column) that problems point to. The tables go into an in-memory DuckDB database, one
table per CSV file, all values as text plus ``_line`` (the line where the record starts), so
the checks can be set-based SQL instead of Python loops over cells.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from ..errors import CannotRun
from ..problems import Problem
from . import csvread, duckconnect, jsonread, limits
from .arrays import int64_array
from .model import Model, Table, load_model
from .paths import not_a_file, resolve_inside, unsafe_reason

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    import duckdb
    import pyarrow

DESCRIPTOR = "datapackage.json"
T = TypeVar("T")  # the value of a piece of background work
SMALL_TABLE_ROWS = 5_000  # up to this many rows, a table read by the exact path is inserted into DuckDB directly
SMALL_PACKAGE_BYTES = 4 << 20  # up to this many bytes of tables, DuckDB runs on one thread
SMALL_PLAN_ROWS = 5_000  # up to this many rows (and SMALL_PACKAGE_BYTES), Package.sql(plan=False) skips the optimiser


@dataclass(frozen=True)
class IdOrder:
    """How a table's ids are ordered: the first row out of order, and repeated ids."""

    first_unsorted: tuple[int, str, str] | None  # (line, id, the id before it)
    duplicates: list[tuple[int, str, int]]  # (line, id, line of its first occurrence)


@dataclass
class LoadedTable:
    """One table's CSV file as read, and what the checks may rely on."""

    table: Table
    csv: csvread.CsvFile | None  # None when the file is missing or unsafe
    header_ok: bool = False  # every model column present exactly once
    column_index: dict[str, int] = field(default_factory=dict)  # field -> position in the header
    ragged: list[tuple[int, int]] = field(default_factory=list)  # (line, number of fields)
    ragged_ids: list[str] = field(default_factory=list)  # ids of rows left out (wrong field count, broken quoting)

    @property
    def usable(self) -> bool:
        """True when the rows can be checked (readable file, header with every column)."""
        return self.csv is not None and self.csv.rows_usable and self.header_ok

    @property
    def rel(self) -> str:
        return self.table.path


class Package:
    """A data package on disk, loaded for checking. Construct with ``Package.load(path)``."""

    def __init__(self, root: Path, descriptor_text: str, descriptor: dict[str, Any], model: Model) -> None:
        self.root = root
        self.descriptor_text = descriptor_text
        self.descriptor = descriptor
        self.model = model
        self.tables: dict[str, LoadedTable] = {}
        self.path_problems: list[tuple[str, str, str]] = []  # (file, json pointer, reason)
        self._db: duckdb.DuckDBPyConnection | None = None
        self._small_plans: bool | None = None  # whether planning a wide query costs more than running it
        self._registered: dict[str, pyarrow.Table] = {}
        self._source_maps: dict[str, dict[str, Any]] = {}
        self._seed_cache: dict[str, bytes | None] = {}
        self._held: dict[str, tuple[LoadedTable, list[tuple[Any, ...]]]] = {}  # python_rows, per table as loaded
        self.cache: dict[str, Any] = {}  # results the checks share (parsed dates, source files ...)
        self.selected: set[str] | None = None  # codes of the checks this run (None: all)
        self._executor: ThreadPoolExecutor | None = None
        self.sidecar: ResultSource | None = None  # helper processes computing some results (checks.sidecar)

    # -- loading ---------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path, tables: set[str] | None = None) -> Package:
        """Read the package at ``path``; ``tables`` limits the CSV files read (the others are
        left unread, as if missing: for a helper that needs only some of them)."""
        pkg = cls.open(path)
        pkg.model.finish_checks()
        return pkg.load_tables(tables)

    @classmethod
    def open(cls, path: str | Path) -> Package:
        """The package's descriptor and model, its tables not read yet (``load_tables``): what
        ``validate`` reads before it forks its helpers, so that they inherit it."""
        root = Path(path)
        if root.is_file() and root.name.endswith(".json"):
            root = root.parent
        if not root.exists():
            raise CannotRun(f"{path}: no such directory")
        if not root.is_dir():
            raise CannotRun(f"{path}: not a directory", hint="give the directory that holds datapackage.json")
        text, descriptor = _read_descriptor(root)
        model = load_model(root / "schemas", rel_to=root, defer_patterns=True)
        return cls(root, text, descriptor, model)

    def load_tables(self, tables: set[str] | None = None) -> Package:
        """Read the CSV files; ``tables`` limits those read (the others are left unread, as if
        missing: for a helper that needs only some of them). The model's deferred checks are the
        caller's (``Model.finish_checks``)."""
        for table in self.model.tables.values():
            if tables is None or table.name in tables:
                self.tables[table.name] = self._load_table(table)
            else:
                self.tables[table.name] = LoadedTable(table, None)
        return self

    def file_sizes(self, names: set[str] | None = None) -> dict[str, int]:
        """Bytes of each table's CSV file (0 when missing or unsafe): of the file as read when the
        table is loaded, else as it is on disk."""
        sizes = {}
        for name, table in self.model.tables.items():
            if names is not None and name not in names:
                continue
            loaded = self.tables.get(name)
            if loaded is not None and loaded.csv is not None:
                sizes[name] = loaded.csv.size
                continue
            target, _ = resolve_inside(self.root, table.path)
            try:
                sizes[name] = target.stat().st_size if target is not None and target.is_file() else 0
            except OSError:
                sizes[name] = 0
        return sizes

    def read_in_python(self) -> bool:
        """True when every table is small enough for the exact path (plain Python, no pyarrow or
        numpy): such a package can be read before ``validate`` forks its helpers, so that they
        inherit the parsed tables instead of parsing them again."""
        sizes = self.file_sizes().values()
        return all(size < csvread.FAST_PATH_MIN_BYTES for size in sizes) and sum(sizes) < SMALL_PACKAGE_BYTES

    def _load_table(self, table: Table) -> LoadedTable:
        target, reason = resolve_inside(self.root, table.path)
        if target is None:
            self.path_problems.append((table.schema_path, "/x-table/path", reason or ""))
            return LoadedTable(table, None)
        if not target.is_file():
            return LoadedTable(table, None)
        try:
            parsed = csvread.read_csv_file(table.path, target)  # a file over the size limit is not read
        except OSError:
            return LoadedTable(table, None)
        if parsed.arrow is not None:
            release_memory()  # the parse's scratch memory, before the next file adds its own
        loaded = LoadedTable(table, parsed)
        header = parsed.header or []
        loaded.column_index = {}
        for i, name in enumerate(header):
            loaded.column_index.setdefault(name, i)
        names = table.field_names
        loaded.header_ok = (
            parsed.header is not None and all(n in loaded.column_index for n in names) and len(set(header)) == len(header)
        )
        if parsed.header is not None and parsed.arrow is None:
            width = len(header)
            keep_records, keep_lines = [], []
            for rec, line in zip(parsed.records, parsed.lines, strict=True):
                if len(rec) == width:
                    keep_records.append(rec)
                    keep_lines.append(line)
                else:
                    loaded.ragged.append((line, len(rec)))
                    idx = loaded.column_index.get("id")
                    if idx is not None and idx < len(rec) and rec[idx]:
                        loaded.ragged_ids.append(rec[idx])
            parsed.records, parsed.lines = keep_records, keep_lines
            if loaded.column_index.get("id") == 0:
                loaded.ragged_ids += [cell for _, cell in parsed.broken]
        return loaded

    # -- the database ----------------------------------------------------------------------

    @property
    def db(self) -> duckdb.DuckDBPyConnection:
        """The package's DuckDB connection, opened on first use with every usable table in it. A
        small package's is a connection of its own to a database that a package let go of may
        have used before (``_small_database``)."""
        if self._db is None:
            # A package small enough to be held in Python throughout runs only plain statements
            # (its grounding and word forms are done in Python), so DuckDB's engine is loaded
            # without the Python layer of the duckdb package (duckconnect: 40 ms less)
            duckdb = duckconnect.engine(light=self._all_held() and self._plans_cost_more())
            # a small package: threads cost more than they give, and 10 MB
            small = sum(t.csv.size for t in self.tables.values() if t.csv is not None) < SMALL_PACKAGE_BYTES
            self._db = _small_database(duckdb) if small else _new_database(duckdb, {})
            try:  # a long query would draw a progress bar on the terminal, between the problems
                self._db.execute("SET enable_progress_bar = false")
            except duckdb.Error:
                pass
            extra: list[tuple[str, str]] = []
            for name, loaded in self.tables.items():
                if not loaded.usable:
                    continue
                assert loaded.csv is not None
                if loaded.csv.arrow is None and loaded.csv.row_count <= SMALL_TABLE_ROWS:
                    self._insert_small(name, loaded)
                else:
                    self._registered[name] = self._arrow(loaded)
                    duckconnect.register_arrow(self._db, name, self._registered[name])
                extra += [(name, rid) for rid in loaded.ragged_ids]
            # ids of rows left out for a broken record: references to them are not reported again
            self.register_rows("_extra_ids", [("tbl", "VARCHAR"), ("id", "VARCHAR")], extra)
        return self._db

    def _all_held(self) -> bool:
        """True when every usable table is held in Python (``python_rows``), none read by pyarrow."""
        return all(
            t.csv.arrow is None and t.csv.row_count <= SMALL_TABLE_ROWS for t in self.tables.values() if t.usable and t.csv
        )

    def register_rows(self, name: str, columns: list[tuple[str, str]], rows: list[tuple]) -> None:
        """Make ``rows`` a table of the database (small ones inserted directly: no pyarrow needed)."""
        if not rows:
            cols = ", ".join(f'"{c}" {t}' for c, t in columns)
            self.db.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" ({cols})')
            return
        # one parameter per column, a list, unnested side by side (lists of equal length unnest in
        # step): much faster than a prepared insert per row, and half the time of one list of structs
        select = ", ".join(f'CAST(unnest(?) AS {t}) AS "{c}"' for c, t in columns)
        self.db.execute(
            f'CREATE OR REPLACE TEMP TABLE "{name}" AS SELECT {select}', [list(col) for col in zip(*rows, strict=True)]
        )

    def drop_temp(self, prefix: str) -> None:
        """Drop the temporary tables and views whose name starts with ``prefix``, pyarrow tables
        registered under such a name too (the connection holds those until they are unregistered):
        what a family of checks built and no longer needs. Nothing when the database was never opened."""
        if self._db is None:
            return
        like = [prefix.replace("_", "\\_") + "%"]
        for (name,) in self._db.execute(
            "SELECT view_name FROM duckdb_views() WHERE temporary AND view_name LIKE ? ESCAPE '\\'", like
        ).fetchall():
            self._db.unregister(name)  # a registered table (the connection lets it go); a view stays
            self._db.execute(f'DROP VIEW IF EXISTS "{name}"')
        for (name,) in self._db.execute(
            "SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE ? ESCAPE '\\'", like
        ).fetchall():
            self._db.execute(f'DROP TABLE IF EXISTS "{name}"')

    def python_rows(self, name: str) -> list[tuple[Any, ...]] | None:
        """A small table read by the exact path, row for row as the database holds it: (line,
        then each of the model's fields, an empty cell as None), in the file's order. None for
        a table read by pyarrow, too large, or unusable: its rows are only in the database. The list
        is built once per table as loaded and shared by every caller, who must not change it."""
        loaded = self.tables.get(name)
        if loaded is None or not loaded.usable or loaded.csv is None:
            return None
        if loaded.csv.arrow is not None or loaded.csv.row_count > SMALL_TABLE_ROWS:
            return None
        return self._rows_held(name, loaded)

    def _rows_held(self, name: str, loaded: LoadedTable) -> list[tuple[Any, ...]]:
        held = self._held.get(name)
        if held is None or held[0] is not loaded:  # built once per table as loaded: the checks ask often
            held = self._held[name] = (loaded, _rows_as_held(loaded))
        return held[1]

    def column_rows(self, name: str, columns: list[str]) -> list[tuple[Any, ...]]:
        """(line, then ``columns``) of every row of a usable table, in the file's order, an empty
        cell as None: from the rows read in Python where the table is small, so that a package
        read only to be compared (the base of ``--since`` and ``tda diff``) needs no database;
        otherwise from the pyarrow table the database holds it as, which is in the file's order:
        its columns as lists, where a query's rows took twice the CPU (45,441 tombstones: about
        35 ms against 70 ms)."""
        rows = self.python_rows(name)
        if rows is None:
            data = self.arrow(name)
            return list(zip(*(data.column(c).to_pylist() for c in ["_line", *columns]), strict=True))
        index = [self.tables[name].table.field_names.index(c) + 1 for c in columns]
        return [(r[0], *[r[i] for i in index]) for r in rows]

    def _insert_small(self, name: str, loaded: LoadedTable) -> None:
        """A small table read by the exact path goes into the database without pyarrow (whose
        import costs more than the whole check of a small package)."""
        fields = [("_line", "BIGINT")] + [(f, "VARCHAR") for f in loaded.table.field_names]
        self.register_rows(name, fields, self._rows_held(name, loaded))  # python_rows's, built once

    def _arrow(self, loaded: LoadedTable) -> pyarrow.Table:
        import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

        assert loaded.csv is not None
        if loaded.csv.arrow is not None:
            import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

            table = loaded.csv.arrow.select(loaded.table.field_names)
            return table.add_column(0, "_line", int64_array(np.arange(2, table.num_rows + 2)))
        records = loaded.csv.records
        cols: dict[str, Any] = {"_line": pa.array(loaded.csv.lines, type=pa.int64())}
        for name in loaded.table.field_names:
            i = loaded.column_index[name]
            cols[name] = pa.array([r[i] if r[i] != "" else None for r in records], type=pa.string())
        return pa.table(cols)

    # -- background work -------------------------------------------------------------------

    def background(self, key: str, fn: Callable[[], object]) -> None:
        """Start ``fn`` in a worker thread; ``result(key)`` waits for it. Used for work that
        spends its time outside the GIL's contention with the database (imports, JSON parsing)."""
        if key in self.cache:
            return
        if self._executor is None:
            from concurrent.futures import (
                ThreadPoolExecutor,  # loads on first use: with logging, 12 ms of every run's start otherwise
            )

            self._executor = ThreadPoolExecutor(max_workers=3, thread_name_prefix="tda")
        self.cache[key] = self._executor.submit(fn)

    def computing(self, key: str) -> bool:
        """Whether background work ``key`` has a result on its way (a helper process or a worker
        thread computes it) or already here, so that ``result`` would not compute it now."""
        return key in self.cache or (self.sidecar is not None and self.sidecar.has(key))

    def result(self, key: str, fn: Callable[[], T]) -> T:
        """The value of background work ``key``: from the helper process if it computed it,
        else from a worker thread, else computed now."""
        if key not in self.cache and self.sidecar is not None and self.sidecar.has(key):
            ok, value = self.sidecar.get(key)
            if ok:
                self.cache[key] = value
                return value
        if key not in self.cache:
            self.cache[key] = fn()
            return self.cache[key]
        value = self.cache[key]
        return value.result() if hasattr(value, "result") and callable(value.result) else value

    def close(self) -> None:
        if self.sidecar is not None:
            self.sidecar.close()
            self.sidecar = None
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def id_order(self, name: str) -> IdOrder:
        """Sortedness and duplicates of a table's ids, from adjacent comparisons when it is sorted."""
        key = f"id_order:{name}"
        if key not in self.cache:
            self.cache[key] = self._id_order(name)
        return self.cache[key]

    def _id_order(self, name: str) -> IdOrder:
        loaded = self.tables[name]
        assert loaded.csv is not None
        if loaded.csv.arrow is None:  # read by the exact path: plain Python on its records
            i = loaded.column_index["id"]
            return self._id_order_small(name, [r[i] or None for r in loaded.csv.records], loaded.csv.lines)
        table = self.arrow(name)
        ids, lines = table.column("id"), table.column("_line")
        n = len(ids)
        if n < 2:
            return IdOrder(None, [])
        if n < 50_000:  # small: plain Python, without importing pyarrow.compute
            # _line is never null: the stubs type every arrow cell as nullable
            return self._id_order_small(name, ids.to_pylist(), cast("list[int]", lines.to_pylist()))
        import pyarrow.compute as pc  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

        before, after = ids.slice(0, n - 1), ids.slice(1)
        down = pc.indices_nonzero(pc.less(after, before))  # a null (an empty id) counts as false
        first_unsorted = None
        if len(down):
            i = down[0].as_py() + 1
            first_unsorted = (lines[i].as_py(), ids[i].as_py(), ids[i - 1].as_py())
            rows = self.sql(
                f"SELECT _line, id, first_line FROM (SELECT _line, id, min(_line) OVER (PARTITION BY id) AS first_line "
                f'FROM "{name}" WHERE id IS NOT NULL) WHERE _line > first_line ORDER BY _line'
            )
            return IdOrder(first_unsorted, [tuple(r) for r in rows])
        # a null (an empty id) counts as false; indices are never null
        same = cast("list[int]", pc.indices_nonzero(pc.equal(after, before)).to_pylist())
        dups = []
        run_start: dict[int, int] = {}
        for j in same:  # rows j and j + 1 share an id; a run of equal ids points at its first line
            start = run_start.get(j, j)
            run_start[j + 1] = start
            dups.append((lines[j + 1].as_py(), ids[j + 1].as_py(), lines[start].as_py()))
        return IdOrder(None, dups)

    def arrow(self, name: str) -> pyarrow.Table:
        """The table as the database holds it (text columns and ``_line``), as a pyarrow table."""
        self.db  # noqa: B018 - registers the tables
        if name not in self._registered:
            self._registered[name] = self._arrow(self.tables[name])
        return self._registered[name]

    def _id_order_small(self, name: str, ids: list[str | None], lines: list[int]) -> IdOrder:
        for i in range(1, len(ids)):
            rid, before = ids[i], ids[i - 1]
            if rid is not None and before is not None and rid < before:
                rows = self.sql(
                    f"SELECT _line, id, first_line FROM (SELECT _line, id, min(_line) OVER (PARTITION BY id) AS first_line "
                    f'FROM "{name}" WHERE id IS NOT NULL) WHERE _line > first_line ORDER BY _line'
                )
                return IdOrder((lines[i], rid, before), [tuple(r) for r in rows])
        dups: list[tuple[int, str, int]] = []
        first = 0
        for i in range(1, len(ids)):
            rid = ids[i]
            if rid is not None and rid == ids[i - 1]:
                dups.append((lines[i], rid, lines[first]))
            else:
                first = i
        return IdOrder(None, dups)

    def column(self, name: str, field_name: str) -> list[Any]:
        """One column of a table as a Python list (None for an empty cell); ``_line`` too."""
        loaded = self.tables[name]
        assert loaded.csv is not None
        if loaded.csv.arrow is None:
            if field_name == "_line":
                return list(loaded.csv.lines)
            i = loaded.column_index[field_name]
            return [r[i] or None for r in loaded.csv.records]
        return self.arrow(name).column(field_name).to_pylist()

    def ids_sql(self, name: str) -> str:
        """SQL for every id of a table, including those of records left out for a wrong field count."""
        return f"(SELECT id FROM \"{name}\" UNION ALL SELECT id FROM _extra_ids WHERE tbl = '{name}')"

    def usable(self, name: str) -> bool:
        loaded = self.tables.get(name)
        return loaded is not None and loaded.usable

    def sql(self, query: str, params: list[Any] | None = None, *, plan: bool = True) -> list[tuple]:
        """The rows of ``query``. ``plan=False``: a query with many expressions on one table,
        which on a small package DuckDB's optimiser takes longer to plan than to run (the row
        checks of the real package: 40 ms planned, 20 ms not). Only a plan changes, never an
        answer; on a larger package, or without the setting, the query is planned as usual."""
        if plan or not self._plans_cost_more():
            return self.db.execute(query, params or []).fetchall()
        self.db.execute("PRAGMA disable_optimizer")
        try:
            return self.db.execute(query, params or []).fetchall()
        finally:
            self.db.execute("PRAGMA enable_optimizer")

    def execute_in_written_order(self, statement: str) -> None:
        """Run ``statement`` with its joins in the order written, each join's right side the one
        held in memory (DuckDB's hash table) and its left side streamed through.

        For a join of a few small tables with a large one whose rows carry long strings (every
        quote in word form) DuckDB may choose to hold the large one, or a join result carrying
        its strings, in a hash table; written with the large table first, only the small ones
        are held. Only the plan changes, never an answer."""
        self.db.execute("SET disabled_optimizers = 'join_order,build_side_probe_side'")
        try:
            self.db.execute(statement)
        finally:
            self.db.execute("RESET disabled_optimizers")

    def _plans_cost_more(self) -> bool:
        if self._small_plans is None:
            read = [t.csv for t in self.tables.values() if t.csv is not None]
            self._small_plans = (
                sum(c.size for c in read) < SMALL_PACKAGE_BYTES and sum(c.row_count for c in read) <= SMALL_PLAN_ROWS
            )
        return self._small_plans

    # -- positions -------------------------------------------------------------------------

    def cell(self, table: str, line: int, field_name: str) -> tuple[int, int]:
        """Line and column where a cell starts."""
        loaded = self.tables[table]
        if loaded.csv is None:
            return line, 1
        idx = loaded.column_index.get(field_name, 0)
        return loaded.csv.cell_position(line, idx)

    def locate(self, problem: Problem) -> Problem:
        """Fill in line and column for a problem that names a table cell or a JSON pointer."""
        extra = problem.extra
        if "table" in extra and problem.line is not None and problem.field:
            line, col = self.cell(extra["table"], problem.line, problem.field)
            located = problem.with_position(line, col + extra.get("offset", 0))
            loaded = self.tables[extra["table"]]
            if located.value is None and loaded.csv is not None and problem.field in loaded.column_index:
                value = loaded.csv.cell_value(problem.line, problem.field, loaded.column_index[problem.field])
                located = replace(located, value=value)
            return located
        if "pointer" in extra:
            line, col = self.json_position(problem.path, extra["pointer"])
            return problem.with_position(line, col)
        return problem

    def json_position(self, rel: str, pointer: str) -> tuple[int, int]:
        """Line and column of the value at ``pointer`` (or its closest existing parent)."""
        smap = self._source_maps.get(rel)
        if smap is None:
            smap = {}
            try:
                text = self.descriptor_text if rel == DESCRIPTOR else (self.root / rel).read_text(encoding="utf-8")
                smap = _source_map(text)
            except Exception:  # noqa: BLE001 - positions are a courtesy; never fail on them
                smap = {}
            self._source_maps[rel] = smap
        p = pointer
        while True:
            entry = smap.get(p)
            if entry is not None:
                loc = entry.key_start or entry.value_start
                return loc.line + 1, loc.column + 1
            if not p:
                return 1, 1
            p = p.rsplit("/", 1)[0]

    # -- seeds -----------------------------------------------------------------------------

    def seed_path(self, rel: str) -> tuple[Path | None, str | None]:
        """The real path of seeds/``rel``, or (None, reason) if it is unsafe or there is no seeds/ directory."""
        seeds = self.root / "seeds"
        plain = self._plain_seeds()
        if plain is None:
            return None, "no seeds/ directory"
        if not self.seeds_inside():
            return None, "seeds/ is a symbolic link leading outside the package"
        if rel in plain and unsafe_reason(rel) is None:
            return seeds / rel, None
        return resolve_inside(seeds, rel)

    def seeds_inside(self) -> bool:
        """True when seeds/ itself stays inside the package (it may not be a link to elsewhere)."""
        if "seeds_inside" not in self.cache:
            self.cache["seeds_inside"] = resolve_inside(self.root, "seeds")[0] is not None
        return self.cache["seeds_inside"]

    def _plain_seeds(self) -> set[str] | None:
        """Relative paths of the regular files under seeds/ reached without any symlink
        (listed once, so that thousands of sources do not each resolve their path); None when
        there is no seeds/ directory."""
        if "plain_seeds" not in self.cache:
            seeds = self.root / "seeds"
            found: set[str] | None = None
            if seeds.is_dir() and not seeds.is_symlink():
                found = set()
                stack = [("", str(seeds))]
                while stack:
                    prefix, directory = stack.pop()
                    with os.scandir(directory) as entries:
                        for entry in entries:
                            if entry.is_symlink():
                                continue
                            if entry.is_dir(follow_symlinks=False):
                                stack.append((prefix + entry.name + "/", entry.path))
                            elif entry.is_file(follow_symlinks=False):
                                found.add(prefix + entry.name)
            elif seeds.is_dir():
                found = set()
            self.cache["plain_seeds"] = found
        return self.cache["plain_seeds"]

    def seed_bytes(self, rel: str) -> bytes | None:
        return self._seed_cache.get(rel) if rel in self._seed_cache else self._read_seed(rel)

    def _read_seed(self, rel: str) -> bytes | None:
        data = self.load_seed(rel)
        self._seed_cache[rel] = data
        return data

    def load_seed(self, rel: str) -> bytes | None:
        """The bytes of seeds/``rel`` as ``seed_bytes`` gives them, read now and kept by no one:
        for a reader that needs each file once, and from a worker thread once ``seed_path``
        has been asked on the main thread (it lists seeds/ on first use)."""
        path, _ = self.seed_path(rel)
        data = None
        if path is not None and (rel in (self._plain_seeds() or ()) or path.is_file()):
            try:
                with open(path, "rb") as fh:
                    # read(n) allocates n bytes first: ask for the file's size (plus one, to
                    # notice a file that grew), not the limit (2,000 sources: 0.13 s -> 0.03 s)
                    size = os.fstat(fh.fileno()).st_size
                    data = fh.read(min(size, limits.MAX_SOURCE_BYTES) + 1)
                if len(data) > limits.MAX_SOURCE_BYTES:
                    data = None
            except OSError:
                data = None
        return data

    @staticmethod
    def sha256(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()


def _new_database(duckdb: Any, config: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    """A connection to a new in-memory database, set up as every package's is."""
    con = duckdb.connect(":memory:", config=config)
    try:  # hand freed memory back to the system sooner than the default 128 MB (1M rows: -50 MB)
        con.execute("SET allocator_flush_threshold = '8MB'")
    except duckdb.Error:  # an older DuckDB without the setting
        pass
    # ... and after a query's bulk release too, past 2 MB rather than 512 MB: the real
    # package's peak 98 -> 91 MB for 4% more CPU; 1,000,000 generated rows 860 -> 680 MB
    # for about 7% more time (0 B: 85 MB on the real package, but 24% more CPU; 16 MB:
    # 102 MB there and 770 MB at 1,000,000 rows)
    try:
        con.execute("SET allocator_bulk_deallocation_flush_threshold = '2MB'")
    except duckdb.Error:
        pass
    spill_privately(con)
    return con


# Databases of small packages that nothing uses any more, for the next one: making an in-memory
# database took about 19 ms of a 91 ms validation of the real package in a warm process (the
# tests, a program calling ``validate`` in a loop). A package gets a connection of its own to one
# (``cursor``), whose temporary tables and registered objects are its own and go when that
# connection closes; the database is idle again once that connection is let go (by the package
# and by anyone who kept ``pkg.db``). Every database here is this process's: the idle ones are
# closed before a fork (``_close_idle``), and a connection let go in a forked child does not put
# its parent's database here (``_idle_again``). A child must never free or take a database with
# its parent's locks and threads in it.
_IDLE_SMALL: list[Any] = []
MAX_IDLE_SMALL = 2


def _small_database(duckdb: Any) -> duckdb.DuckDBPyConnection:
    """A connection of its own to an idle database (or a new one, with one thread), for a small
    package; the database is idle again once the connection is let go."""
    import weakref  # loaded already by tempfile

    try:
        root = _IDLE_SMALL.pop()
    except IndexError:  # none idle (another thread may have taken the last)
        root = _new_database(duckdb, {"threads": 1})
    con = root.cursor()
    weakref.finalize(con, _idle_again, os.getpid(), root)
    return con


def _idle_again(pid: int, root: Any) -> None:
    """Keep ``root``'s database for the next small package, if it still answers and this is the
    process (``pid``) that made the connection let go; that connection took its tables with it."""
    if pid != os.getpid() or len(_IDLE_SMALL) >= MAX_IDLE_SMALL:
        return
    try:
        root.execute("RESET disabled_optimizers")  # a database-wide setting (execute_in_written_order)
        root.execute("SELECT 1").fetchall()
    except Exception:  # noqa: BLE001 - a database DuckDB gave up on is not kept
        return
    _IDLE_SMALL.append(root)


def _close_idle() -> None:
    while _IDLE_SMALL:
        try:
            root = _IDLE_SMALL.pop()
        except IndexError:
            return
        try:
            root.close()
        except Exception:  # noqa: BLE001 - closing is all that is asked; a failure leaves nothing to do
            pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_close_idle)


def spill_privately(con: duckdb.DuckDBPyConnection) -> None:
    """Make a new in-memory database spill, if it must, into a private temporary directory.

    What does not fit DuckDB's memory limit (a large query, temporary tables) goes to files in its
    temp directory, for an in-memory database ``.tmp`` under the current directory by default: a
    run would write a folder into the user's directory, or fail where that is read-only. The
    directory made here is the user's alone, and is removed when the connection is let go (or
    the program ends)."""
    import shutil  # loaded already by tempfile
    import tempfile  # loads on first use: only a command that opens a database needs it
    import weakref  # loaded already by tempfile

    spill = tempfile.mkdtemp(prefix="tda-duckdb-")
    con.execute("SET temp_directory = '{}'".format(spill.replace("'", "''")))
    _SPILL_DIRS.append((os.getpid(), weakref.finalize(con, shutil.rmtree, spill, ignore_errors=True)))


_SPILL_DIRS: list[tuple[int, Any]] = []  # (the process that made it, the finalizer that removes it)


def remove_spill_dirs() -> None:
    """Remove now the spill directories of this process's databases: for a process that ends by
    ``os._exit`` (a helper of ``checks.sidecar``), which runs no finalizer."""
    for pid, remove in _SPILL_DIRS:
        if pid == os.getpid():
            remove()


def release_memory() -> None:
    """Hand the heap's free memory back to the system (glibc only; elsewhere nothing).

    pyarrow's threads parse a large file in scratch buffers of their own heaps, and glibc keeps
    what they free for reuse: about as much again as the parsed table (the 55 MB citations
    file: 70 MB). Trimming after each large file keeps that from piling up across the tables."""
    pyarrow = sys.modules.get("pyarrow")
    if pyarrow is not None:
        pyarrow.default_memory_pool().release_unused()
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes  # loads on first use: only a run that parses a large file needs it

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        pass


class ResultSource(Protocol):
    """Where results computed elsewhere come from (the helper processes of ``checks.sidecar``)."""

    def has(self, key: str) -> bool: ...

    def get(self, key: str) -> tuple[bool, Any]: ...

    def close(self) -> None: ...


def _read_descriptor(root: Path) -> tuple[str, dict[str, Any]]:
    path = root / DESCRIPTOR
    if not path.is_file():
        why = not_a_file(path)
        if why == "does not exist":
            raise CannotRun(f"no {DESCRIPTOR} in {root}", hint="run the command in the package directory, or give its path")
        raise CannotRun(f"{DESCRIPTOR} {why}", path=DESCRIPTOR)
    if resolve_inside(root, DESCRIPTOR)[0] is None:
        raise CannotRun(f"{DESCRIPTOR} is a symbolic link leading outside the package", path=DESCRIPTOR)
    if path.stat().st_size > limits.MAX_DESCRIPTOR_BYTES:
        raise CannotRun(f"{DESCRIPTOR} is larger than {limits.MAX_DESCRIPTOR_BYTES:,} bytes (docs/limits.md)", path=DESCRIPTOR)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = raw[: exc.start].decode("utf-8")
        line, col = good.count("\n") + 1, len(good) - (good.rfind("\n") + 1) + 1
        raise CannotRun(
            f"{DESCRIPTOR}:{line}:{col}: byte 0x{raw[exc.start]:02x} is not UTF-8", hint="save the file as UTF-8", path=DESCRIPTOR
        ) from None
    if text.startswith("\ufeff"):
        raise CannotRun(
            f"{DESCRIPTOR}:1:1: the file starts with a byte order mark", hint="save it as UTF-8 without BOM", path=DESCRIPTOR
        )
    descriptor = jsonread.loads(text, DESCRIPTOR)
    if not isinstance(descriptor, dict):
        raise CannotRun(
            f"{DESCRIPTOR}:1:1: the descriptor must be a JSON object, not {jsonread.kind(descriptor)}", path=DESCRIPTOR
        )
    return text, descriptor


def _rows_as_held(loaded: LoadedTable) -> list[tuple[Any, ...]]:
    """A table's records as a small table is held in the database: (line, then each field of the
    model, an empty cell as None)."""
    assert loaded.csv is not None
    index = [loaded.column_index[f] for f in loaded.table.field_names]
    return [
        (line, *[(r[i] if r[i] != "" else None) for i in index])
        for r, line in zip(loaded.csv.records, loaded.csv.lines, strict=True)
    ]


@functools.lru_cache(maxsize=4)
def _source_map(text: str) -> dict[str, Any]:
    """JSON pointer -> where it is in ``text``. A pure-Python parse (8 ms for the real
    datapackage.json), kept per text: a process that validates many packages (the API, the test
    suite) locates problems in the same descriptor again and again."""
    import json_source_map  # json_source_map loads on first use: every tda command would pay its start-up time otherwise

    return json_source_map.calculate(text)
