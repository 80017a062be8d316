"""``tda validate --since BASE``, checking only what the change can have broken.

When the package at BASE is valid (the branch a pull request goes into is kept valid by CI),
every problem of HEAD comes from the change. So instead of reading the whole package, this
asks git which files changed, diffs each changed table against BASE's version by id
(blobdiff.py) and builds a *reduced package* holding:

- the subject rows (S), whose problems are reported: the rows added or changed, the unchanged
  rows next to each run of changed rows (a new row out of order, or with a repeated id, sits
  beside them in a sorted file), and every unchanged row the change can affect: rows referring to a changed or
  removed id, the rows whose citations changed, the other half of a symmetric relation, the
  places below a changed place, a row sharing an id with a changed row of another table, a
  live row whose id was just retired;
- the context rows (C), whose problems are not reported because BASE had none: what the subject
  rows refer to (looked up by binary search, the files being sorted by id), their citations and
  sources, the parent chains of places.

The ordinary checks then run on the reduced package, with every row at its line in HEAD, and
the change rules run on a diff built from the same rows. A check about whole tables (``whole``
in its ``reads``) runs apart, on every row of its tables, when one of them changed. Anything other than rows edited in
the tables (a schema, a seed, the descriptor's resources, a new or unreadable file, a line that
is not one clean record) sends the whole validation to the full path, which gives exact
positions for broken files; so does a table no longer sorted by id (``in_id_order``). A test
compares the two paths on random changes.
"""

from __future__ import annotations

import bisect
import csv
import itertools
import json
import mmap
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..checks import all_checks, sidecar
from ..checks.registry import CheckInfo
from ..checks.runner import Report, build_report, run_checks, select_checks
from ..errors import CannotRun, NotIncremental
from ..problems import Problem
from ..reading import csvread
from ..reading.arrays import binary_array
from ..reading.model import Model, Table
from ..reading.package import DESCRIPTOR, LoadedTable, Package, ResultSource
from ..reading.queries import tombstones
from .blobdiff import Row, TableChange, first_cell, let_go, parse_line, rows_changed
from .diff import NOT_METADATA, FieldChange, MetadataChange, PackageDiff, RowChange, SourceChange, TableDiff, stored_hash
from .gitside import WORKING_TREE, BlobRun, find_repository, mapped_file, resolve_commit, run_git
from .rules import all_change_rules, change_problems

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pyarrow as pa

PACKAGE_PARTS = ("datapackage.json", "schemas/", "seeds/", "data/")
BIG_FILE = 4 << 20  # bytes: a larger file is searched through its parsed columns, not byte by byte


