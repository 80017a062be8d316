"""The site of the real profile, driven in headless Chromium (Debian's chromium, through Playwright).

The release with its site is built once per session from the repository's own package, and
opened from disk (file://), as a reader who unpacked the release would. One browser serves
every test. The tests crawl every page (no console error, no broken link or anchor, every page
reachable), count the network's nodes and edges and the map's markers against the data, search
by alias, follow a quote to its highlighted passage, check keyboard access, print styles and
the pages without JavaScript, and write screenshots of the overview, network, map and timeline
to $TDA_SCREENSHOTS (default: a directory under pytest's tmp; the path is printed).

Chromium is Debian's (`apt-get install -y chromium chromium-driver`, which .ci/run does); set
TDA_CHROMIUM to use another binary. Playwright downloads no browser. Every test here is marked
`browser`: when no browser is found they are skipped with that reason (pytest -rs shows it), and
with CI=true they fail instead; TDA_SKIP_BROWSER=1 skips them outside CI even where a browser is
found (tests/requires.py, applied by conftest.py).
"""

from __future__ import annotations

import os
import tempfile
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urlparse

import pytest
from requires import INSTALL_BROWSER, browser_missing, chromium

from validator import load
from validator.publish.build import BuildResult, build
from validator.reading.textnorm import normalize

ROOT = Path(__file__).resolve().parents[1]
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}

pytestmark = pytest.mark.browser


def _cannot_run(message: str) -> None:
    """The browser was found (conftest.py skips when it is not) but cannot be used: a failure, with what to do."""
    pytest.fail(f"{message}. The site's browser tests need {INSTALL_BROWSER}.", pytrace=False)


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    return build(ROOT, tmp_path_factory.mktemp("site-dist"), site=True)


@pytest.fixture(scope="session")
def site_root(release: BuildResult) -> Path:
    return release.directory / "site"


@pytest.fixture(scope="session")
def data(release: BuildResult) -> Any:
    return load(release.directory)


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _cannot_run("Playwright for Python is not installed (it is in the test extra: pip install -e '.[test]')")
    executable = chromium()
    if executable is None:  # conftest.py skips (or in CI fails) before this: see tests/requires.py
        _cannot_run(browser_missing() or "no chromium found")
    with sync_playwright() as p:
        yield p, executable


def _launch(playwright_session: Any, **options: Any) -> Any:
    p, executable = playwright_session
    profile = tempfile.mkdtemp(prefix="tda-chromium-")  # a fresh user-data-dir each launch
    try:
        return p.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=ARGS, viewport=VIEWPORT, **options
        )
    except Exception as exc:  # noqa: BLE001 - any launch failure means the browser cannot run here
        _cannot_run(f"chromium at {executable} would not start: {exc}")
        raise


@pytest.fixture(scope="session")
def browser(playwright_session: Any) -> Iterator[Any]:
    context = _launch(playwright_session)
    yield context
    context.close()


class Watched:
    """A page that records console errors, uncaught exceptions and failed requests."""

    def __init__(self, context: Any) -> None:
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on(
            "console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type in ("error", "warning") else None
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url} ({r.failure})"))

    def open(self, url: str) -> Any:
        self.errors.clear()
        self.page.goto(url, wait_until="load")
        return self.page


@pytest.fixture()
def page(browser: Any) -> Iterator[Watched]:
    watched = Watched(browser)
    yield watched
    watched.page.close()


def url_of(site_root: Path, rel: str) -> str:
    return (site_root / rel).as_uri()


# --- every page, every link ------------------------------------------------------------------------------

_COLLECT = """() => ({
  ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
  links: Array.from(document.querySelectorAll('a[href]')).map(a => [a.getAttribute('href'), new URL(a.getAttribute('href'), document.baseURI).href]),
  title: document.title,
  h1: Array.from(document.querySelectorAll('h1')).length,
  main: !!document.querySelector('main#main'),
})"""


