"""The change rules on real git history: each rule fails on a bad change and passes a good one.

Every scenario starts from a temporary repository whose first commit is the base test
package (tests/gitrepo.py), makes a change, commits it, and judges HEAD against HEAD~1.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from gitrepo import Repo

from validator.changes.diff import load_side
from validator.changes.gitside import open_side
from validator.changes.rules import all_change_rules, change_problems
from validator.changes.since import validate_since
from validator.cli.main import main
from validator.reading.package import Package

# --- the edits scenarios are made of -----------------------------------------------------------

PERU = "loc-peru,country,Peru,,PE,,,,,false"
PERU_CITATION = (
    'cit-loc-peru-1,loc-peru,src-insightcrime-tda-profile,"There are currently credible reports about the Tren de '
    "Aragua's presence in Colombia, Ecuador, Peru, Bolivia, and Chile.\",,,"
)
KILLING = "rel-guerrero-killed-oswaldo-gonzalez"
KILLING_CITATION = "cit-rel-guerrero-killed-oswaldo-gonzalez-1"


def add_peru(repo: Repo) -> None:
    """Rows added: a country and its citation (a minor change)."""
    repo.put_row("data/locations.csv", PERU)
    repo.put_row("data/citations.csv", PERU_CITATION)


def correct_eln(repo: Repo) -> None:
    """A value corrected (a patch)."""
    repo.replace("data/entities.csv", "guerrilla group active on the", "guerrilla group that fought the gang on the")


def remove_killing(repo: Repo) -> tuple[str, str]:
    """Rows removed: a relation and its citation (a minor change); returns the two rows."""
    return repo.remove_row("data/relations.csv", KILLING), repo.remove_row("data/citations.csv", KILLING_CITATION)


def retire_killing(repo: Repo, version: str = "0.2.0") -> None:
    """The relation and its citation removed, each with a tombstone."""
    remove_killing(repo)
    repo.put_row("data/retired.csv", f"{KILLING},error,,{version},Misread: the source attributes the murder to court records.")
    repo.put_row("data/retired.csv", f"{KILLING_CITATION},error,,{version},")


def rename_eln(repo: Repo, update_references: bool) -> None:
    """ent-eln renamed to ent-national-liberation-army, with a tombstone pointing to the new id."""
    row = repo.remove_row("data/entities.csv", "ent-eln")
    repo.put_row("data/entities.csv", row.replace("ent-eln,", "ent-national-liberation-army,", 1))
    repo.put_row("data/retired.csv", "ent-eln,renamed,ent-national-liberation-army,0.2.0,")
    if update_references:
        repo.replace("data/relations.csv", ",ent-eln,", ",ent-national-liberation-army,")
        repo.replace("data/citations.csv", "cit-ent-eln-1,ent-eln,", "cit-ent-eln-1,ent-national-liberation-army,")


def drop_vocabulary_term(repo: Repo) -> None:
    """A breaking schema change: a term removed from sources.source_type (no row uses it)."""
    repo.replace("schemas/sources.schema.json", '"academic",\n', "")


def edit_source(repo: Repo) -> None:
    """The stored source document edited, a quoted sentence with it, and its checksum updated."""
    repo.replace("seeds/insightcrime-tren-de-aragua-profile.txt", "Maracay, the capital of Aragua", "Maracay, capital of Aragua")
    repo.reseal_source()


# --- running the rules -------------------------------------------------------------------------


def findings(repo: Repo, base: str = "HEAD~1") -> set[tuple]:
    """(code, path, line, record) of every change problem of HEAD (the working tree) against ``base``."""
    with open_side(base, repo.root) as side:
        head = Package.load(repo.root)
        problems = change_problems(load_side(side), head)
    return {(p.code, p.path, head.locate(p).line, p.record) for p in problems}


def scenario(*steps: Callable[[Repo], object], message: str = "A change") -> Callable[[Repo], None]:
    def apply(repo: Repo) -> None:
        for step in steps:
            step(repo)
        repo.commit(message)

    return apply


def release(version: str, note: str = "What changed.") -> Callable[[Repo], None]:
    return lambda repo: repo.release(version, note)


VERSION_LINE = ("datapackage.json", 6)
PV401_HINT = "add a row to data/citations.csv with record_id, source_id and a verbatim quote"

FAILING = {
    "removed-id-without-tombstone": (
        scenario(remove_killing, release("0.2.0")),
        {
            ("CH001", "data/relations.csv", None, KILLING),
            ("CH001", "data/citations.csv", None, KILLING_CITATION),
        },
    ),
    "tombstone-removed": (
        lambda repo: [
            scenario(retire_killing, release("0.2.0"))(repo),
            scenario(lambda r: r.write("data/retired.csv", "id,reason,replaced_by,version,note\n"), release("0.3.0"))(repo),
        ],
        {
            ("CH002", "data/retired.csv", None, KILLING),
            ("CH002", "data/retired.csv", None, KILLING_CITATION),
        },
    ),
    "tombstone-with-another-version": (
        scenario(lambda r: retire_killing(r, version="0.1.0"), release("0.2.0")),
        {
            ("CH008", "data/retired.csv", 2, KILLING_CITATION),
            ("CH008", "data/retired.csv", 3, KILLING),
        },
    ),
    "version-not-bumped": (scenario(add_peru), {("CH003", *VERSION_LINE, None)}),
    "version-bump-too-small": (scenario(add_peru, release("0.1.1")), {("CH004", *VERSION_LINE, None)}),
    "version-bump-too-small-for-a-breaking-change": (
        scenario(drop_vocabulary_term, release("0.2.0")),
        {("CH004", *VERSION_LINE, None)},
    ),
    "version-not-a-step": (scenario(add_peru, release("0.3.0")), {("CH004", *VERSION_LINE, None)}),
    "version-bump-larger": (scenario(correct_eln, release("1.0.0")), {("CH005", *VERSION_LINE, None)}),
    "changelog-entry-missing": (
        scenario(add_peru, lambda r: r.set_version("0.2.0")),
        {("CH006", "DATA-CHANGELOG.md", None, None)},
    ),
    "changelog-entry-only-in-the-tools-changelog": (
        scenario(add_peru, lambda r: r.set_version("0.2.0"), lambda r: r.add_changelog("0.2.0", "Peru.", path="CHANGELOG.md")),
        {("CH006", "DATA-CHANGELOG.md", None, None)},
    ),
    "changelog-entry-empty": (
        scenario(add_peru, lambda r: r.set_version("0.2.0"), lambda r: r.add_changelog("0.2.0")),
        {("CH006", "DATA-CHANGELOG.md", 7, None)},
    ),
    "source-changed": (
        scenario(edit_source, release("0.1.1")),
        {("CH007", "data/sources.csv", 2, "src-insightcrime-tda-profile")},
    ),
}

PASSING = {
    "removed-id-with-tombstone": scenario(retire_killing, release("0.2.0")),
    "tombstone-kept": lambda repo: [
        scenario(retire_killing, release("0.2.0"))(repo),
        scenario(correct_eln, release("0.2.1"))(repo),
    ],
    "rows-added-minor-bump": scenario(add_peru, release("0.2.0")),
    "correction-patch-bump": scenario(correct_eln, release("0.1.1")),
    "breaking-change-major-bump": scenario(drop_vocabulary_term, release("1.0.0")),
    "no-data-change-no-bump": scenario(lambda r: r.write("README.md", "A note.\n")),
    "source-unchanged": scenario(add_peru, release("0.2.0")),
    "renamed-with-references-updated": scenario(lambda r: rename_eln(r, update_references=True), release("0.2.0")),
}


@pytest.mark.slow  # a commit and the change rules per scenario: 20 scenarios
@pytest.mark.parametrize("name", sorted(FAILING))
def test_a_bad_change_is_reported(name: str, repo: Repo) -> None:
    make, expected = FAILING[name]
    make(repo)
    assert findings(repo) == expected


@pytest.mark.slow  # a commit and the change rules per scenario: 20 scenarios
@pytest.mark.parametrize("name", sorted(PASSING))
def test_a_good_change_passes(name: str, repo: Repo) -> None:
    PASSING[name](repo)
    assert findings(repo) == set()


@pytest.mark.git
@pytest.mark.parametrize("name", sorted(FAILING))
def test_since_agrees_with_the_full_run_on_change_rules(name: str, repo: Repo) -> None:
    """The change rules' verdict is the same whether --since takes the incremental path or the full one."""
    FAILING[name][0](repo)
    full = validate_since(repo.root, "HEAD~1", full=True, max_per_group=0, select=["CH"])
    since = validate_since(repo.root, "HEAD~1", max_per_group=0, select=["CH"])
    assert [(p.code, p.path, p.line, p.record) for p in since.problems] == [
        (p.code, p.path, p.line, p.record) for p in full.problems
    ]
    assert since.problems