class HeadFile:
    """A table's CSV in the working tree: rows by id (binary search, the file being sorted) and
    by the value of a column.

    Line numbers come from a count of line ends per block of the file, made once (a bytes count,
    in C), and then counted within one block: no array of every line end of a large file. A file
    the diff did not read is mapped, not read: a lookup touches a few of its pages, and nothing
    is copied."""

    BLOCK = 1 << 16  # bytes

    def __init__(self, path: Path, table: Table) -> None:
        self.path = path
        self.table = table
        self.data: bytes | mmap.mmap = _mapped(path)
        self.width = len(table.fields)
        end = self.data.find(b"\n")
        self.first = end + 1 if end >= 0 else len(self.data)
        self._blocks: list[int] | None = None  # line ends before the start of each block
        self._ends: npt.NDArray[np.int64] | None = None  # every line end, once lookups are many
        self._lookups = 0
        self._columns: dict[str, pa.ChunkedArray] = {}

    def _index(self) -> list[int]:
        if self._blocks is None:
            data, size, counts = self.data, self.BLOCK, [0]
            if len(data) >= BIG_FILE:
                # numpy compares the mapped bytes in place; a bytes count needs each block copied
                # out of the mapping first (174 MB: about 30 ms of CPU against 70-110 ms)
                import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

                array = np.frombuffer(data, dtype=np.uint8)
                total = 0
                for start in range(0, len(array), size):
                    total += int(np.count_nonzero(array[start : start + size] == 10))
                    counts.append(total)
            else:
                for start in range(0, len(data), size):
                    counts.append(counts[-1] + data[start : start + size].count(b"\n"))
            self._blocks = counts
        return self._blocks

    @property
    def rows(self) -> int:
        return self._index()[-1] - 1 + (0 if self.data[-1:] == b"\n" else 1)

    # Past this many lookups in one file, an array of every line end (8 bytes a line, made in one
    # pass) is cheaper than counting line ends within a block at each lookup: an edit of a row
    # that hundreds of rows refer to makes thousands of lookups.
    MANY_LOOKUPS = 256

    def _all_ends(self) -> npt.NDArray[np.int64] | None:
        self._lookups += 1
        if self._ends is None and self._lookups > self.MANY_LOOKUPS:
            import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

            self._ends = np.flatnonzero(np.frombuffer(self.data, dtype=np.uint8) == 10)
        return self._ends

    def lines_before(self, offset: int) -> int:
        """How many line ends lie before ``offset`` (from the block counts alone: the diff's few
        calls need no array of every line end)."""
        block = offset // self.BLOCK
        return self._index()[block] + self.data[block * self.BLOCK : offset].count(b"\n")

    def _line_no(self, offset: int) -> int:
        ends = self._all_ends()
        if ends is not None:
            return int(ends.searchsorted(offset)) + 1  # the line ends before ``offset``, plus one
        return self.lines_before(offset) + 1

    def _row_at(self, start: int) -> Row:
        end = self.data.find(b"\n", start)
        return Row(self._line_no(start), parse_line(self.data[start : end if end >= 0 else len(self.data)], self.width))

    def line(self, number: int) -> Row:
        before = number - 1  # line ends before the line's start
        ends = self._all_ends()
        if ends is not None:
            return self._row_at(int(ends[before - 1]) + 1 if before > 0 else 0)
        blocks = self._index()
        block = bisect.bisect_left(blocks, before) - 1  # the block holding the last of them
        pos = block * self.BLOCK
        for _ in range(before - blocks[block]):
            pos = self.data.find(b"\n", pos) + 1
        return self._row_at(pos)

    def find(self, rid: str) -> Row | None:
        key = rid.encode("utf-8")
        lo, hi = self.first, len(self.data)
        while lo < hi:
            mid = (lo + hi) // 2
            start = max(lo, self.data.rfind(b"\n", lo, mid) + 1)
            end = self.data.find(b"\n", start)
            end = len(self.data) if end < 0 else end
            line = self.data[start:end]
            first = first_cell(line)
            if first == key:
                return self._row_at(start)
            if first < key:
                lo = end + 1
            else:
                hi = start
        return None

    def where(self, column: str, values: set[str]) -> list[Row]:
        """Rows whose ``column`` holds one of ``values``."""
        if not values:
            return []
        col = self.table.field_names.index(column)
        if len(self.data) < BIG_FILE:
            return self._where_scan(col, values)
        import pyarrow.compute as pc  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

        hits = pc.indices_nonzero(pc.is_in(self._column(column), value_set=binary_array(sorted(values))))
        return [self.line(i + 2) for i in cast("list[int]", hits.to_pylist())]  # indices: never null

    def _where_scan(self, col: int, values: set[str]) -> list[Row]:
        out: dict[int, Row] = {}
        for value in values:
            needle = value.encode("utf-8")
            pos = self.data.find(needle, self.first)
            while pos >= 0:
                start = self.data.rfind(b"\n", 0, pos) + 1
                if start not in out:
                    row = self._row_at(start)
                    if row.cells[col] == value:
                        out[start] = row
                pos = self.data.find(needle, pos + 1)
        return [out[k] for k in sorted(out)]

    def _column(self, name: str) -> pa.ChunkedArray:
        """A column of the file, parsed; the first call parses every column that holds references
        (the lookups ask for them one after the other, and each parse reads the whole file).

        The columns are bytes, not text: a lookup compares bytes, and text would have pyarrow
        check the UTF-8 of every cell (3 % of a --since run on 1,000,000 rows). The file is
        valid UTF-8 anyway: BASE's was, and a changed line that is not goes to the full run."""
        if name not in self._columns:
            import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise
            import pyarrow.csv as pacsv  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

            header = next(csv.reader([self.data[: self.first].decode("utf-8")]))
            refs = {fk.field for fk in self.table.foreign_keys} | set(self.table.polymorphic) | {name}
            wanted = [h for h in header if h in refs and h not in self._columns]
            table = pacsv.read_csv(
                pa.py_buffer(self.data),  # type: ignore[arg-type]  # pyarrow-stubs omit the Buffer that read_csv takes
                # in this thread only: the parse runs beside git inflating BASE's files and the
                # line count, and pyarrow's pool of a thread per core took the core git needed
                # (--since on 1,000,000 rows, 2 cores: CPU -11 %, wall -7 %)
                read_options=pacsv.ReadOptions(use_threads=False),
                convert_options=pacsv.ConvertOptions(
                    include_columns=wanted, column_types={h: pa.binary() for h in header}, strings_can_be_null=False
                ),
            )
            for h in wanted:
                self._columns[h] = table.column(h)
        return self._columns[name]


@dataclass
class Plan:
    """The reduced package: per table, the subject and context rows (by HEAD line), and the
    checks to run on it."""

    subject: dict[str, dict[int, Row]]
    context: dict[str, dict[int, Row]]
    checks: list[CheckInfo] = field(default_factory=list)
    whole: list[CheckInfo] = field(default_factory=list)  # run apart, on every row of their tables
    # tables read whole, as the full run reads them: only their subject rows' problems are reported
    loaded: dict[str, LoadedTable] = field(default_factory=dict)
    # per table, ids that exist in HEAD but whose rows the reduced package leaves out (what the
    # context rows of a table read whole refer to): a reference to one is not a broken one
    known_ids: dict[str, set[str]] = field(default_factory=dict)

    def know(self, by_prefix: dict[str, str], value: str | None) -> None:
        """Record ``value``, a reference that exists in HEAD, under the table it names (``by_prefix``:
        {"": table} for a foreign key, id prefix -> table for a polymorphic column)."""
        target = by_prefix.get("") or by_prefix.get(value.split("-", 1)[0]) if value else None
        if target is not None and value:
            self.known_ids.setdefault(target, set()).add(value)


@dataclass(frozen=True)
class Needs:
    """What the selected checks declared, gathered: the related rows they follow."""

    follows: frozenset[str]

    @classmethod
    def of(cls, checks: Iterable[CheckInfo]) -> Needs:
        return cls(frozenset().union(*(c.reads.follows for c in checks)))

    def __contains__(self, follow: str) -> bool:
        return follow in self.follows


def runnable(checks: list[CheckInfo], changes: Collection[str]) -> list[CheckInfo]:
    """The checks that can find something new: a check about whole tables runs only when one of
    them changed (BASE, being valid, had nothing for it to find otherwise)."""
    return [c for c in checks if not c.reads.whole or any(t in changes for t in c.reads.tables or ())]


