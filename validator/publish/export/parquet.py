"""Parquet: one typed file per table, ``parquet/<table>.parquet`` (pyarrow, zstd).

Column types follow the schema: text and EDTF dates ``string``, ``retrieved`` ``date32``,
integers ``int64``, numbers ``float64``, booleans ``bool``, lists ``list<string>``; required
columns are non-nullable. After the package's columns come the derived ones
(``validator/publish/derived.py``): ``<field>_earliest``/``<field>_latest`` as ``date32`` for
every EDTF column, ``category`` on relations. Column and table descriptions travel as field and
schema metadata.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from ...reading.model import Field, Table
from ..api import Record
from ..derived import release_table
from .base import Exporter

if TYPE_CHECKING:
    import pyarrow as pa


def arrow_type(f: Field) -> pa.DataType:
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    types: dict[str, pa.DataType] = {
        "integer": pa.int64(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "list": pa.list_(pa.string()),
    }
    return types.get(f.kind, pa.string())


def arrow_schema(table: Table) -> pa.Schema:
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    fields = [
        pa.field(f.name, arrow_type(f), nullable=not f.required, metadata={"description": f.description}) for f in table.fields
    ]
    meta: dict[str | bytes, str | bytes] = {
        "table": table.name,
        "description": table.description,
        "primary_key": ",".join(table.primary_key),
    }
    return pa.schema(fields, metadata=meta)


def _column(f: Field, values: list[Any]) -> list[Any]:
    if f.kind == "date":
        return [date.fromisoformat(v) if v is not None else None for v in values]
    return values


def arrow_table(table: Table, records: list[Record]) -> pa.Table:
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    schema = arrow_schema(table)
    columns = [pa.array(_column(f, [r.get(f.name) for r in records]), type=arrow_type(f)) for f in table.fields]
    return pa.Table.from_arrays(columns, schema=schema)


class ParquetExporter(Exporter):
    NAME = "parquet"
    TITLE = "Parquet"

    def write(self, table: Table, records: list[Record]) -> None:
        super().write(release_table(self.release.dataset.model, table), records)

    def finalize(self) -> list[str]:
        import pyarrow.parquet as pq  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

        files = []
        for name, (table, records) in self.tables.items():
            rel = f"parquet/{name}.parquet"
            pq.write_table(arrow_table(table, records), self.release.path(rel), compression="zstd")
            files.append(rel)
        return files
