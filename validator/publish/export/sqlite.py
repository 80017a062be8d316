"""SQLite: every table in one database, ``sqlite/<name>.db``, with ``sqlite/metadata.json`` for Datasette.

- Primary and foreign keys are declared, and every key column is indexed.
- ``citations.record_id`` names a row of whichever table its prefix stands for, which no SQL
  foreign key can express. The database keeps ``record_id`` as it is and adds an exclusive arc:
  ``record_table`` (the table named) and one column per citable table (``record_entities``,
  ``record_locations`` ...), each a declared foreign key holding the id when it points there and
  NULL otherwise; a CHECK constraint holds exactly one of them set. So ``PRAGMA
  foreign_key_check`` covers citations too, and Datasette links each citation to its row.
  ``retired.replaced_by`` gets the same arc (``replaced_by_table``, ``replaced_by_entities`` ...),
  but may be empty: then none of its arc columns is set.
- Lists (``aliases``) are JSON arrays in TEXT; booleans are 0/1; dates are text (EDTF).
- After the package's columns come the derived ones (``validator/publish/derived.py``):
  ``<field>_earliest``/``<field>_latest`` (ISO dates in TEXT, NULL for an open or unknown end)
  for every EDTF column, ``category`` on relations.
- Full-text search (FTS5, diacritics ignored): a ``<table>_fts`` index over each table's
  names, aliases, titles, descriptions, quotes and notes, in the form Datasette detects.
- The codebook (``codebook.py``) as two more tables: ``codebook_columns`` (every column, its
  type, whether it is required, its description and constraints) and ``codebook_vocabularies``
  (every vocabulary term and its meaning), all TEXT as in ``codebook/*.csv``.
- The file is written in one transaction and vacuumed: the same records give the same bytes.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ...errors import CannotRun
from ...reading.model import Field, Table
from ..api import Record
from ..derived import release_table
from .base import Exporter, dump_json
from .codebook import COLUMNS_HEADER, VOCABULARIES_HEADER, Row, column_rows, vocabulary_rows

SEARCHABLE = ("name", "aliases", "title", "description", "quote", "note")
LABEL_COLUMNS = ("name", "title")
TOKENIZER = "unicode61 remove_diacritics 2"
CODEBOOK_TABLES = {
    "codebook_columns": "The codebook: every column of every table, its type, whether it is required, its description "
    "and its constraints (codebook/columns.csv).",
    "codebook_vocabularies": "The codebook: every term of every vocabulary column and what it means; for relation types "
    "also the category, the inverse reading and whether the type reads both ways (codebook/vocabularies.csv).",
}


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def sql_type(f: Field) -> str:
    return {"integer": "INTEGER", "boolean": "INTEGER", "number": "REAL"}.get(f.kind, "TEXT")


def sql_value(f: Field, value: Any) -> Any:
    if value is None:
        return None
    if f.kind == "list":
        return json.dumps(value, ensure_ascii=False)
    if f.kind == "boolean":
        return int(value)
    return value


def arc_columns(table: Table) -> list[tuple[str, str, str, str]]:
    """(polymorphic field, prefix, target table, arc column) for each exclusive-arc column."""
    out = []
    for fname, by_prefix in table.polymorphic.items():
        base = fname.removesuffix("_id")
        for prefix, target in sorted(by_prefix.items(), key=lambda kv: kv[1]):
            out.append((fname, prefix, target, f"{base}_{target}"))
    return out


def create_table_sql(table: Table) -> str:
    cols = [f"  {q(f.name)} {sql_type(f)}{' NOT NULL' if f.required else ''}" for f in table.fields]
    constraints = [f"  PRIMARY KEY ({', '.join(q(c) for c in table.primary_key)})"]
    constraints += [f"  FOREIGN KEY ({q(fk.field)}) REFERENCES {q(fk.resource)}({q(fk.ref_field)})" for fk in table.foreign_keys]
    for fname in table.polymorphic:
        base = fname.removesuffix("_id")
        arcs = [a for a in arc_columns(table) if a[0] == fname]
        cols.append(f"  {q(base + '_table')} TEXT")
        cols += [f"  {q(col)} TEXT" for _, _, _, col in arcs]
        constraints += [f"  FOREIGN KEY ({q(col)}) REFERENCES {q(target)}({q('id')})" for _, _, target, col in arcs]
        arcs_set = " + ".join(f"({q(col)} IS NOT NULL)" for _, _, _, col in arcs)
        # One arc for a reference, none for an empty one (a tombstone that nothing replaces).
        constraints.append(f"  CHECK ({arcs_set} = ({q(fname)} IS NOT NULL))")
    return f"CREATE TABLE {q(table.name)} (\n" + ",\n".join(cols + constraints) + "\n)"


def key_columns(table: Table) -> list[str]:
    cols = [fk.field for fk in table.foreign_keys] + list(table.polymorphic)
    cols += [a[3] for a in arc_columns(table)]
    return cols


def row_values(table: Table, rec: Record) -> list[Any]:
    values = [sql_value(f, rec.get(f.name)) for f in table.fields]
    for fname, by_prefix in table.polymorphic.items():
        ref = rec.get(fname) or ""
        target = by_prefix.get(ref.split("-", 1)[0])
        values.append(target)
        values += [ref if t == target else None for f2, _, t, _ in arc_columns(table) if f2 == fname]
    return values


def searchable(table: Table) -> list[str]:
    return [f.name for f in table.fields if f.name in SEARCHABLE]


class SQLiteExporter(Exporter):
    NAME = "sqlite"
    TITLE = "SQLite (+ Datasette metadata)"

    def write(self, table: Table, records: list[Record]) -> None:
        super().write(release_table(self.release.dataset.model, table), records)

    def finalize(self) -> list[str]:
        r = self.release
        rel = f"sqlite/{r.name}.db"
        path = r.path(rel)
        if path.exists():
            path.unlink()
        self._write_database(str(path))
        meta = r.write_text("sqlite/metadata.json", dump_json(self.datasette_metadata()))
        return [rel, meta]

    def _write_database(self, path: str) -> None:

        con = sqlite3.connect(path, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode = OFF")  # a new file written once: no journal to leave behind
            con.execute("BEGIN")
            for table, records in self.tables.values():
                con.execute(create_table_sql(table))
                marks = ", ".join("?" * (len(table.fields) + sum(1 + len(a) for a in table.polymorphic.values())))
                con.executemany(f"INSERT INTO {q(table.name)} VALUES ({marks})", (row_values(table, rec) for rec in records))
                for col in key_columns(table):
                    con.execute(f"CREATE INDEX {q(f'idx_{table.name}_{col}')} ON {q(table.name)} ({q(col)})")
                cols = searchable(table)
                if cols:
                    fts = f"{table.name}_fts"
                    con.execute(
                        f"CREATE VIRTUAL TABLE {q(fts)} USING FTS5 ({', '.join(f'[{c}]' for c in cols)}, "
                        f"content=[{table.name}], tokenize='{TOKENIZER}')"
                    )
                    con.execute(f"INSERT INTO {q(fts)} ({q(fts)}) VALUES ('rebuild')")
            self._write_codebook(con)
            broken = con.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise CannotRun(f"SQLite foreign key check failed: {broken[:5]}", hint="run `tda validate` on the package")
            con.execute("COMMIT")
            con.execute("VACUUM")
        finally:
            con.close()

    def codebook(self) -> dict[str, tuple[tuple[str, ...], list[Row]]]:
        model = self.release.dataset.model
        clash = sorted(set(CODEBOOK_TABLES) & set(model.tables))
        if clash:
            raise CannotRun(f"the package has a table named {clash[0]}, which the SQLite release uses for the codebook")
        return {
            "codebook_columns": (COLUMNS_HEADER, column_rows(model)),
            "codebook_vocabularies": (VOCABULARIES_HEADER, vocabulary_rows(model)),
        }

    def _write_codebook(self, con: Any) -> None:
        for name, (header, rows) in self.codebook().items():
            cols = ",\n".join(f"  {q(c)} TEXT NOT NULL" for c in header)
            con.execute(f"CREATE TABLE {q(name)} (\n{cols}\n)")
            con.executemany(f"INSERT INTO {q(name)} VALUES ({', '.join('?' * len(header))})", rows)

    def datasette_metadata(self) -> dict[str, Any]:
        """metadata.json for ``datasette serve -m``: titles, licence, source, table and column descriptions."""
        desc = self.release.descriptor
        out: dict[str, Any] = {"title": desc.get("title", self.release.name)}
        if desc.get("description"):
            out["description"] = desc["description"]
        licenses = desc.get("licenses") or [{}]
        if licenses[0].get("name"):
            out["license"] = licenses[0]["name"]
        if licenses[0].get("path"):
            out["license_url"] = licenses[0]["path"]
        sources = desc.get("sources") or [{}]
        if sources[0].get("title"):
            out["source"] = sources[0]["title"]
        if sources[0].get("path"):
            out["source_url"] = sources[0]["path"]
        tables: dict[str, Any] = {}
        for table, _ in self.tables.values():
            meta: dict[str, Any] = {"description": table.description, "columns": {f.name: f.description for f in table.fields}}
            for fname in table.polymorphic:
                base = fname.removesuffix("_id")
                meta["columns"][f"{base}_table"] = f"The table {fname} names (from its prefix)."
                for _, _, target, col in (a for a in arc_columns(table) if a[0] == fname):
                    meta["columns"][col] = f"{fname} when it names a row of {target} (a foreign key SQLite checks); else empty."
            label = next((c for c in LABEL_COLUMNS if table.field(c) is not None), None)
            if label:
                meta["label_column"] = label
            facets = [f.name for f in table.fields if f.enum]
            if facets:
                meta["facets"] = facets
            tables[table.name] = meta
        for name, description in CODEBOOK_TABLES.items():
            tables[name] = {"description": description, "facets": ["table"]}
        out["databases"] = {self.release.name: {"tables": tables}}
        return out
