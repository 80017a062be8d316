"""CITATION.cff (Citation File Format 1.2.0): how to cite the release, and the reporting it rests on.

Built from datapackage.json: title, version, ``created`` as the release date, description,
keywords, contributors as authors, the licence, and one reference per source (from the
sources table: title, publisher, URL, the date it was retrieved).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import Exporter

if TYPE_CHECKING:
    from ..recordbase import Record

# CFF reference types for the sources table's source_type.
REFERENCE_TYPES = {
    "journalism": "article",
    "official_record": "report",
    "court_record": "report",
    "ngo_report": "report",
    "academic": "article",
    "other": "generic",
}


class CitationExporter(Exporter):
    NAME = "citation"
    TITLE = "CITATION.cff"

    def citation(self) -> dict[str, Any]:
        r = self.release
        desc = r.descriptor
        cff: dict[str, Any] = {
            "cff-version": "1.2.0",
            "message": "If you use this dataset, please cite it as below, and cite the reporting it is based on (see references).",
            "type": "dataset",
            "title": desc.get("title", r.name),
            "version": r.version,
            "date-released": r.created.isoformat(),
            "authors": [{"name": c["title"]} for c in desc.get("contributors", []) if c.get("title")],
        }
        abstract = desc.get("description")
        if r.redacted:
            abstract = (abstract or "") + " Redacted release: protected persons are replaced by placeholders."
        if abstract:
            cff["abstract"] = abstract.strip()
        if desc.get("keywords"):
            cff["keywords"] = list(desc["keywords"])
        licence = (desc.get("licenses") or [{}])[0]
        if licence.get("name"):
            cff["license"] = licence["name"]
        if str(licence.get("path", "")).startswith("http"):
            cff["license-url"] = licence["path"]
        if desc.get("homepage"):
            cff["url"] = desc["homepage"]
        refs = [self.reference(src) for src in r.dataset.tables.get("sources", [])]
        if refs:
            cff["references"] = refs
        return cff

    @staticmethod
    def reference(src: Record) -> dict[str, Any]:
        ref: dict[str, Any] = {
            "type": REFERENCE_TYPES.get(src.get("source_type", ""), "generic"),
            "title": src["title"],
            "authors": [{"name": src["publisher"]}],
            "publisher": {"name": src["publisher"]},
        }
        if src.get("url"):
            ref["url"] = src["url"]
        if src.get("retrieved"):
            ref["date-accessed"] = src["retrieved"]
        if src.get("language"):
            ref["languages"] = [src["language"].split("-")[0].lower()]  # CFF wants ISO 639, not a BCP 47 tag
        return ref

    def finalize(self) -> list[str]:
        import yaml  # yaml loads on first use: every tda command would pay its start-up time otherwise

        text = yaml.safe_dump(self.citation(), sort_keys=False, allow_unicode=True, width=100)
        return [self.release.write_text("CITATION.cff", text)]
