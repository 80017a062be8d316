"""Time tda validate beside frictionless validate, in one run, at both ends of the package's size.

    python benchmarks/run.py [--sizes 10000,100000,1000000] [--repeat 3] [--out benchmarks/results.json]
    python benchmarks/run.py --render benchmarks/results.json     # the README's tables from a saved run

Workloads (each a package on disk):

- ``real``: this repository's own package (the small end);
- ``replicated-N``: the real package copied under new ids until it has about N rows
  (benchmarks/replicate.py): real rows at the large end;
- ``generated-N``: a synthetic package of N rows in the real package's proportions
  (benchmarks/generate.py).

Tools, each run as a whole process (interpreter start included), with this checkout first on
PYTHONPATH so that the tree the script lives in is what is measured:

- ``tda validate PACKAGE`` (every check, provenance and grounding included);
- ``frictionless validate PACKAGE/datapackage.json`` (the reference implementation);
- a pyarrow read of every CSV with its declared types (the parse floor);
- ``benchmarks/grounding_floor.py PACKAGE``: the grounding rules at their barest, one plain DuckDB
  statement each, timed inside its process (the read not counted): a lower bound for what the
  GR checks can add (issue 14's 10 %), shown beside tda with and without them.

The tools take turns: round i runs tda, then frictionless, then the floor, and the next round
does the same (A B C A B C ...), so that a machine that drifts (other load, a warmer cache) moves
both sides of a ratio alike. Reported: the median wall time of each tool, and the median of the
per-round ratios frictionless / tda (each ratio from two runs seconds apart).

Memory is the operating system's accounting, what ``/usr/bin/time -v`` prints as "Maximum
resident set size": ``ru_maxrss`` of the tool's process, from ``os.wait4``. For a process that
forks helpers and waits for them (tda does), Linux reports the largest of the process's own peak
and its waited-for descendants' peaks, each taken alone: the largest process of the tree, not a
sum. Each tool is started by a small launcher process (LAUNCH below) that times it and waits for
it: Linux carries a parent's peak into its child's figure across fork and exec, so a tool started
straight from this script would report at least this script's own peak.
To show what the helpers add while they run beside the main process, one more run of tda per
workload samples /proc every 25 ms and adds up the resident memory of the whole process tree
(it counts pages that forked processes share twice, so it overstates); that run is not timed
(a sample walks /proc in about 1.6 ms of CPU taken from the process measured). CPU time is
``ru_utime + ru_stime`` from the same wait4, helpers included.

Then, unless left out with --skip:

- ``since``: for each workload named by --since-on, at the largest size: a git repository with
  the package, a commit that edits 10 rows across three tables (with a version bump and a
  changelog section), then ``tda validate --since HEAD~1`` and the full ``tda validate`` of the
  same checkout, taking turns; again with one of the 10 edits a dangling reference, so that the
  verdicts (exit code and each problem's code, path, line and column) are compared, not just
  the times;
- ``--suite`` (off by default): ``python -m pytest -p no:cacheprovider`` once, its wall time
  and CPU time (pytest and everything it waits for).

The raw runs go to --out (JSON); the markdown for benchmarks/README.md is printed, and can be
printed again from the JSON with --render.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import hashlib
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_SECONDS = 0.025
sys.path.insert(0, str(ROOT))

TDA, FRICTIONLESS, FLOOR_NAME = "tda validate", "frictionless validate", "pyarrow read (floor)"
TDA_COLD, TDA_NO_GR = "tda validate --no-cache", "tda validate --ignore GR"
KINDS = ("real", "replicated", "generated")  # the workloads, in the order they are measured and shown

# issue 15's targets on a 2-core machine: (workload, smallest frictionless/tda ratio, most peak MB)
TARGETS = {"real": (2.0, 100), "replicated-1000000": (20.0, 400)}
SINCE_TARGET = 0.25  # --since on a 10-row change, as a share of the full run
SUITE_TARGET = 90.0  # seconds for python -m pytest
GR_TARGET = 0.10  # issue 14: the grounding checks add at most this share to a full run at 1,000,000 rows
GR_FLOOR = "grounding floor"

FLOOR = """
import json, sys
import pyarrow as pa, pyarrow.csv as pc
from pathlib import Path
root = Path(sys.argv[1])
types = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(),
         "date": pa.date32(), "list": pa.string()}