@dataclass
class Change:
    """What git says changed in the package against BASE, and BASE's versions of the changed
    tables, being read out of git meanwhile."""

    top: Path  # the repository
    prefix: str  # the package's directory in it ('' or 'sub/dir/')
    commit: str  # BASE
    paths: list[tuple[str, str, str]]  # (status, path relative to the package, BASE's blob id)
    blobs: dict[str, BlobRun] = field(default_factory=dict)  # path -> BASE's bytes, coming

    def cancel(self) -> None:
        for run in self.blobs.values():
            run.cancel()


def _changed_paths(top: Path, prefix: str, commit: str) -> list[tuple[str, str, str]]:
    """(status, path relative to the package, BASE's blob id) of every tracked or untracked
    change in the package."""
    out: list[tuple[str, str, str]] = []
    diff = run_git(["diff", "--raw", "-z", "--no-renames", "--no-abbrev", commit, "--", prefix or "."], top)
    if diff.returncode != 0:
        raise NotIncremental("git diff failed")
    items = diff.stdout.split(b"\0")
    for meta, path in zip(items[0::2], items[1::2], strict=False):
        if path:
            # ":<mode> <mode> <BASE's blob> <HEAD's blob> <status>"
            fields = meta.decode("ascii", "replace").split(" ")
            if len(fields) != 5:
                raise NotIncremental("git diff said something unexpected")
            out.append((fields[4], path.decode("utf-8", "surrogateescape")[len(prefix) :], fields[2]))
    untracked = run_git(["status", "--porcelain", "-z", "--untracked-files=all", "--", prefix or "."], top)
    for item in untracked.stdout.split(b"\0"):
        if item.startswith(b"?? "):
            out.append(("??", item[3:].decode("utf-8", "surrogateescape")[len(prefix) :], ""))
    return out


def start_change(root: Path, since: str, tables: Iterable[str] = ()) -> Change:
    """Ask git what changed, and start reading BASE's versions of the changed files among
    ``tables`` (paths relative to the package; all changed CSV files when empty), so that git
    inflates them (1,000,000 rows: 0.3 s of CPU) while this process imports the checks and loads
    the model. Raises CannotRun when ``since`` is not a commit of the repository holding ``root``."""
    top, prefix = find_repository(since, root)
    commit = resolve_commit(since, top)
    change = Change(top, prefix, commit, _changed_paths(top, prefix, commit))
    wanted = set(tables)
    for status, rel, blob in change.paths:
        if status == "M" and rel.startswith("data/") and rel.endswith(".csv") and (not wanted or rel in wanted):
            change.blobs[rel] = BlobRun(blob, top)
    return change


def plan_change(
    root: Path,
    since: str,
    head: Package,
    early: Change | None = None,
    meanwhile: Callable[[dict[str, HeadFile]], None] | None = None,
) -> tuple[str, dict[str, Any], dict[str, TableChange], dict[str, HeadFile]]:
    """The commit of ``since``, BASE's descriptor, and the row changes per table; NotIncremental
    when the change is more than rows edited in the tables. ``meanwhile`` is called with HEAD's
    changed files before BASE's versions are waited for (git may still be inflating them)."""
    change = early or start_change(root, since, [t.path for t in head.model.tables.values()])
    top, prefix, commit = change.top, change.prefix, change.commit
    head.cache["git"] = (top, prefix)
    tables = {t.path: t for t in head.model.tables.values()}
    base_descriptor: dict[str, Any] = head.descriptor
    csv_changes: list[tuple[str, str]] = []
    for status, rel, blob in change.paths:
        if not rel.startswith(PACKAGE_PARTS):
            continue  # not part of the package: docs, code, the changelog
        if rel == DESCRIPTOR:
            shown = run_git(["show", f"{commit}:{prefix}{DESCRIPTOR}"], top)
            try:
                base_descriptor = json.loads(shown.stdout)
            except ValueError:
                raise NotIncremental("BASE's descriptor cannot be read") from None
            if not isinstance(base_descriptor, dict) or base_descriptor.get("resources") != head.descriptor.get("resources"):
                raise NotIncremental("the descriptor's resources changed")
        elif rel in tables and status == "M":
            csv_changes.append((rel, blob))
        else:
            raise NotIncremental(f"{rel} was {status}")
    changes: dict[str, TableChange] = {}
    files: dict[str, HeadFile] = {}
    for rel, _ in csv_changes:
        # mapped, not read: reading 174 MB into fresh memory took 0.1-0.2 s, mostly the kernel's
        files[tables[rel].name] = HeadFile(root / rel, tables[rel])
    if meanwhile is not None:
        meanwhile(files)
    runs: dict[str, BlobRun] = {}
    for rel, blob in csv_changes:
        started = change.blobs.pop(rel, None)
        runs[rel] = started or BlobRun(blob, top)
    found: dict[str, TableChange] = {}
    try:
        # the files git has finished first: the largest is still being inflated meanwhile
        for rel in sorted(runs, key=lambda rel: runs[rel].running):
            table = tables[rel]
            base = runs.pop(rel).mapped()
            if base is None:
                raise NotIncremental(f"BASE's {rel} cannot be read from git")
            f = files[table.name]
            found[rel] = rows_changed(base, f.data, len(table.fields), f.lines_before)
            if not in_id_order(found[rel]):
                raise NotIncremental(f"{rel} is no longer sorted by id")
    finally:
        for run in runs.values():  # not diffed: the full run takes over
            run.cancel()
    for rel, _ in csv_changes:  # in the order git listed them, as the report's diff has them
        changes[tables[rel].name] = found[rel]
    return commit, base_descriptor, changes, files


