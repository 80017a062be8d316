"""The benchmark's packages and script keep working (a small size, not a timing): the generator's
planted errors are found, and the fast reading path reports exactly what the exact path reports;
the replicated real package is valid and each copy refers only to itself; the script measures
every workload and --since gives the full run's verdict."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from requires import git_missing

from benchmarks import run as run_py
from benchmarks.generate import PLANTED, generate
from benchmarks.replicate import real_rows, replicate
from validator import validate
from validator.reading import csvread

pytestmark = pytest.mark.slow  # 3,000-row generated packages, each validated on both paths; the script runs about 15 tools

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "clean"
    generate(out, rows=3000, seed=1)
    return out


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "broken"
    generate(out, rows=3000, seed=2, errors=2)
    return out


def _problems(pkg: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> set[tuple]:
    monkeypatch.setattr(csvread, "FAST_PATH_MIN_BYTES", 0 if fast else 1 << 62)
    report = validate(pkg, max_per_group=0)
    return {(p.code, p.path, p.line, p.column, p.record) for p in report.problems}


def test_generated_package_is_valid_on_both_paths(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _problems(clean, True, monkeypatch) == set()
    assert _problems(clean, False, monkeypatch) == set()
    rows = sum(1 for p in (clean / "data").glob("*.csv") for _ in p.open()) - len(list((clean / "data").glob("*.csv")))
    assert rows == 3000


@pytest.fixture(scope="module")
def broken_fast(broken: Path) -> set[tuple]:
    """The broken package's problems on the fast path (two tests read them)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        return _problems(broken, True, monkeypatch)


def test_every_planted_error_is_found_with_its_code(broken: Path, broken_fast: set[tuple]) -> None:
    planted = json.loads((broken / "planted.json").read_text())
    found = broken_fast
    for kind, ids in planted.items():
        code = PLANTED[kind]
        hit = {p[4] for p in found if p[0] == code} | {p[2] for p in found if p[0] == code}
        assert len(ids) == 2
        if code == "CS208":  # a ragged row is reported by line, not by id
            assert sum(1 for p in found if p[0] == "CS208") == 2
        else:
            assert set(ids) <= hit, (kind, ids)


def test_fast_and_exact_paths_report_the_same(broken: Path, broken_fast: set[tuple], monkeypatch: pytest.MonkeyPatch) -> None:
    assert broken_fast == _problems(broken, False, monkeypatch)


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "replicated"
    replicate(out, copies=3)
    return out


def test_replicated_package_is_valid(replicated: Path) -> None:
    report = validate(replicated, max_per_group=0)
    assert [(p.code, p.path, p.line) for p in report.problems] == []
    assert report_rows(replicated) == 3 * real_rows(ROOT) - 2 * 2  # the one event without place or actor, and its citation


def report_rows(pkg: Path) -> int:
    return sum(len(_rows(p)) - 1 for p in (pkg / "data").glob("*.csv"))


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_replicated_copies_refer_within_themselves(replicated: Path, tmp_path: Path) -> None:
    """Each row is a real row with its copy's tag on every id it holds, and only that tag; the
    seeds are the real bytes under the copy's name; the output does not depend on the run."""
    tag_of = re.compile(r"^[a-z]+-(c\d{4})-")
    copies: dict[str, set[str]] = {}
    for path in sorted((replicated / "data").glob("*.csv")):
        real = {row[0]: row for row in _rows(ROOT / "data" / path.name)[1:]}
        for row in _rows(path)[1:]:
            tag = tag_of.match(row[0])
            assert tag, row[0]
            copies.setdefault(tag.group(1), set()).add(row[0])
            assert set(re.findall(r"(?<![a-z0-9])c\d{4}(?=-)", ",".join(row))) == {tag.group(1)}, row
            untagged = [re.sub(rf"(?<![a-z0-9]){tag.group(1)}-", "", cell) for cell in row]
            assert untagged == real[untagged[0]], row
    assert sorted(copies) == ["c0001", "c0002", "c0003"]
    sources = _rows(replicated / "data" / "sources.csv")
    for row in sources[1:]:
        seed = replicated / "seeds" / row[sources[0].index("path")]
        assert hashlib.sha256(seed.read_bytes()).hexdigest() == row[sources[0].index("sha256")]
    again = tmp_path / "again"
    replicate(again, copies=3)
    for path in (replicated / "data").glob("*.csv"):
        assert (again / "data" / path.name).read_bytes() == path.read_bytes(), path.name


