"""W3C Web Annotations: ``annotations.jsonld``, every citation as the quote where it was written.

One AnnotationCollection (https://www.w3.org/TR/annotation-model/) holding one page with one
Annotation per citation whose quote is found in its stored source text (in a valid package:
every one), in citation id order:

- ``id``: ``#<citation id>`` (relative to the file);
- ``motivation``: ``linking`` (the passage is linked to the row of data it supports);
- ``target``: a SpecificResource whose ``source`` is the source's ``url`` (the stored file's path
  when the source has no URL), whose ``state`` is a TimeState with the stored copy (``cached``:
  ``seeds/<file>``, and the day it was retrieved), and two selectors into that stored copy: a
  TextQuoteSelector (``exact``, and up to 32 characters of ``prefix`` and ``suffix``) and a
  TextPositionSelector (``start``, ``end``: Unicode code points of the file's text, end
  exclusive). Positions are those of ``validator.reading.textspans.SourceText``: the quote is
  found under the quote check's normalisation and mapped back to the file's own characters, so
  ``exact`` is the file's text between ``start`` and ``end`` (typographic quote marks and line
  breaks as stored), and the site marks the same range (``data-char``);
- ``body``: the row it supports, a SpecificResource of ``data/<table>.csv`` with an RFC 7111
  fragment (``row=N``, the header being row 1) and the table and record id; and, when the
  citation has a note, a TextualBody with the note (purpose ``commenting``).
"""

from __future__ import annotations

from typing import Any

from ...reading.textspans import SourceText
from ..api import Record
from .base import Exporter, dump_json

PATH = "annotations.jsonld"
CONTEXT: list[Any] = [
    "http://www.w3.org/ns/anno.jsonld",
    {
        "tda": "urn:x-tda:vocab:",
        "table": "tda:table",
        "recordId": "tda:recordId",
        "citationId": "tda:citationId",
        "sourceId": "tda:sourceId",
    },
]
CONTEXT_CHARS = 32  # characters of prefix and suffix
RFC7111 = "http://tools.ietf.org/rfc/rfc7111"


def text_of(data: bytes | None) -> str | None:
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


class AnnotationsExporter(Exporter):
    NAME = "annotations"
    TITLE = "Web Annotations (JSON-LD)"

    def finalize(self) -> list[str]:
        return [self.release.write_text(PATH, dump_json(self.collection()))]

    def rows(self) -> dict[str, tuple[str, str, int]]:
        """record id -> (table, CSV path, RFC 7111 row number: the header is row 1)."""
        out: dict[str, tuple[str, str, int]] = {}
        for table, records in self.tables.values():
            if table.tombstones:
                continue
            for n, rec in enumerate(records, 2):
                out.setdefault(str(rec.get("id")), (table.name, table.path, n))
        return out

    def collection(self) -> dict[str, Any]:
        r = self.release
        items = self.annotations()
        title = str(r.descriptor.get("title") or r.name)
        return {
            "@context": CONTEXT,
            "id": "",
            "type": "AnnotationCollection",
            "label": f"{title}, version {r.version}: every citation's quote in its source",
            "total": len(items),
            "first": {"id": "#page1", "type": "AnnotationPage", "startIndex": 0, "items": items},
        }

    def annotations(self) -> list[dict[str, Any]]:
        ds = self.release.dataset
        sources = {s["id"]: s for s in ds.tables.get("sources", [])}
        texts: dict[str, SourceText | None] = {}
        rows = self.rows()
        out = []
        for cit in sorted(ds.tables.get("citations", []), key=lambda c: c["id"]):
            src = sources.get(cit.get("source_id") or "")
            if src is None:
                continue
            sid = src["id"]
            if sid not in texts:
                text = text_of(self.release.seeds.get(src.get("path") or ""))
                texts[sid] = SourceText(text) if text is not None else None
            st = texts[sid]
            at = st.locate(cit["quote"]) if st is not None else None
            if st is None or at is None:
                continue
            out.append(self.annotation(cit, src, st.text, at, rows.get(cit["record_id"])))
        return out

    def annotation(
        self, cit: Record, src: Record, text: str, at: tuple[int, int], row: tuple[str, str, int] | None
    ) -> dict[str, Any]:
        start, end = at
        state: dict[str, Any] = {"type": "TimeState", "cached": f"seeds/{src['path']}"}
        if src.get("retrieved"):
            state["sourceDate"] = f"{src['retrieved']}T00:00:00Z"
        target = {
            "type": "SpecificResource",
            "source": src.get("url") or f"seeds/{src['path']}",
            "sourceId": src["id"],
            "state": state,
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": text[start:end],
                    "prefix": text[max(0, start - CONTEXT_CHARS) : start],
                    "suffix": text[end : end + CONTEXT_CHARS],
                },
                {"type": "TextPositionSelector", "start": start, "end": end},
            ],
        }
        record: dict[str, Any] = {"type": "SpecificResource", "recordId": cit["record_id"]}
        if row is not None:
            table, path, n = row
            record.update(
                table=table, source=path, selector={"type": "FragmentSelector", "conformsTo": RFC7111, "value": f"row={n}"}
            )
        body: list[dict[str, Any]] = [record]
        if cit.get("note"):
            body.append({"type": "TextualBody", "purpose": "commenting", "format": "text/plain", "value": cit["note"]})
        return {
            "id": f"#{cit['id']}",
            "type": "Annotation",
            "citationId": cit["id"],
            "motivation": "linking",
            "body": body,
            "target": target,
        }