@pytest.fixture(scope="session")
def crawl(browser: Any, site_root: Path) -> dict[str, Any]:
    """Every page reachable from index.html: its ids, links and the errors it logged."""
    watched = Watched(browser)
    start = url_of(site_root, "index.html")
    todo, seen, pages = deque([start]), {start}, {}
    external: set[str] = set()
    while todo:
        url = todo.popleft()
        watched.open(url)
        info = watched.page.evaluate(_COLLECT)
        info["errors"] = list(watched.errors)
        pages[url] = info
        for _, absolute in info["links"]:
            target, _ = urldefrag(absolute)
            if target.startswith("file:"):
                if target.endswith(".html") and target not in seen and Path(unquote(urlparse(target).path)).is_file():
                    seen.add(target)
                    todo.append(target)
            else:
                external.add(absolute)
    watched.page.close()
    return {"pages": pages, "external": external}


def test_every_page_loads_without_console_errors(crawl: dict[str, Any]) -> None:
    bad = {url: info["errors"] for url, info in crawl["pages"].items() if info["errors"]}
    assert not bad
    for url, info in crawl["pages"].items():
        assert info["h1"] == 1 and info["main"] and info["title"], url


def test_every_page_is_reached_from_the_overview(crawl: dict[str, Any], site_root: Path) -> None:
    files = {p.as_uri() for p in site_root.rglob("*.html")}
    assert set(crawl["pages"]) == files


def test_no_link_is_broken(crawl: dict[str, Any]) -> None:
    pages = crawl["pages"]
    broken = []
    for url, info in pages.items():
        for raw, absolute in info["links"]:
            target, fragment = urldefrag(absolute)
            if not target.startswith("file:"):
                continue
            path = Path(unquote(urlparse(target).path))
            if not path.is_file():
                broken.append((url, raw, "no such file"))
            elif fragment and target in pages and unquote(fragment) not in pages[target]["ids"]:
                broken.append((url, raw, "no such anchor"))
            elif fragment and target not in pages:
                broken.append((url, raw, "anchor in a file that is not a page"))
    assert not broken, broken[:20]
    assert all(u.startswith(("https://", "http://", "mailto:")) for u in crawl["external"]), crawl["external"]


# --- network, map, timeline -------------------------------------------------------------------------------


def test_the_network_has_a_node_per_entity_and_an_edge_per_relation(page: Watched, site_root: Path, data: Any) -> None:
    p = page.open(url_of(site_root, "network.html"))
    nodes = p.eval_on_selector_all("#network .node", "els => els.map(e => e.dataset.entity)")
    edges = p.eval_on_selector_all("#network .edge", "els => els.map(e => [e.dataset.relation, e.dataset.status])")
    assert sorted(nodes) == sorted(e["id"] for e in data["entities"])
    assert sorted(edges) == sorted([r["id"], r["claim_status"]] for r in data["relations"])
    # entities are clickable: a node leads to the entity's page
    p.click("#network .node[data-entity='ent-tren-de-aragua']")
    p.wait_for_url("**/entities/ent-tren-de-aragua.html")
    assert p.inner_text("h1") == "Tren de Aragua"
    assert not page.errors


def test_network_filters_hide_edges_by_claim_status(page: Watched, site_root: Path, data: Any) -> None:
    p = page.open(url_of(site_root, "network.html"))
    alleged = sum(1 for r in data["relations"] if r["claim_status"] == "alleged")
    assert alleged and p.is_visible(".net-filter")
    p.uncheck(".net-filter input[value='alleged']")
    hidden = p.eval_on_selector_all("#network .edge", "els => els.filter(e => getComputedStyle(e).display === 'none').length")
    assert hidden == alleged


def test_the_map_has_a_marker_per_located_presence(page: Watched, site_root: Path, data: Any) -> None:
    p = page.open(url_of(site_root, "map.html"))
    markers = p.eval_on_selector_all(".map-svg .marker", "els => els.map(e => e.dataset.presence)")
    places = {loc["id"]: loc for loc in data["locations"]}
    located = [
        pr["id"]
        for pr in data["presence"]
        if places[pr["location_id"]]["latitude"] is not None and places[pr["location_id"]]["longitude"] is not None
    ]
    assert located and sorted(markers) == sorted(located)
    countries = p.eval_on_selector_all(".map-svg .country.present, .map-svg .country.within", "els => els.length")
    assert countries > 0
    visible = p.eval_on_selector_all(
        ".map-svg .marker circle", "els => els.filter(c => c.getBoundingClientRect().width > 4).length"
    )
    assert visible == len(located)