def test_peak_memory_is_the_largest_process_and_the_tree_adds_up() -> None:
    """What run.py reports as memory: wait4's figure is the larger of a process and the child it
    waits for (not their sum); the sampled tree figure adds the two while both run."""
    script = (
        "import os, time\n"
        "a = bytearray(40 << 20)\n"  # 40 MB in the parent, touched
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    b = bytearray(80 << 20); time.sleep(0.6); os._exit(0)\n"  # 80 MB more in the child
        "os.waitpid(pid, 0)\n"
    )
    plain = run_py.timed([sys.executable, "-c", script])
    sampled = run_py.timed([sys.executable, "-c", script], sample=True)
    assert plain["code"] == 0 and sampled["code"] == 0
    mb = 1024
    assert 80 * mb < plain["maxrss_kb"] < 120 * mb + 40 * mb  # the child's peak, not parent + child
    assert sampled["tree_kb"] > sampled["maxrss_kb"] + 30 * mb  # the parent's 40 MB beside the child


class ScriptRun:
    """benchmarks/run.py at a small size, started in the background (see ``script_run``)."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.out = work / "results.json"
        cmd = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "1200", "--repeat", "1", "--real-repeat", "1"]
        # the generated workload goes through the same code as the replicated one: left out, for time
        cmd += ["--work", str(work), "--out", str(self.out), "--since-on", "replicated", "--skip", "tree,generated"]
        # files, not pipes: a pipe nobody reads while the script runs would fill and stop it
        self._files = [tempfile.TemporaryFile(), tempfile.TemporaryFile()]
        self._proc = subprocess.Popen(cmd, stdout=self._files[0], stderr=self._files[1])

    def result(self, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        try:
            code = self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
            raise
        for f in self._files:
            f.seek(0)
        stdout, stderr = (f.read().decode("utf-8", "replace") for f in self._files)
        return subprocess.CompletedProcess(self._proc.args, code, stdout, stderr)

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        for f in self._files:
            f.close()


@pytest.fixture(scope="session")
def script_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScriptRun]:
    """The benchmark script, run once per session in the background: it is a chain of small
    processes, one at a time (10 s of CPU over about 20 s), so the worker that started it runs
    the other tests meanwhile and collects it in test_benchmark_script_runs, which conftest.py
    orders after this worker's other long tests."""
    run = ScriptRun(tmp_path_factory.mktemp("bench-script"))
    yield run
    run.close()


@pytest.fixture(scope="module", autouse=True)
def _start_script(request: pytest.FixtureRequest) -> None:
    """Starts the script with this module's first test, where the benchmark test is selected and
    can run (it needs git: without it, conftest.py skips it or, in CI, fails it)."""
    if git_missing() is None and any(item.nodeid.endswith("::test_benchmark_script_runs") for item in request.session.items):
        request.getfixturevalue("script_run")


@pytest.mark.git  # the script commits to a git repository for its --since figures
def test_benchmark_script_runs(script_run: ScriptRun) -> None:
    result = script_run.result()
    assert result.returncode == 0, result.stderr
    out = script_run.out
    results = json.loads(out.read_text())
    workloads = results["workloads"]
    assert set(workloads) == {"real", "replicated-1200"}
    for w in workloads.values():  # the grounding floor, once per round, with every rule it measures
        (floor,) = w["grounding_floor"]
        assert set(floor["found"]) == {"GR101", "GR102", "GR103", "GR105", "GR107", "GR108", "GR109"}
        assert floor["grounding"] == pytest.approx(sum(floor["statements"].values()), abs=1e-3)
    assert workloads["real"]["rows"] == real_rows(ROOT) and workloads["replicated-1200"]["rows"] == 2 * real_rows(ROOT) - 2
    for name, w in workloads.items():
        tools = {
            "tda validate",
            "frictionless validate",
            "pyarrow read (floor)",
            "tda validate --no-cache",
            "tda validate --ignore GR",
        }
        assert set(w["runs"]) == tools, name
        assert [len(rs) for rs in w["runs"].values()] == [1] * len(tools)
        assert all(r["code"] == 0 and r["maxrss_kb"] > 0 and r["cpu"] > 0 for rs in w["runs"].values() for r in rs)
    since = results["since"]["replicated-1200"]
    for variant in ("clean", "one error"):  # --since and the full run agree, on a real 10-row commit
        assert since[variant]["edited_rows"] == 10 and since[variant]["same_verdict"]
    assert since["clean"]["full_verdict"] == [0, []]
    assert [p[0] for p in since["one error"]["full_verdict"][1]] == ["KY504"]
    assert list((script_run.work / "cache").glob("*.json"))  # the cache of the measured runs: the benchmark's own
    rows = real_rows(ROOT)
    for row in (
        f"| real package | {rows:,} |",
        f"| real, replicated | {2 * rows - 2:,} |",
        "| 10 rows, clean |",
        "--no-cache | --no-cache peak",
        "GR at its barest (grounding_floor.py)",
    ):
        assert row in result.stdout, row
    assert f"| real package ({rows:,} rows): at least 2x faster than frictionless |" in result.stdout
    rendered = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--render", str(out)], capture_output=True, text=True
    )
    assert rendered.stdout == result.stdout  # the README's tables come from the saved run as they were printed


