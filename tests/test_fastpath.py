"""The fast reading path gives the exact path's result, or declines and leaves the file to it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from validator.reading import csvread, limits

pytestmark = pytest.mark.slow  # generated files read on both paths

CELLS = ["a", "b c", "x,y", 'q"q', '"', '""', "é", " ", "", 'a""b', '"a"', "n\nl", "z", "ñ\u200b", "-1"]


@st.composite
def files(draw) -> bytes:
    rows = [["id", "v", "w"]] + [
        [f"r{i}", draw(st.sampled_from(CELLS)), draw(st.sampled_from(CELLS))] for i in range(draw(st.integers(0, 5)))
    ]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n", quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))).writerows(rows)
    text = buf.getvalue()
    for _ in range(draw(st.integers(0, 2))):  # corrupt it a little
        k = draw(st.integers(0, max(0, len(text) - 1)))
        text = text[:k] + draw(st.sampled_from(['"', ",", "\n", "x", "", "\r", "\ufeff"])) + text[k + 1 :]
    if draw(st.booleans()):
        text = text.rstrip("\n")
    return text.encode("utf-8")


@settings(max_examples=600, deadline=None)
@given(files())
@example(b'id,v,w\nr",a,"r1,a,a\n')  # found by this test: a closing quote before the opening one
@example(b'id,v,w\nr,"a,",c\n')
@example(b'"id","v","w"\n"r0","a","a"\n"r2","q,"q",xa"\n')  # found by this test: text after a closing quote that follows a comma
def test_fast_path_agrees_with_the_exact_path(data: bytes) -> None:
    fast = csvread._read_fast("t.csv", data)
    if fast is None:
        return  # declined: the exact path reads it
    exact = csvread._read_exact("t.csv", data)
    assert fast.header == exact.header
    assert all(len(r) == len(exact.header) for r in exact.records)
    assert [list(r.values()) for r in fast.arrow.to_pylist()] == [[c or None for c in r] for r in exact.records]
    assert exact.lines == list(range(2, len(exact.records) + 2))
    assert sorted((f.kind, f.line, f.column) for f in fast.findings) == sorted((f.kind, f.line, f.column) for f in exact.findings)


def test_declines_what_it_cannot_vouch_for() -> None:
    for data in [
        b'id,v\nr1,a",b\n',
        b'id,v\nr1,a""b\n',
        b'id,v\nr1,"a"b\n',
        b"id,v\r\nr1,a\r\n",
        b"id,v\n\nr1,a\n",
        b'id,v\nr1,"a\nb"\n',
        b"id,v\nr1,a,b\n",
        b"id,id\nr1,a\n",
        b"id,v\nr1,caf\xe9\n",
    ]:
        assert csvread._read_fast("t.csv", data) is None, data


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='a,"\n\ré', max_size=24))
@example('"a""b",c\n')
@example('"q,"q",xa')
@example('a"b')
@example('"unclosed,')
@example('"x"y')
@example("a,b,\r\nmore")
def test_the_record_pattern_accepts_what_the_scan_accepts(record: str) -> None:
    """The regular expression tried first accepts exactly the records the character scan finds
    no quoting error in."""
    assert (csvread._GOOD_RECORD.fullmatch(record) is not None) == (csvread._quote_error_at(record) is None)


def test_a_long_quoted_cell_is_one_pass() -> None:
    cell = '"' + 'ab""' * 250_000 + '"'
    assert csvread.quote_error(f"{cell},x\n") is None
    assert csvread.quote_error(f"{cell}x,y\n") == (len(cell), "text follows the closing quote of a cell")


def test_a_decomposed_cell_is_found_on_the_fast_path(tmp_path, monkeypatch) -> None:
    """On the fast path TX901 normalises only the lines the reader saw a suspect character on:
    its failing case, read that way, still reports its cell."""
    from casepkg import CASES, build_case, expected

    from validator import validate
    from validator.reading.package import Package

    monkeypatch.setattr(csvread, "FAST_PATH_MIN_BYTES", 0)  # every file read by the fast path
    pkg = build_case(CASES / "TX901", tmp_path / "pkg")
    loaded = Package.load(pkg)
    assert loaded.tables["entities"].csv.arrow is not None and loaded.tables["entities"].csv.chars.nfc_lines
    loaded.close()
    report = validate(pkg, max_per_group=0)
    assert {(p.code, p.path, p.line, p.column) for p in report.problems} == expected(CASES / "TX901", pkg)


def _same_reading(a: csvread.CsvFile | None, b: csvread.CsvFile | None) -> bool:
    if a is None or b is None:
        return a is b
    return (
        a.header == b.header
        and a.size == b.size
        and a.findings == b.findings
        and a.chars == b.chars
        and a.rows_usable == b.rows_usable
        and ((a.arrow is None and b.arrow is None) or (a.arrow is not None and b.arrow is not None and a.arrow.equals(b.arrow)))
    )


@settings(max_examples=300, deadline=None)
@given(files(), st.sampled_from([16, 24, 64]), st.booleans(), st.sampled_from(["", "e\u0301", "\u212b", "ñ"]))
@example(b'"id","v","w"\n"r0","a","a"\n"r2","q,"q",xa"\n', 16, False, "")
def test_a_file_read_in_pieces_reads_as_read_whole(data: bytes, piece: int, bom: bool, extra: str) -> None:
    """The fast path looks at a file a piece at a time (a large one read from disk piece by
    piece); with pieces of a few lines it answers as with one piece holding the whole file."""
    import tempfile
    from pathlib import Path

    data = (csvread.BOM if bom else b"") + data.replace(b"r0", ("r0" + extra).encode("utf-8"))
    whole = csvread._read_fast("t.csv", data)
    with pytest.MonkeyPatch.context() as mp, tempfile.TemporaryDirectory() as tmp:
        mp.setattr(csvread, "SCAN_CHUNK", piece)
        mp.setattr(csvread, "FAST_PATH_MIN_BYTES", 1)
        in_pieces = csvread._read_fast("t.csv", data)
        path = Path(tmp) / "t.csv"
        path.write_bytes(data)
        from_file = csvread.read_csv_file("t.csv", path)
    longest = max(len(line) + 1 for line in data.split(b"\n"))
    if in_pieces is None and whole is not None:
        assert longest > piece  # a line longer than a piece: declined, as any line over the cell limit is
    else:
        assert _same_reading(in_pieces, whole)
    # from the file, the same pieces: the same answer, or the exact path where they declined
    if in_pieces is not None:
        assert from_file.source == path
        from_file.source = None
        assert _same_reading(from_file, in_pieces)
    else:
        assert from_file.arrow is None


def test_a_file_the_fast_path_declines_is_read_once_more_by_the_exact_path_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large file the fast path turns down (here: a record spanning two lines) goes straight
    to the exact path: the byte scan and pyarrow's parse are not run on it a second time."""
    calls: list[str] = []
    real = csvread._fast
    monkeypatch.setattr(csvread, "_fast", lambda *a, **k: calls.append("fast") or real(*a, **k))
    monkeypatch.setattr(csvread, "FAST_PATH_MIN_BYTES", 1)
    path = tmp_path / "t.csv"
    path.write_bytes(b'id,v\nr1,"two\nlines"\nr2,x\n')
    parsed = csvread.read_csv_file("t.csv", path)
    assert calls == ["fast"]
    assert parsed.arrow is None and parsed.records == [["r1", "two\nlines"], ["r2", "x"]]


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_CSV_BYTES", 10)
    path = tmp_path / "t.csv"
    path.write_bytes(b"id,v\nr1,a-long-enough-cell\n")
    parsed = csvread.read_csv_file("t.csv", path)
    assert not parsed.rows_usable and [f.kind for f in parsed.findings] == ["too_large"]