def in_id_order(change: TableChange) -> bool:
    """Whether HEAD's file is still sorted by id (byte order; an empty id sorts first), told from
    the changed rows and their unchanged neighbours alone: between two of them lies an unchanged
    stretch of BASE's file, which is sorted.

    This path relies on sorted files: its lookups by id are binary searches, and it looks for a
    repeated id only beside the changed rows. In a file out of order, a row added far from the
    row whose id it repeats is a duplicate no row of the plan shows, and a binary search can miss
    a row that is there (a broken reference that is not one). The full run reports such a file
    (the first row out of order, and every repeated id)."""
    rows = sorted(change.added + change.context, key=lambda r: r.line)
    return all(a.id <= b.id for a, b in itertools.pairwise(rows))


def _file(files: dict[str, HeadFile], root: Path, table: Table) -> HeadFile:
    if table.name not in files:
        files[table.name] = HeadFile(root / table.path, table)
    return files[table.name]


def build_plan(
    root: Path, head: Package, changes: dict[str, TableChange], files: dict[str, HeadFile], checks: list[CheckInfo]
) -> Plan:
    """The rows the ``checks`` must see, from what each declared it reads (``registry.Reads``).

    A check about whole tables is not planned for: it runs apart on its tables as they are
    (``whole_problems``). Making every row of those tables a subject here would make every other
    check follow every one of them (1,000,000 rows: minutes)."""
    checks = runnable(checks, changes)
    whole_checks = [c for c in checks if c.reads.whole]
    checks = [c for c in checks if not c.reads.whole]
    needs = Needs.of(checks)
    model = head.model
    tables = [t for t in model.tables.values() if not t.tombstones]
    subject: dict[str, dict[int, Row]] = {t: {} for t in model.tables}
    context: dict[str, dict[int, Row]] = {t: {} for t in model.tables}
    cited = model.cited_tables()  # prefix -> table
    retired = model.tombstone_table()

    def table_of(rid: str) -> str | None:
        return model.by_prefix().get(rid.split("-", 1)[0])

    def find(name: str, rid: str) -> Row | None:
        return _file(files, root, model.tables[name]).find(rid)

    # the rows changed and their neighbours
    changed_ids: dict[str, set[str]] = {t: set() for t in model.tables}
    for name, ch in changes.items():
        for row in ch.added + ch.context:
            subject[name][row.line] = row
        changed_ids[name] |= {r.id for r in ch.added + ch.removed}
    plan = Plan(subject, context, checks, whole_checks)
    if retired is not None:
        _tombstones(root, head, plan, changes, changed_ids, files)
    if retired is not None and "retired" in needs:
        for row in changes.get(retired.name, TableChange()).added:  # a live row whose id was just retired
            owner = table_of(row.id)
            hit = find(owner, row.id) if owner else None
            if owner and hit:
                subject[owner][hit.line] = hit

    # rows the change can affect
    def refer(target: str, ids: set[str]) -> None:
        for t in tables:
            for fk in t.foreign_keys:
                if fk.resource == target:
                    for row in _file(files, root, t).where(fk.field, ids):
                        subject[t.name][row.line] = row
            for fname, by_prefix in t.polymorphic.items():
                if target in by_prefix.values():
                    for row in _file(files, root, t).where(fname, ids):
                        subject[t.name][row.line] = row

    if "references" in needs:
        for name, ids in changed_ids.items():
            if ids and name != getattr(retired, "name", None):
                refer(name, ids)
    # places below a changed place, all the way down
    if "parents" in needs and "locations" in model.tables:
        frontier = set(changed_ids.get("locations", set()))
        seen = set(frontier)
        while frontier:
            children = _file(files, root, model.tables["locations"]).where("parent_id", frontier)
            frontier = set()
            for row in children:
                subject["locations"][row.line] = row
                if row.id not in seen:
                    seen.add(row.id)
                    frontier.add(row.id)
    # the other half of a symmetric relation
    if "twins" in needs and "relations" in changes:
        rel = model.tables["relations"]
        cols = rel.field_names
        f = _file(files, root, rel)
        for row in changes["relations"].added:
            obj, subj = row.cells[cols.index("object_id")], row.cells[cols.index("subject_id")]
            for other in f.where("subject_id", {obj}):
                if other.cells[cols.index("object_id")] == subj:
                    subject["relations"][other.line] = other
    # a changed id shared with a row of another table (the prefix names where to look)
    for name, ch in changes.items() if "shared-ids" in needs else ():
        for row in ch.added:
            owner = table_of(row.id)
            if owner and owner != name:
                hit = find(owner, row.id)
                if hit:
                    subject[owner][hit.line] = hit

    # what the subject rows need: their citations' record rows, then context
    if "citations" in needs and "citations" in model.tables:
        cit = model.tables["citations"]
        rid_col = cit.field_names.index("record_id")
        for row in list(subject["citations"].values()) + changes.get("citations", TableChange()).removed:
            owner = table_of(row.cells[rid_col])
            hit = find(owner, row.cells[rid_col]) if owner and owner in model.tables else None
            if owner and hit:
                subject[owner][hit.line] = hit
    _complete(root, model, files, subject, context, cited, needs)
    if retired is not None and retired.name not in changes:
        _stones_looked_up(root, model, plan, changes, files)
    return plan


