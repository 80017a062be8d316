"""What the grounding rules cost at their barest: a lower bound for the GR checks' time.

    python benchmarks/grounding_floor.py PACKAGE      # prints one JSON object

Issue 14 asks that the grounding checks add at most 10 % to a full run at 1,000,000 rows. This
script measures how far below tda's own GR checks that bound could go on this machine. It reads
the tables with pyarrow (all columns as text, the read not counted), gives them to DuckDB, and
times, in this process, one plain statement per rule:

- GR101: an entity's or a place's name occurs in one of its own citations' quotes;
- GR102: an alias occurs in a quote that cites its entity;
- GR103: the year of each date bound occurs in a quote of its row;
- GR105: every entity and place a row refers to (its foreign keys to entities and locations) is
  named in one of the row's quotes;
- GR107: each citation names one of its row's parties;
- GR108: each relation's type and activity's term has one of its cue words (the schemas'
  ``x-enumCues``) in a quote of its row;
- GR109: no two rows of a fact table have the same entities, term, place and dates.

Each statement leaves out what the real rule must also do, so the sum is below any correct
implementation's cost: quotes are only lower-cased (tda's word forms also fold accents,
punctuation and spacing), there are no resolutions (``citations.refers``), descriptive names,
dangling or uncited rows, event actors standing for their events, months or days of dates, no
problem is reported with its line, and GR104, GR106 and GR110 (a description copying its
quotes) are not measured at all. The rules run one after the other on DuckDB's default threads,
as tda's statements do.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the checkout's validator/, as benchmarks/run.py has it
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from validator.checks.grounding import FACT_TABLES, fact_key
from validator.reading.model import load_model


def main(root: Path) -> dict:
    import duckdb
    import pyarrow as pa
    import pyarrow.csv as pacsv

    model = load_model(root / "schemas")
    db = duckdb.connect()
    held = {}
    start = time.perf_counter()
    for name, table in model.tables.items():
        held[name] = pacsv.read_csv(
            root / table.path,
            convert_options=pacsv.ConvertOptions(
                column_types={f: pa.string() for f in table.field_names}, strings_can_be_null=True
            ),
        )
        db.register(name, held[name])
    read = time.perf_counter() - start
    cues = [(t, term, w.lower()) for t, column in model.cued_columns() for term, ws in model.cues(t, column).items() for w in ws]
    db.register("cues", pa.table({"tbl": [c[0] for c in cues], "term": [c[1] for c in cues], "cue": [c[2] for c in cues]}))
    cued = " UNION ALL ".join(f"SELECT '{t}' AS tbl, id, \"{column}\" AS term FROM {t}" for t, column in model.cued_columns())

    facts = [model.tables[n] for n in FACT_TABLES if n in model.tables]
    # (row id, entity or place id) for every fact row's reference to an entity or a place
    parties = [
        f'SELECT id, "{fk.field}" AS party FROM {t.name} WHERE "{fk.field}" IS NOT NULL'
        for t in facts
        for fk in t.foreign_keys
        if fk.resource in ("entities", "locations")
    ]
    bounds = [
        f'SELECT id, left("{f.name}", 4) AS year FROM {t.name} '
        f'WHERE "{f.name}" IS NOT NULL AND left("{f.name}", 4) SIMILAR TO \'[0-9]{{4}}\''
        for t in facts
        for f in t.fields
        if f.kind == "edtf"
    ]

    statements = {
        "quotes lower-cased": "CREATE TEMP TABLE q AS SELECT id, record_id, lower(quote) AS q FROM citations "
        "WHERE record_id IS NOT NULL AND quote IS NOT NULL",
        "parties and names": "CREATE TEMP TABLE parties AS " + " UNION ALL ".join(parties) + "; "
        "CREATE TEMP TABLE names AS SELECT id, lower(name) AS n FROM entities WHERE name IS NOT NULL "
        "UNION ALL SELECT id, lower(name) FROM locations WHERE name IS NOT NULL",
        "GR101": "SELECT count(*) FROM names t WHERE NOT EXISTS (SELECT 1 FROM q WHERE q.record_id = t.id AND contains(q.q, t.n))",
        "GR102": "SELECT count(*) FROM (SELECT id, lower(unnest(string_split(aliases, '|'))) AS a FROM entities "
        "WHERE aliases IS NOT NULL) t WHERE NOT EXISTS (SELECT 1 FROM q WHERE q.record_id = t.id AND contains(q.q, t.a))",
        "GR103": "SELECT count(*) FROM (" + " UNION ALL ".join(bounds) + ") t "
        "WHERE NOT EXISTS (SELECT 1 FROM q WHERE q.record_id = t.id AND contains(q.q, t.year))",
        # every (citation, row, party) whose quote names the party: GR105 and GR107 share it, as
        # tda's _gr_hits does (each written as a NOT EXISTS over the join, DuckDB took minutes)
        "names in quotes": "CREATE TEMP TABLE hits AS SELECT q.id AS cid, p.id, p.party FROM q "
        "JOIN parties p ON p.id = q.record_id JOIN names n ON n.id = p.party WHERE contains(q.q, n.n)",
        "GR105": "SELECT count(*) FROM parties p ANTI JOIN hits h ON h.id = p.id AND h.party = p.party",
        "GR107": "SELECT count(*) FROM q ANTI JOIN hits h ON h.cid = q.id",
        "GR108": f"SELECT count(*) FROM ({cued}) t ANTI JOIN (SELECT DISTINCT t.id FROM ({cued}) t "
        "JOIN q ON q.record_id = t.id JOIN cues c ON c.tbl = t.tbl AND c.term = t.term WHERE contains(q.q, c.cue)) h "
        "ON h.id = t.id",
        "GR109": " UNION ALL ".join(
            "SELECT count(*) FROM (SELECT "
            + ", ".join(f'"{c}"' for c in fact_key(t))
            + f" FROM {t.name} GROUP BY ALL HAVING count(*) > 1)"
            for t in facts
        ),
    }
    times, found = {}, {}
    for label, sql in statements.items():
        t = time.perf_counter()
        for part in sql.split("; "):
            got = db.execute(part).fetchall()
        times[label] = round(time.perf_counter() - t, 4)
        if label.startswith("GR"):  # the rows each rule's statement finds (GR109: duplicate groups per fact table)
            found[label] = sum(n for (n,) in got)
    rows = sum(t.num_rows for t in held.values())
    return {"rows": rows, "read": round(read, 4), "grounding": round(sum(times.values()), 4), "statements": times, "found": found}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__.split("\n\n")[1])
    print(json.dumps(main(Path(sys.argv[1]))))
