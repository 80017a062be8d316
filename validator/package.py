"""Reading a package: the descriptor, the model in schemas/, the tables and the seeds.

Nothing here judges the data; it loads what can be loaded and keeps the positions (path,
line, column) that problems point to. The tables go into an in-memory DuckDB database, one
table per CSV file, all values as text plus ``_line`` (the line where the record starts), so
the checks can be set-based SQL instead of Python loops over cells.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import csvread, jsonread, limits
from .model import Model, Table, load_model
from .paths import not_a_file, resolve_inside
from .problems import CannotRun, Problem

if TYPE_CHECKING:
    import duckdb
    import pyarrow

DESCRIPTOR = "datapackage.json"


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
        self._source_maps: dict[str, dict[str, Any]] = {}
        self._seed_cache: dict[str, bytes | None] = {}
        self.cache: dict[str, Any] = {}  # results the checks share (parsed dates, source files ...)

    # -- loading ---------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path) -> Package:
        root = Path(path)
        if root.is_file() and root.name.endswith(".json"):
            root = root.parent
        if not root.exists():
            raise CannotRun(f"{path}: no such directory")
        if not root.is_dir():
            raise CannotRun(f"{path}: not a directory", hint="give the directory that holds datapackage.json")
        text, descriptor = _read_descriptor(root)
        model = load_model(root / "schemas", rel_to=root)
        pkg = cls(root, text, descriptor, model)
        for table in model.tables.values():
            pkg.tables[table.name] = pkg._load_table(table)
        return pkg

    def _load_table(self, table: Table) -> LoadedTable:
        target, reason = resolve_inside(self.root, table.path)
        if target is None:
            self.path_problems.append((table.schema_path, "/x-table/path", reason or ""))
            return LoadedTable(table, None)
        if not target.is_file():
            return LoadedTable(table, None)
        try:
            size = target.stat().st_size
            # A file over the limit is never read into memory.
            parsed = csvread.too_large(table.path, size) if size > limits.MAX_CSV_BYTES else None
            data = b"" if parsed else target.read_bytes()
        except OSError:
            return LoadedTable(table, None)
        parsed = parsed or csvread.read_csv(table.path, data)
        loaded = LoadedTable(table, parsed)
        header = parsed.header or []
        loaded.column_index = {}
        for i, name in enumerate(header):
            loaded.column_index.setdefault(name, i)
        names = table.field_names
        loaded.header_ok = (
            parsed.header is not None and all(n in loaded.column_index for n in names) and len(set(header)) == len(header)
        )
        if parsed.header is not None:
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
        if self._db is None:
            import duckdb
            import pyarrow as pa

            self._db = duckdb.connect(":memory:")
            extra_tbl, extra_id = [], []
            for name, loaded in self.tables.items():
                if loaded.usable:
                    self._db.register(name, self._arrow(loaded))
                    extra_tbl += [name] * len(loaded.ragged_ids)
                    extra_id += loaded.ragged_ids
            # ids of rows left out for a broken record: references to them are not reported again
            self._db.register(
                "_extra_ids", pa.table({"tbl": pa.array(extra_tbl, pa.string()), "id": pa.array(extra_id, pa.string())})
            )
        return self._db

    def _arrow(self, loaded: LoadedTable) -> pyarrow.Table:
        import pyarrow as pa

        assert loaded.csv is not None
        records = loaded.csv.records
        cols: dict[str, Any] = {"_line": pa.array(loaded.csv.lines, type=pa.int64())}
        for name in loaded.table.field_names:
            i = loaded.column_index[name]
            cols[name] = pa.array([r[i] if r[i] != "" else None for r in records], type=pa.string())
        return pa.table(cols)

    def ids_sql(self, name: str) -> str:
        """SQL for every id of a table, including those of records left out for a wrong field count."""
        return f"(SELECT id FROM \"{name}\" UNION ALL SELECT id FROM _extra_ids WHERE tbl = '{name}')"

    def usable(self, name: str) -> bool:
        loaded = self.tables.get(name)
        return loaded is not None and loaded.usable

    def sql(self, query: str, params: list[Any] | None = None) -> list[tuple]:
        return self.db.execute(query, params or []).fetchall()

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
            return problem.with_position(line, col + extra.get("offset", 0))
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
                import json_source_map

                text = self.descriptor_text if rel == DESCRIPTOR else (self.root / rel).read_text(encoding="utf-8")
                smap = json_source_map.calculate(text)
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
        if not seeds.is_dir():
            return None, "no seeds/ directory"
        if not self.seeds_inside():
            return None, "seeds/ is a symbolic link leading outside the package"
        return resolve_inside(seeds, rel)

    def seeds_inside(self) -> bool:
        """True when seeds/ itself stays inside the package (it may not be a link to elsewhere)."""
        return resolve_inside(self.root, "seeds")[0] is not None

    def seed_bytes(self, rel: str) -> bytes | None:
        return self._seed_cache.get(rel) if rel in self._seed_cache else self._read_seed(rel)

    def _read_seed(self, rel: str) -> bytes | None:
        path, _ = self.seed_path(rel)
        data = None
        if path is not None and path.is_file():
            try:
                if path.stat().st_size <= limits.MAX_SOURCE_BYTES:
                    data = path.read_bytes()
            except OSError:
                data = None
        self._seed_cache[rel] = data
        return data

    @staticmethod
    def sha256(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()


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