rows = 0
for r in json.loads((root / "datapackage.json").read_text())["resources"]:
    ct = {f["name"]: types[f["type"]] for f in r["schema"]["fields"]}
    t = pc.read_csv(root / r["path"], convert_options=pc.ConvertOptions(column_types=ct, true_values=["true"],
                    false_values=["false"], strings_can_be_null=True))
    rows += t.num_rows
print(rows)
"""


# Starts one measured command and waits for it, from a fresh small process. Linux carries a
# parent's peak resident memory into its child's accounting (fork, vfork and exec keep the larger
# of the two), so a tool started straight from this script, after it has generated a package of
# 1,000,000 rows in memory, would report at least this script's own peak. This launcher's peak is
# its interpreter's (about 10 MB, below any tool's own). It writes wall time and wait4's usage to
# the file named by argv[1]; the tool inherits its standard streams.
LAUNCH = """
import json, os, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.posix_spawnp(cmd[0], cmd, os.environ)
print(pid, file=open(out + ".pid", "w"), flush=True)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(out, "w") as fh:
    json.dump({"wall": wall, "code": os.waitstatus_to_exitcode(status), "cpu": ru.ru_utime + ru.ru_stime,
               "maxrss_kb": ru.ru_maxrss}, fh)
"""


CACHE_DIR = Path(tempfile.gettempdir()) / "tda-bench-cache"  # set by main() under --work


def _env() -> dict[str, str]:
    """The environment of every tool: this checkout first on the import path, and tda's cache of
    verdicts on unchanged inputs (validator/reading/cache.py) in a folder of the benchmark's own,
    emptied when the run starts (so no earlier run of tda on the machine is what is measured).

    Python may write its compiled bytecode, as it does for an installed package (pip compiles
    every module at install time): with PYTHONDONTWRITEBYTECODE set, as some shells and images
    set it, every tda run would compile this checkout's modules again (30-40 ms on the real
    package), while frictionless, installed, would not."""
    path = os.environ.get("PYTHONPATH", "")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(ROOT) + (os.pathsep + path if path else ""), "TDA_CACHE_DIR": str(CACHE_DIR)}


def _tree_rss_kb(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, in KB (one walk of /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            pid, ppid = int(entry), int(fields[1])
            rss[pid] = int(fields[21]) * page_kb
            children.setdefault(ppid, []).append(pid)
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root_pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack.extend(children.get(p, []))
    return total


def timed(cmd: list[str], cwd: Path | None = None, sample: bool = False, keep_stdout: bool = False) -> dict:
    """Run ``cmd`` through the launcher (LAUNCH), which waits for it with wait4.

    Returns its wall time, exit code, CPU time and peak memory (``maxrss_kb``: the OS's figure,
    see the module docstring); with ``sample``, also ``tree_kb``, the peak of the process tree's
    summed resident memory sampled from /proc (such a run's time is not a fair figure)."""
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        result = Path(tmp) / "run.json"
        proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, str(result), *cmd],
            cwd=cwd,
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=out if keep_stdout else subprocess.DEVNULL,
            stderr=err,
        )
        peak = [0]
        done = threading.Event()

        def sampler() -> None:
            pidfile = Path(str(result) + ".pid")
            while not done.is_set():
                try:
                    pid = int(pidfile.read_text())
                except (OSError, ValueError):
                    time.sleep(0.001)  # not started yet
                    continue
                peak[0] = max(peak[0], _tree_rss_kb(pid))
                time.sleep(SAMPLE_SECONDS)

        thread = threading.Thread(target=sampler, daemon=True)
        if sample:
            thread.start()
        proc.wait()
        done.set()
        if sample:
            thread.join()
        err.seek(0)
        out.seek(0)
        stderr = err.read().decode("utf-8", "replace")
        if proc.returncode != 0 or not result.is_file():
            raise SystemExit(f"the launcher failed on {cmd}: exit {proc.returncode}\n{stderr[-2000:]}")
        run = json.loads(result.read_text())
        run["sampled"] = sample
        run["stderr"] = stderr[-500:]
        if sample:
            run["tree_kb"] = max(peak[0], run["maxrss_kb"])
        if keep_stdout:
            run["stdout"] = out.read().decode("utf-8", "replace")
        return run


