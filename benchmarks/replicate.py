"""Write a package of about N rows made of the real package, copied K times under new ids.

    python benchmarks/replicate.py OUT_DIR --rows 1000000 [--from ROOT]
    python benchmarks/replicate.py OUT_DIR --copies 3

The generator (generate.py) makes synthetic rows; this makes the large-end workload out of the
real rows instead, so that the benchmark also measures the shapes the real data has (long
quotes, many citations per row, refers resolutions, the real place hierarchy, retired rows) at
a size the real package will not reach for years. The result validates with 0 errors and 0
warnings, like the package it is made from.

How a copy is made. Copy k (1 to K) of every row gets new ids: the tag ``cNNNN-`` (one width
for all copies, at least 4 digits) goes right after the id's table prefix, so ``ent-el-loro``
becomes ``ent-c0001-el-loro`` and still matches its schema's pattern. Every reference is
rewritten to the same copy: each column whose schema pattern is an id pattern (subject_id,
object_id, entity_id, location_id, parent_id, event_id, record_id, source_id, replaced_by, the
ids after ``=`` in ``refers`` ...), and, in ``note`` columns, the words that are ids of the
package (a retired row's note names the row that replaces it). Quotes, names, descriptions and
every other cell are the real ones, byte for byte. Copy k's sources row points at its own copy
of the seed file (``seeds/cNNNN-<name>``, the same bytes, so the same sha256), so each copy's
quotes are found in a document of their own, as they would be in a package with K sources.

Why a tag after the prefix and not at the end of the id: the files are sorted by id in byte
order (CS211). ``ent-X`` < ``ent-Y`` exactly when ``ent-c0001-X`` < ``ent-c0001-Y``, and every
id of copy 1 sorts before every id of copy 2, so a table whose ids share one prefix is written
copy after copy, in the real file's order, with no sort and without holding the rows. A suffix
would interleave the copies (``ent-a-b-c0001`` sorts before ``ent-a-c0001``) and need a sort of
the whole table. Only retired.csv mixes prefixes (``act-``, ``cit-``, ``ent-`` ...); its rows
(about 5 % of the package) are sorted in memory.

One check rightly objects to plain copies, and one row gives: a fact row whose fact names no
other row (GR109 compares references, vocabulary terms and dates, and an event's actors) states
the same fact in every copy. In the real package that is one event, the railway construction
halted in 2011 (no place, no actor). Such a row, and its citations, are kept in the first copy
only, as a maintainer would merge the duplicates (the check's own hint); the other copies are
one event and one citation short. Nothing else had to give: no check objects to K copies of the
same names, places (geonames ids, coordinates), quotes or source text under different ids. The
descriptor, schemas and seeds' README are copied as they are.

The output is deterministic (the same input and K give the same bytes). A row of a table is
turned into a template once, with a placeholder where the tag goes; a copy is one
``str.replace`` of the whole table's text, so 1,000,000 rows take a few seconds.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARK = "\x00"  # where a copy's tag goes; never in a real cell (CS checks forbid control characters)
ID_SHAPE = "[a-z0-9]+(-[a-z0-9]+)*"  # the part of every id pattern after the table prefix


def _schemas(root: Path) -> dict[str, dict]:
    return {
        p.name.removesuffix(".schema.json"): json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((root / "schemas").glob("*.schema.json"))
    }


def _id_columns(schema: dict) -> list[str]:
    """The columns whose values are ids or hold ids (refers): their pattern is an id pattern."""
    return [name for name, prop in schema["properties"].items() if ID_SHAPE in prop.get("pattern", "")]


def _prefixes(schemas: dict[str, dict]) -> list[str]:
    """Every table's id prefix (``ent``, ``loc`` ...), from its id pattern ``^ent-...``."""
    out = set()
    for schema in schemas.values():
        match = re.fullmatch(r"\^([a-z]+)-" + re.escape(ID_SHAPE) + r"\$", schema["properties"]["id"].get("pattern", ""))
        if match:
            out.add(match.group(1))
    return sorted(out, key=lambda p: (-len(p), p))


def real_rows(root: Path = ROOT) -> int:
    """Data rows of the package at ``root``."""
    total = 0
    for path in (root / "data").glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            total += sum(1 for _ in csv.reader(fh)) - 1
    return total


Template = tuple[str, list[tuple[str, str, bool]]]


def _first_copy_only(schemas: dict[str, dict], tables: dict[str, list[list[str]]]) -> set[str]:
    """The rows every copy would state again as the same fact (GR109), and their citations.

    A row of a fact table whose reference columns are all empty (for an event: no place and no
    actor) has a fact key with no id in it, so the key is the same in every copy."""
    cited = {t for p in schemas["citations"].get("x-polymorphicKeys", []) for t in p["byPrefix"].values()}
    actors = {row[tables["event_actors"][0].index("event_id")] for row in tables["event_actors"][1:]}
    once: set[str] = set()
    for name in sorted(cited - {"entities", "locations"}):
        header = tables[name][0]
        refs = [header.index(c) for c in _id_columns(schemas[name]) if c != "id"]
        for row in tables[name][1:]:
            if not any(row[i] for i in refs) and not (name == "events" and row[0] in actors):
                once.add(row[0])
    header = tables["citations"][0]
    record = header.index("record_id")
    once |= {row[0] for row in tables["citations"][1:] if row[record] in once}
    for name, rows in tables.items():  # nothing else may point at them, or later copies would dangle
        cols = [rows[0].index(c) for c in _id_columns(schemas[name]) if c != "id"]
        for row in rows[1:]:
            if row[0] in once:
                continue
            pointing = {row[i] for i in cols} & once
            if pointing and not (name == "citations" and pointing == {row[record]}):
                raise ValueError(f"{name} row {row[0]} refers to {sorted(pointing)}, kept in the first copy only")
    return once