def test_the_timeline_draws_dates_no_more_precisely_than_stored(page: Watched, site_root: Path, data: Any) -> None:
    p = page.open(url_of(site_root, "timeline.html"))
    rows = p.eval_on_selector_all(
        ".tl-row",
        """els => els.map(r => { const b = r.querySelector('.bar'); const box = b.getBoundingClientRect();
             return [r.id, b.className, box.width, b.dataset.lower, b.dataset.upper]; })""",
    )
    by_id = {r[0]: r for r in rows}
    assert sorted(by_id) == sorted(e["id"] for e in data["events"])
    year_widths = []
    for ev in data["events"]:
        _, cls, width, lower, upper = by_id[ev["id"]]
        date = ev["date"]
        if "~" in date:
            assert "approximate" in cls, ev["id"]
        if date.endswith("/.."):
            assert "open-end" in cls and upper == "", ev["id"]
        if len(date.rstrip("~?%")) == 4 and "/" not in date:  # a year: the whole year
            assert lower.endswith("-01-01") and upper.endswith("-12-31"), ev["id"]
            year_widths.append(width)
    interval = next(e for e in data["events"] if "/" in e["date"] and ".." not in e["date"])
    years = int(interval["date"].split("/")[1][:4]) - int(interval["date"].split("/")[0][:4]) + 1
    assert year_widths and max(year_widths) - min(year_widths) < 1.5
    assert by_id[interval["id"]][2] == pytest.approx(years * year_widths[0], rel=0.05)


# --- search and quotes --------------------------------------------------------------------------------------


def test_search_finds_an_entity_by_an_alias(page: Watched, site_root: Path) -> None:
    p = page.open(url_of(site_root, "index.html"))
    p.fill("#quick-q", "Larry Changa")
    p.press("#quick-q", "Enter")
    p.wait_for_url(lambda u: u.endswith("search.html?q=Larry+Changa"))
    found = p.eval_on_selector_all(".result:not([hidden]) a", "els => els.map(a => a.getAttribute('href'))")
    assert found == ["entities/ent-larry-amaury-alvarez.html"]
    # typing filters as you go; case and accents do not matter
    p.fill("#q", "nino guerrero")
    found = p.eval_on_selector_all(".result:not([hidden]) a", "els => els.map(a => a.getAttribute('href'))")
    assert found == ["entities/ent-hector-rustherford-guerrero-flores.html"]
    assert "1 match" in p.inner_text("#search-status")
    p.click(".result:not([hidden]) a")
    p.wait_for_url("**/ent-hector-rustherford-guerrero-flores.html")
    assert not page.errors


def test_following_a_quote_lands_on_the_highlighted_passage(page: Watched, site_root: Path, data: Any) -> None:
    p = page.open(url_of(site_root, "entities/ent-hector-rustherford-guerrero-flores.html"))
    link = p.locator("#rel-guerrero-killed-wilmer-brizuela a.to-source").first
    quote = p.locator("#rel-guerrero-killed-wilmer-brizuela blockquote").first.inner_text()
    link.click()
    p.wait_for_url("**/sources/*.html#cit-*")
    target = p.evaluate(
        """() => { const t = document.querySelector(':target'); const m = t && t.closest('mark.cited');
                   if (!m) return null; const box = m.getBoundingClientRect();
                   const pieces = Array.from(document.querySelectorAll('mark.cited')).filter(x => x.dataset.passage === m.dataset.passage);
                   const text = pieces.map(x => { const c = x.cloneNode(true); c.querySelectorAll('sup').forEach(s => s.remove()); return c.textContent; }).join(' ');
                   return {text, top: box.top, bottom: box.bottom, height: innerHeight,
                           outline: getComputedStyle(m).outlineStyle, background: getComputedStyle(m).backgroundColor}; }"""
    )
    assert target is not None, "the link's target is not inside a highlighted passage"
    assert normalize(target["text"]) == normalize(quote)
    assert 0 <= target["top"] < target["bottom"] <= target["height"], "the passage is not scrolled into view"
    assert target["outline"] != "none" and target["background"] != "rgba(0, 0, 0, 0)"
    # and the passage links back to the row it supports
    note = p.locator(f"#{p.evaluate('location.hash.slice(1)')} + sup a").get_attribute("href")
    assert note
    back = p.eval_on_selector_all(f"{note} a", "els => els.map(a => a.getAttribute('href'))")
    assert "../entities/ent-hector-rustherford-guerrero-flores.html#rel-guerrero-killed-wilmer-brizuela" in back
    assert not page.errors