def _stones_looked_up(root: Path, model: Model, plan: Plan, changes: dict[str, TableChange], files: dict[str, HeadFile]) -> None:
    """The tombstones the checks and change rules can ask about, when the change left the
    tombstone table as it was: those of the planned rows' ids (a live id that is retired), of
    the ids they refer to (a reference to a retired id is told so, with its replacement), of the
    removed ids (a removed id needs a tombstone), and the tombstones of their replacements in
    turn (a merged-into-merged chain). The checks only look tombstones up by id, so these give
    them the answers the whole table gives; reading the whole table (45,441 tombstones, 9 MB)
    took more time than the rest of the plan.

    They are context rows (BASE, being valid, had no problem in them); what they name exists in
    HEAD, which ``Plan.known_ids`` tells the reference checks."""
    table = model.tombstone_table()
    assert table is not None
    f = _file(files, root, table)
    stones, subject = plan.context[table.name], plan.subject[table.name]
    wanted: set[str] = set()
    for name, t in model.tables.items():
        cols = [t.field_names.index(fk.field) for fk in t.foreign_keys] + [t.field_names.index(n) for n in t.polymorphic]
        for row in itertools.chain(plan.subject[name].values(), plan.context[name].values()):
            wanted.add(row.id)
            wanted.update(row.cells[i] for i in cols)
    for ch in changes.values():
        wanted.update(r.id for r in ch.removed)
    # the tombstone table's references (replaced_by): their column and the tables they may name
    targets = [(table.field_names.index(fk.field), {"": fk.resource}) for fk in table.foreign_keys] + [
        (table.field_names.index(name), by_prefix) for name, by_prefix in table.polymorphic.items()
    ]
    seen: set[str] = set()
    while wanted:
        rid = wanted.pop()
        seen.add(rid)
        stone = f.find(rid) if rid else None
        if stone is None:
            continue
        if stone.line not in subject:
            stones[stone.line] = stone
        for i, _ in targets:
            value = stone.cells[i]
            if value and value not in seen:
                wanted.add(value)
    for row in stones.values():
        for i, by_prefix in targets:
            plan.know(by_prefix, row.cells[i])


def _tombstones(
    root: Path,
    head: Package,
    plan: Plan,
    changes: dict[str, TableChange],
    changed_ids: dict[str, set[str]],
    files: dict[str, HeadFile],
) -> None:
    """Read the tombstones whole, as the full run reads them, and make subjects of those the
    change can break.

    The checks look retired ids up in them and the change rules compare BASE's and HEAD's sets,
    so every tombstone is there; but a 1,000,000-row package has 45,000, a quarter of them naming
    a replacement, and following each replacement (and that row's references in turn) was most
    of the plan. An unchanged tombstone can only break when the row its replaced_by names is
    removed or renamed, or when an added tombstone repeats its id; those are subjects, the rest
    are only looked at. What the rest name exists in HEAD (BASE was valid and the change did not
    touch those rows), which ``Plan.known_ids`` tells the reference checks."""
    table = head.model.tombstone_table()
    assert table is not None
    if table.name not in changes:
        # the same tombstones as BASE's: only those naming a changed id can break (looked up
        # in their columns); the rest are looked up by id once the plan is complete
        f = _file(files, root, table)
        gone = set().union(*changed_ids.values())
        for name in [fk.field for fk in table.foreign_keys] + list(table.polymorphic):
            for row in f.where(name, gone):
                plan.subject[table.name][row.line] = row
        return
    loaded = read_whole(head, table)
    plan.loaded[table.name] = loaded
    assert loaded.csv is not None
    ids = _values(loaded, "id")
    lines = loaded.csv.line_numbers() or range(2, len(ids) + 2)
    targets: list[tuple[list[str], dict[str, str]]] = [
        (_values(loaded, fk.field), {"": fk.resource}) for fk in table.foreign_keys
    ] + [(_values(loaded, fname), by_prefix) for fname, by_prefix in table.polymorphic.items()]
    gone = set().union(*changed_ids.values())
    repeated = {r.id for r in changes.get(table.name, TableChange()).added}
    subject = plan.subject[table.name]
    f = _file(files, root, table)
    for i, line in enumerate(lines):
        if line in subject:
            continue
        if ids[i] in repeated or any(values[i] in gone for values, _ in targets):
            subject[line] = f.line(line)
            continue
        for values, by_prefix in targets:
            plan.know(by_prefix, values[i])


def read_whole(head: Package, table: Table) -> LoadedTable:
    """A table read as the full run reads it (once: kept in ``head.cache``)."""
    key = f"incremental.whole:{table.name}"
    if key not in head.cache:
        loaded = (
            Package(head.root, head.descriptor_text, head.descriptor, head.model).load_tables({table.name}).tables[table.name]
        )
        if not loaded.usable or loaded.csv is None:
            raise NotIncremental(f"{table.path} cannot be read as a table")
        head.cache[key] = loaded
    return cast("LoadedTable", head.cache[key])