def _templates(root: Path) -> tuple[dict[str, Template], list[str]]:
    """Per table: its header line and (id, line, first copy only) templates, with MARK where a
    copy's tag goes; and the seed files (paths under seeds/) the sources name."""
    schemas = _schemas(root)
    prefixes = "|".join(_prefixes(schemas))
    # an id at the start of an id cell, or after "=" in a refers cell
    at_id = re.compile(rf"(?:^|(?<==))({prefixes})-(?=[a-z0-9])")
    token = re.compile(rf"(?<![a-z0-9-])(?:{prefixes})-[a-z0-9]+(?:-[a-z0-9]+)*")
    tables: dict[str, list[list[str]]] = {}
    for name in schemas:
        with (root / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
            tables[name] = list(csv.reader(fh))
    known = {row[0] for rows in tables.values() for row in rows[1:] if row}
    once = _first_copy_only(schemas, tables)

    def in_note(match: re.Match[str]) -> str:
        word = match.group(0)
        if word not in known:
            return word
        prefix, rest = word.split("-", 1)
        return f"{prefix}-{MARK}{rest}"

    out: dict[str, Template] = {}
    seeds: list[str] = []
    for name, rows in tables.items():
        header, body = rows[0], rows[1:]
        ids = {header.index(c) for c in _id_columns(schemas[name]) if c in header}
        notes = {i for i, c in enumerate(header) if c == "note"}
        path_col = header.index("path") if name == "sources" else -1
        lines = []
        for row in body:
            new = list(row)
            for i in ids:
                new[i] = at_id.sub(rf"\1-{MARK}", row[i])
            for i in notes:
                new[i] = token.sub(in_note, row[i])
            if path_col >= 0:
                seeds.append(row[path_col])
                new[path_col] = MARK + row[path_col]
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerow(new)
            lines.append((new[0], buf.getvalue(), row[0] in once))
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(header)
        out[name] = (buf.getvalue(), lines)
    return out, seeds


def replicate(out: Path, rows: int | None = None, copies: int | None = None, root: Path = ROOT) -> dict[str, int]:
    """Write K copies of the package at ``root`` to ``out`` (replacing it): ``copies``, or as
    many as make about ``rows`` rows. Returns the copies and rows written."""
    templates, seeds = _templates(root)
    first = sum(len(lines) for _, lines in templates.values())
    later = first - sum(once for _, lines in templates.values() for _, _, once in lines)
    if copies is None:
        copies = max(1, 1 + round(((rows or first) - first) / later))
    if copies < 1:
        raise ValueError("copies must be at least 1")
    width = max(4, len(str(copies)))
    tags = [f"c{k:0{width}d}-" for k in range(1, copies + 1)]

    if out.exists():
        shutil.rmtree(out)
    (out / "data").mkdir(parents=True)
    shutil.copytree(root / "schemas", out / "schemas")
    shutil.copy2(root / "datapackage.json", out / "datapackage.json")
    (out / "seeds").mkdir()
    for extra in ("README.md",):
        if (root / "seeds" / extra).is_file():
            shutil.copy2(root / "seeds" / extra, out / "seeds" / extra)
    for rel in seeds:
        data = (root / "seeds" / rel).read_bytes()
        for tag in tags:
            target = out / "seeds" / (tag + rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)

    written = 0
    for name, (header, lines) in templates.items():
        prefixes = {rid.split("-", 1)[0] for rid, _, _ in lines}
        kept = [(rid, line) for rid, line, once in lines if not once]
        with (out / "data" / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            fh.write(header)
            if len(prefixes) <= 1:
                # one prefix: copy k sorts wholly before copy k+1, each in the real file's order
                text = "".join(line for _, line, _ in lines)
                rest = "".join(line for _, line in kept)
                for k, tag in enumerate(tags):
                    fh.write((rest if k else text).replace(MARK, tag))
            else:
                # mixed prefixes (retired): the copies interleave, so sort by id (byte order; ids are ASCII)
                every = [
                    (rid.replace(MARK, tag), line.replace(MARK, tag))
                    for k, tag in enumerate(tags)
                    for rid, line, once in lines
                    if not (once and k)
                ]
                every.sort(key=lambda pair: pair[0])
                fh.writelines(line for _, line in every)
        written += len(lines) + len(kept) * (copies - 1)
    return {"copies": copies, "rows": written}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--rows", type=int, default=None, help="about this many rows (default: 1,000,000)")
    group.add_argument("--copies", type=int, default=None, help="exactly this many copies")
    ap.add_argument("--from", dest="root", type=Path, default=ROOT, help="the package to copy (default: this repository)")
    args = ap.parse_args()
    rows = args.rows if args.rows is not None or args.copies is not None else 1_000_000
    done = replicate(args.out, rows=rows, copies=args.copies, root=args.root)
    print(f"wrote {args.out}: {done['copies']:,} copies, {done['rows']:,} rows")


if __name__ == "__main__":
    main()
