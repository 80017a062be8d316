"""The Excel workbook and the codebook of a release: read back with openpyxl and pandas, compared
with the CSV tables and the schemas; text that looks like a formula stays text; same bytes twice.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from casepkg import build_base

from validator.publish.api import dataset_from_package
from validator.publish.build import BuildResult, build
from validator.publish.export import Release
from validator.publish.export.xlsx import XlsxExporter
from validator.reading.model import load_model
from validator.reading.package import Package

ROOT = Path(__file__).resolve().parents[1]
PKG = "tda-test-base"
# Text a spreadsheet would run as a formula if it were written as one.
FORMULAS = ['=HYPERLINK("http://example.org","x")', "+1+1", "-2+3", "@SUM(A1:A2)"]


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_base(tmp_path_factory.mktemp("xlsxpkg") / "p")


@pytest.fixture(scope="module")
def release(package: Path, tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    return build(package, tmp_path_factory.mktemp("xlsxdist"))


def _workbook(release: BuildResult) -> Path:
    return release.directory / "excel" / f"{PKG}.xlsx"


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_workbook_has_a_readme_every_table_and_the_codebook(release: BuildResult) -> None:
    wb = openpyxl.load_workbook(_workbook(release))
    tables = list(load_model(release.directory / "schemas").tables)
    assert wb.sheetnames == ["README", *tables, "codebook", "vocabularies"]
    readme = {row[0]: row[1] for row in wb["README"].iter_rows(values_only=True) if row[0]}
    descriptor = json.loads((release.directory / "datapackage.json").read_text(encoding="utf-8"))
    assert readme["version"] == descriptor["version"]
    assert descriptor["licenses"][0]["name"] in readme["licence"]
    assert descriptor["title"] in readme["how to cite"]
    for t in tables:  # the README says what each sheet is
        assert t in readme
    for name in tables:
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert ws.column_dimensions["A"].width >= 6


def _as_csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def test_every_sheet_holds_its_csv_table_cell_for_cell(release: BuildResult) -> None:
    wb = openpyxl.load_workbook(_workbook(release))
    model = load_model(release.directory / "schemas")
    for table in model.tables.values():
        rows = list(wb[table.name].iter_rows(values_only=True))
        assert list(rows[0]) == table.field_names
        expected = _csv(release.directory / table.path)
        assert len(rows) - 1 == len(expected), table.name
        for got, want in zip(rows[1:], expected, strict=True):
            for f, value in zip(table.fields, got, strict=True):
                if f.kind == "number" and value is not None:
                    assert float(want[f.name]) == value
                else:
                    assert _as_csv_cell(value) == want[f.name], (table.name, f.name)


def test_pandas_reads_the_same_frames_from_the_workbook_and_the_csv(release: BuildResult) -> None:
    sheets = pd.read_excel(_workbook(release), sheet_name=None, keep_default_na=False, na_values=[""])
    for table in load_model(release.directory / "schemas").tables.values():
        from_csv = pd.read_csv(release.directory / table.path, keep_default_na=False, na_values=[""])
        pd.testing.assert_frame_equal(sheets[table.name], from_csv, check_dtype=False)
    columns = pd.read_csv(release.directory / "codebook/columns.csv", dtype=str, keep_default_na=False)
    sheet = pd.read_excel(_workbook(release), sheet_name="codebook", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(sheet, columns)


def test_formula_like_text_is_written_as_text(package: Path, tmp_path: Path) -> None:
    """TX904 keeps such text out of a valid package; the workbook does not rely on it."""
    dataset = dataset_from_package(Package.load(package))
    entities = [{**rec} for rec in dataset.tables["entities"]]
    for rec, text in zip(entities, FORMULAS, strict=False):
        rec["description"] = text
    dataset = dataset.replace_tables({**dataset.tables, "entities": entities})
    exporter = XlsxExporter(Release(tmp_path, dataset, {}, package))
    for table in dataset.model.tables.values():
        exporter.write(table, dataset.tables[table.name])
    path = tmp_path / exporter.finalize()[0]
    wb = openpyxl.load_workbook(path)
    ws = wb["entities"]
    header = [c.value for c in ws[1]]
    cells = [row[header.index("description")] for row in ws.iter_rows(min_row=2)]
    texts = {c.value for c in cells}
    assert set(FORMULAS) <= texts
    for c in cells:
        if c.value in FORMULAS:
            assert c.data_type == "s", c.value  # a string, not "f" (formula)
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in zf.read(name), name


def test_two_builds_give_the_same_workbook(package: Path, release: BuildResult, tmp_path: Path) -> None:
    again = build(package, tmp_path)
    assert _workbook(again).read_bytes() == _workbook(release).read_bytes()
    with zipfile.ZipFile(_workbook(release)) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = zf.read("docProps/core.xml").decode("utf-8")
    created = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))["created"][:10]
    assert f">{created}T00:00:00Z</dcterms:created>" in core and f">{created}T00:00:00Z</dcterms:modified>" in core


# --- the codebook ----------------------------------------------------------------------------------


def test_the_codebook_lists_every_column_and_term_of_the_schemas(release: BuildResult) -> None:
    columns = _csv(release.directory / "codebook/columns.csv")
    terms = _csv(release.directory / "codebook/vocabularies.csv")
    listed = {(r["table"], r["column"]): r for r in columns}
    listed_terms = {(r["table"], r["column"], r["term"]): r for r in terms}
    n_columns = n_terms = 0
    for path in sorted((ROOT / "schemas").glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        table = schema["x-table"]["name"]
        for name, prop in schema["properties"].items():
            n_columns += 1
            row = listed[(table, name)]
            assert row["description"] == prop.get("description", "")
            types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
            assert row["required"] == ("false" if "null" in types or "array" in types else "true"), (table, name)
            for term in prop.get("enum") or []:
                if term is None:
                    continue
                n_terms += 1
                meaning = listed_terms[(table, name, term)]["meaning"]
                assert meaning and meaning == prop.get("x-enumDescriptions", {}).get(term, meaning)
            for term, info in prop.get("x-relationTypes", {}).items():
                assert listed_terms[(table, name, term)]["category"] == str(info.get("category", ""))
    assert (len(columns), len(terms)) == (n_columns, n_terms)
    assert listed[("relations", "subject_id")]["references"] == "entities.id"
    assert "ent- entities.id" in listed[("citations", "record_id")]["references"]


def test_the_sqlite_database_holds_the_codebook(release: BuildResult) -> None:
    con = sqlite3.connect(release.directory / "sqlite" / f"{PKG}.db")
    try:
        for table, path in (("codebook_columns", "columns.csv"), ("codebook_vocabularies", "vocabularies.csv")):
            rows = con.execute(f"SELECT * FROM {table}").fetchall()
            header = [d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description]
            expected = _csv(release.directory / "codebook" / path)
            assert header == list(expected[0])
            assert rows == [tuple(r.values()) for r in expected]
    finally:
        con.close()
    meta = json.loads((release.directory / "sqlite" / "metadata.json").read_text(encoding="utf-8"))
    assert "codebook_columns" in meta["databases"][PKG]["tables"]