def in_turns(
    cmds: dict[str, list[str]], repeat: int, cwd: Path | None = None, keep_stdout: bool = False
) -> dict[str, list[dict]]:
    """``repeat`` rounds; each round runs every command once, in the same order (A B A B ...)."""
    runs: dict[str, list[dict]] = {name: [] for name in cmds}
    for _ in range(repeat):
        for name, cmd in cmds.items():
            runs[name].append(timed(cmd, cwd, keep_stdout=keep_stdout))
    return runs


def tools(package: Path) -> dict[str, list[str]]:
    bindir = Path(sys.executable).parent
    return {
        TDA: [sys.executable, "-m", "validator", "validate", str(package)],
        FRICTIONLESS: [str(bindir / "frictionless"), "validate", str(package / "datapackage.json")],
        FLOOR_NAME: [sys.executable, "-c", FLOOR, str(package)],
        # the same check as on a machine that never ran tda (no cached verdicts) ...
        TDA_COLD: [sys.executable, "-m", "validator", "validate", "--no-cache", str(package)],
        # ... and without the grounding checks, to show what they cost (issue 14)
        TDA_NO_GR: [sys.executable, "-m", "validator", "validate", "--ignore", "GR", str(package)],
    }


def count_rows(package: Path) -> int:
    total = 0
    for path in (package / "data").glob("*.csv"):
        with path.open("rb") as fh:
            total += sum(1 for _ in fh) - 1  # the packages measured have no record over two lines
    return total


def _stamp(*paths: Path) -> str:
    """What a cached generated package was made from (the generator and the schemas)."""
    h = hashlib.sha256()
    for base in paths:
        for p in sorted(base.rglob("*") if base.is_dir() else [base]):
            if p.is_file():
                h.update(p.as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def prepare(kind: str, n: int, work: Path) -> Path:
    """The package of workload ``kind`` at ``n`` rows under ``work``. The replicated one is always
    written anew (seconds); a generated one is reused while the generator and schemas are unchanged."""
    package = work / f"{kind}-{n}"
    if kind == "replicated":
        from benchmarks.replicate import replicate

        replicate(package, rows=n)
        return package
    from benchmarks.generate import generate

    stamp = work / f"{kind}-{n}.stamp"
    want = _stamp(ROOT / "benchmarks" / "generate.py", ROOT / "schemas")
    if not (package / "datapackage.json").is_file() or not stamp.is_file() or stamp.read_text() != want:
        generate(package, rows=n)
        stamp.write_text(want)
    return package


def measure_workload(package: Path, repeat: int, skip: set[str], cwd: Path | None = None) -> dict:
    cmds = {name: cmd for name, cmd in tools(package).items() if name not in skip}
    if TDA in cmds:  # one untimed run fills the cache, as any earlier run on the machine would
        timed(cmds[TDA], cwd)
    runs = in_turns(cmds, repeat, cwd)
    for name, rs in runs.items():
        bad = [r for r in rs if r["code"] != 0]
        if bad:
            raise SystemExit(f"{name} failed on {package}: exit {bad[0]['code']}\n{bad[0]['stderr']}")
    out: dict = {"path": str(package), "rows": count_rows(package), "runs": runs}
    if GR_FLOOR not in skip:  # after the turns: its figure is its own in-process timing, not a wall time
        floor = [sys.executable, str(ROOT / "benchmarks" / "grounding_floor.py"), str(package)]
        out["grounding_floor"] = [json.loads(timed(floor, cwd, keep_stdout=True)["stdout"]) for _ in range(repeat)]
    if TDA in cmds and "tree" not in skip:
        out["tree"] = timed(cmds[TDA], cwd, sample=True)
    return out


def measure(sizes: list[int], repeat: int, real_repeat: int, work: Path, skip: set[str], since_on: list[str]) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": machine(), "versions": versions(), "date": datetime.date.today().isoformat()}
    results["repeat"], results["real_repeat"], results["workloads"] = repeat, real_repeat, {}
    if "real" not in skip:  # first, before the large runs leave the machine warm and its memory in use
        results["workloads"]["real"] = measure_workload(ROOT, real_repeat, skip, cwd=ROOT)
    for kind in KINDS[1:]:
        if kind in skip:
            continue
        for n in sizes:
            package = prepare(kind, n, work)
            results["workloads"][f"{kind}-{n}"] = measure_workload(package, repeat, skip)
    if "since" not in skip and sizes:
        results["since"] = {}
        for kind in since_on:
            if kind not in skip:
                package = prepare(kind, max(sizes), work)
                results["since"][f"{kind}-{max(sizes)}"] = measure_since(package, work, repeat)
    return results


CHANGELOG = "# Changelog\n\n{entries}## [{base}] - 2026-11-01\n\n### Added\n\n- The package measured.\n"

# The 10 edits of the --since benchmark: (table, column, how many rows).
EDITS = [("entities", "description", 4), ("relations", "description", 3), ("citations", "note", 3)]


def _git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.org",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.org",
    }
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True)
    return done.stdout


