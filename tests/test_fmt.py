"""tda fmt: canonical, lossless, idempotent, atomic, and it refuses what it cannot read without loss."""

from __future__ import annotations

import csv
import io
import os
import unicodedata
from pathlib import Path

import pytest
from casepkg import CASES, build_base, build_case
from clirun import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from treestate import changed, snapshot

from validator import validate
from validator.errors import Refused
from validator.maintenance.fmt import format_package, format_table
from validator.reading import csvread
from validator.reading.model import load_model

ROOT = Path(__file__).resolve().parents[1]
ENTITIES = load_model(ROOT / "schemas", rel_to=ROOT).tables["entities"]


def fmt(*args: str, cwd: Path) -> tuple[int, str]:
    result = run_cli(["fmt", *args], cwd=cwd)
    assert not result.timed_out and not result.crashed, result.stderr
    return result.returncode or 0, result.stdout


# --- the validator's hints are true ---------------------------------------------------------------


@pytest.mark.slow  # tda fmt and validation per case, or generated inputs
@pytest.mark.parametrize("code", ["CS202", "CS203", "CS205", "CS211", "TX901"])
def test_fmt_fixes_what_the_hints_say_it_fixes(code: str, tmp_path: Path) -> None:
    pkg = build_case(CASES / code, tmp_path / "pkg")
    problems = validate(pkg).problems  # one validation serves both assertions: the package is not touched in between
    assert code in {p.code for p in problems}
    assert any("tda fmt" in (p.hint or "") for p in problems if p.code == code)
    rc, out = fmt(str(pkg), cwd=tmp_path)
    assert rc == 0 and out.startswith("formatted data/"), out
    assert validate(pkg).valid
    assert fmt("--check", str(pkg), cwd=tmp_path)[0] == 0


def test_the_repository_tables_are_canonical(tmp_path: Path) -> None:
    rc, out = fmt("--check", str(ROOT), cwd=tmp_path)
    assert rc == 0, f"run `tda fmt`:\n{out}"


# --- --check, and what fmt writes ---------------------------------------------------------------


def _messy(pkg: Path) -> None:
    """entities.csv with CR LF, a BOM, every cell quoted, rows reversed and no final newline."""
    path = pkg / "data" / "entities.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows([header, *reversed(rows)])
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().rstrip("\r\n").encode("utf-8"))


def test_check_writes_nothing_and_lists_the_files(tmp_path: Path) -> None:
    pkg = build_base(tmp_path / "pkg")
    _messy(pkg)
    before = snapshot(pkg)
    rc, out = fmt("--check", str(pkg), cwd=tmp_path)
    assert rc == 1
    assert out.splitlines() == [
        "would reformat data/entities.csv (byte order mark removed, line ends to LF, final newline added, rows sorted by id)",
        "1 file would be reformatted, 9 already canonical, 0 refused",
    ]
    assert snapshot(pkg) == before


@pytest.mark.slow  # tda fmt and validation per case, or generated inputs
def test_fmt_rewrites_only_what_is_not_canonical(tmp_path: Path) -> None:
    pkg = build_base(tmp_path / "pkg")
    original = (pkg / "data" / "entities.csv").read_bytes()
    _messy(pkg)
    os.chmod(pkg / "data" / "entities.csv", 0o640)
    before = snapshot(pkg)
    rc, _ = fmt(str(pkg), cwd=tmp_path)
    assert rc == 0
    after = snapshot(pkg)
    assert changed(before, after) == ["data", "data/entities.csv"]  # the directory: its entry was replaced
    assert (pkg / "data" / "entities.csv").read_bytes() == original
    assert after["data/entities.csv"][1] == 0o640, "the file's permissions were not kept"
    assert not [p for p in (pkg / "data").iterdir() if p.name.startswith(".")], "a temporary file was left behind"
    again = snapshot(pkg)
    assert fmt(str(pkg), cwd=tmp_path)[0] == 0
    assert snapshot(pkg) == again, "a canonical file was touched"


# --- refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case,where",
    [
        ("CS201", "data/entities.csv:2:48: not formatted: the file is not UTF-8"),
        ("CS204", "data/entities.csv:3:86: not formatted: the file contains NUL characters"),
        ("CS207", "data/entities.csv:5:182: not formatted: malformed quoting"),
        ("CS208", "data/entities.csv:4:1: not formatted: the record has 8 fields; the header has 7"),
        (
            "CS209",
            "data/entities.csv:1:1: not formatted: the header is not id,type,name,aliases,description,protected,name_descriptive",
        ),
        ("CS210", "data/entities.csv:1:1: not formatted: the header is not"),
        ("CS212", "data/events.csv:1:1: not formatted: the file is empty"),
        (
            "KY501",
            "data/locations.csv:7:1: not formatted: the id 'loc-venezuela' is also on line 6; give one of the rows a new id first",
        ),
    ],
)
@pytest.mark.slow  # tda fmt and validation per case, or generated inputs
def test_fmt_refuses_what_it_cannot_read_without_loss(case: str, where: str, tmp_path: Path) -> None:
    pkg = build_case(CASES / case, tmp_path / "pkg")
    before = snapshot(pkg)
    rc, out = fmt(str(pkg), cwd=tmp_path)
    assert rc == 1
    assert any(line.startswith(where) for line in out.splitlines()), out
    assert snapshot(pkg) == before


