"""`validate --since` checks only what a change can break, and reports what the full run reports.

A generated package (valid) is committed to a temporary git repository; each scenario edits a
few rows in the working tree, valid and invalid edits mixed, and the incremental path must give
exactly the problems (code, file, line, column) of the full path, change rules included.
"""

from __future__ import annotations

import csv
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from casepkg import build_base, build_case, case_dirs

from benchmarks.generate import generate
from validator.changes.incremental import validate_incremental
from validator.changes.since import validate_since
from validator.checks import all_checks
from validator.errors import NotIncremental

pytestmark = pytest.mark.slow  # a generated package in git, --since against the full run per scenario: 30 s of CPU

RANDOM_SCENARIOS = 6


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The valid generated package both repositories below start from, generated once (the
    generator is deterministic: a copy is the package it would write again)."""
    root = tmp_path_factory.mktemp("gen") / "pkg"
    generate(root, rows=1200, seed=5)
    return root


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory, generated: Path) -> Path:
    root = tmp_path_factory.mktemp("inc") / "pkg"
    shutil.copytree(generated, root, symlinks=True)
    (root / "data" / "retired.csv").write_text("id,reason,replaced_by,version,note\n") if (
        root / "schemas" / "retired.schema.json"
    ).exists() else None
    git(root, "init", "-q")
    git(root, "config", "user.email", "t@example.invalid")
    git(root, "config", "user.name", "t")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


class Table:
    def __init__(self, root: Path, name: str) -> None:
        self.path = root / "data" / f"{name}.csv"
        with self.path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        self.header, self.rows = rows[0], rows[1:]

    def col(self, name: str) -> int:
        return self.header.index(name)

    def save(self, keep_order: bool = False) -> None:
        rows = self.rows if keep_order else sorted(self.rows, key=lambda r: r[0])
        with self.path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(self.header)
            w.writerows(rows)


def edit(root: Path, rng: random.Random, k: int) -> str:
    kind = rng.choice(EDITS)
    kind(root, rng, k)
    return kind.__name__


def drop_row(root, rng, k):
    t = Table(root, rng.choice(["entities", "relations", "presence", "citations", "locations", "events"]))
    t.rows.pop(rng.randrange(len(t.rows)))
    t.save()


def reword(root, rng, k):
    t = Table(root, rng.choice(["relations", "presence", "activities"]))
    t.rows[rng.randrange(len(t.rows))][t.col("description")] = f"Reworded description {k}."
    t.save()


def bad_status(root, rng, k):
    t = Table(root, "relations")
    t.rows[rng.randrange(len(t.rows))][t.col("claim_status")] = "confirmed"
    t.save()


def dangling(root, rng, k):
    t = Table(root, "presence")
    t.rows[rng.randrange(len(t.rows))][t.col("location_id")] = f"loc-nowhere-{k}"
    t.save()


def add_entity(root, rng, k, cite=True):
    t = Table(root, "entities")
    rid = f"ent-e{rng.randrange(10**7):07d}x{k}"
    t.rows.append([rid, "person", f"New person {k}", "", "Added in a scenario.", "false", "false"])
    t.save()
    if cite:
        c = Table(root, "citations")
        donor = rng.choice(c.rows)
        c.rows.append([f"cit-zz-{k}", rid, donor[c.col("source_id")], donor[c.col("quote")], "", "", ""])
        c.save()


def add_uncited(root, rng, k):
    add_entity(root, rng, k, cite=False)


def duplicate(root, rng, k):
    t = Table(root, "entities")
    t.rows.append(list(rng.choice(t.rows)))
    t.save()


def cycle(root, rng, k):
    t = Table(root, "locations")
    rows = [r for r in t.rows if r[t.col("parent_id")]]
    row = rng.choice(rows)
    row[t.col("parent_id")] = row[0]
    t.save()


def bad_quote(root, rng, k):
    t = Table(root, "citations")
    t.rows[rng.randrange(len(t.rows))][t.col("quote")] += " zz invented"
    t.save()


def retype(root, rng, k):
    t = Table(root, "entities")
    t.rows[rng.randrange(len(t.rows))][t.col("type")] = rng.choice(["organization", "security_force", "person"])
    t.save()


def reverse_relation(root, rng, k):
    t = Table(root, "relations")
    sym = [r for r in t.rows if r[t.col("type")] in ("allied_with", "rival_of", "associated_with", "cooperated_with")]
    if not sym:
        return
    r = list(rng.choice(sym))
    r[0] = f"rel-zz-{k}"
    r[t.col("subject_id")], r[t.col("object_id")] = r[t.col("object_id")], r[t.col("subject_id")]
    t.rows.append(r)
    t.save()
    c = Table(root, "citations")
    donor = rng.choice(c.rows)
    c.rows.append([f"cit-zz-r{k}", r[0], donor[c.col("source_id")], donor[c.col("quote")], "", "", ""])
    c.save()


def reversed_dates(root, rng, k):
    t = Table(root, "relations")
    row = t.rows[rng.randrange(len(t.rows))]
    row[t.col("start")], row[t.col("end")] = "2020", "2010"
    t.save()


def rename(root, rng, k):
    t = Table(root, "entities")
    row = t.rows[rng.randrange(len(t.rows))]
    row[0] = row[0] + "-renamed"
    t.save()


def unsorted(root, rng, k):
    t = Table(root, "events")
    row = list(rng.choice(t.rows))
    row[0] = "evt-a" + str(k)
    t.rows.append(row)
    t.save(keep_order=True)


def hedge(root, rng, k):
    t = Table(root, "citations")
    c = t.rows[rng.randrange(len(t.rows))]
    c[t.col("quote")] = "allegedly " + c[t.col("quote")]
    t.save()


def reparent(root, rng, k):
    t = Table(root, "locations")
    rows = [r for r in t.rows if r[t.col("type")] in ("neighborhood", "prison", "town")]
    cities = [r for r in t.rows if r[t.col("type")] == "city"]
    if rows and cities:
        rng.choice(rows)[t.col("parent_id")] = rng.choice(cities)[0]
        t.save()


def first_and_last(root, rng, k):
    """Rows added before the first row and after the last, and the first and last rows of
    another table removed: the diff's edges."""
    t = Table(root, "entities")
    t.rows.append(["ent-0000-first", "person", "First person", "", "Sorted first.", "false", "false"])
    t.rows.append(["ent-zzzz-last", "person", "Last person", "", "Sorted last.", "false", "false"])
    t.save()
    r = Table(root, "relations")
    r.rows = sorted(r.rows)[1:-1]
    r.save()


