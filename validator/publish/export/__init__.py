"""Exporters: one module per release format, sharing one small interface (as followthemoney's do).

``tda build`` (``validator/publish/build.py``) makes one ``Release`` (where to write, the typed records,
the seed files, the package metadata), then for each exporter in ``exporters()``: constructs it,
calls ``write(table, records)`` once per table in the model's order, then ``finalize()``, which
writes what the format needs whole and returns the paths it wrote (relative to the release).

An exporter imports its heavy library (followthemoney, networkx ...) inside the module that
needs it, and writes deterministic bytes: stable row and key order, no timestamps.
"""

from __future__ import annotations

from .base import Exporter, Release, dump_json, missing_modules

__all__ = ["Exporter", "Release", "dump_json", "exporters", "missing_modules"]


def exporters() -> list[type[Exporter]]:
    """The release formats, in the order a build writes them."""
    from .annotations import AnnotationsExporter
    from .citation import CitationExporter
    from .codebook import CodebookExporter
    from .datapackage import DataPackageExporter
    from .ftm import FtMExporter
    from .geo import GeoJSONExporter
    from .graph import GraphExporter
    from .jsonfiles import JSONExporter
    from .parquet import ParquetExporter
    from .sqlite import SQLiteExporter
    from .xlsx import XlsxExporter

    return [
        DataPackageExporter,
        JSONExporter,
        ParquetExporter,
        SQLiteExporter,
        XlsxExporter,
        CodebookExporter,
        AnnotationsExporter,
        GeoJSONExporter,
        GraphExporter,
        FtMExporter,
        CitationExporter,
    ]