def prefetch(head: Package, changed: Collection[str], files: dict[str, HeadFile], checks: list[CheckInfo]) -> None:
    """What the plan will read whatever the diff says, read while git inflates BASE's files: the
    tombstones, the reference columns of the large files that refer to a changed table, and the
    line index of the changed files (the diff counts lines with it).

    The columns are parsed in a thread (pyarrow leaves the GIL) while this one counts line ends
    and reads the tombstones: on 1,000,000 rows, the count took 0.07 s after the parse."""
    model = head.model
    retired = model.tombstone_table()
    big: list[tuple[HeadFile, str]] = []
    if "references" in Needs.of(runnable(checks, changed)):
        for t in model.tables.values():
            if t.tombstones:
                continue
            fields = [fk.field for fk in t.foreign_keys if fk.resource in changed]
            fields += [f for f, by_prefix in t.polymorphic.items() if set(by_prefix.values()) & set(changed)]
            if fields:
                f = _file(files, head.root, t)
                if len(f.data) >= BIG_FILE:
                    big.append((f, fields[0]))
    if retired is not None and retired.name not in changed:
        # the tombstones as they were: the plan looks for those naming a changed id in this column
        names = [fk.field for fk in retired.foreign_keys] + list(retired.polymorphic)
        f = _file(files, head.root, retired)
        if names and len(f.data) >= BIG_FILE:
            big.append((f, names[0]))
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tda-columns") if big else None
    try:
        # each call parses every reference column of its file at once
        parsed = [pool.submit(f._column, name) for f, name in big] if pool is not None else []
        for f in list(files.values()):
            if len(f.data) >= BIG_FILE:
                f._index()
        if retired is not None and retired.name in changed:
            read_whole(head, retired)
        if big:
            # the lookups in those columns use it once git has BASE's files: its import (about
            # 0.02-0.03 s) is better paid now, while git still inflates them, than after
            import pyarrow.compute  # noqa: F401
        for future in parsed:
            future.result()
        for f in files.values():
            # the line count and the column parse read the large files whole; the lookups to come
            # need a few of their pages, the comparison with BASE each once more (blobdiff._same
            # lets them go as it passes): left mapped, a 174 MB file stayed in this process's
            # memory to the end (1,000,000 replicated rows: peak 660 MB, now 490 MB, 2 % slower)
            let_go(f.data)
    finally:
        if pool is not None:
            pool.shutdown(wait=True)  # never leave the thread running


def _values(loaded: LoadedTable, name: str) -> list[str]:
    """A column of a table as read ('' for an empty cell)."""
    assert loaded.csv is not None
    if loaded.csv.arrow is not None:
        return [v or "" for v in loaded.csv.arrow.column(name).to_pylist()]
    i = loaded.column_index[name]
    return [r[i] for r in loaded.csv.records]


def _complete(
    root: Path,
    model: Model,
    files: dict[str, HeadFile],
    subject: dict[str, dict[int, Row]],
    context: dict[str, dict[int, Row]],
    cited: dict[str, str],
    needs: Needs,
) -> None:
    """Add as context every row a subject row's checks read."""

    def add(name: str, row: Row | None) -> bool:
        if row is None or row.line in subject[name] or row.line in context[name]:
            return False
        context[name][row.line] = row
        return True

    cited_tables = set(cited.values())
    cit = model.tables.get("citations")
    # citations of subject rows of cited tables
    if cit is not None and "citations" in needs:
        for name in cited_tables:
            ids = {r.id for r in subject[name].values()}
            for row in _file(files, root, cit).where("record_id", ids):
                add("citations", row)
    # foreign keys (and citations' record rows), then parent chains, until nothing new
    if not {"references", "parents", "citations"} & needs.follows:
        return
    queue = [(name, row) for name in model.tables for row in list(subject[name].values()) + list(context[name].values())]
    # (a table read whole has no context rows here: see _tombstones)
    while queue:
        name, row = queue.pop()
        table = model.tables[name]
        for fk in table.foreign_keys:
            value = row.cells[table.field_names.index(fk.field)]
            if value and fk.resource in model.tables:
                hit = _file(files, root, model.tables[fk.resource]).find(value)
                if hit is not None and add(fk.resource, hit):
                    queue.append((fk.resource, hit))
        for fname, by_prefix in table.polymorphic.items():
            value = row.cells[table.field_names.index(fname)]
            target = by_prefix.get(value.split("-", 1)[0]) if value else None
            if target in model.tables:
                hit = _file(files, root, model.tables[target]).find(value)
                if hit is not None and add(target, hit):
                    queue.append((target, hit))


def reduced_package(head: Package, plan: Plan, files: dict[str, HeadFile]) -> Package:
    """HEAD's descriptor and model, with each table holding only the planned rows at their lines."""
    for name, loaded in list(head.tables.items()):
        if name in plan.loaded:
            head.tables[name] = plan.loaded[name]
            continue
        rows = {**_without_gazetteer_ids(loaded.table, plan.context[name]), **plan.subject[name]}
        table = loaded.table
        f = files.get(name)
        header = table.field_names
        source = f.path if f is not None else head.root / table.path
        parsed = csvread.CsvFile(rel=table.path, header=header, source=source)
        ordered = sorted(rows.values(), key=lambda r: r.line)
        parsed.records = [r.cells for r in ordered]
        parsed.lines = [r.line for r in ordered]
        parsed.chars = csvread.profile_text("".join(",".join(r.cells) for r in ordered))
        head.tables[name] = LoadedTable(table, parsed, header_ok=True, column_index={h: i for i, h in enumerate(header)})
        # rows left out that exist: the reference checks count their ids (as a broken record's)
        head.tables[name].ragged_ids = sorted(plan.known_ids.get(name, ()))
    return head


def whole_problems(head: Package, checks: list[CheckInfo], changed: Collection[str]) -> list[Problem]:
    """The problems of the checks about whole tables, run on every row of the tables that can
    have new ones (read as the full run reads them). All are reported: BASE, being valid, had none."""
    if not checks:
        return []
    names = whole_tables(head.model, checks, changed)
    pkg = Package(head.root, head.descriptor_text, head.descriptor, head.model).load_tables(names)
    try:
        return run_checks(pkg, checks)
    finally:
        pkg.close()


