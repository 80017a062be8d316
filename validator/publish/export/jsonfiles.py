"""JSON: one file per table, ``json/<table>.json``, an array of typed records.

The package's columns are typed as ``schemas/<table>.schema.json`` describes them: lists as
arrays, booleans as ``true``/``false``, numbers as numbers, an empty cell as ``null`` (an empty
list as ``[]``). The derived columns follow (``validator/publish/derived.py``:
``<field>_earliest``/``<field>_latest`` ISO dates, ``category`` on relations); without them a
record validates against the schema.
"""

from __future__ import annotations

from .base import Exporter, dump_json


class JSONExporter(Exporter):
    NAME = "json"
    TITLE = "JSON records"

    def finalize(self) -> list[str]:
        return [self.release.write_text(f"json/{name}.json", dump_json(records)) for name, (_, records) in self.tables.items()]
