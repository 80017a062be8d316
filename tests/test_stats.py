"""tda stats: counts per table, term and claim_status, citations per row, uncited rows."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest
from casepkg import CASES, build_base, build_case
from clirun import Result, run_cli

from validator.errors import CannotRun
from validator.maintenance.stats import package_stats, render_text

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> Result:
    """``tda *args`` in a child of the tests' warm fork server (clirun.py), from the repository's root."""
    return run_cli(list(args), cwd=ROOT, timeout=120)


def _rows(pkg: Path, table: str) -> list[dict[str, str]]:
    with open(pkg / "data" / f"{table}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_base(tmp_path_factory.mktemp("stats") / "base")


def test_counts_match_the_csv_files(base: Path) -> None:
    stats = package_stats(base)
    tables = [
        "sources",
        "entities",
        "locations",
        "relations",
        "presence",
        "activities",
        "events",
        "event_actors",
        "citations",
        "retired",
    ]
    assert list(stats.tables) == tables
    assert stats.tables == {t: len(_rows(base, t)) for t in tables}
    for column, table, field in [
        ("entities.type", "entities", "type"),
        ("relations.type", "relations", "type"),
        ("activities.activity", "activities", "activity"),
        ("event_actors.role", "event_actors", "role"),
    ]:
        assert stats.vocabularies[column] == dict(Counter(r[field] for r in _rows(base, table)))
    assert "relations.claim_status" not in stats.vocabularies


def test_claim_status_per_table_and_overall(base: Path) -> None:
    stats = package_stats(base)
    assert stats.claim_status["relations"] == {"reported": 2, "attributed": 1}
    assert set(stats.claim_status) == {"relations", "presence", "activities", "events", "all"}
    assert stats.claim_status["all"] == {"reported": 5, "attributed": 1}


def test_citations_per_row(base: Path) -> None:
    stats = package_stats(base)
    cited = sum(
        len(_rows(base, t)) for t in ("entities", "locations", "relations", "presence", "activities", "events", "event_actors")
    )
    c = stats.citations["all"]
    # every base row has one citation, but the ELN conflict, which has three
    assert (c.rows, c.min, c.median, c.max, c.one, c.two, c.three_or_more, c.uncited) == (cited, 1, 1, 3, cited - 1, 0, 1, 0)
    assert stats.citations["relations"].three_or_more == 1 and stats.citations["entities"].two == 0
    assert stats.uncited == []


def test_uncited_row_is_listed(tmp_path: Path) -> None:
    stats = package_stats(build_case(CASES / "PV401", tmp_path / "p"))
    assert [(u.table, u.path, u.line, u.id) for u in stats.uncited] == [("entities", "data/entities.csv", 6, "ent-uncited-gang")]
    assert stats.citations["entities"].uncited == 1 and stats.citations["all"].min == 0
    assert "  data/entities.csv:6: ent-uncited-gang" in render_text(stats)


@pytest.mark.slow  # tda stats run as a command
def test_cli_text_exit_0(base: Path) -> None:
    result = run("stats", str(base))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Rows per table" in out and "  entities " in out
    assert "  relations.type: armed_conflict_with 1, killed 1, leader_of 1" in out
    assert "  relations: reported 2, attributed 1" in out
    assert "Uncited rows: none\n" in out


@pytest.mark.slow  # tda stats run as a command
def test_cli_json_exit_1_when_a_row_is_uncited(tmp_path: Path) -> None:
    result = run("stats", "--format", "json", str(build_case(CASES / "PV401", tmp_path / "p")))
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert sorted(data) == ["citations_per_row", "claim_status", "grounding", "package", "rows", "uncited", "vocabularies"]
    assert data["uncited"] == [{"table": "entities", "path": "data/entities.csv", "line": 6, "id": "ent-uncited-gang"}]
    assert data["citations_per_row"]["entities"]["rows_with"]["0"] == 1


@pytest.mark.slow  # tda stats run as a command
def test_unreadable_table_exits_2(tmp_path: Path) -> None:
    pkg = build_case(CASES / "CS212", tmp_path / "p")
    with pytest.raises(CannotRun, match="events.csv: the events table cannot be read"):
        package_stats(pkg)
    result = run("stats", str(pkg))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "hint: run `tda validate`" in result.stderr


def test_partly_read_table_exits_2(tmp_path: Path) -> None:
    pkg = build_case(CASES / "CS208", tmp_path / "p")
    with pytest.raises(CannotRun, match=r"cannot be read in full \(line \d+\)"):
        package_stats(pkg)


def test_project_package_has_no_uncited_row() -> None:
    result = run("stats", ".")
    assert result.returncode == 0, result.stdout[-2000:]


def test_grounding_is_reported(base: Path) -> None:
    g = package_stats(base).grounding
    assert g["tables"]["relations"] == {"rows": 3, "all_named": 1, "with_resolution": 2, "unidentified": 0, "no_party": 0}
    assert g["tables"]["entities"]["name_quoted"] == 4 and g["tables"]["entities"]["name_descriptive"] == 0
    assert g["cues"]["relations.type"]["armed_conflict_with"] == {"rows": 1, "with_cue": 1, "cues": {"fought": 1, "faced": 1}}
    assert g["cues"]["activities.activity"]["kidnapping"] == {"rows": 0, "with_cue": 0, "cues": {}}
