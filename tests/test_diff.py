"""tda diff between real commits (and directories), in every format; reading a ref changes nothing."""

from __future__ import annotations

import json
import mmap
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from casepkg import build_base
from gitrepo import Repo
from test_changes import add_peru, correct_eln, drop_vocabulary_term, edit_source, retire_killing

from validator.changes.diff import diff_sides
from validator.changes.diffreport import md_escape
from validator.cli.main import main


def _change(repo: Repo) -> tuple[str, str]:
    """One commit that adds, removes and corrects rows; returns the short ids of HEAD~1 and HEAD."""
    add_peru(repo)
    retire_killing(repo)
    correct_eln(repo)
    repo.release("0.2.0", "Peru added; a misread killing retired; the ELN's description corrected.")
    repo.commit("Add Peru, retire a misread killing, correct the ELN")
    return repo.git("rev-parse", "HEAD~1")[:12], repo.git("rev-parse", "HEAD")[:12]


def _tda(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_text(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    base, head = _change(repo)
    code, out, _ = _tda(capsys, "diff", "HEAD~1", "HEAD", "--package", str(repo.root))
    assert code == 0
    assert out == (
        f"diff HEAD~1 ({base}) → HEAD ({head})\n"
        "version 0.1.0 → 0.2.0; the changes need a minor bump\n"
        "rows:\n"
        "  entities (data/entities.csv): 0 added, 0 removed, 1 changed; 4 → 4 rows\n"
        "    ~ ent-eln (line 2): description 'Colombian guerrilla group active on the Venezuela-Colombia border.' → "
        "'Colombian guerrilla group that fought the gang on the Venezuela-Colombia border.'\n"
        "  locations (data/locations.csv): 1 added, 0 removed, 0 changed; 5 → 6 rows\n"
        "    + loc-peru (line 5): type 'country'; name 'Peru'; iso_code 'PE'; name_descriptive 'false'\n"
        "  relations (data/relations.csv): 0 added, 1 removed, 0 changed; 3 → 2 rows\n"
        "    - rel-guerrero-killed-oswaldo-gonzalez (line 2 in base): subject_id 'ent-hector-rustherford-guerrero-flores'; "
        "type 'killed'; object_id 'ent-oswaldo-gonzalez'; start '2005'; claim_status 'attributed'; description "
        "'Supreme Court records cited by the source say Guerrero murdered this police off…'\n"
        "  citations (data/citations.csv): 1 added, 1 removed, 0 changed; 18 → 18 rows\n"
        "    + cit-loc-peru-1 (line 12): record_id 'loc-peru'; source_id 'src-insightcrime-tda-profile'; quote "
        '"There are currently credible reports about the Tren de Aragua\'s presence in Col…"\n'
        "    - cit-rel-guerrero-killed-oswaldo-gonzalez-1 (line 15 in base): record_id 'rel-guerrero-killed-oswaldo-gonzalez'; "
        "source_id 'src-insightcrime-tda-profile'; quote \"According to records from Venezuela's Supreme Court of Justice, "
        'Guerrero starte…"\n'
        "  retired (data/retired.csv): 2 added, 0 removed, 0 changed; 0 → 2 rows\n"
        "    + cit-rel-guerrero-killed-oswaldo-gonzalez-1 (line 2): reason 'error'; version '0.2.0'\n"
        "    + rel-guerrero-killed-oswaldo-gonzalez (line 3): reason 'error'; version '0.2.0'; note 'Misread: the source "
        "attributes the murder to court records.'\n"
        "summary: 4 rows added, 2 removed, 1 changed in 5 tables\n"
    )


def test_json(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    _change(repo)
    code, out, _ = _tda(capsys, "diff", "HEAD~1", "HEAD", "--package", str(repo.root), "--format", "json")
    data = json.loads(out)
    assert code == 0 and list(data) == sorted(data)
    assert data["base"] == {"spec": "HEAD~1", "commit": repo.git("rev-parse", "HEAD~1"), "version": "0.1.0"}
    assert data["head"]["version"] == "0.2.0" and data["required_bump"] == "minor"
    assert data["summary"] == {
        "rows_added": 4,
        "rows_removed": 2,
        "rows_changed": 1,
        "tables_changed": 5,
        "schema_changes": 0,
        "sources_added": 0,
        "sources_removed": 0,
        "sources_changed": 0,
        "metadata_changes": 0,
    }
    assert sorted(data["tables"]) == ["citations", "entities", "locations", "relations", "retired"]
    assert data["tables"]["entities"]["changed"] == [
        {
            "id": "ent-eln",
            "line": 2,
            "fields": {
                "description": {
                    "before": "Colombian guerrilla group active on the Venezuela-Colombia border.",
                    "after": "Colombian guerrilla group that fought the gang on the Venezuela-Colombia border.",
                }
            },
        }
    ]
    assert data["tables"]["relations"]["removed"] == [
        {
            "id": "rel-guerrero-killed-oswaldo-gonzalez",
            "line": 2,
            "values": {
                "subject_id": "ent-hector-rustherford-guerrero-flores",
                "type": "killed",
                "object_id": "ent-oswaldo-gonzalez",
                "start": "2005",
                "end": None,
                "claim_status": "attributed",
                "description": "Supreme Court records cited by the source say Guerrero murdered this police officer in 2005.",
            },
        }
    ]
    assert data["tables"]["locations"]["added"][0]["values"]["iso_code"] == "PE"
    assert data["tables"]["locations"]["rows"] == {"base": 5, "head": 6}


def test_markdown(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    base, head = _change(repo)
    code, out, _ = _tda(capsys, "diff", "HEAD~1", "HEAD", "--package", str(repo.root), "--format", "markdown")
    assert code == 0
    assert out.startswith(
        f"### Data changes: HEAD~1 ({base}) → HEAD ({head})\n\n"
        "version 0.1.0 → 0.2.0; the changes need a minor bump. Summary: 4 rows added, 2 removed, 1 changed in 5 tables.\n\n"
        "| table | added | removed | changed | rows |\n"
        "|---|---:|---:|---:|---|\n"
        "| `entities` | 0 | 0 | 1 | 4 → 4 |\n"
        "| `locations` | 1 | 0 | 0 | 5 → 6 |\n"
        "| `relations` | 0 | 1 | 0 | 3 → 2 |\n"
        "| `citations` | 1 | 1 | 0 | 18 → 18 |\n"
        "| `retired` | 2 | 0 | 0 | 0 → 2 |\n\n"
    )
    assert (
        "<details><summary>entities: 0 added, 0 removed, 1 changed; 4 → 4 rows</summary>\n\n"
        "| | id | line | field | before | after |\n"
        "|---|---|---:|---|---|---|\n"
        "| changed | ent-eln | 2 | description | Colombian guerrilla group active on the Venezuela-Colombia border. | "
        "Colombian guerrilla group that fought the gang on the Venezuela-Colombia border. |\n\n"
        "</details>\n"
    ) in out
    assert (
        "| added | loc-peru | 5 | type |  | country |\n| | |  | name |  | Peru |\n| | |  | iso_code |  | PE |\n| | |  | name_descriptive |  | false |\n\n</details>"
    ) in out
    assert (
        "| removed | rel-guerrero-killed-oswaldo-gonzalez | 2 | subject_id | ent-hector-rustherford-guerrero-flores |  |\n" in out
    )
    assert "| | |  | claim_status | attributed |  |\n" in out
    assert out.count("<details>") == 5 and out.count("</details>") == 5


def test_schema_and_source_changes(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    drop_vocabulary_term(repo)
    edit_source(repo)
    repo.commit("Drop a term, edit the source")
    code, out, _ = _tda(capsys, "diff", "HEAD~1", "--package", str(repo.root))
    lines = out.splitlines()
    assert lines[1] == "version 0.1.0 (unchanged); the changes need a major bump"
    assert "schema:" in lines and "  sources: source_type: terms removed: academic [major]" in lines
    assert "  sources (data/sources.csv): 0 added, 0 removed, 1 changed; 1 → 1 rows" in lines
    (source,) = [line for line in lines if line.startswith("  ~ src-insightcrime-tda-profile: ")]
    assert source.endswith("; 18 citations quote it and are re-checked against the new text")
    assert lines[-1] == "summary: 0 rows added, 0 removed, 1 changed in 1 table; 1 schema change; 1 source changed"


def _schema_edit(tmp_path: Path, edit) -> list[tuple[str, str | None, str]]:
    base = build_base(tmp_path / "base")
    head = tmp_path / "head"
    shutil.copytree(base, head)
    path = head / "schemas/entities.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    edit(schema)
    path.write_text(json.dumps(schema), encoding="utf-8")
    diff = diff_sides(str(base), str(head))
    return [(c.kind, c.column, c.level) for c in diff.schema]


@pytest.mark.parametrize(
    "edit,expected",
    [
        (lambda s: s["properties"].pop("aliases"), [("column-removed", "aliases", "major")]),
        (
            lambda s: s["properties"].update(nationality={"type": ["string", "null"], "description": "Nationality."}),
            [("column-added", "nationality", "minor")],
        ),
        (lambda s: s["properties"]["protected"].update(type="string"), [("type-changed", "protected", "major")]),
        (lambda s: s["properties"]["name"].update(type=["string", "null"]), [("now-optional", "name", "major")]),
        (lambda s: s["properties"]["type"]["enum"].append("cartel"), [("terms-added", "type", "minor")]),
        (lambda s: s["properties"]["type"]["enum"].remove("organization"), [("terms-removed", "type", "major")]),
        (lambda s: s["properties"]["name"].update(description="Changed."), [("documentation-changed", None, "patch")]),
        (lambda s: s["x-table"].update(idPrefix="ent2"), [("id-prefix-changed", None, "major")]),
    ],
    ids=["column-removed", "column-added", "type", "optional", "term-added", "term-removed", "docs", "prefix"],
)
def test_schema_changes_are_classified(tmp_path: Path, edit, expected: list[tuple]) -> None:
    assert _schema_edit(tmp_path, edit) == expected


def test_two_directories_need_no_git(tmp_path: Path) -> None:
    base = build_base(tmp_path / "base")
    head = tmp_path / "head"
    shutil.copytree(base, head)
    (head / "data/locations.csv").write_text((base / "data/locations.csv").read_text() + "loc-peru,country,Peru,,PE,,,,,false\n")
    diff = diff_sides(str(base), str(head))
    assert [r.id for r in diff.table("locations").added] == ["loc-peru"]
    assert diff.base["commit"] is None and diff.required_bump() == "minor"


def test_a_ref_that_does_not_exist_exits_2(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _tda(capsys, "diff", "no-such-branch", "--package", str(repo.root))
    assert code == 2 and out == ""
    assert err.startswith(
        f"tda: cannot run: 'no-such-branch' is neither a directory nor a commit of the repository in {repo.root}\n"
    )
    code, _, err = _tda(capsys, "validate", str(repo.root), "--since", "no-such-branch")
    assert code == 2 and "'no-such-branch' is neither a directory nor a commit" in err
    code, _, err = _tda(capsys, "diff", "--package", str(repo.root), "--", "--output=x")
    assert code == 2 and "'--output=x' is not a git ref" in err


@pytest.mark.git
def test_a_ref_outside_a_repository_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pkg = build_base(tmp_path / "p")
    code, _, err = _tda(capsys, "diff", "main", "--package", str(pkg))
    assert code == 2 and "is not inside a git repository" in err and "Traceback" not in err


def _state(repo: Repo) -> tuple:
    git_dir = repo.root / ".git"
    return (
        repo.git("status", "--porcelain=v2", "--untracked-files=all"),
        (git_dir / "index").read_bytes(),
        repo.git("rev-parse", "HEAD"),
        {p.name for p in git_dir.iterdir()},
        {str(p.relative_to(repo.root)): p.read_bytes() for p in repo.root.rglob("*") if ".git" not in p.parts and p.is_file()},
    )


@pytest.mark.slow  # five tda runs on a repository
def test_reading_refs_touches_neither_working_tree_nor_index(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _change(repo)
    repo.replace("data/entities.csv", "Leader of Tren de Aragua", "The leader of Tren de Aragua")  # an unstaged edit ...
    repo.replace("DATA-CHANGELOG.md", "# Changelog", "# Change log")
    repo.git("add", "DATA-CHANGELOG.md")  # ... and a staged one
    (repo.root / "untracked.txt").write_text("left alone\n")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    before = _state(repo)
    assert _tda(capsys, "diff", "HEAD~1", "HEAD", "--package", str(repo.root))[0] == 0
    assert _tda(capsys, "diff", "HEAD~1", "--package", str(repo.root), "--format", "json")[0] == 0
    assert _tda(capsys, "validate", str(repo.root), "--since", "HEAD~1", "--select", "CH")[0] == 0
    assert _state(repo) == before
    assert list(scratch.iterdir()) == []  # the copies of the refs are gone


def test_files_come_out_byte_for_byte(repo: Repo) -> None:
    """git archive would expand $Format$ under export-subst and change the source's checksum; ls-tree/cat-file do not."""
    seed = "seeds/insightcrime-tren-de-aragua-profile.txt"
    repo.write(seed, repo.read(seed) + "Archived as $Format:%H$.\n")
    repo.reseal_source()
    repo.write(".gitattributes", "seeds/* export-subst\n")
    repo.commit("A seed with an export-subst placeholder")
    assert diff_sides("HEAD", None, str(repo.root)).sources == []


@pytest.mark.git
def test_a_package_in_a_subdirectory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    top = tmp_path / "repo"
    build_base(top / "package")
    repo = Repo(top)
    repo.git("init", "-q", "-b", "main")
    repo.git("config", "user.name", "Test Contributor")
    repo.git("config", "user.email", "contributor@example.org")
    repo.commit("Base")
    repo.write("package/data/locations.csv", repo.read("package/data/locations.csv") + "loc-peru,country,Peru,,PE,,,,,false\n")
    repo.commit("Peru")
    code, out, _ = _tda(capsys, "diff", "HEAD~1", "HEAD", "--package", str(top / "package"))
    assert code == 0 and "    + loc-peru (line 7): type 'country'; name 'Peru'; iso_code 'PE'; name_descriptive 'false'\n" in out


def test_exit_code_and_max_rows(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    _change(repo)
    assert _tda(capsys, "diff", "HEAD", "--package", str(repo.root), "--exit-code")[0] == 0
    code, out, _ = _tda(capsys, "diff", "HEAD~1", "--package", str(repo.root), "--exit-code", "--max-rows", "1")
    assert code == 1
    assert "    + rel-guerrero-killed-oswaldo-gonzalez" not in out
    assert "    + ... and 1 more (--max-rows 0 shows all)\n" in out


def test_markdown_cells_are_inert() -> None:
    assert md_escape("a|b <img src=x> @maintainer `x`\nnext") == "a\\|b &lt;img src=x&gt; &#64;maintainer &#96;x&#96; next"


@pytest.mark.git
@pytest.mark.slow  # reads this repository's history: 1 to 10 s
def test_the_real_repository_diff_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """tda diff HEAD in this repository (a git checkout in development and CI) compares HEAD with the working tree."""
    root = Path(__file__).resolve().parents[1]
    if subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True).returncode != 0:
        pytest.skip("not a git checkout")
    code, out, err = _tda(capsys, "diff", "HEAD", "--package", str(root), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["head"] == {
        "spec": "working tree",
        "commit": None,
        "version": json.loads((root / "datapackage.json").read_text())["version"],
    }


def test_every_schema_change_kind_is_in_the_versioning_policy() -> None:
    import re

    source = (Path(__file__).resolve().parents[1] / "validator" / "changes" / "diff.py").read_text(encoding="utf-8")
    kinds = set(re.findall(r'add\("([a-z-]+)"', source)) | set(re.findall(r'SchemaChange\(name, "([a-z-]+)"', source))
    assert len(kinds) >= 15
    policy = (Path(__file__).resolve().parents[1] / "docs" / "versioning.md").read_text(encoding="utf-8")
    assert [k for k in sorted(kinds) if f"`{k}`" not in policy] == []


# -- the row diff of --since, from the bytes of two versions of a file (changes/blobdiff.py) ------


def _csv(rows: list[list[str]]) -> bytes:
    return ("id,a,b\n" + "".join(",".join(r) + "\n" for r in rows)).encode()


def _apply(base: bytes, head: bytes, change) -> None:
    """The diff is exact: BASE without its removed lines is HEAD without its added lines, and
    every row reported is the line at its number."""
    old, new = base.split(b"\n")[:-1], head.split(b"\n")[:-1]
    removed, added = {r.line for r in change.removed}, {r.line for r in change.added}
    assert [x for n, x in enumerate(old, 1) if n not in removed] == [x for n, x in enumerate(new, 1) if n not in added]
    for rows, lines in ((change.removed, old), (change.added + change.context, new)):
        for r in rows:
            assert lines[r.line - 1].decode().split(",") == r.cells
    assert not {r.line for r in change.context} & added


def _git_subjects(base: bytes, head: bytes, tmp: Path) -> set[int]:
    """The HEAD lines ``git diff --unified=1`` shows (added and context): what the row diff replaced."""
    (tmp / "a").write_bytes(base)
    (tmp / "b").write_bytes(head)
    out = subprocess.run(["git", "diff", "--no-index", "--unified=1", "a", "b"], cwd=tmp, capture_output=True).stdout
    lines, new = set(), 0
    for raw in out.split(b"\n"):
        if raw.startswith(b"@@"):
            spec = raw.split(b"+")[1].split(b" ")[0].split(b",")
            new = int(spec[0]) if spec[-1] != b"0" or len(spec) == 1 else int(spec[0]) + 1
        elif new and raw[:1] in (b" ", b"+") and not raw.startswith(b"+++"):
            lines.add(new)
            new += 1
    return lines - {1}  # the header is no row


@pytest.mark.git
def test_the_row_diff_is_exact_and_covers_gits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Random edits of a sorted file (values changed, rows added, removed, repeated, renamed, put
    out of order): the diff is exact, and it re-checks every row git's diff would show."""
    import functools
    import random

    from validator.changes import blobdiff
    from validator.changes.blobdiff import rows_changed

    monkeypatch.setattr(blobdiff, "_CHUNK", 7)  # two mapped files compared in many small copies

    rng = random.Random(7)
    for _ in range(150):
        rows = sorted([f"x-{rng.randrange(10**6):06d}", str(rng.randrange(99)), "v"] for _ in range(rng.randint(0, 30)))
        new = [list(r) for r in rows]
        for _ in range(rng.randint(1, 4)):
            op = rng.choice("change drop add repeat misplace rename".split())
            if op == "change" and new:
                rng.choice(new)[1] = "changed"
            elif op == "drop" and new:
                new.pop(rng.randrange(len(new)))
            elif op == "add":
                new = sorted([*new, [f"x-{rng.randrange(10**6):06d}", "new", "v"]])
            elif op == "repeat" and new:
                new = sorted([*new, list(rng.choice(new))])
            elif op == "misplace":
                new.insert(rng.randrange(len(new) + 1), [f"x-{rng.randrange(10**6):06d}", "odd", "v"])
            elif op == "rename" and new:
                rng.choice(new)[0] += "r"
        base, head = _csv(rows), _csv(new)
        change = rows_changed(base, head, 3)
        _apply(base, head, change)
        # BASE as --since has it: git's copy mapped from its file, not read
        (tmp_path / "base.csv").write_bytes(base)
        with (tmp_path / "base.csv").open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            assert rows_changed(mapped, head, 3) == change
            # and HEAD mapped too, its lines counted by a caller's index, as --since has them
            (tmp_path / "head.csv").write_bytes(head)
            with (tmp_path / "head.csv").open("rb") as fh2, mmap.mmap(fh2.fileno(), 0, access=mmap.ACCESS_READ) as mapped_head:
                assert rows_changed(mapped, mapped_head, 3, functools.partial(head.count, b"\n", 0)) == change
        assert _git_subjects(base, head, tmp_path) <= {r.line for r in change.added + change.context}


def _resident_kb(path: Path) -> int:
    """The resident size of this process's mappings of ``path`` (Linux's /proc/self/smaps)."""
    total, mine = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        if line[:1].isdigit() or line[:1] in "abcdef" and "-" in line.split(" ", 1)[0]:
            mine = line.rstrip().endswith(str(path))
        elif mine and line.startswith("Rss:"):
            total += int(line.split()[1])
    return total


@pytest.mark.skipif(not Path("/proc/self/smaps").exists() or not hasattr(mmap, "MADV_DONTNEED"), reason="Linux only")
def test_a_compared_map_leaves_memory_and_its_bytes_stay_readable(tmp_path: Path) -> None:
    """--since compares BASE's and HEAD's files mapped; the pages it has passed are let go of
    (a 174 MB file each otherwise stayed resident to the end), and read again when looked at."""
    import functools

    from validator.changes.blobdiff import let_go, rows_changed

    rows = sorted([f"x-{i:07d}", str(i % 97), "v" * 40] for i in range(300_000))  # 17 MB
    base = _csv(rows)
    rows[150_000][1] = "changed"
    head = _csv(rows)
    (tmp_path / "base.csv").write_bytes(base)
    (tmp_path / "head.csv").write_bytes(head)
    with (
        (tmp_path / "base.csv").open("rb") as f1,
        mmap.mmap(f1.fileno(), 0, access=mmap.ACCESS_READ) as a,
        (tmp_path / "head.csv").open("rb") as f2,
        mmap.mmap(f2.fileno(), 0, access=mmap.ACCESS_READ) as b,
    ):
        assert a[:] == base  # every page read: resident
        assert _resident_kb(tmp_path / "base.csv") * 1024 >= len(base) - mmap.PAGESIZE
        # HEAD's lines counted by the caller's index, as --since does (HeadFile.lines_before)
        change = rows_changed(a, b, 3, functools.partial(head.count, b"\n", 0))
        assert [r.line for r in change.added] == [150_002] and [r.line for r in change.removed] == [150_002]
        # what is left is near the change (the system maps a file's pages in blocks of up to 2 MB):
        # far less than the two files, which the comparison read whole
        assert (_resident_kb(tmp_path / "base.csv") + _resident_kb(tmp_path / "head.csv")) * 1024 < (len(base) + len(head)) // 4
        assert a[:] == base and b[:] == head  # read again, the same bytes
        let_go(b)
        assert _resident_kb(tmp_path / "head.csv") <= mmap.PAGESIZE // 1024  # the file's last, partial page at most
        let_go(base)  # bytes: nothing to do
    assert rows_changed(base, head, 3) == change


@pytest.mark.parametrize(
    "edit, added, removed, context",
    [
        (lambda rows: [["a-0", "first", "v"], *rows], [2], [], [3]),  # a row added at the start
        (lambda rows: [*rows, ["z-9", "last", "v"]], [6], [], [5]),  # ... at the end
        (lambda rows: rows[1:], [], [2], [2]),  # the first row removed
        (lambda rows: rows[:-1], [], [5], [4]),  # the last row removed
        (lambda rows: [rows[0], ["b-1", "x", "v"], *rows[2:]], [3], [3], [2, 4]),  # one row changed
        (lambda rows: rows, [], [], []),  # nothing
    ],
)
def test_the_row_diff_at_the_edges(edit, added: list[int], removed: list[int], context: list[int]) -> None:
    from validator.changes.blobdiff import rows_changed

    rows = [["b-0", "1", "v"], ["b-1", "2", "v"], ["c-0", "3", "v"], ["d-0", "4", "v"]]
    base, head = _csv(rows), _csv(edit(rows))
    change = rows_changed(base, head, 3)
    _apply(base, head, change)
    assert ([r.line for r in change.added], [r.line for r in change.removed], [r.line for r in change.context]) == (
        added,
        removed,
        context,
    )


@pytest.mark.parametrize(
    "head",
    [
        b"id,a,b\nb-0,1,v\r\nb-1,2,v\nc-0,3,v\n",  # a carriage return
        b'id,a,b\nb-0,"1\nstill 1",v\nb-1,2,v\nc-0,3,v\n',  # a record spanning lines
        b"id,a,c\nb-0,1,v\nb-1,2,v\nc-0,3,v\n",  # the header
        b"id,a,b\nb-0,1,v\nb-1,2,v\nc-0,3,v",  # no final line end
        b"id,a,b\nb-0,1,v\n\nb-1,2,v\nc-0,3,v\n",  # a blank line
        b"id,a,b\nb-0,1,v,extra\nb-1,2,v\nc-0,3,v\n",  # a field too many
        b'id,a,b\nb-0,1,v"\nb-1,2,v\nc-0,3,v\n',  # a stray quote
    ],
)
def test_what_the_row_diff_leaves_to_the_full_run(head: bytes) -> None:
    from validator.changes.blobdiff import rows_changed
    from validator.errors import NotIncremental

    with pytest.raises(NotIncremental):
        rows_changed(b"id,a,b\nb-0,1,v\nb-1,2,v\nc-0,3,v\n", head, 3)


def test_a_reordered_file_is_too_large_a_change(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows reversed: every row differs, which the full run checks faster than lookups would."""
    from validator.changes import blobdiff

    rows = [[f"r-{i:03d}", str(i), "v"] for i in range(60)]
    base, head = _csv(rows), _csv(rows[::-1])
    _apply(base, head, blobdiff.rows_changed(base, head, 3))  # exact, though far from the smallest
    monkeypatch.setattr(blobdiff, "MAX_CHANGED_ROWS", 50)
    with pytest.raises(blobdiff.NotIncremental):
        blobdiff.rows_changed(base, head, 3)


def test_long_equal_stretches_are_compared_whole() -> None:
    """The search for the next difference: anywhere in a long equal stretch, and at its ends."""
    from validator.changes.blobdiff import common_length

    a = bytes(range(256)) * 400
    for at in (0, 1, 63, 64, 4095, 4096, 50_000, len(a) - 1):
        b = a[:at] + b"!" + a[at + 1 :]
        assert common_length(a, b, 0, 0) == at
        assert common_length(a, b, 1, 1) == max(at - 1, 0) if at else common_length(a, b, 1, 1) == len(a) - 1
    assert common_length(a, a, 0, 0) == len(a)
    assert common_length(a, a + b"x", 0, 0) == len(a)
    assert common_length(a, a, 10, 10) == len(a) - 10


def test_small_tables_are_compared_as_the_database_compares_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables read in Python are diffed in Python; random edits of the real tables (cells changed,
    emptied and filled, rows added, removed, repeated, renamed, given an empty id) give exactly
    the rows and cells of the database's queries, which larger tables still use."""
    import csv
    import random

    from validator.changes.diff import table_diffs
    from validator.reading.package import Package

    root = Path(__file__).resolve().parents[1]
    base_dir, head_dir = tmp_path / "base", tmp_path / "head"
    for d in (base_dir, head_dir):  # the package's own files only
        d.mkdir()
        for part in ("datapackage.json", "schemas", "data", "seeds"):
            (shutil.copytree if (root / part).is_dir() else shutil.copy2)(root / part, d / part)
    rng = random.Random(11)
    for table in ("entities", "relations", "citations", "locations", "events"):
        path = head_dir / "data" / f"{table}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            header, *rows = list(csv.reader(fh))
        for _ in range(12):
            op = rng.choice("change empty fill drop add repeat rename noid".split())
            row = rng.choice(rows)
            col = rng.randrange(1, len(header))
            if op == "change":
                row[col] += " (edited)"
            elif op == "empty":
                row[col] = ""
            elif op == "fill":
                row[col] = row[col] or "filled"
            elif op == "drop":
                rows.remove(row)
            elif op == "add":
                rows.append([row[0] + "-added", *row[1:]])
            elif op == "repeat":
                rows.append([row[0], *[c + " again" for c in row[1:]]])
            elif op == "rename":
                row[0] += "-renamed"
            else:
                rows.append(["", *row[1:]])
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows([header, *rows])

    def diff() -> tuple[list, set[bool]]:
        """The diff, and whether the tables were held in Python ({True}) or only in SQL ({False})."""
        base, head = Package.load(base_dir), Package.load(head_dir)
        try:
            held = {pkg.python_rows(t) is not None for pkg in (base, head) for t in ("entities", "relations", "citations")}
            return table_diffs(base, head), held
        finally:
            base.close()
            head.close()

    in_python, held = diff()
    assert held == {True}  # compared in Python
    assert sum(len(t.added) + len(t.removed) + len(t.changed) for t in in_python) >= 40  # the edits are there
    monkeypatch.setattr(Package, "python_rows", lambda self, name: None)  # every table held in the database only
    assert diff() == (in_python, {False})  # compared by the queries, the same rows
