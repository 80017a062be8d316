"""Grounding (GR checks, PV405): each corruption class of issue 14, applied to a copy of the real
package, fails by default with its code; the real package passes; the word matching and the
hedge_elsewhere exception behave as documented."""

from __future__ import annotations

import csv
import io
import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from validator import validate
from validator.checks.grounding import date_requirements, words

ROOT = Path(__file__).resolve().parents[1]


def _copy(dest: Path) -> Path:
    for rel in ("data", "schemas", "seeds"):
        shutil.copytree(ROOT / rel, dest / rel)
    shutil.copyfile(ROOT / "datapackage.json", dest / "datapackage.json")
    return dest


def _rows(pkg: Path, table: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((pkg / "data" / f"{table}.csv").read_text(encoding="utf-8"))))


def _write(pkg: Path, table: str, rows: list[dict[str, str]]) -> None:
    path = pkg / "data" / f"{table}.csv"
    header = path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    w.writerows(sorted(rows, key=lambda r: r["id"]))
    path.write_text(buf.getvalue(), encoding="utf-8")


def _set(table: str, rid: str, **values: str) -> Callable[[Path], None]:
    def apply(pkg: Path) -> None:
        rows = _rows(pkg, table)
        row = next(r for r in rows if r["id"] == rid)
        for k, v in values.items():
            assert row[k] != v, f"{rid}.{k} is already {v!r}"
            row[k] = v
        _write(pkg, table, rows)

    return apply


def _twice(pkg: Path) -> None:
    """The same relation stated under a second id, with a copy of its citation."""
    rows = _rows(pkg, "relations")
    row = dict(
        next(r for r in rows if r["id"] == "rel-guerrero-killed-wilmer-brizuela"), id="rel-guerrero-murdered-wilmer-brizuela"
    )
    _write(pkg, "relations", [*rows, row])
    cits = _rows(pkg, "citations")
    cit = next(c for c in cits if c["id"] == "cit-rel-guerrero-killed-wilmer-brizuela-1")
    _write(pkg, "citations", [*cits, dict(cit, id="cit-rel-guerrero-murdered-wilmer-brizuela-1", record_id=row["id"])])


CORRUPTIONS: dict[str, tuple[Callable[[Path], None], str]] = {
    "alleged-made-reported": (_set("relations", "rel-guerrero-killed-wilmer-brizuela", claim_status="reported"), "PV405"),
    "year-made-a-day": (_set("relations", "rel-guerrero-killed-oswaldo-gonzalez", start="2005-06-15"), "GR103"),
    "year-shifted": (_set("events", "evt-2013-prison-reforms", date="2014"), "GR103"),
    "approximate-marker-dropped": (_set("events", "evt-2012-guerrero-escape-tocoron", date="2012"), "GR103"),
    "month-shifted": (_set("relations", "rel-guerrero-killed-wilmer-brizuela", start="2017-05"), "GR103"),
    "day-shifted": (_set("events", "evt-2023-09-20-tocoron-operation", date="2023-09-21"), "GR103"),
    "name-misspelt": (_set("entities", "ent-kenferson-sevilla-arteaga", name="Kenferson Sevilla Arteago"), "GR101"),
    "alias-invented": (_set("entities", "ent-tren-de-aragua", aliases="Train of Aragua|Los Trenes"), "GR102"),
    "party-swapped": (
        _set("relations", "rel-larry-amaury-alvarez-lieutenant-of-guerrero", subject_id="ent-wilmer-brizuela"),
        "GR105",
    ),
    "presence-moved": (_set("presence", "pre-gallegos-clan-chile-present", location_id="loc-colombia"), "GR105"),
    "activity-swapped": (_set("activities", "act-tren-de-aragua-kidnapping-chile", activity="extortion"), "GR108"),
    "relation-type-flipped": (
        _set("relations", "rel-tren-de-aragua-allied-with-trujillo-prison-gang", type="armed_conflict_with"),
        "GR108",
    ),
    "quote-moved": (
        _set("citations", "cit-rel-tren-de-aragua-cooperated-with-pcc-2", record_id="rel-guerrero-killed-wilmer-brizuela"),
        "GR107",
    ),
    "same-fact-twice": (_twice, "GR109"),
}


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _copy(tmp_path_factory.mktemp("real") / "pkg")


