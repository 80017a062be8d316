"""Time tda validate beside frictionless validate and a pyarrow read, on the same packages.

    python benchmarks/run.py [--sizes 10000,100000,1000000] [--repeat 3] [--out benchmarks/results.json]

For each size, a package is generated once (benchmarks/generate.py, into --work), then each
tool runs as a whole process (interpreter start included), --repeat times:

- ``tda validate PACKAGE`` (every check, provenance quotes included);
- ``frictionless validate PACKAGE/datapackage.json`` (the reference implementation);
- a pyarrow read of every CSV with its declared types (the parse floor).

Reported per tool: the median wall time of the --repeat runs, rows per second, the peak memory
of the process tree and the ratios to tda. The memory comes from one more run that samples /proc
every 25 ms (so that tda's helper process counts too; never less than the largest process's own
peak, from wait4). That run is not timed: one sample walks /proc in about 1.6 ms, which is CPU
taken from the process being measured. Then, unless left out with --skip:

- ``real``: ``tda validate`` on this repository's own package;
- ``since``: on a git repository holding the largest package, a commit that edits 10 rows across
  three tables, then ``tda validate --since HEAD~1`` beside the full ``tda validate`` of the same
  checkout; and the same again with one of the 10 edits a dangling reference, so that both verdicts
  (exit code and the problems found) can be compared, not just the times.

The markdown tables for benchmarks/README.md are printed; the raw runs go to --out.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_SECONDS = 0.025
sys.path.insert(0, str(ROOT))

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


def _tree_rss_kb(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, in KB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            pid, ppid = int(entry), int(fields[1])
            rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
            children.setdefault(ppid, []).append(pid)
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root_pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack.extend(children.get(p, []))
    return total


def timed(cmd: list[str], cwd: Path | None = None, sample: bool = False) -> dict:
    """Run ``cmd``; its wall time, exit code and peak memory: of the largest process (wait4),
    or with ``sample`` of the whole process tree (the sampling costs the timed process some CPU,
    so sampled runs are not timed)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def sampler() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            time.sleep(SAMPLE_SECONDS)

    thread = threading.Thread(target=sampler, daemon=True)
    if sample:
        thread.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    if sample:
        thread.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    return {
        "wall": wall,
        "code": proc.returncode,
        "peak_kb": max(peak[0], usage.ru_maxrss),
        "cpu": usage.ru_utime + usage.ru_stime,
        "sampled": sample,
        "stderr": stderr[-500:],
    }


def runs_of(cmd: list[str], repeat: int, cwd: Path | None = None) -> list[dict]:
    """``repeat`` timed runs, then one more that samples the process tree's memory."""
    return [timed(cmd, cwd) for _ in range(repeat)] + [timed(cmd, cwd, sample=True)]


def _timed_runs(runs: list[dict]) -> list[dict]:
    return [r for r in runs if not r.get("sampled")]


def tools(package: Path) -> dict[str, list[str]]:
    bindir = Path(sys.executable).parent
    return {
        "tda validate": [str(bindir / "tda"), "validate", str(package)],
        "frictionless validate": [str(bindir / "frictionless"), "validate", str(package / "datapackage.json")],
        "pyarrow read (floor)": [sys.executable, "-c", FLOOR, str(package)],
    }


def measure(sizes: list[int], repeat: int, work: Path, skip: set[str]) -> dict:
    from benchmarks.generate import generate

    results: dict = {"machine": machine(), "repeat": repeat, "sizes": {}}
    if "real" not in skip:  # first, before the large runs leave the machine warm and its memory in use
        cmd = [str(Path(sys.executable).parent / "tda"), "validate", str(ROOT)]
        results["real"] = runs_of(cmd, max(repeat, 10), cwd=ROOT)
    for n in sizes:
        package = work / f"pkg-{n}"
        if not (package / "datapackage.json").is_file():
            generate(package, rows=n)
        runs: dict[str, list[dict]] = {}
        for name, cmd in tools(package).items():
            if name in skip:
                continue
            runs[name] = runs_of(cmd, repeat)
            bad = [r for r in runs[name] if r["code"] != 0]
            if bad:
                raise SystemExit(f"{name} failed on {package}: exit {bad[0]['code']}\n{bad[0]['stderr']}")
        results["sizes"][str(n)] = runs
    if "since" not in skip and sizes:
        n = max(sizes)
        results["since"] = measure_since(work / f"pkg-{n}", n, work, repeat)
    return results


CHANGELOG = "# Changelog\n\n{entries}## [1.0.0] - 2026-11-01\n\n### Added\n\n- The generated package.\n"

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


def _verdict(cmd: list[str]) -> tuple[int, list[tuple]]:
    done = subprocess.run([*cmd, "--format", "json", "--max-per-group", "0"], capture_output=True, text=True)
    problems = json.loads(done.stdout)["problems"] if done.stdout.strip() else []
    return done.returncode, sorted((p["code"], p["path"], p["line"], p["column"]) for p in problems)


