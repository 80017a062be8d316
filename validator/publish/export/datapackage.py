"""The Frictionless Data Package itself: datapackage.json, data/*.csv, schemas/, seeds/, the data dictionary
and the data's changelog (DATA-CHANGELOG.md).

This is what makes a release self-contained: ``tda validate`` and ``frictionless validate`` pass
on it as they do on the repository. Unredacted, every file is copied byte for byte; redacted,
the CSV files are written again from the redacted records (same dialect: UTF-8, LF, RFC 4180
minimal quoting, ``|``-joined lists, rows sorted by id) and the seeds are the redacted texts.
"""

from __future__ import annotations

import csv
import io
import json

from ...reading.model import Table
from ..api import Record, csv_cell
from .base import Exporter, dump_json

# Files of the package that travel with every release, when present.
EXTRA_FILES = ("LICENSE-DATA.md", "DATA-CHANGELOG.md", "docs/data-dictionary.md")


def csv_text(table: Table, records: list[Record]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.field_names)
    for rec in records:
        writer.writerow([csv_cell(f, rec.get(f.name)) for f in table.fields])
    return buf.getvalue()


class DataPackageExporter(Exporter):
    NAME = "datapackage"
    TITLE = "Data Package (CSV, schemas, seeds)"

    def finalize(self) -> list[str]:
        r = self.release
        files = []
        for table, records in self.tables.values():
            if r.redacted:
                files.append(r.write_text(table.path, csv_text(table, records)))
            else:
                files.append(r.write_bytes(table.path, (r.package_root / table.path).read_bytes()))
            schema = table.schema_path
            files.append(r.write_bytes(schema, (r.package_root / schema).read_bytes()))
        for rel, data in sorted(r.seeds.items()):
            files.append(r.write_bytes(f"seeds/{rel}", data))
        for rel in EXTRA_FILES:
            src = r.package_root / rel
            if src.is_file():
                files.append(r.write_bytes(rel, src.read_bytes()))
        files.append(r.write_text("datapackage.json", self.descriptor_text()))
        return files

    def descriptor_text(self) -> str:
        r = self.release
        if not r.redacted:
            return (r.package_root / "datapackage.json").read_text(encoding="utf-8")
        descriptor = json.loads((r.package_root / "datapackage.json").read_text(encoding="utf-8"))
        note = (
            f"This release replaces the {r.protected_count} protected person(s) by neutral placeholders "
            "(tda build --redact-protected): names, aliases, descriptions, quotes and ids."
        )
        descriptor["description"] = (descriptor.get("description", "") + " " + note).strip()
        descriptor["x-redacted"] = True
        return dump_json(descriptor)