def test_the_real_package_is_grounded(real: Path) -> None:
    report = validate(real, max_per_group=0)
    assert report.errors == 0, [f"{p.path}:{p.line} {p.code} {p.message}" for p in report.problems if p.severity == "error"]


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_each_corruption_fails_with_its_code(name: str, tmp_path: Path) -> None:
    corrupt, code = CORRUPTIONS[name]
    pkg = _copy(tmp_path / "pkg")
    corrupt(pkg)
    report = validate(pkg, max_per_group=0)
    assert not report.valid, f"{name} left the package valid"
    assert code in {p.code for p in report.problems if p.severity == "error"}, [f"{p.code} {p.message}" for p in report.problems]


def test_a_hedge_elsewhere_is_accepted(tmp_path: Path) -> None:
    """PV405 fails a 'reported' row on a hedged quote, unless the citation says the hedge governs another clause."""
    pkg = _copy(tmp_path / "pkg")
    _set("relations", "rel-guerrero-killed-wilmer-brizuela", claim_status="reported")(pkg)
    assert "PV405" in {p.code for p in validate(pkg, max_per_group=0).problems}
    _set("citations", "cit-rel-guerrero-killed-wilmer-brizuela-1", hedge_elsewhere="true")(pkg)
    assert "PV405" not in {p.code for p in validate(pkg, max_per_group=0).problems}


def test_a_descriptive_name_needs_no_quote_but_a_source_name_does(tmp_path: Path) -> None:
    pkg = _copy(tmp_path / "pkg")
    _set("entities", "ent-railway-workers-union", name_descriptive="false")(pkg)
    problems = [p for p in validate(pkg, max_per_group=0).problems if p.code == "GR101"]
    assert [p.record for p in problems] == ["ent-railway-workers-union"]


def test_word_form_and_date_requirements() -> None:
    assert words("Tren del Llano’s leader") == " tren del llano s leader "
    assert words("“Niño Guerrero,”") == " niño guerrero "
    assert " peru " not in words("Peruvian gangs")  # whole words only
    assert date_requirements("2017-04") == [(0, False, " 2017 ", [" apr ", " april "], None)]
    assert date_requirements("2012~/2013") == [(0, True, " 2012 ", None, None), (1, False, " 2013 ", None, None)]
    assert date_requirements("2018/..") == [(0, False, " 2018 ", None, None)]
    assert date_requirements("2023-09-20")[0][4] == [" 20 ", " 20th "]