def _edit_rows(path: Path, column: str, count: int, text: str, dangling: str | None = None) -> int:
    """Change ``column`` in ``count`` data rows spread over the file, touching no other byte.

    With ``dangling`` (a column name), the first edited row also gets a reference that resolves to
    nothing in that column. Returns the number of rows edited."""
    lines = path.read_bytes().split(b"\n")
    header = next(csv.reader([lines[0].decode("utf-8")]))
    col = header.index(column)
    step = max(1, (len(lines) - 2) // (count + 1))
    edited = 0
    for n in range(1 + step, len(lines) - 1, step):
        if edited == count:
            break
        row = next(csv.reader([lines[n].decode("utf-8")]))
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="")
        writer.writerow(row)
        if buf.getvalue().encode("utf-8") != lines[n]:
            continue  # a row csv would re-quote: leave it, so the diff is only the edit
        row[col] = f"{text} {edited + 1}"
        if dangling and edited == 0:
            row[header.index(dangling)] = "ent-zz-no-such-entity"
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(row)
        lines[n] = buf.getvalue().encode("utf-8")
        edited += 1
    path.write_bytes(b"\n".join(lines))
    return edited


def _verdict(run: dict) -> tuple[int, list[tuple]]:
    """Exit code and the problems (code, path, line, column) of a run made with --format json."""
    problems = json.loads(run["stdout"])["problems"] if run.get("stdout", "").strip() else []
    return run["code"], sorted((p["code"], p["path"], p["line"], p["column"]) for p in problems)


def measure_since(package: Path, work: Path, repeat: int) -> dict:
    """Full run against --since HEAD~1 after a 10-row commit, clean and with one planted error."""
    out: dict = {"rows": count_rows(package), "edits": EDITS}
    for variant, dangling in (("clean", None), ("one error", "object_id")):
        repo = work / f"since-{package.name}-{variant.replace(' ', '-')}"
        if repo.exists():
            shutil.rmtree(repo)
        shutil.copytree(package, repo)
        descriptor = repo / "datapackage.json"
        text = descriptor.read_text(encoding="utf-8")
        version = json.loads(text)["version"]
        (repo / "DATA-CHANGELOG.md").write_text(CHANGELOG.format(entries="", base=version), encoding="utf-8")
        _git(repo, "init", "-q")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-qm", "base")
        edited = 0
        for table, column, count in EDITS:
            edited += _edit_rows(
                repo / "data" / f"{table}.csv",
                column,
                count,
                f"Edited for the benchmark ({variant})",
                dangling if table == "relations" else None,
            )
        # A well-formed change: corrections only, so a patch version and its changelog section.
        major, minor, patch = (int(x) for x in version.split("."))
        bumped = f"{major}.{minor}.{patch + 1}"
        descriptor.write_text(text.replace(f'"version": "{version}"', f'"version": "{bumped}"', 1), encoding="utf-8")
        (repo / "DATA-CHANGELOG.md").write_text(
            CHANGELOG.format(
                entries=f"## [{bumped}] - 2026-11-24\n\n### Fixed\n\n- Ten descriptions and notes reworded.\n\n", base=version
            ),
            encoding="utf-8",
        )
        _git(repo, "commit", "-qam", "edit 10 rows")
        os.sync()  # the copy and git's objects are hundreds of MB of dirty pages: written back now, not during the runs
        changed = len([ln for ln in _git(repo, "diff", "--numstat", "HEAD~1").splitlines() if ln])
        base_cmd = [sys.executable, "-m", "validator", "validate", "--format", "json", "--max-per-group", "0"]
        cmds = {"full": [*base_cmd, str(repo)], "since": [*base_cmd, "--since", "HEAD~1", str(repo)]}
        runs = in_turns(cmds, repeat, cwd=repo, keep_stdout=True)
        full_verdict, since_verdict = _verdict(runs["full"][-1]), _verdict(runs["since"][-1])
        for rs in runs.values():
            for r in rs:
                r.pop("stdout", None)
        out[variant] = {
            "edited_rows": edited,
            "changed_files": changed,
            "runs": runs,
            "full_verdict": full_verdict,
            "since_verdict": since_verdict,
            "same_verdict": full_verdict == since_verdict,
        }
        if not out[variant]["same_verdict"]:
            raise SystemExit(f"--since and the full run disagree on {repo}: {full_verdict} vs {since_verdict}")
        shutil.rmtree(repo)
    return out


