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
    from .annotations import AnnotationsExporter  # the formats load when a build asks for them, not when tda starts
    from .citation import CitationExporter  # the formats load when a build asks for them, not when tda starts
    from .codebook import CodebookExporter  # the formats load when a build asks for them, not when tda starts
    from .datapackage import DataPackageExporter  # the formats load when a build asks for them, not when tda starts
    from .ftm import FtMExporter  # the formats load when a build asks for them, not when tda starts
    from .geo import GeoJSONExporter  # the formats load when a build asks for them, not when tda starts
    from .graph import GraphExporter  # the formats load when a build asks for them, not when tda starts
    from .jsonfiles import JSONExporter  # the formats load when a build asks for them, not when tda starts
    from .parquet import ParquetExporter  # the formats load when a build asks for them, not when tda starts
    from .sqlite import SQLiteExporter  # the formats load when a build asks for them, not when tda starts
    from .xlsx import XlsxExporter  # the formats load when a build asks for them, not when tda starts

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
