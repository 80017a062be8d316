"""Property tests: random valid packages are accepted; one random mutation of a known class is caught.

The packages come from randpkg.py (the base plus random entities, towns, relations and their
citations). Each mutation class names the check that must catch it; hypothesis picks the
package and the place (table, row, column) where the mutation is applied. Every class runs on
every test run (parametrised), with a few random places each, so the suite stays fast.
"""

from __future__ import annotations

import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from randpkg import MODEL, SEED_WORDS, build, plans, read_rows, source_run, write_rows

from validator import validate

# Few examples and no shrinking: each example validates a whole package (about 0.1 s for one family of
# checks, 0.7 s for all), and a failure is reported as found, with its draws.
FAST = {"deadline": None, "phases": (Phase.explicit, Phase.reuse, Phase.generate), "suppress_health_check": list(HealthCheck)}
Mutation = Callable[[Path, st.DataObject], str]  # mutates the package, returns the path the problem must point to

pytestmark = pytest.mark.slow  # Hypothesis-generated packages, each validated: 20 s of CPU

TABLES = list(MODEL.tables)


def _table(data: st.DataObject, pkg: Path, ok: Callable[[str], bool] = lambda t: True, min_rows: int = 1) -> str:
    names = [t for t in TABLES if ok(t) and len(read_rows(pkg / MODEL.tables[t].path)) > min_rows]
    return data.draw(st.sampled_from(names), label="table")


def _cell(pkg: Path, data: st.DataObject, fields: Callable[[str], list[str]], edit: Callable[[str], str]) -> str:
    """Apply ``edit`` to one cell of a random row, in a column ``fields(table)`` allows; return the file."""
    table = _table(data, pkg, lambda t: bool(fields(t)))
    path = pkg / MODEL.tables[table].path
    rows = read_rows(path)
    row = data.draw(st.integers(1, len(rows) - 1), label="row")
    col = rows[0].index(data.draw(st.sampled_from(fields(table)), label="column"))
    rows[row][col] = edit(rows[row][col])
    write_rows(path, rows)
    return MODEL.tables[table].path


def _raw(pkg: Path, data: st.DataObject, edit: Callable[[bytes, st.DataObject], bytes]) -> str:
    table = _table(data, pkg)
    path = pkg / MODEL.tables[table].path
    path.write_bytes(edit(path.read_bytes(), data))
    return MODEL.tables[table].path


def _fields(kind: Callable) -> Callable[[str], list[str]]:
    return lambda t: [f.name for f in MODEL.tables[t].fields if kind(f)]


def _plain_text(f) -> bool:  # free text: no pattern, no vocabulary, not a list or a date
    return f.kind == "string" and not f.enum and not f.pattern


def _required_plain(f) -> bool:
    return f.required and f.name != "id"


def _insert_line(data: bytes, d: st.DataObject, line: bytes) -> bytes:
    lines = data.split(b"\n")
    at = d.draw(st.integers(1, len(lines) - 2), label="line")
    return b"\n".join(lines[:at] + [line] + lines[at:])


def _stray_quote(data: bytes, d: st.DataObject) -> bytes:
    """A quote inside the second cell of a record, which then reads 'a"b...' (csv itself would accept it)."""
    lines = data.split(b"\n")
    at = d.draw(st.integers(1, len(lines) - 2), label="line")
    lines[at] = lines[at].replace(b",", b',a"b', 1)
    return b"\n".join(lines)


def _nfd(value: str) -> str:
    return value + " Jose\u0301"


def _swap_rows(pkg: Path, data: st.DataObject) -> str:
    table = _table(data, pkg, min_rows=2)
    path = pkg / MODEL.tables[table].path
    rows = read_rows(path)
    i = data.draw(st.integers(1, len(rows) - 2), label="row")
    rows[i], rows[i + 1] = rows[i + 1], rows[i]
    write_rows(path, rows)
    return MODEL.tables[table].path


