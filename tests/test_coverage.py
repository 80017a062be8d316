"""Paragraph coverage: every paragraph of the profile is cited, the page furniture never is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from casepkg import CASES, build_base, build_case
from clirun import Result, run_cli

from validator.reading.coverage import Paragraph, _place, source_coverage, split_paragraphs
from validator.reading.package import Package
from validator.reading.textnorm import normalize

ROOT = Path(__file__).resolve().parents[1]
PROFILE = "src-insightcrime-tda-profile"
# Everything from this line on is page furniture (share buttons, appeals, teasers), not data.
FURNITURE_STARTS = "share icon icon icon"


def run(*args: str) -> Result:
    """``tda *args`` in a child of the tests' warm fork server (clirun.py), from the repository's root."""
    return run_cli(list(args), cwd=ROOT, timeout=120)


@pytest.fixture(scope="module")
def profile() -> list[Paragraph]:
    (cov,) = [c for c in source_coverage(Package.load(ROOT)) if c.source_id == PROFILE]
    assert cov.unplaced == []
    return cov.paragraphs


def _split(paragraphs: list[Paragraph]) -> tuple[list[Paragraph], list[Paragraph]]:
    at = next(i for i, p in enumerate(paragraphs) if p.text == FURNITURE_STARTS)
    return paragraphs[:at], paragraphs[at:]


def test_every_body_paragraph_is_cited(profile: list[Paragraph]) -> None:
    body, _ = _split(profile)
    assert len(body) > 30
    bare = [f"line {p.line}: {p.text[:70]}" for p in body if not p.heading and not p.records]
    assert bare == [], "paragraphs of the profile with no row"
    # headings carry no facts: the title, the breadcrumb and the two section names
    assert [p.text for p in body if p.heading] == [
        "HomeVenezuelaTren de Aragua",
        "Tren de Aragua",
        "Criminal Activities",
        "Allies and Enemies",
    ]


def test_no_citation_quotes_the_furniture(profile: list[Paragraph]) -> None:
    _, furniture = _split(profile)
    assert len(furniture) > 20
    quoted = {p.line: p.records for p in furniture if p.records}
    assert quoted == {}, "rows citing page furniture"


def test_split_paragraphs_keeps_line_numbers() -> None:
    text = "Title\n\n\nFirst line of a paragraph\nthat goes on.\n\nSecond one.\n"
    paras = split_paragraphs(text)
    assert [(p.number, p.line, p.text, p.heading) for p in paras] == [
        (1, 1, "Title", True),
        (2, 4, "First line of a paragraph\nthat goes on.", False),
        (3, 7, "Second one.", False),
    ]


def test_quote_is_placed_in_every_paragraph_holding_it_or_that_it_spans() -> None:
    paras = split_paragraphs("Alpha beta.\n\nGamma “delta”.\n\nAlpha beta.\n")
    norm = [normalize(p.text) for p in paras]
    assert _place(paras, norm, "Alpha beta") == [0, 2]
    assert _place(paras, norm, 'beta. Gamma "delta"') == [0, 1]
    assert _place(paras, norm, "epsilon") == []


def test_cli_paragraphs_marks_paragraphs_without_rows(tmp_path: Path) -> None:
    result = run("stats", "--paragraphs", str(build_base(tmp_path / "p")))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{PROFILE} (seeds/insightcrime-tren-de-aragua-profile.txt): 69 paragraphs")
    at = next(i for i, line in enumerate(lines) if line.startswith("¶3 line 6: The Tren de Aragua is Venezuela’s"))
    assert lines[at + 1] == "    loc-aragua, loc-tocoron-prison, loc-venezuela, pre-tren-de-aragua-tocoron-headquarters"
    assert "    -- NO ROWS --" in lines


def test_cli_paragraphs_json_and_unplaced_quote_exits_1(tmp_path: Path) -> None:
    result = run("stats", "--paragraphs", "--format", "json", str(build_case(CASES / "PV402", tmp_path / "p")))
    assert result.returncode == 1
    (cov,) = json.loads(result.stdout)
    assert cov["source_id"] == PROFILE and len(cov["unplaced"]) == 1
    assert {"number", "line", "heading", "text", "records"} == set(cov["paragraphs"][0])
