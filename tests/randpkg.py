"""Random valid packages for property tests: the shared base plus random, correct rows.

``plans()`` is a hypothesis strategy for what to add: entities of random types with random
names, aliases and descriptions; towns inside Aragua; relations between the new entities with
a type that allows their entity types; a citation for each new row whose quote is a random run
of words of the source document. ``build(plan, dest)`` writes the package, every table in
canonical form (sorted by id, minimal quoting, LF), so that it is valid by construction.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from casepkg import ROOT, build_base
from hypothesis import strategies as st

from validator.reading.model import Model, load_model
from validator.reading.textnorm import normalize

MODEL: Model = load_model(ROOT / "schemas", rel_to=ROOT)
SEED = ROOT / "tests" / "cases" / "_base" / "seeds" / "insightcrime-tren-de-aragua-profile.txt"
SEED_WORDS = normalize(SEED.read_text(encoding="utf-8")).split(" ")
SOURCE = "src-insightcrime-tda-profile"
ENTITY_TYPES = sorted(MODEL.tables["entities"].field("type").enum or ())
CLAIMS = sorted(MODEL.tables["relations"].field("claim_status").enum or ())
RELATION_TYPES = MODEL.relation_types()

LETTERS = "abcdefghijklmnopqrstuvwxyzáéíóúñü"
word = st.text(LETTERS, min_size=1, max_size=9)
name = st.lists(word, min_size=1, max_size=3).map(lambda ws: " ".join(w.capitalize() for w in ws))
sentence = st.lists(st.one_of(word, st.sampled_from(["2018", "(ELN)", "Aragua,", "its", "the"])), min_size=1, max_size=10).map(
    lambda ws: (" ".join(ws)).capitalize().rstrip(",") + "."
)
slug = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=6)
date = st.one_of(
    st.just(""),
    st.integers(2000, 2022).map(str),
    st.tuples(st.integers(2000, 2022), st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}"),
    st.integers(2000, 2022).map(lambda y: f"{y}~"),
    st.tuples(st.integers(2000, 2010), st.integers(2011, 2022)).map(lambda t: f"{t[0]}/{t[1]}"),
)


@st.composite
def quotes(draw: st.DrawFn) -> str:
    """A run of 3 to 12 words of the source, which therefore occurs in it after normalisation."""
    n = draw(st.integers(3, 12))
    start = draw(st.integers(0, len(SEED_WORDS) - n))
    text = " ".join(SEED_WORDS[start : start + n])
    if text[:1] in "=+-@":  # TX904 would rightly flag it
        text = "the " + text
    return text


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    entities = []
    for s in draw(st.lists(slug, max_size=4, unique=True)):
        aliases = draw(st.lists(name, max_size=2, unique=True))
        entities.append(
            {
                "id": f"ent-zz{s}",
                "type": draw(st.sampled_from(ENTITY_TYPES)),
                "name": draw(name),
                "aliases": "|".join(aliases),
                "description": draw(sentence),
                "protected": draw(st.sampled_from(["true", "false"])),
            }
        )
    towns = [{"id": f"loc-zz{s}", "name": draw(name)} for s in draw(st.lists(slug, max_size=3, unique=True))]
    relations = []
    pairs: set[frozenset[str]] = set()
    for k, (a, b) in enumerate(draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=4))):
        if a >= len(entities) or b >= len(entities) or a == b:
            continue
        subj, obj = entities[a], entities[b]
        allowed = sorted(
            t for t, spec in RELATION_TYPES.items() if subj["type"] in spec["subjectTypes"] and obj["type"] in spec["objectTypes"]
        )
        pair = frozenset((subj["id"], obj["id"]))
        if not allowed or pair in pairs:  # one relation per pair: no symmetric duplicates
            continue
        pairs.add(pair)
        relations.append(
            {
                "id": f"rel-zz{k}",
                "subject_id": subj["id"],
                "type": draw(st.sampled_from(allowed)),
                "object_id": obj["id"],
                "start": draw(date),
                "end": "",
                "claim_status": draw(st.sampled_from(CLAIMS)),
                "description": draw(sentence),
            }
        )
    records = [r["id"] for r in entities + towns + relations]
    cites = {rid: draw(quotes()) for rid in records}
    return {"entities": entities, "towns": towns, "relations": relations, "quotes": cites}


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))


def _add(pkg: Path, table: str, new: list[dict[str, str]]) -> None:
    path = pkg / MODEL.tables[table].path
    header, *rows = read_rows(path)
    rows += [[r.get(col, "") for col in header] for r in new]
    write_rows(path, [header, *sorted(rows, key=lambda r: r[0])])


def build(plan: dict[str, Any], dest: Path) -> Path:
    pkg = build_base(dest)
    _add(pkg, "entities", plan["entities"])
    _add(
        pkg,
        "locations",
        [{"id": t["id"], "type": "town", "name": t["name"], "parent_id": "loc-aragua"} for t in plan["towns"]],
    )
    _add(pkg, "relations", plan["relations"])
    citations = [
        {"id": f"cit-{rid}-1", "record_id": rid, "source_id": SOURCE, "quote": quote} for rid, quote in plan["quotes"].items()
    ]
    _add(pkg, "citations", citations)
    return pkg