def measure_since(package: Path, rows: int, work: Path, repeat: int) -> dict:
    """Full run against --since HEAD~1 after a 10-row commit, clean and with one planted error."""
    tda = str(Path(sys.executable).parent / "tda")
    out: dict = {"rows": rows, "edits": EDITS}
    for variant, dangling in (("clean", None), ("one error", "object_id")):
        repo = work / f"since-{variant.replace(' ', '-')}"
        if repo.exists():
            shutil.rmtree(repo)
        shutil.copytree(package, repo)
        (repo / "DATA-CHANGELOG.md").write_text(CHANGELOG.format(entries=""), encoding="utf-8")
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
        descriptor = repo / "datapackage.json"
        text = descriptor.read_text(encoding="utf-8")
        version = json.loads(text)["version"]
        major, minor, patch = (int(x) for x in version.split("."))
        bumped = f"{major}.{minor}.{patch + 1}"
        descriptor.write_text(text.replace(f'"version": "{version}"', f'"version": "{bumped}"', 1), encoding="utf-8")
        (repo / "DATA-CHANGELOG.md").write_text(
            CHANGELOG.format(entries=f"## [{bumped}] - 2026-11-24\n\n### Fixed\n\n- Ten descriptions and notes reworded.\n\n"),
            encoding="utf-8",
        )
        _git(repo, "commit", "-qam", "edit 10 rows")
        os.sync()  # the copy and git's objects are 400 MB of dirty pages: written back now, not during the runs
        changed = len([ln for ln in _git(repo, "diff", "--numstat", "HEAD~1").splitlines() if ln])
        full_cmd, since_cmd = [tda, "validate", str(repo)], [tda, "validate", "--since", "HEAD~1", str(repo)]
        runs = {
            "full": [timed(full_cmd, cwd=repo) for _ in range(repeat)],
            "since": runs_of(since_cmd, repeat, cwd=repo),
        }
        full_verdict, since_verdict = _verdict(full_cmd), _verdict(since_cmd)
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
    return out


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


def table(results: dict) -> str:
    lines = [
        "| rows | tool | median wall | rows/s | peak memory (process tree) | tda is faster by |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for n, runs in results["sizes"].items():
        tda = statistics.median(r["wall"] for r in _timed_runs(runs.get("tda validate", [{"wall": float("nan")}])))
        for name, rs in runs.items():
            wall = statistics.median(r["wall"] for r in _timed_runs(rs))
            peak = max(r["peak_kb"] for r in rs) / 1024
            ratio = (
                ""
                if name == "tda validate"
                else f"{wall / tda:.1f}x"
                if name.startswith("frictionless")
                else f"({wall / tda:.2f}x)"
            )
            lines.append(f"| {int(n):,} | {name} | {wall:.2f} s | {int(n) / wall:,.0f} | {peak:,.0f} MB | {ratio} |")
    return "\n".join(lines)


def _median(runs: list[dict], key: str = "wall") -> float:
    return statistics.median(r[key] for r in _timed_runs(runs))


def extra_tables(results: dict) -> str:
    out = []
    sizes = sorted(results["sizes"], key=int)
    tda = [(int(n), _median(results["sizes"][n]["tda validate"])) for n in sizes if "tda validate" in results["sizes"][n]]
    if len(tda) > 1:
        out += ["", "| rows | tda validate | 10 times the rows took |", "|---:|---:|---:|"]
        for i, (n, wall) in enumerate(tda):
            growth = f"{wall / tda[i - 1][1]:.1f}x the time" if i else ""
            out.append(f"| {n:,} | {wall:.2f} s | {growth} |")
    if "real" in results:
        rs, all_runs = _timed_runs(results["real"]), results["real"]
        out += [
            "",
            f"The real package (this repository): median {_median(rs):.2f} s wall over {len(rs)} runs "
            f"(min {min(r['wall'] for r in rs):.2f} s, max {max(r['wall'] for r in rs):.2f} s), "
            f"peak {max(r['peak_kb'] for r in all_runs) / 1024:,.0f} MB.",
        ]
    if "since" in results:
        sn = results["since"]
        out += [
            "",
            f"`--since HEAD~1` after a commit editing 10 rows of the {sn['rows']:,}-row package:",
            "",
            "| change | full run | --since | --since / full | same verdict | problems found |",
            "|---|---:|---:|---:|---|---:|",
        ]
        for variant in ("clean", "one error"):
            v = sn[variant]
            full, since = _median(v["runs"]["full"]), _median(v["runs"]["since"])
            out.append(
                f"| {v['edited_rows']} rows, {variant} | {full:.2f} s | {since:.2f} s | {since / full:.2f} | "
                f"{'yes' if v['same_verdict'] else 'NO'} | {len(v['full_verdict'][1])} |"
            )
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path("/tmp/tda-bench"))
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--skip", default="", help="comma-separated tool names, or 'real' and 'since', to leave out")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    results = measure(sizes, args.repeat, args.work, {s for s in args.skip.split(",") if s})
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    m = results["machine"]
    print(
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']}, Python {m['python']}, {m['system']}; "
        f"median of {results['repeat']} runs.\n"
    )
    print(table(results))
    print(extra_tables(results))


if __name__ == "__main__":
    main()