def _plant_copies(pkg: Path) -> dict[str, int]:
    """Descriptions that copy runs of their own row's quote, or nearly do; returns the rows GR110
    must warn about, with the length of the run it reports."""
    rels = _rows(pkg, "relations")
    quotes: dict[str, list[str]] = {}
    for c in _rows(pkg, "citations"):
        quotes.setdefault(c["record_id"], []).append(c["quote"])

    def longest(rid: str) -> list[str]:
        return max((words(q).split() for q in quotes.get(rid, [])), key=len, default=[])

    todo = sorted((r for r in rels if len(longest(r["id"])) >= 24), key=lambda r: r["id"])
    accented = next(r for r in todo if any(not w.isascii() for w in longest(r["id"])[:20]))
    todo.remove(accented)
    acc_words = longest(accented["id"])
    at = next(i for i, w in enumerate(acc_words) if not w.isascii())
    run = acc_words[max(0, at - 4) : max(0, at - 4) + 10]
    stripped = "".join(ch for ch in unicodedata.normalize("NFD", " ".join(run)) if not unicodedata.combining(ch))
    seps = [", ", " — ", "... ", " “", "” ", " (", ") ", "; ", "-", " ", "! ", "?"]
    plans: dict[str, tuple[str, int | None]] = {}
    a, b, c, d, e, f = (r["id"] for r in todo[:6])
    w = {rid: longest(rid) for rid in (a, b, c, d, e, f)}
    plans[a] = ("Zqx: " + " ".join(w[a][1:11]) + ", zqy.", 10)  # exactly ten words
    plans[b] = ("Zqx " + " ".join(w[b][1:10]) + " zqy", None)  # nine: not a copy
    styled = "".join(word.upper() + sep for word, sep in zip(w[c][0:12], seps, strict=True))  # case and punctuation
    plans[c] = (unicodedata.normalize("NFD", "Zqx " + styled), 12)
    plans[d] = ("Zqx " + " ".join(w[d][0:10]) + " zqy " + " ".join(w[d][12:23]), 11)  # the longer of two runs
    plans[e] = ("Zqx " + " ".join(w[f][0:14]) + " zqy", None)  # another row's quote
    plans[accented["id"]] = ("Zqx " + stripped + " zqy", None)  # accents are part of a word
    nfd = next(r for r in todo[6:] if r["id"] != f)["id"]
    nfd_run = longest(nfd)[3:13]
    plans[nfd] = (unicodedata.normalize("NFD", "ZQX " + " ".join(nfd_run).title()), 10)
    for r in rels:
        if r["id"] in plans:
            r["description"] = plans[r["id"]][0]
    _write(pkg, "relations", rels)
    return {rid: n for rid, (_, n) in plans.items() if n is not None}


def test_copied_descriptions_are_found_the_same_way_on_large_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GR110 hashes runs of words on large tables: it warns about exactly the rows (and runs) the
    plain query does, and a hash shared by unequal runs reports nothing by itself."""
    from validator.checks import grounding

    pkg = _copy(tmp_path / "pkg")
    expected = _plant_copies(pkg)

    def gr110() -> list[tuple[str | None, int | None, str]]:
        return [(p.record, p.line, p.message) for p in validate(pkg, select=["GR110"], max_per_group=0).problems]

    plain = gr110()
    found = {rid: int(msg.split(" shares ")[1].split()[0]) for rid, _, msg in plain}
    assert found == expected
    monkeypatch.setattr(grounding, "FAST_WORDS_ROWS", 0)  # the hashed path, on the same package
    assert gr110() == plain
    monkeypatch.setattr(grounding, "REPEAT_DISTINCT", 2.0)  # ... on the distinct quotes first
    assert gr110() == plain
    monkeypatch.setattr(grounding, "_run_keys", lambda h, row: h & 0)  # every run's key the same
    assert gr110() == plain
    monkeypatch.setattr(grounding, "REPEAT_DISTINCT", 0.0)
    assert gr110() == plain


def test_the_large_paths_do_not_import_pandas() -> None:
    """pyarrow imports pandas (half a second, 50 MB) when it converts a Python or numpy value;
    the large paths build their arrays from buffers (reading/arrays.py). Run on the real package
    with every size threshold at zero, in a fresh interpreter, pandas stays unloaded."""
    import os
    import subprocess
    import sys

    pytest.importorskip("pandas")  # without pandas installed the test proves nothing
    script = (
        "import sys\n"
        "from validator.reading import csvread\n"
        "from validator.checks import grounding\n"
        "csvread.FAST_PATH_MIN_BYTES = 0\n"
        "grounding.FAST_WORDS_ROWS = 0\n"
        "from validator import validate\n"
        "report = validate(sys.argv[1])\n"
        "assert report.valid, report.problems[:3]\n"
        "grounding.REPEAT_DISTINCT = 2.0\n"
        "report = validate(sys.argv[1])\n"
        "assert report.valid, report.problems[:3]\n"
        "assert sys.modules.get('pandas') is None, 'pandas was imported'\n"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", script, str(root)],
        capture_output=True,
        text=True,
        env={**os.environ, "TDA_NO_SIDECAR": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("path", ["small", "sql", "repeated"])
@pytest.mark.parametrize("case", ["GR105", "GR106", "GR107"])
def test_the_grounding_state_is_let_go_and_built_again(
    case: str, path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the last grounding check its _gr_ tables, views and cached word forms are gone (the
    runner releases them), and a second run on the same package, which builds them again, reports
    the same problems: on the small path, the SQL one, and the one for quotes that repeat."""
    from casepkg import CASES, build_case

    from validator.checks import all_checks, grounding, grounding_small
    from validator.checks.runner import run_checks
    from validator.reading.package import Package

    if path != "small":
        # the SQL path scans pyarrow tables, for which the duckdb package's Python layer is
        # loaded (as on a large package; a small one may connect with the engine alone)
        import duckdb  # noqa: F401

        monkeypatch.setattr(grounding_small, "PYTHON_ROWS", -1)
    if path == "repeated":
        monkeypatch.setattr(grounding, "FAST_WORDS_ROWS", 0)
        monkeypatch.setattr(grounding, "REPEAT_DISTINCT", 2.0)
    pkg = Package.load(build_case(CASES / case, tmp_path / "pkg"))
    gr = [c for c in all_checks() if c.code.startswith("GR")]
    first = sorted(p.sort_key() for p in run_checks(pkg, gr))
    assert case in {key[3] for key in first}
    assert not any(k.startswith("gr_") for k in pkg.cache)
    left = "SELECT count(*) FROM duckdb_{0}s() WHERE temporary AND {0}_name LIKE '\\_gr\\_%' ESCAPE '\\'"
    assert pkg.sql(left.format("table")) == pkg.sql(left.format("view")) == [(0,)]
    assert sorted(p.sort_key() for p in run_checks(pkg, gr)) == first