def reorder(root, rng, k):
    """A whole table in reverse order: every row out of place (a large diff, still exact)."""
    t = Table(root, "events")
    t.rows = sorted(t.rows, reverse=True)
    t.save(keep_order=True)


def duplicate_changed_before(root, rng, k):
    """A repeated id, its row just before the original and with other cells: the full diff takes
    an id's first row, so the entity counts as changed (CH003), not as unchanged."""
    t = Table(root, "entities")
    i = rng.randrange(len(t.rows))
    row = list(t.rows[i])
    row[t.col("name")] = f"Another name {k}"
    t.rows.insert(i, row)
    t.save(keep_order=True)


def duplicate_source(root, rng, k):
    """A source's row repeated beside it: the same source, not a new one (no CH003)."""
    t = Table(root, "sources")
    i = rng.randrange(len(t.rows))
    t.rows.insert(i, list(t.rows[i]))
    t.save(keep_order=True)


EDITS = [
    drop_row,
    reword,
    bad_status,
    dangling,
    add_entity,
    add_uncited,
    duplicate,
    cycle,
    bad_quote,
    retype,
    reverse_relation,
    reversed_dates,
    rename,
    hedge,
    reparent,
    first_and_last,
    duplicate_changed_before,
    duplicate_source,
]


def _problems(report) -> list[tuple]:
    return sorted((p.code, p.path, p.line, p.column) for p in report.problems)