def whole_tables(model: Model, checks: list[CheckInfo], changed: Collection[str]) -> set[str]:
    """The tables a check about whole tables must read again: of the tables it reads, those that
    changed, and those joined to them by a reference, in either direction and in turn.

    Such a check compares a table's rows among themselves and with the rows they refer to or
    that refer to them (an event with its actors), never with an unrelated table: a part of its
    tables no change reaches is as it was in BASE, where the check found nothing. On 1,000,000 rows with
    relations changed, reading the five fact tables kept the thread running these checks busy for
    0.7 s of a 0.96 s run (waited for at the end); reading relations alone, 0.45 s."""
    links = {(t.name, fk.resource) for t in model.tables.values() for fk in t.foreign_keys}
    for t in model.tables.values():
        links |= {(t.name, target) for by_prefix in t.polymorphic.values() for target in by_prefix.values()}
    names: set[str] = set()
    for c in checks:
        mine = set(c.reads.tables or ())
        reached = mine & set(changed)
        frontier = set(reached)
        while frontier:
            frontier = {b for a, b in links if a in frontier} | {a for a, b in links if b in frontier}
            frontier = (frontier & mine) - reached
            reached |= frontier
        names |= reached
    return names


def _without_gazetteer_ids(table: Table, rows: dict[int, Row]) -> dict[int, Row]:
    """Context rows with their GeoNames id left out: only their coordinates serve (as the parent
    of a subject place), and looking their ids up would load the gazetteer for nothing."""
    if "geonames_id" not in table.field_names:
        return rows
    col = table.field_names.index("geonames_id")
    return {line: Row(r.line, [c if i != col else "" for i, c in enumerate(r.cells)]) for line, r in rows.items()}


def validate_incremental(
    path: str | Path,
    since: str,
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    strict: bool = False,
    max_per_group: int = 20,
) -> Report:
    """The problems of HEAD, assuming BASE is valid, from the change alone; NotIncremental when
    the change is not one this path handles."""
    root = Path(path)
    if root.is_file():
        root = root.parent
    try:
        early: Change | None = start_change(root, since)
    except (CannotRun, NotIncremental):
        early = None  # plan_change says why
    chosen = select_checks(all_checks(), select, ignore)
    helper = None
    try:
        head = Package.open(root)  # the descriptor and the model, which the helper inherits
        # the helper for work that needs no table (the descriptor's) runs beside the planning, as in
        # a full run; the rest waits for the plan
        helper = sidecar.start(head, [c for c in chosen if c.work and not any(w.tables for w in c.work)])
        head.model.finish_checks()
        head.load_tables(set())
        return _validate_incremental(head, since, chosen, helper, select, ignore, strict, max_per_group, early)
    finally:
        if helper is not None:
            helper.close()
        if early is not None:
            early.cancel()  # what the planning did not take (it stopped early, or a CSV file outside the tables)


def _validate_incremental(
    head: Package,
    since: str,
    chosen: list[CheckInfo],
    helper: ResultSource | None,
    select: Iterable[str] | None,
    ignore: Iterable[str] | None,
    strict: bool,
    max_per_group: int,
    early: Change | None = None,
) -> Report:
    root = head.root
    # the checks about whole tables need only to know which tables changed: they run in a
    # thread (reading and DuckDB leave the GIL) while the diff is made and the plan built
    started = _start_whole(head, early, chosen) if early is not None else None
    try:
        changed = (
            {t.name for t in head.model.tables.values() for status, rel, _ in early.paths if status == "M" and rel == t.path}
            if early
            else set()
        )
        commit, base_descriptor, changes, files = plan_change(
            root, since, head, early, meanwhile=lambda files: prefetch(head, changed, files, chosen)
        )
        plan = build_plan(root, head, changes, files, chosen)
        if started is not None and started[0] == plan.whole:
            whole = started[1].result()
        else:
            whole = whole_problems(head, plan.whole, changes)
    finally:
        if started is not None:
            started[2].shutdown(wait=True)  # never leave the thread running
    reduced = reduced_package(head, plan, files)
    reduced.sidecar = helper
    problems = run_checks(reduced, plan.checks)
    keep = []
    for p in problems:
        name = next((n for n, t in reduced.tables.items() if t.rel == p.path), None)
        if name is not None and p.line is not None and p.line in plan.context[name] and p.line not in plan.subject[name]:
            continue  # a context row: BASE had no problem there, and the change did not touch it
        if name in plan.loaded and p.line is not None and p.line > 1 and p.line not in plan.subject[name]:
            continue  # likewise, a row of a table read whole
        keep.append(p)
    keep += whole
    base = _base_package(root, commit, base_descriptor, reduced, changes)
    diff = _diff(since, commit, base_descriptor, head, changes, files)
    keep += change_problems(base, reduced, diff=diff, rules=select_checks(all_change_rules(), select, ignore))
    reduced.sidecar = None  # closed by the caller
    reduced.close()
    report = build_report(reduced, keep, strict=strict, max_per_group=max_per_group)
    report.rows = {name: (files[name].rows if name in files else _row_count(root, t.table)) for name, t in head.tables.items()}
    return report


def _start_whole(
    head: Package, change: Change, chosen: list[CheckInfo]
) -> tuple[list[CheckInfo], Future[list[Problem]], ThreadPoolExecutor] | None:
    """Start the checks about whole tables that the changed files make runnable, in a thread."""
    changed = {t.name for t in head.model.tables.values() for status, rel, _ in change.paths if status == "M" and rel == t.path}
    checks = [c for c in runnable(chosen, changed) if c.reads.whole]
    if not checks:
        return None
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tda-whole")
    return checks, pool.submit(whole_problems, head, checks, changed), pool


def _row_count(root: Path, table: Table) -> int:
    return HeadFile(root / table.path, table).rows