def test_the_grounding_floor_does_the_rules_work(tmp_path: Path) -> None:
    """grounding_floor.py's statements find what the rules find: a relation's object swapped for an
    entity its quotes do not name, and a relation stated twice, each raise its rule's count."""
    from benchmarks import grounding_floor

    pkg = tmp_path / "pkg"
    pkg.mkdir()
    for part in ("datapackage.json", "data", "schemas"):
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(ROOT / part, pkg / part)
    before = grounding_floor.main(pkg)["found"]
    path = pkg / "data" / "relations.csv"
    rows = _rows(path)
    header = rows[0]
    obj = header.index("object_id")
    victim = next(r for r in rows[1:] if r[obj] == "ent-tren-de-aragua")
    victim[obj] = "ent-el-flipper-gang"  # a gang the relation's quotes do not name

    def write(rows: list[list[str]]) -> None:
        with path.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)

    write(rows)
    swapped = grounding_floor.main(pkg)["found"]
    assert swapped["GR105"] == before["GR105"] + 1
    assert swapped["GR107"] >= before["GR107"]  # a quote that named only the party swapped out now names none
    assert {k: n for k, n in swapped.items() if k not in ("GR105", "GR107")} == {
        k: n for k, n in before.items() if k not in ("GR105", "GR107")
    }
    twin = list(victim)
    twin[header.index("id")] += "-again"
    write([*rows, twin])
    assert grounding_floor.main(pkg)["found"]["GR109"] == before["GR109"] + 1


def test_a_hedge_is_found_on_the_fast_path(clean: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PV405's prefilter over the whole quote column (arrow) lets a hedged quote through, in any case."""
    import shutil

    pkg = tmp_path / "pkg"
    shutil.copytree(clean, pkg)
    with (pkg / "data" / "relations.csv").open(newline="", encoding="utf-8") as fh:
        reported = {r["id"] for r in csv.DictReader(fh) if r["claim_status"] == "reported"}
    path = pkg / "data" / "citations.csv"
    rows = _rows(path)
    header = rows[0]
    record, quote = header.index("record_id"), header.index("quote")
    targets: dict[str, list[str]] = {}  # one citation of three reported rows, each with one form of a hedge
    for row in rows[1:]:
        if row[record] in reported and row[record] not in targets and len(targets) < 3:
            targets[row[record]] = row
    for word, row in zip(["allegedly", "ALLEGEDLY", "According to"], targets.values(), strict=True):
        row[quote] = f"{word} {row[quote]}"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    found = _problems(pkg, True, monkeypatch)
    assert {p[4] for p in found if p[0] == "PV405"} == set(targets)
    assert found == _problems(pkg, False, monkeypatch)


def test_a_saved_run_renders_in_the_order_it_was_printed() -> None:
    """The saved JSON's keys are sorted by name (generated before real and replicated); the
    rendered tables keep the order of the run: the real package, replicated, generated."""
    saved = json.loads((ROOT / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    assert len(saved["since"]) == 2  # the committed run has --since on both large workloads
    text = run_py.render(saved)
    since = [line for line in text.splitlines() if line.startswith("`tda validate --since HEAD~1`")]
    assert ["replicated" in since[0], "generated" in since[1]] == [True, True]
    assert text.index("| real package |") < text.index("| real, replicated |") < text.index("| generated |")
    reordered = {**saved, "since": dict(reversed(list(saved["since"].items())))}
    assert run_py.render(reordered) == text