def test_every_quote_link_points_at_its_passage(crawl: dict[str, Any], site_root: Path, data: Any) -> None:
    """Each citation's link (from any page) names a passage whose id is on the source page."""
    source_pages = {url: info for url, info in crawl["pages"].items() if "/sources/src-" in url}
    assert source_pages
    ids = {i for info in source_pages.values() for i in info["ids"]}
    assert {c["id"] for c in data["citations"]} <= ids


# --- keyboard, print, no JavaScript, screenshots --------------------------------------------------------------


def test_keyboard_skip_link_and_focus_style(page: Watched, site_root: Path) -> None:
    p = page.open(url_of(site_root, "network.html"))
    p.keyboard.press("Tab")
    first = p.evaluate("() => [document.activeElement.textContent, getComputedStyle(document.activeElement).outlineStyle]")
    assert first[0] == "Skip to content" and first[1] != "none"
    p.keyboard.press("Enter")
    assert p.evaluate("document.activeElement.id") == "main"
    labelled = p.evaluate("() => Array.from(document.querySelectorAll('input')).every(i => i.labels && i.labels.length > 0)")
    assert labelled
    p.focus("#network .node[data-entity='ent-tren-de-aragua']")
    assert p.evaluate("document.querySelector('#network').classList.contains('focusing')")


def test_print_styles_hide_navigation(page: Watched, site_root: Path) -> None:
    p = page.open(url_of(site_root, "index.html"))
    p.emulate_media(media="print")
    assert p.evaluate("getComputedStyle(document.querySelector('.site-header nav')).display") == "none"
    assert p.evaluate("getComputedStyle(document.querySelector('.quick-search')).display") == "none"
    p.emulate_media(media="screen")


def test_text_pages_read_without_javascript(playwright_session: Any, site_root: Path, data: Any) -> None:
    context = _launch(playwright_session, java_script_enabled=False)
    try:
        p = context.new_page()
        p.goto(url_of(site_root, "entities/ent-tren-de-aragua.html"))
        assert p.is_visible("#relations-out") and p.locator("blockquote").count() > 0
        p.goto(url_of(site_root, "search.html") + "?q=Larry")
        visible = p.eval_on_selector_all(".result", "els => els.filter(e => !e.hidden).length")
        assert visible == len(data["entities"]) + len(data["locations"]) + len(data["events"])  # the full index
        p.goto(url_of(site_root, "map.html"))
        assert p.locator(".map-svg .marker").count() > 0
    finally:
        context.close()


def test_screenshots(browser: Any, site_root: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    out = Path(os.environ.get("TDA_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    p = browser.new_page()
    shots = {"overview": "index.html", "network": "network.html", "map": "map.html", "timeline": "timeline.html"}
    for name, rel in shots.items():
        p.goto(url_of(site_root, rel))
        target = {"network": "figure.network", "map": "figure.map"}.get(name)
        if target:
            p.locator(target).screenshot(path=str(out / f"{name}.png"))
        else:
            p.screenshot(path=str(out / f"{name}.png"), full_page=name == "timeline")
    p.close()
    for name in shots:
        png = (out / f"{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 10_000, name
    print(f"\nsite screenshots: {out}")