def _compare(repo: Path, done: list[str]) -> None:
    full = validate_since(repo, "HEAD", full=True, max_per_group=0)
    try:
        inc = validate_incremental(repo, "HEAD", max_per_group=0)
    except NotIncremental as exc:  # every edit above is plain row edits: the incremental path must take them
        pytest.fail(f"not incremental after {done}: {exc}")
    assert _problems(inc) == _problems(full), done
    assert inc.valid == full.valid
    assert inc.rows == full.rows


def _reset(repo: Path) -> None:
    git(repo, "checkout", "-q", "--", ".")
    git(repo, "clean", "-qfd")


@pytest.mark.parametrize("kind", EDITS, ids=[e.__name__ for e in EDITS])
def test_each_kind_of_edit(repo: Path, kind) -> None:
    _reset(repo)
    kind(repo, random.Random(kind.__name__), 0)
    _compare(repo, [kind.__name__])


@pytest.mark.parametrize("seed", range(RANDOM_SCENARIOS))
def test_random_edits(repo: Path, seed: int) -> None:
    _reset(repo)
    rng = random.Random(seed)
    _compare(repo, [edit(repo, rng, k) for k in range(rng.randint(2, 5))])


@pytest.mark.parametrize("seed", range(2))
def test_random_edits_with_every_file_large(repo: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same comparison with every file taken as a large one: lookups in the reference columns
    pyarrow parses (as bytes), and the pages of each file read whole let go of once the line count
    and the parse are done."""
    import validator.changes.incremental as incremental

    monkeypatch.setattr(incremental, "BIG_FILE", 0)
    released: list[str] = []
    real = incremental.let_go

    def spy(data, *args):  # type: ignore[no-untyped-def]
        if not args:
            released.append(bytes(data[:3]).decode())  # a whole file: its first bytes, "id,"
        return real(data, *args)

    monkeypatch.setattr(incremental, "let_go", spy)
    _reset(repo)
    rng = random.Random(1000 + seed)
    _compare(repo, [edit(repo, rng, k) for k in range(rng.randint(2, 5))])
    assert released and set(released) == {"id,"}


def crlf_row(root: Path) -> None:
    path = root / "data" / "relations.csv"
    lines = path.read_bytes().split(b"\n")
    lines[5] += b"\r"
    path.write_bytes(b"\n".join(lines))


def record_over_lines(root: Path) -> None:
    t = Table(root, "relations")
    t.rows[3][t.col("description")] = "A description\non two lines."
    t.save()


def table_file_renamed(root: Path) -> None:
    (root / "data" / "presence.csv").rename(root / "data" / "presence-moved.csv")


def last_line_end_lost(root: Path) -> None:
    path = root / "data" / "events.csv"
    path.write_bytes(path.read_bytes().rstrip(b"\n"))


def far_duplicate(table: str, copied: int, at: int):
    """A row of ``table`` repeated at another place (row indices; negative from the end): the
    file is no longer sorted by id, and the repeated id can be anywhere in it."""

    def edit(root: Path) -> None:
        t = Table(root, table)
        t.rows.insert(at % (len(t.rows) + 1), list(t.rows[copied]))
        t.save(keep_order=True)

    edit.__name__ = f"far_duplicate_{table}_{copied}_{at}"
    return edit


def unsorted_row(root: Path) -> None:
    unsorted(root, random.Random("unsorted"), 0)


def reversed_table(root: Path) -> None:
    reorder(root, random.Random("reorder"), 0)


LEFT_TO_THE_FULL_RUN = [
    crlf_row,
    record_over_lines,
    table_file_renamed,
    last_line_end_lost,
    # a file no longer sorted by id: the lookups by id are binary searches, and a repeated id may be
    # anywhere in the file, not beside the changed rows
    unsorted_row,
    reversed_table,
    far_duplicate("entities", 6, 5),  # the copy on the line before the row before the original
    far_duplicate("entities", 0, -1),
    far_duplicate("citations", -1, 0),
    far_duplicate("citations", 300, 2),
    far_duplicate("events", 2, 24),
    far_duplicate("sources", 1, 0),
]


@pytest.mark.parametrize("kind", LEFT_TO_THE_FULL_RUN, ids=lambda k: k.__name__)
def test_changes_left_to_the_full_run(repo: Path, kind) -> None:
    """A change that is not clean rows edited goes to the full path, which reports it."""
    _reset(repo)
    kind(repo)
    with pytest.raises(NotIncremental):
        validate_incremental(repo, "HEAD")
    full = validate_since(repo, "HEAD", full=True, max_per_group=0)
    assert _problems(validate_since(repo, "HEAD", max_per_group=0)) == _problems(full) != []
    _reset(repo)


def test_a_clean_change_is_clean(repo: Path) -> None:
    git(repo, "checkout", "-q", "--", ".")
    reword(repo, random.Random(1), 0)
    report = validate_incremental(repo, "HEAD", max_per_group=0)
    assert [p.code for p in report.problems] == ["CH003"]  # data changed, version not bumped


def test_other_changes_take_the_full_path(repo: Path) -> None:
    git(repo, "checkout", "-q", "--", ".")
    schema = repo / "schemas" / "entities.schema.json"
    schema.write_text(schema.read_text().replace("Stable identifier", "Identifier"))
    with pytest.raises(NotIncremental):
        validate_incremental(repo, "HEAD")
    assert validate_since(repo, "HEAD").errors >= 1  # the full path runs instead (the descriptor is now stale)
    git(repo, "checkout", "-q", "--", ".")


def test_base_files_read_early_are_bases_versions(repo: Path) -> None:
    """The CSV files started early (before the model loads) are BASE's versions of the changed
    ones, byte for byte; one never collected is stopped."""
    from validator.changes.incremental import start_change

    git(repo, "checkout", "-q", "--", ".")
    reword(repo, random.Random(2), 0)
    early = start_change(repo, "HEAD")
    assert set(early.blobs) == {rel for status, rel, _ in early.paths if status == "M"} != set()
    for rel, run in early.blobs.items():
        committed = subprocess.run(["git", "show", f"HEAD:{rel}"], cwd=repo, capture_output=True, check=True).stdout
        blob = run.mapped()
        assert blob is not None and blob[:] == committed != (repo / rel).read_bytes()
    unused = start_change(repo, "HEAD")
    runs = list(unused.blobs.values())
    unused.cancel()
    assert runs and not any(r.running for r in runs)  # reaped, not left running
    git(repo, "checkout", "-q", "--", ".")
    assert start_change(repo, "HEAD").blobs == {}  # nothing changed: nothing started


# -- every check, through its failing case ---------------------------------------------------------


def _commit(root: Path) -> None:
    # no template (sample hooks) and the objects in one pack: base_git's .git is copied for every
    # case below, and its 25 files copy in a third of the time of the 85 git makes by default
    git(root, "init", "-q", "--template=")
    git(root, "config", "user.email", "t@example.invalid")
    git(root, "config", "user.name", "t")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    git(root, "repack", "-adq")


@pytest.fixture(scope="module")
def base_git(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .git of a repository whose one commit is the valid base package, made once per module."""
    base = build_base(tmp_path_factory.mktemp("base") / "base")
    _commit(base)
    return base / ".git"


def _case_as_change(case: Path, tmp_path: Path, base_git: Path) -> Path:
    """A repository whose commit is the valid base package and whose working tree is the case."""
    head = build_case(case, tmp_path / "head")
    shutil.copytree(base_git, head / ".git")
    return head


CASE_DIRS = case_dirs()


# The checks whose cases change bytes, files, the descriptor, the schemas or a seed (CS, DP,
# PV404, PV406): the incremental path hands such a change to the full one. Every other check's
# case is an edit of rows, which the incremental path must take itself.
HANDED_OVER = ("CS", "DP", "PV404", "PV406")


@pytest.mark.git
@pytest.mark.slow
@pytest.mark.parametrize("case", CASE_DIRS, ids=[c.name for c in CASE_DIRS])
def test_since_agrees_with_the_full_run_on_a_checks_case(case: Path, tmp_path: Path, base_git: Path) -> None:
    """A check's failing case, as a change to the valid base: ``--since`` reports exactly what the
    full run reports, on the incremental path unless the check is one of HANDED_OVER's (the change
    rules' scenarios are compared the same way in test_changes.py). A change handed over is
    validated by the full run itself (test_changes_left_to_the_full_run compares that route's
    report), so only the handing over is asserted here."""
    repo = _case_as_change(case, tmp_path, base_git)
    try:
        inc = validate_incremental(repo, "HEAD", max_per_group=0)
    except NotIncremental:
        assert case.name.startswith(HANDED_OVER), f"{case.name}: an edit of rows the incremental path did not take"
        return
    full = validate_since(repo, "HEAD", full=True, max_per_group=0)
    assert _problems(inc) == _problems(full)
    assert inc.valid == full.valid


def test_every_check_has_a_case_here() -> None:
    """So that the test above reaches every check, on one path or the other."""
    assert {c.code for c in all_checks()} <= {case.name.split("-")[0] for case in CASE_DIRS}


def test_line_lookups_agree_with_and_without_the_array_of_line_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file looked up many times switches to an array of every line end; row for row, it finds
    the same lines and line numbers as counting within blocks (on the real citations file, whose
    lines span several blocks)."""
    from validator.changes.incremental import HeadFile
    from validator.reading.model import load_model

    root = Path(__file__).resolve().parents[1]
    table = load_model(root / "schemas").tables["citations"]
    path = root / table.path
    lines = path.read_bytes().count(b"\n")
    monkeypatch.setattr(HeadFile, "BLOCK", 4096)  # many blocks in a small file
    by_block, by_array = HeadFile(path, table), HeadFile(path, table)
    monkeypatch.setattr(by_block, "MANY_LOOKUPS", 1 << 40)
    monkeypatch.setattr(by_array, "MANY_LOOKUPS", 0)
    for number in range(2, lines + 1):
        assert by_array.line(number) == by_block.line(number), number
    assert by_array._ends is not None and by_block._ends is None
    for rid in ("cit-0001", "cit-zzz", next(iter(by_block.line(lines).cells))):
        assert by_array.find(rid) == by_block.find(rid)


def test_block_counts_of_a_large_file_agree_with_a_small_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """A large file's line ends are counted per block by numpy, a small one's by bytes.count:
    the same counts, block for block (the real citations file taken as large, and as small)."""
    import validator.changes.incremental as incremental
    from validator.changes.incremental import HeadFile
    from validator.reading.model import load_model

    root = Path(__file__).resolve().parents[1]
    table = load_model(root / "schemas").tables["citations"]
    path = root / table.path
    monkeypatch.setattr(HeadFile, "BLOCK", 4096)  # many blocks in a small file
    small = HeadFile(path, table)._index()
    monkeypatch.setattr(incremental, "BIG_FILE", 0)
    large = HeadFile(path, table)
    assert large._index() == small
    assert small[-1] == path.read_bytes().count(b"\n") and len(small) > 3


# -- tombstones: read whole, only those a change can break re-checked ----------------------------

STONES = [  # (id, reason, replaced_by): sorted by id, each replacement a live row of BASE, and
    # each tombstone that names one two lines or more from where the replacement's own id sorts
    ("ent-a0000023", "renamed", "ent-e0000023"),
    ("ent-a0000077", "merged", "ent-e0000077"),
    ("ent-b0000001", "error", ""),
    ("ent-b0000002", "retracted", ""),
    ("loc-a0000022", "merged", "loc-p0000022"),
    ("rel-a0000000", "merged", "rel-r0000000"),
    ("rel-a0000001", "error", ""),
]


@pytest.fixture(scope="module")
def tomb_repo(tmp_path_factory: pytest.TempPathFactory, generated: Path) -> Path:
    """A valid generated package whose BASE has tombstones, some naming their replacement."""
    root = tmp_path_factory.mktemp("tomb") / "pkg"
    shutil.copytree(generated, root, symlinks=True)
    with (root / "data" / "retired.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "reason", "replaced_by", "version", "note"])
        w.writerows([rid, reason, repl, "1.0.0", ""] for rid, reason, repl in STONES)
    _commit(root)
    assert validate_since(root, "HEAD", full=True).valid  # BASE is valid, as the incremental path assumes
    return root


def _set(root: Path, name: str, rid: str, column: str, value: str) -> None:
    t = Table(root, name)
    next(r for r in t.rows if r[0] == rid)[t.col(column)] = value
    t.save()


def _drop(root: Path, name: str, rid: str) -> None:
    t = Table(root, name)
    t.rows = [r for r in t.rows if r[0] != rid]
    t.save()


def _append(root: Path, name: str, row: list[str], keep_order: bool = False) -> None:
    t = Table(root, name)
    t.rows.append(row)
    t.save(keep_order=keep_order)


def replacement_merged_away(root: Path) -> None:
    """The row an unchanged tombstone names is merged into another (a tombstone of its own): the
    old tombstone now names a retired id, and every reference to the row is broken."""
    _drop(root, "entities", "ent-e0000077")
    _append(root, "retired", ["ent-e0000077", "merged", "ent-e0000078", "1.0.0", ""])


def replacement_removed(root: Path) -> None:
    _drop(root, "relations", "rel-r0000000")


def tombstone_repeated(root: Path) -> None:
    _append(root, "retired", ["ent-a0000023", "error", "", "1.0.0", ""])


def retired_id_reused(root: Path) -> None:
    _append(root, "entities", ["ent-a0000077", "person", "Back again", "", "Reused.", "false", "false"])


def reference_to_a_retired_id(root: Path) -> None:
    t = Table(root, "presence")
    t.rows[3][t.col("entity_id")] = "ent-a0000077"
    t.save()


def live_id_retired(root: Path) -> None:
    _append(root, "retired", ["ent-e0000050", "error", "", "1.0.0", ""])


def replacement_changed(root: Path) -> None:
    _set(root, "retired", "ent-a0000023", "replaced_by", "loc-p0000022")


TOMBSTONE_EDITS = [
    replacement_merged_away,
    replacement_removed,
    tombstone_repeated,
    retired_id_reused,
    reference_to_a_retired_id,
    live_id_retired,
    replacement_changed,
]


@pytest.mark.parametrize("kind", TOMBSTONE_EDITS, ids=[e.__name__ for e in TOMBSTONE_EDITS])
def test_tombstones_the_change_can_break(tomb_repo: Path, kind, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the tombstones a change can break are re-checked: the incremental path gives the full
    run's problems, messages included (a reference to a retired id names its replacement through
    the chain of tombstones). The tombstones are read whole only when the change edits them;
    otherwise those asked about are looked up by id."""
    import validator.changes.incremental as incremental

    _reset(tomb_repo)
    kind(tomb_repo)
    status = subprocess.run(["git", "status", "--porcelain", "data/retired.csv"], cwd=tomb_repo, capture_output=True, text=True)
    if not status.stdout.strip():

        def not_read(*args: object) -> None:
            raise AssertionError("the tombstones were read whole, though the change left them as they were")

        monkeypatch.setattr(incremental, "read_whole", not_read)
    full = validate_since(tomb_repo, "HEAD", full=True, max_per_group=0)
    inc = validate_incremental(tomb_repo, "HEAD", max_per_group=0)
    assert full.problems
    key = [(p.code, p.path, p.line, p.column, p.message) for p in full.problems]
    assert sorted(key) == sorted((p.code, p.path, p.line, p.column, p.message) for p in inc.problems)
    _reset(tomb_repo)


def recorded_hash_edited(root: Path) -> None:
    """Only the sha256 cell changes: the stored file is the same, so the source did not change
    (the full diff hashes the file), and PV404 reports the cell."""
    _set(root, "sources", "src-s000000", "sha256", "0" * 64)


def path_to_another_seed(root: Path) -> None:
    """The path now names the other stored file: the source changed (CH007, counting the
    citations that quote it), and its quotes are checked against the other text."""
    _set(root, "sources", "src-s000000", "path", "s000001.txt")


@pytest.mark.parametrize("kind", [recorded_hash_edited, path_to_another_seed], ids=lambda k: k.__name__)
def test_a_source_row_edited_is_judged_by_its_stored_file(repo: Path, kind) -> None:
    """The incremental path compares sources as the full diff does, by the SHA-256 of the stored
    file (the recorded one only when the file cannot be read), with the same messages."""
    _reset(repo)
    kind(repo)
    full = validate_since(repo, "HEAD", full=True, max_per_group=0)
    inc = validate_incremental(repo, "HEAD", max_per_group=0)
    key = sorted((p.code, p.path, p.line, p.column, p.message) for p in full.problems)
    assert key == sorted((p.code, p.path, p.line, p.column, p.message) for p in inc.problems)
    assert ("CH007" in {k[0] for k in key}) is (kind is path_to_another_seed)
    _reset(repo)


def test_whole_table_checks_read_the_changed_tables_and_those_joined_to_them(repo: Path) -> None:
    """A fact table changed: the duplicate facts are looked for in it again (an event with its
    actors), not in the fact tables no change reaches."""
    from validator.changes.incremental import whole_tables
    from validator.reading.package import Package

    model = Package.open(repo).model
    checks = [c for c in all_checks() if c.reads.whole and "relations" in (c.reads.tables or ())]
    assert checks
    assert whole_tables(model, checks, {"relations"}) == {"relations"}
    assert whole_tables(model, checks, {"event_actors"}) == {"events", "event_actors"}
    assert whole_tables(model, checks, {"events", "entities"}) == {"events", "event_actors"}
    assert whole_tables(model, checks, {"entities", "citations"}) == set()


@pytest.mark.git
def test_a_duplicate_event_made_by_its_actors_alone(repo: Path, tmp_path: Path) -> None:
    """Two events that differ only in their actors, made the same fact by an edit of
    event_actors alone: --since finds the duplicate in events, which did not change."""
    root = tmp_path / "pkg"
    shutil.copytree(repo, root, symlinks=True)
    git(root, "checkout", "-q", "--", ".")
    git(root, "clean", "-qfd")
    events, actors = Table(root, "events"), Table(root, "event_actors")
    acted = {r[actors.col("event_id")] for r in actors.rows}
    original = next(r for r in events.rows if r[0] in acted)
    copy = [f"{original[0]}-twin", *original[1:]]
    events.rows.append(copy)
    events.save()
    theirs = [r for r in actors.rows if r[actors.col("event_id")] == original[0]]
    other = next(
        r[actors.col("entity_id")]
        for r in actors.rows
        if r[actors.col("entity_id")] not in {t[actors.col("entity_id")] for t in theirs}
    )
    twins = [[f"{r[0]}-twin", copy[0], *r[2:]] for r in theirs]
    extra = [f"eva-{copy[0]}-extra", copy[0], other, theirs[0][actors.col("role")]]
    actors.rows += [*twins, extra]
    actors.save()
    git(root, "commit", "-qam", "an event and its twin, which has one more actor")
    actors = Table(root, "event_actors")
    actors.rows.remove(extra)
    actors.save()  # the twin's actors are now the original's: the same fact

    def duplicates(report) -> list[tuple]:
        return [p for p in _problems(report) if p[0] == "GR109"]

    full = validate_since(root, "HEAD", full=True, max_per_group=0)
    assert duplicates(full), "the edit makes a duplicate fact"
    assert duplicates(validate_incremental(root, "HEAD", max_per_group=0)) == duplicates(full)