@pytest.mark.parametrize("case", ["GR105", "GR106", "GR107"])
def test_names_are_found_the_same_by_every_pair_or_by_the_pairs_that_occur(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the quotes repeat, _gr_hits searches every distinct quote for every distinct name
    when there are few, else only the pairs a first pass of the join finds: the problems are the
    same either way, on the case of each check that reads _gr_hits or the resolutions."""
    import duckdb  # noqa: F401 - the SQL path scans pyarrow tables (see the test above)
    from casepkg import CASES, build_case

    from validator.checks import all_checks, grounding, grounding_small
    from validator.checks.runner import run_checks
    from validator.reading.package import Package

    monkeypatch.setattr(grounding_small, "PYTHON_ROWS", -1)
    monkeypatch.setattr(grounding, "FAST_WORDS_ROWS", 0)
    monkeypatch.setattr(grounding, "REPEAT_DISTINCT", 2.0)
    root = build_case(CASES / case, tmp_path / "pkg")
    gr = [c for c in all_checks() if c.code.startswith("GR")]
    reports, hits = [], []
    real = Package.execute_in_written_order

    def spied(self: Package, statement: str) -> None:
        if "_gr_hits" in statement:
            hits.append(statement)
        real(self, statement)

    monkeypatch.setattr(Package, "execute_in_written_order", spied)
    for per_citation in (0.0, 1e9):  # the pairs that occur; every pair
        monkeypatch.setattr(grounding, "ALL_PAIRS_PER_CITATION", per_citation)
        pkg = Package.load(root)
        reports.append(sorted(p.sort_key() for p in run_checks(pkg, gr)))
        assert "gr_quote_forms" not in pkg.cache  # let go with the rest (and built on this path)
    assert case in {key[3] for key in reports[0]}
    assert reports[0] == reports[1]
    # each run took the way it was sent down: the first pass of the join, then every pair
    assert len(hits) == 2 and "DISTINCT c.qi" in hits[0] and "DISTINCT c.qi" not in hits[1]