def test_fmt_refuses_a_carriage_return_inside_a_cell() -> None:
    data = b'id,type,name,aliases,description,protected,name_descriptive\nent-a,person,A,,"two\r\nlines",false,false\n'
    with pytest.raises(Refused, match="carriage return") as exc:
        format_table(data, ENTITIES)
    assert (exc.value.line, exc.value.column) == (2, 17)  # where the cell starts


def test_fmt_refuses_ids_that_collide_once_in_nfc() -> None:
    data = "id,type,name,aliases,description,protected,name_descriptive\nent-e\u0301,person,A,,,false,false\nent-\u00e9,person,B,,,false,false\n"
    with pytest.raises(Refused, match="also on line 2 once in NFC"):
        format_table(data.encode("utf-8"), ENTITIES)


@pytest.mark.slow  # tda fmt and validation per case, or generated inputs
@pytest.mark.parametrize("kind", ["symlink", "fifo", "directory"])
def test_fmt_reads_and_writes_only_regular_files(kind: str, tmp_path: Path) -> None:
    pkg = build_base(tmp_path / "pkg")
    target = pkg / "data" / "events.csv"
    target.unlink()
    if kind == "symlink":
        target.symlink_to("entities.csv")
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        target.mkdir()
    before = snapshot(pkg)
    rc, out = fmt(str(pkg), cwd=tmp_path)
    assert rc == 1 and "data/events.csv: not formatted:" in out
    assert snapshot(pkg) == before


def test_fmt_without_schemas_cannot_run(tmp_path: Path) -> None:
    result = run_cli(["fmt", str(tmp_path)], cwd=tmp_path)
    assert result.returncode == 2 and "no schemas/ directory" in result.stderr


# --- properties --------------------------------------------------------------------------------------

ID = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8).map(lambda s: "ent-" + s)
# Any text a cell can hold but a carriage return (refused) and NUL (not text), with line breaks,
# quotes, commas, spaces, combining marks and characters outside the BMP.
CELL = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r\x00"), max_size=12)
RECORDS = st.lists(ID, min_size=0, max_size=8, unique=True).flatmap(
    lambda ids: st.tuples(*[st.tuples(st.just(i), *[CELL] * (len(ENTITIES.field_names) - 1)) for i in ids]).map(
        lambda rs: [list(r) for r in rs]
    )
)
STYLE = st.fixed_dictionaries(
    {
        "quoting": st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
        "newline": st.sampled_from(["\n", "\r\n"]),
        "bom": st.booleans(),
        "final_newline": st.booleans(),
        "blank_lines": st.integers(0, 2),
    }
)


def _serialize(records: list[list[str]], style: dict, order: list[int]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=style["quoting"], lineterminator=style["newline"])
    writer.writerow(ENTITIES.field_names)
    for i in order:
        writer.writerow(records[i])
    text = buf.getvalue() + style["newline"] * style["blank_lines"]
    if not style["final_newline"]:
        text = text[: -len(style["newline"])]
    return (b"\xef\xbb\xbf" if style["bom"] else b"") + text.encode("utf-8")


def _parse(data: bytes) -> list[list[str]]:
    parsed = csvread.read_csv("t.csv", data)
    assert parsed.header == ENTITIES.field_names
    return parsed.records


@pytest.mark.slow  # tda fmt and validation per case, or generated inputs
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RECORDS, STYLE, st.randoms(use_true_random=False))
def test_fmt_is_lossless_and_idempotent(records: list[list[str]], style: dict, rnd) -> None:
    order = list(range(len(records)))
    rnd.shuffle(order)
    data = _serialize(records, style, order)
    once, _ = format_table(data, ENTITIES)
    twice, changes = format_table(once, ENTITIES)
    assert twice == once and changes == ()  # idempotent
    nfc = [[unicodedata.normalize("NFC", c) for c in r] for r in records]
    assert _parse(once) == sorted(nfc, key=lambda r: r[0])  # lossless up to NFC and order
    assert _parse(data) == [records[i] for i in order]  # (the input read as written)
    assert csvread.read_csv("t.csv", once).findings == []  # canonical by the validator's reading
    assert once.endswith(b"\n") and not once.startswith(b"\xef\xbb\xbf")


@pytest.mark.slow  # tda fmt and validation per case, or generated inputs
@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(lambda t: t.encode("utf-8"))))
def test_fmt_of_any_bytes_formats_or_refuses(data: bytes) -> None:
    try:
        out, _ = format_table(b"id,type,name,aliases,description,protected,name_descriptive\n" + data, ENTITIES)
    except Refused as exc:
        assert exc.reason
        return
    assert format_table(out, ENTITIES)[0] == out


def test_format_package_reports_every_table(tmp_path: Path) -> None:
    pkg = build_base(tmp_path / "pkg")
    results = format_package(pkg, write=False)
    assert [r.rel for r in results] == [t.path for t in load_model(pkg / "schemas", rel_to=pkg).tables.values()]
    assert {r.status for r in results} == {"canonical"}