def test_every_change_rule_has_a_failing_scenario() -> None:
    reported = {code for _, expected in FAILING.values() for code, *_ in expected}
    assert reported == {r.code for r in all_change_rules()}


# --- the full validation and the change rules together ------------------------------------------


# The full validation is slow enough to run once (test_a_clean_change_is_valid); the others
# select the checks that the change can trip.
KEYS_AND_CHANGES = ["KY", "PV", "CH"]


def _report(repo: Repo, base: str = "HEAD~1", **kw) -> list[tuple]:
    report = validate_since(repo.root, base, max_per_group=0, **kw)
    return [(p.code, p.path, p.line, p.record, p.hint) for p in report.problems]


def test_a_clean_change_is_valid(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    scenario(add_peru, release("0.2.0"))(repo)
    assert main(["validate", str(repo.root), "--since", "HEAD~1", "--format", "text"]) == 0
    assert capsys.readouterr().out == "valid: 0 errors, 0 warnings in 10 tables (37 rows)\n"


def test_a_retired_then_reused_id_is_reported(repo: Repo) -> None:
    scenario(retire_killing, release("0.2.0"))(repo)
    assert _report(repo, select=KEYS_AND_CHANGES) == []
    old_relation = next(r for r in repo.git("show", "HEAD~1:data/relations.csv").splitlines() if r.startswith(KILLING))
    old_citation = next(r for r in repo.git("show", "HEAD~1:data/citations.csv").splitlines() if r.startswith(KILLING_CITATION))
    repo.put_row("data/relations.csv", old_relation)
    repo.put_row("data/citations.csv", old_citation)
    repo.release("0.3.0")
    repo.commit("Bring the killing back under its old id")
    codes = [(code, path, line, record) for code, path, line, record, _ in _report(repo, select=KEYS_AND_CHANGES)]
    assert codes == [("KY506", "data/citations.csv", 15, KILLING_CITATION), ("KY506", "data/relations.csv", 2, KILLING)]


def test_a_returning_row_under_a_new_id_passes(repo: Repo) -> None:
    scenario(retire_killing, release("0.2.0"))(repo)
    old_relation = next(r for r in repo.git("show", "HEAD~1:data/relations.csv").splitlines() if r.startswith(KILLING))
    old_citation = next(r for r in repo.git("show", "HEAD~1:data/citations.csv").splitlines() if r.startswith(KILLING_CITATION))
    repo.put_row("data/relations.csv", old_relation.replace(KILLING, KILLING + "-2005"))
    repo.put_row("data/citations.csv", old_citation.replace(KILLING, KILLING + "-2005"))
    repo.release("0.3.0")
    repo.commit("The killing again, under a new id")
    assert _report(repo, select=KEYS_AND_CHANGES) == []


def test_a_reference_to_a_retired_id_names_its_replacement(repo: Repo) -> None:
    scenario(lambda r: rename_eln(r, update_references=False), release("0.2.0"))(repo)
    hint = "ent-eln was retired in 0.2.0 (renamed); refer to ent-national-liberation-army instead"
    assert _report(repo, select=KEYS_AND_CHANGES) == [
        ("KY505", "data/citations.csv", 3, "cit-ent-eln-1", hint),
        # the citation still names the old id, so the renamed row has none
        ("PV401", "data/entities.csv", 3, "ent-national-liberation-army", PV401_HINT),
        ("KY504", "data/relations.csv", 4, "rel-tren-de-aragua-conflict-eln", hint),
    ]


def test_references_updated_after_a_rename_pass(repo: Repo) -> None:
    scenario(lambda r: rename_eln(r, update_references=True), release("0.2.0"))(repo)
    assert _report(repo, select=KEYS_AND_CHANGES) == []


def test_a_changed_source_is_called_out_and_its_quotes_rechecked(repo: Repo) -> None:
    scenario(edit_source, release("0.1.1"))(repo)
    report = validate_since(repo.root, "HEAD~1", max_per_group=0, select=["PV", "CH"])
    got = [(p.code, p.severity, p.path, p.line) for p in report.problems]
    assert got == [("PV402", "error", "data/citations.csv", 11), ("CH007", "warning", "data/sources.csv", 2)]
    ch007 = report.problems[1]
    assert ch007.message.startswith(
        "source document src-insightcrime-tda-profile (seeds/insightcrime-tren-de-aragua-profile.txt) changed since HEAD~1 ("
    )
    assert ch007.message.endswith("its 18 citations must still quote it exactly")


def test_select_limits_the_change_rules_too(repo: Repo) -> None:
    scenario(remove_killing, release("0.2.0"))(repo)
    report = validate_since(repo.root, "HEAD~1", select=["CH"])
    assert sorted(report.by_code) == ["CH001"]
    assert not validate_since(repo.root, "HEAD~1", select=["CH"], ignore=["CH001"]).problems


def test_the_change_rules_do_not_run_without_since(repo: Repo) -> None:
    from validator import validate

    scenario(remove_killing, release("0.2.0"))(repo)
    assert "CH001" not in validate(repo.root, select=["KY", "CH"]).by_code