def _duplicate_id(pkg: Path, data: st.DataObject) -> str:
    table = _table(data, pkg, min_rows=2)
    path = pkg / MODEL.tables[table].path
    rows = read_rows(path)
    i = data.draw(st.integers(1, len(rows) - 2), label="row")
    rows[i + 1][0] = rows[i][0]
    write_rows(path, rows)
    return MODEL.tables[table].path


def _drop_field(pkg: Path, data: st.DataObject) -> str:
    return _rows_edit(pkg, data, lambda rows, i: rows[i].pop())


def _rows_edit(pkg: Path, data: st.DataObject, edit: Callable) -> str:
    table = _table(data, pkg)
    path = pkg / MODEL.tables[table].path
    rows = read_rows(path)
    edit(rows, data.draw(st.integers(1, len(rows) - 1), label="row"))
    write_rows(path, rows)
    return MODEL.tables[table].path


def _header_edit(pkg: Path, data: st.DataObject, duplicate: bool) -> str:
    table = _table(data, pkg)
    path = pkg / MODEL.tables[table].path
    rows = read_rows(path)
    col = data.draw(st.integers(1, len(rows[0]) - 1), label="column")
    rows[0][col] = rows[0][col - 1] if duplicate else rows[0][col] + "x"
    write_rows(path, rows)
    return MODEL.tables[table].path


def _dangling(pkg: Path, data: st.DataObject) -> str:
    tables = [t for t in TABLES if MODEL.tables[t].foreign_keys]
    table = data.draw(st.sampled_from(tables), label="table")
    fk = data.draw(st.sampled_from(MODEL.tables[table].foreign_keys), label="key")
    prefix = MODEL.tables[fk.resource].id_prefix
    path = pkg / MODEL.tables[table].path
    rows = read_rows(path)
    row = data.draw(st.integers(1, len(rows) - 1), label="row")
    rows[row][rows[0].index(fk.field)] = f"{prefix}-zz-nowhere"
    write_rows(path, rows)
    return MODEL.tables[table].path


def _uncite(pkg: Path, data: st.DataObject) -> str:
    path = pkg / MODEL.tables["citations"].path
    rows = read_rows(path)
    record = data.draw(st.sampled_from(sorted({r[1] for r in rows[1:]})), label="record")
    write_rows(path, [r for r in rows if r[1] != record])
    return MODEL.tables[MODEL.by_prefix()[record.split("-")[0]]].path


def _self_relation(pkg: Path, data: st.DataObject) -> str:
    path = pkg / MODEL.tables["relations"].path
    rows = read_rows(path)
    row = data.draw(st.integers(1, len(rows) - 1), label="row")
    rows[row][rows[0].index("object_id")] = rows[row][rows[0].index("subject_id")]
    write_rows(path, rows)
    return MODEL.tables["relations"].path


def _loc_self_parent(pkg: Path, data: st.DataObject) -> str:
    path = pkg / MODEL.tables["locations"].path
    rows = read_rows(path)
    candidates = [i for i, r in enumerate(rows) if i and r[1] not in ("country", "world_region")]
    row = data.draw(st.sampled_from(candidates), label="row")
    rows[row][rows[0].index("parent_id")] = rows[row][0]
    write_rows(path, rows)
    return MODEL.tables["locations"].path


def _tamper_seed(pkg: Path, data: st.DataObject) -> str:
    seed = next((pkg / "seeds").glob("*.txt"))
    seed.write_bytes(seed.read_bytes() + data.draw(st.sampled_from([b" ", b"\n", b"x"]), label="byte"))
    return "data/sources.csv"


