"""Hints that answer a typo: a misspelt vocabulary term (SC303) by meaning, a broken reference
(KY504) by the closest existing id."""

from __future__ import annotations

from pathlib import Path

import pytest
from casepkg import build_base

from validator import validate
from validator.checks import keys
from validator.checks.cells import vocab_hint
from validator.reading.model import Field, load_model
from validator.reading.terms import suggest

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = {"rival_of", "armed_conflict_with", "displaced", "took_over_territory_of", "killed"}
COOPERATIVE_TYPOS = ["ally_of", "allies_with", "alied_with", "allied", "alliance_with", "cooperating_with", "partner_of"]


@pytest.fixture(scope="module")
def relation_type() -> Field:
    field = load_model(ROOT / "schemas").tables["relations"].field("type")
    assert field is not None
    return field


@pytest.mark.parametrize(
    ("value", "term"),
    [
        ("ally_of", "allied_with"),  # a character guess says rival_of
        ("alied_with", "allied_with"),
        ("alliance_with", "allied_with"),
        ("rival", "rival_of"),
        ("enemies", "rival_of"),  # a word of rival_of's meaning
        ("cooperating_with", "cooperated_with"),
        ("satelite_of", "satellite_of"),
    ],
)
def test_a_misspelt_relation_type_is_answered_by_meaning(relation_type: Field, value: str, term: str) -> None:
    assert suggest(value, relation_type) == term
    assert vocab_hint(value, relation_type).startswith(f"did you mean {term!r}?")


@pytest.mark.parametrize("value", COOPERATIVE_TYPOS)
def test_no_hostile_term_for_a_cooperative_value(relation_type: Field, value: str) -> None:
    assert suggest(value, relation_type) not in HOSTILE
    hint = vocab_hint(value, relation_type)
    assert not any(hint.startswith(f"did you mean {t!r}") for t in HOSTILE), hint


def test_a_value_sharing_no_word_gets_the_list(relation_type: Field) -> None:
    assert suggest("xyzzy", relation_type) is None
    assert vocab_hint("xyzzy", relation_type).startswith("use one of: leader_of, ")


def test_a_category_names_its_terms() -> None:
    """Where the schema gives relation types a category, its words count as the terms' meaning."""
    field = Field(
        "type",
        "string",
        True,
        enum=("pact_with", "feud_with"),
        annotations={"x-relationTypes": {"pact_with": {"category": "cooperation"}, "feud_with": {"category": "hostility"}}},
    )
    assert suggest("cooperates_with", field) == "pact_with"
    assert suggest("hostile_to", field) == "feud_with"


def _validate_with(tmp_path: Path, old: str, new: str) -> list:
    pkg = build_base(tmp_path / "p")
    path = pkg / "data" / "relations.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return validate(pkg, max_per_group=0).problems


def test_sc303_in_a_run(tmp_path: Path) -> None:
    problems = _validate_with(tmp_path, ",armed_conflict_with,", ",armed_conflict,")
    (p,) = [p for p in problems if p.code == "SC303"]
    assert p.hint and p.hint.startswith("did you mean 'armed_conflict_with'?")


def test_ky504_names_the_closest_id(tmp_path: Path) -> None:
    problems = _validate_with(tmp_path, "-conflict-eln,ent-tren-de-aragua,", "-conflict-eln,ent-tren-de-aragau,")
    (p,) = [p for p in problems if p.code == "KY504"]
    assert p.hint == "did you mean 'ent-tren-de-aragua'? Otherwise add the row to entities, or fix the id"


def test_ky504_offers_nothing_far_off_and_stays_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    problems = _validate_with(tmp_path, ",ent-eln,", ",ent-unknown,")
    (p,) = [p for p in problems if p.code == "KY504"]
    assert p.hint == "add the row to entities, or fix the id"
    monkeypatch.setattr(keys, "SUGGEST_MAX_IDS", 2)  # the entities table has 4 ids: too many to compare
    problems = _validate_with(tmp_path / "again", "-conflict-eln,ent-tren-de-aragua,", "-conflict-eln,ent-tren-de-aragau,")
    (p,) = [p for p in problems if p.code == "KY504"]
    assert p.hint == "add the row to entities, or fix the id"