def _mapped(path: Path) -> bytes | mmap.mmap:
    """The file's bytes, mapped read-only (read when it cannot be: an empty file)."""
    with path.open("rb") as fh:
        return mapped_file(fh)


def _base_package(root: Path, commit: str, descriptor: dict[str, Any], head: Package, changes: dict[str, TableChange]) -> Package:
    """BASE for the change rules: its descriptor, and its tombstones (the one table they read
    whole): HEAD's, when the change left them as they were."""
    base = Package(root, json.dumps(descriptor), descriptor, head.model)
    top, prefix = head.cache["git"]
    for name, table in head.model.tables.items():
        base.tables[name] = LoadedTable(table, None)
        if table.tombstones and name not in changes and head.usable(name):
            base.tables[name] = head.tables[name]
            base.cache["tombstones"] = tombstones(head)  # the same bytes: the same tombstones
        elif table.tombstones:
            shown = run_git(["show", f"{commit}:{prefix}{table.path}"], top)
            if shown.returncode == 0:
                parsed = csvread.read_csv(table.path, shown.stdout)
                base.tables[name] = LoadedTable(
                    table,
                    parsed,
                    header_ok=parsed.header == table.field_names,
                    column_index={h: i for i, h in enumerate(parsed.header or [])},
                )
    return base


def _diff(
    since: str,
    commit: str,
    base_descriptor: dict[str, Any],
    head: Package,
    changes: dict[str, TableChange],
    files: dict[str, HeadFile],
) -> PackageDiff:
    version = head.descriptor.get("version")
    base_version = base_descriptor.get("version")
    diff = PackageDiff(
        base={"spec": since, "commit": commit, "version": base_version if isinstance(base_version, str) else None},
        head={"spec": WORKING_TREE, "commit": None, "version": version if isinstance(version, str) else None},
    )
    for key in sorted((set(base_descriptor) | set(head.descriptor)) - set(NOT_METADATA)):
        if base_descriptor.get(key) != head.descriptor.get(key):
            diff.metadata.append(MetadataChange(key, base_descriptor.get(key), head.descriptor.get(key)))
    sides: dict[str, tuple[dict[str, Row], dict[str, Row]]] = {}
    for name, ch in changes.items():
        table = head.model.tables[name]
        cols = table.field_names
        before, after = sides[name] = _first_rows(ch)
        rows_head = files[name].rows if name in files else _row_count(head.root, table)
        t = TableDiff(name, table.path, rows_head - len(ch.added) + len(ch.removed), rows_head)
        for rid in sorted(after.keys() - before.keys()):
            t.added.append(RowChange(rid, after[rid].line))
        for rid in sorted(before.keys() - after.keys()):
            t.removed.append(RowChange(rid, before[rid].line))
        for rid in sorted(after.keys() & before.keys()):
            old, new = before[rid].cells, after[rid].cells
            fields = tuple(FieldChange(c, old[i] or None, new[i] or None) for i, c in enumerate(cols) if old[i] != new[i])
            if fields:
                t.changed.append(RowChange(rid, after[rid].line, fields))
        diff.tables.append(t)
    if "sources" in changes:
        cols = head.model.tables["sources"].field_names
        before, after = sides["sources"]
        pi, si = cols.index("path"), cols.index("sha256")

        def stored(row: Row | None) -> tuple[str | None, str | None]:
            """(path, what the full diff calls the document): the seeds are BASE's (a changed
            seed goes to the full run), so HEAD's files serve both sides."""
            if row is None:
                return None, None
            rel = row.cells[pi] or None
            return rel, stored_hash(head, rel, row.cells[si] or None)

        for sid in sorted(before.keys() | after.keys()):
            b, a = before.get(sid), after.get(sid)
            (pb, hb), (pa, ha) = stored(b), stored(a)
            # (an added or removed source's citations are left out: no change rule reads them)
            if a is None:
                assert b is not None  # sid is a key of one side at least
                diff.sources.append(SourceChange(sid, "removed", pb, None, hb, None, b.line, ()))
            elif b is None:
                diff.sources.append(SourceChange(sid, "added", None, pa, None, ha, a.line, ()))
            elif (pb, hb) != (pa, ha):
                # the citations quoting it, as the full diff lists them (the message counts them)
                citing = _file(files, head.root, head.model.tables["citations"])
                cites = tuple(sorted(r.id for r in citing.where("source_id", {sid}) if r.id))
                diff.sources.append(SourceChange(sid, "changed", pb, pa, hb, ha, a.line, cites))
    return diff


def _first_rows(change: TableChange) -> tuple[dict[str, Row], dict[str, Row]]:
    """BASE's and HEAD's row of each id the change touches, as the full diff takes them: the
    first row of an id in HEAD, so a repeated id counts once.

    HEAD being sorted (``in_id_order``), the rows sharing an added row's id sit together, so an
    unchanged one is a context row. When that row comes first, the id is as it was in BASE; when
    an added row comes first, that row is HEAD's, and the unchanged one (BASE's row of the id:
    BASE's ids are unique) is what it is compared with."""
    kept: dict[str, Row] = {}
    for r in change.context:
        kept.setdefault(r.id, r)
    before = {r.id: r for r in change.removed}
    after: dict[str, Row] = {}
    for r in sorted(change.added, key=lambda r: r.line):
        if r.id in after:
            continue
        unchanged = kept.get(r.id)
        if unchanged is not None and unchanged.line < r.line:
            continue  # BASE's row, unchanged, comes first
        after[r.id] = r
        if unchanged is not None:
            before.setdefault(r.id, unchanged)
    return before, after
