"""annotations.jsonld: every citation as a W3C Web Annotation whose selectors point at its quote
in the stored source text, and the site marking the same characters.

Built from the real package (its quotes hold typographic quote marks and line breaks that the
PV402 normalisation absorbs), once with the site.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from validator.publish.build import BuildResult, build
from validator.reading.textnorm import normalize

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    return build(ROOT, tmp_path_factory.mktemp("annotations"), site=True)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def annotations(release: BuildResult) -> dict:
    return json.loads((release.directory / "annotations.jsonld").read_text(encoding="utf-8"))


def test_one_annotation_per_citation(release: BuildResult, annotations: dict) -> None:
    citations = _rows(release.directory / "data/citations.csv")
    assert annotations["type"] == "AnnotationCollection"
    assert annotations["@context"][0] == "http://www.w3.org/ns/anno.jsonld"
    items = annotations["first"]["items"]
    assert annotations["total"] == len(items) == len(citations)
    assert [a["id"] for a in items] == sorted(f"#{c['id']}" for c in citations)
    assert {a["type"] for a in items} == {"Annotation"} and {a["motivation"] for a in items} == {"linking"}


def test_selectors_slice_the_stored_text_to_the_quote(release: BuildResult, annotations: dict) -> None:
    citations = {c["id"]: c for c in _rows(release.directory / "data/citations.csv")}
    sources = {s["id"]: s for s in _rows(release.directory / "data/sources.csv")}
    texts: dict[str, str] = {}
    reshaped = 0  # quotes whose stored form differs from the quote as written (line breaks, quote marks)
    for a in annotations["first"]["items"]:
        cit = citations[a["citationId"]]
        src = sources[cit["source_id"]]
        target = a["target"]
        assert target["source"] == src["url"]
        cached = target["state"]["cached"]
        assert cached == f"seeds/{src['path']}"
        text = texts.setdefault(cached, (release.directory / cached).read_text(encoding="utf-8"))
        quote_sel, pos = target["selector"]
        assert quote_sel["type"] == "TextQuoteSelector" and pos["type"] == "TextPositionSelector"
        start, end = pos["start"], pos["end"]
        assert 0 <= start < end <= len(text)
        assert quote_sel["exact"] == text[start:end]
        assert normalize(text[start:end]) == normalize(cit["quote"])  # PV402's rule
        assert quote_sel["prefix"] == text[max(0, start - 32) : start]
        assert quote_sel["suffix"] == text[end : end + 32]
        reshaped += text[start:end] != cit["quote"]
    assert reshaped > 0  # the real package has such quotes: the mapping back was exercised


def test_the_body_names_the_row_it_supports(release: BuildResult, annotations: dict) -> None:
    citations = {c["id"]: c for c in _rows(release.directory / "data/citations.csv")}
    tables: dict[str, list[dict[str, str]]] = {}
    for a in annotations["first"]["items"]:
        record = a["body"][0]
        assert record["recordId"] == citations[a["citationId"]]["record_id"]
        rows = tables.setdefault(record["source"], _rows(release.directory / record["source"]))
        assert record["selector"]["conformsTo"] == "http://tools.ietf.org/rfc/rfc7111"
        n = int(record["selector"]["value"].removeprefix("row="))
        assert rows[n - 2]["id"] == record["recordId"]  # row 1 is the header
        assert record["source"] == f"data/{record['table']}.csv"
        note = citations[a["citationId"]]["note"]
        assert (a["body"][1]["value"] if len(a["body"]) > 1 else "") == note


def test_the_site_marks_the_same_characters(release: BuildResult, annotations: dict) -> None:
    by_id = {a["citationId"]: a["target"]["selector"][1] for a in annotations["first"]["items"]}
    marked: dict[str, tuple[int, int]] = {}
    for page in (release.directory / "site/sources").glob("src-*.html"):
        html = page.read_text(encoding="utf-8")
        for m in re.finditer(r'<mark class="cited" id="([^"]+)" data-passage="[^"]+" data-char="(\d+),(\d+)">', html):
            rng = (int(m.group(2)), int(m.group(3)))
            marked[m.group(1)] = rng
            # the other citations of the same passage: empty anchors right inside the mark
            run = re.match(r'(?:<span class="anchor" id="[^"]+"></span>)*', html[m.end() :])
            for cid in re.findall(r'id="([^"]+)"', run.group(0) if run else ""):
                marked[cid] = rng
    assert marked and set(marked) == set(by_id)
    for cid, rng in marked.items():
        assert rng == (by_id[cid]["start"], by_id[cid]["end"]), cid