def measure_suite() -> dict:
    """The test suite once, as a contributor runs it; wall and CPU time of pytest and its children."""
    # no -q of its own: pyproject.toml already gives one, and a second hides the "N passed" line
    run = timed([sys.executable, "-m", "pytest", "-p", "no:cacheprovider"], cwd=ROOT, keep_stdout=True)
    tail = [ln for ln in run.pop("stdout").splitlines() if ln.strip()][-1:]
    run["summary"] = tail[0].strip("= ") if tail else ""
    return run


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            mem = f"{int(fh.readline().split()[1]) // 1024 // 1024} GiB"
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": mem,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def versions() -> dict:
    out = {}
    for name in ("duckdb", "pyarrow", "frictionless"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


# ---- the markdown for benchmarks/README.md ----


def _median(runs: list[dict], key: str = "wall") -> float:
    return statistics.median(r[key] for r in runs)


def _ratios(w: dict) -> list[float]:
    """frictionless / tda wall time, round by round."""
    runs = w["runs"]
    if TDA not in runs or FRICTIONLESS not in runs:
        return []
    return [f["wall"] / t["wall"] for t, f in zip(runs[TDA], runs[FRICTIONLESS], strict=True)]


def _mb(kb: float) -> str:
    return f"{kb / 1024:,.0f} MB"


def _order(results: dict, part: str = "workloads") -> list[str]:
    """The names of ``results[part]`` in KINDS order, then by size: the saved JSON's keys are
    sorted by name, so a saved run renders as it was printed."""

    def key(name: str) -> tuple:
        kind, _, n = name.partition("-")
        return (KINDS.index(kind), int(n or 0))

    return sorted(results.get(part, {}), key=key)


def _label(name: str) -> str:
    kind, _, n = name.partition("-")
    return {"real": "real package", "replicated": "real, replicated", "generated": "generated"}[kind]


def render(results: dict) -> str:
    m, v = results["machine"], results.get("versions", {})
    out = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']}, {m['system']}, Python {m['python']}; "
        + ", ".join(f"{k} {x}" for k, x in sorted(v.items()))
        + f"; {results.get('date', '')}. Median of {results['repeat']} rounds "
        f"({results.get('real_repeat', results['repeat'])} for the real package).",
        "",
        "| workload | rows | tda validate | frictionless validate | frictionless / tda | tda peak memory | "
        "frictionless peak memory | tda peak, process tree | pyarrow read (floor) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in _order(results):
        w = results["workloads"][name]
        runs = w["runs"]

        def cell(tool: str, key: str = "wall", w_runs: dict = runs) -> str:
            if tool not in w_runs:
                return ""
            if key == "wall":
                return f"{_median(w_runs[tool]):.2f} s"
            return _mb(max(r["maxrss_kb"] for r in w_runs[tool]))

        ratios = _ratios(w)
        ratio = (
            f"{statistics.median(ratios):.1f}x ({min(ratios):.1f}-{max(ratios):.1f})"
            if len(ratios) > 1
            else f"{ratios[0]:.1f}x"
            if ratios
            else ""
        )
        tree = _mb(w["tree"]["tree_kb"]) if "tree" in w else ""
        out.append(
            f"| {_label(name)} | {w['rows']:,} | {cell(TDA)} | {cell(FRICTIONLESS)} | {ratio} | {cell(TDA, 'mem')} | "
            f"{cell(FRICTIONLESS, 'mem')} | {tree} | {cell(FLOOR_NAME)} |"
        )
    variants = [n for n in _order(results) if {TDA_COLD, TDA_NO_GR} & results["workloads"][n]["runs"].keys()]
    if variants:
        out += [
            "",
            "tda on a cold cache (`--no-cache`: as on a machine that never ran it) and without the grounding checks "
            "(`--ignore GR`), in the same rounds:",
            "",
            "| workload | rows | tda validate | --no-cache | --no-cache peak | --ignore GR | --ignore GR peak | what GR adds | "
            "GR at its barest (grounding_floor.py) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name in variants:
            w = results["workloads"][name]
            runs = w["runs"]

            def med(tool: str, w_runs: dict = runs) -> str:
                return f"{_median(w_runs[tool]):.2f} s" if tool in w_runs else ""

            def peak(tool: str, w_runs: dict = runs) -> str:
                return _mb(max(r["maxrss_kb"] for r in w_runs[tool])) if tool in w_runs else ""

            added = f"{_median(runs[TDA]) / _median(runs[TDA_NO_GR]) - 1:+.0%}" if TDA in runs and TDA_NO_GR in runs else ""
            out.append(
                f"| {_label(name)} | {w['rows']:,} | {med(TDA)} | {med(TDA_COLD)} | {peak(TDA_COLD)} | {med(TDA_NO_GR)} | "
                f"{peak(TDA_NO_GR)} | {added} | {_floor_cell(w)} |"
            )
    for kind in KINDS[1:]:
        sized = [(int(n.partition("-")[2]), results["workloads"][n]) for n in _order(results) if n.startswith(kind + "-")]
        sized = [(n, w) for n, w in sized if TDA in w["runs"]]
        if len(sized) > 1:
            out += [
                "",
                f"{_label(kind + '-')}: how tda's time grows",
                "",
                "| rows | tda validate | against the size before |",
                "|---:|---:|---:|",
            ]
            for i, (_, w) in enumerate(sized):
                wall = _median(w["runs"][TDA])
                growth = (
                    f"{wall / _median(sized[i - 1][1]['runs'][TDA]):.1f}x the time for {w['rows'] / sized[i - 1][1]['rows']:.0f}x the rows"
                    if i
                    else ""
                )
                out.append(f"| {w['rows']:,} | {wall:.2f} s | {growth} |")
    for name, sn in ((k, results["since"][k]) for k in _order(results, "since")):
        out += [
            "",
            f"`tda validate --since HEAD~1` after a commit editing 10 rows of the {_label(name)} package ({sn['rows']:,} rows):",
            "",
            "| change | full run | --since | --since / full | same verdict | problems found | --since peak memory |",
            "|---|---:|---:|---:|---|---:|---:|",
        ]
        for variant in ("clean", "one error"):
            x = sn[variant]
            full, since = _median(x["runs"]["full"]), _median(x["runs"]["since"])
            out.append(
                f"| {x['edited_rows']} rows, {variant} | {full:.2f} s | {since:.2f} s | {since / full:.2f} | "
                f"{'yes' if x['same_verdict'] else 'NO'} | {len(x['full_verdict'][1])} | "
                f"{_mb(max(r['maxrss_kb'] for r in x['runs']['since']))} |"
            )
    if "suite" in results:
        s = results["suite"]
        out += [
            "",
            f"The test suite (`python -m pytest -p no:cacheprovider`): {s['wall']:.1f} s wall, "
            f"{s['cpu']:.1f} s CPU (pytest and its workers); {s['summary']}.",
        ]
    out += ["", *targets(results)]
    return "\n".join(out)


def _gr_floor(w: dict) -> float | None:
    """The median time of grounding_floor.py's statements on a workload, if measured."""
    runs = w.get("grounding_floor")
    return statistics.median(r["grounding"] for r in runs) if runs else None


def _floor_cell(w: dict) -> str:
    floor = _gr_floor(w)
    if floor is None:
        return ""
    base = w["runs"].get(TDA_NO_GR)
    return f"{floor:.2f} s ({floor / _median(base):+.0%})" if base else f"{floor:.2f} s"


def targets(results: dict) -> list[str]:
    """Issue 15's targets against this run's figures."""
    rows = ["| target (issue 15 unless named, 2 cores) | measured | |", "|---|---|---|"]
    for name, (speed, mb) in TARGETS.items():
        w = results["workloads"].get(name)
        if not w or not _ratios(w):
            rows.append(f"| {_label(name)}: at least {speed:g}x faster than frictionless, at most {mb} MB | not measured | |")
            continue
        ratio = statistics.median(_ratios(w))
        peak = max(r["maxrss_kb"] for r in w["runs"][TDA]) / 1024
        rows.append(
            f"| {_label(name)} ({w['rows']:,} rows): at least {speed:g}x faster than frictionless | {ratio:.1f}x "
            f"({_median(w['runs'][TDA]):.2f} s against {_median(w['runs'][FRICTIONLESS]):.2f} s) | "
            f"{'met' if ratio >= speed else 'missed'} |"
        )
        rows.append(f"| {_label(name)}: peak memory at most {mb} MB | {peak:,.0f} MB | {'met' if peak <= mb else 'missed'} |")
    for name in (n for n in _order(results) if n.endswith("-1000000")):
        runs = results["workloads"][name]["runs"]
        if TDA not in runs or TDA_NO_GR not in runs:
            continue
        added = _median(runs[TDA]) / _median(runs[TDA_NO_GR]) - 1
        floor = _gr_floor(results["workloads"][name])
        barest = f"; at their barest {floor / _median(runs[TDA_NO_GR]):+.0%}" if floor is not None else ""
        rows.append(
            f"| issue 14: the grounding checks add at most {GR_TARGET:.0%} to a full run ({_label(name)}, 1,000,000 rows) "
            f"| {added:+.0%}{barest} | {'met' if added <= GR_TARGET else 'missed'} |"
        )
    for name, sn in ((k, results["since"][k]) for k in _order(results, "since")):
        shares = [_median(sn[v]["runs"]["since"]) / _median(sn[v]["runs"]["full"]) for v in ("clean", "one error")]
        same = all(sn[v]["same_verdict"] for v in ("clean", "one error"))
        met = max(shares) <= SINCE_TARGET and same
        rows.append(
            f"| `--since` on a 10-row change of the {_label(name)} package ({sn['rows']:,} rows): at most "
            f"{SINCE_TARGET:g} of the full run, same verdict | {shares[0]:.2f} and {shares[1]:.2f}; "
            f"{'same verdict' if same else 'verdicts differ'} | {'met' if met else 'missed'} |"
        )
    if "suite" in results:
        wall = results["suite"]["wall"]
        rows.append(
            f"| the test suite in at most {SUITE_TARGET:g} s | {wall:.1f} s | {'met' if wall <= SUITE_TARGET else 'missed'} |"
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000", help="rows of the replicated and generated packages")
    ap.add_argument("--repeat", type=int, default=3, help="rounds per workload (and for --since)")
    ap.add_argument("--real-repeat", type=int, default=10, help="rounds on the real package (each takes about a second)")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "tda-bench")
    ap.add_argument("--out", type=Path, default=None, help="write the raw runs here (JSON)")
    ap.add_argument(
        "--skip",
        default="",
        help="comma-separated: a tool name, or real, replicated, generated, since, tree (the sampled run), 'grounding floor' to leave out",
    )
    ap.add_argument("--since-on", default="replicated,generated", help="the workloads whose largest size --since is measured on")
    ap.add_argument("--suite", action="store_true", help="also time the test suite once")
    ap.add_argument("--render", type=Path, default=None, metavar="RESULTS", help="print the markdown of a saved run and stop")
    args = ap.parse_args()
    if args.render:
        print(render(json.loads(args.render.read_text(encoding="utf-8"))))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    skip = {s for s in args.skip.split(",") if s}
    global CACHE_DIR
    CACHE_DIR = args.work / "cache"
    shutil.rmtree(CACHE_DIR, ignore_errors=True)
    results = measure(sizes, args.repeat, args.real_repeat, args.work, skip, [s for s in args.since_on.split(",") if s])
    results["command"] = " ".join(["python", "benchmarks/run.py", *sys.argv[1:]])
    if args.suite:
        results["suite"] = measure_suite()
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(render(results))


if __name__ == "__main__":
    main()