MUTATIONS: dict[str, tuple[str, Mutation]] = {
    "byte order mark": ("CS202", lambda p, d: _raw(p, d, lambda b, _: b"\xef\xbb\xbf" + b)),
    "CR LF line ends": ("CS203", lambda p, d: _raw(p, d, lambda b, _: b.replace(b"\n", b"\r\n"))),
    "NUL in a cell": ("CS204", lambda p, d: _cell(p, d, _fields(_plain_text), lambda v: v + "\x00")),
    "no final newline": ("CS205", lambda p, d: _raw(p, d, lambda b, _: b.rstrip(b"\n"))),
    "blank line": ("CS206", lambda p, d: _raw(p, d, lambda b, dd: _insert_line(b, dd, b""))),
    "stray quote": ("CS207", lambda p, d: _raw(p, d, _stray_quote)),
    "a field too few": ("CS208", _drop_field),
    "renamed column": ("CS209", lambda p, d: _header_edit(p, d, duplicate=False)),
    "duplicate column": ("CS210", lambda p, d: _header_edit(p, d, duplicate=True)),
    "rows out of order": ("CS211", _swap_rows),
    "required cell empty": ("SC301", lambda p, d: _cell(p, d, _fields(_required_plain), lambda v: "")),
    "not a boolean": ("SC302", lambda p, d: _cell(p, d, _fields(lambda f: f.kind == "boolean"), lambda v: "yes")),
    "not in the vocabulary": ("SC303", lambda p, d: _cell(p, d, _fields(lambda f: bool(f.enum)), lambda v: "no_such_term")),
    "duplicate id": ("KY501", _duplicate_id),
    "uppercase id": ("KY502", lambda p, d: _cell(p, d, lambda t: ["id"], str.upper)),
    "dangling reference": ("KY504", _dangling),
    "decomposed text": ("TX901", lambda p, d: _cell(p, d, _fields(_plain_text), _nfd)),
    "zero-width space": ("TX902", lambda p, d: _cell(p, d, _fields(_plain_text), lambda v: v + "\u200b" + v)),
    "padded text": ("TX903", lambda p, d: _cell(p, d, _fields(_plain_text), lambda v: v + " ")),
    "formula prefix": ("TX904", lambda p, d: _cell(p, d, _fields(_plain_text), lambda v: "=" + v)),
    "not EDTF": ("DT601", lambda p, d: _cell(p, d, _fields(lambda f: f.kind == "edtf"), lambda v: "2018-13")),
    "uncited row": ("PV401", _uncite),
    "quote not in source": (
        "PV402",
        lambda p, d: _cell(p, d, lambda t: ["quote"] if t == "citations" else [], lambda v: v + " zzqx"),
    ),
    "seed edited": ("PV404", _tamper_seed),
    "self-relation": ("RL801", _self_relation),
    "location inside itself": ("LC701", _loc_self_parent),
}


@settings(max_examples=10, **FAST)
@given(plans())
def test_random_valid_packages_are_accepted(plan: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        report = validate(build(plan, Path(tmp) / "pkg"), max_per_group=0)
        errors = [f"{p.path}:{p.line}:{p.column} {p.code} {p.message}" for p in report.problems if p.severity == "error"]
        assert errors == [] and report.valid


@pytest.mark.parametrize("name", list(MUTATIONS))
@settings(max_examples=3, **FAST)
@given(plan=plans(), data=st.data())
def test_a_mutation_is_caught_with_its_code(name: str, plan: dict, data: st.DataObject) -> None:
    code, mutate = MUTATIONS[name]
    with tempfile.TemporaryDirectory() as tmp:
        pkg = build(plan, Path(tmp) / "pkg")
        path = mutate(pkg, data)
        report = validate(pkg, max_per_group=0, select=[code[:2]])  # the family of checks the code belongs to
        found = {(p.code, p.path) for p in report.problems}
        assert (code, path) in found, sorted(found)
        assert not report.valid


def test_every_mutation_names_a_registered_check() -> None:
    from validator.checks import all_checks

    codes = {c.code for c in all_checks()}
    assert {code for code, _ in MUTATIONS.values()} <= codes
    assert unicodedata.normalize("NFC", _nfd("")) != _nfd("")


def test_every_generated_quote_is_a_passage_of_the_source() -> None:
    """Every run the generator can draw occurs in the source as it stands (a run that began with
    '- ELN)' once got a word put in front of it, a quote PV402 rightly refused), and none starts
    with a formula character."""
    text = " " + " ".join(SEED_WORDS) + " "
    for start in range(len(SEED_WORDS) - 3):
        run = source_run(start, 3)
        assert f" {run} " in text and run[:1] not in "=+-@", (start, run)
