"""Time tda validate beside frictionless validate and a pyarrow read, on the same packages.

    python benchmarks/run.py [--sizes 10000,100000,1000000] [--repeat 3] [--out benchmarks/results.json]

For each size, a package is generated once (benchmarks/generate.py, into --work), then each
tool runs as a whole process (interpreter start included), --repeat times:

- ``tda validate PACKAGE`` (every check, provenance quotes included);
- ``frictionless validate PACKAGE/datapackage.json`` (the reference implementation);
- a pyarrow read of every CSV with its declared types (the parse floor).

Reported per tool: the median wall time, rows per second, the peak memory of the process tree
(sampled from /proc every 5 ms, so that tda's helper process counts too) and the ratios to
tda. The markdown table for benchmarks/README.md is printed; the raw runs go to --out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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


def timed(cmd: list[str], cwd: Path | None = None) -> dict:
    """Run ``cmd``; its wall time, exit code and the peak memory of its process tree."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    return {
        "wall": wall,
        "code": proc.returncode,
        "peak_kb": max(peak[0], usage.ru_maxrss),
        "cpu": usage.ru_utime + usage.ru_stime,
        "stderr": stderr[-500:],
    }


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
    for n in sizes:
        package = work / f"pkg-{n}"
        if not (package / "datapackage.json").is_file():
            generate(package, rows=n)
        runs: dict[str, list[dict]] = {}
        for name, cmd in tools(package).items():
            if name in skip:
                continue
            runs[name] = [timed(cmd) for _ in range(repeat)]
            bad = [r for r in runs[name] if r["code"] != 0]
            if bad:
                raise SystemExit(f"{name} failed on {package}: exit {bad[0]['code']}\n{bad[0]['stderr']}")
        results["sizes"][str(n)] = runs
    return results


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
        tda = statistics.median(r["wall"] for r in runs.get("tda validate", [{"wall": float("nan")}]))
        for name, rs in runs.items():
            wall = statistics.median(r["wall"] for r in rs)
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path("/tmp/tda-bench"))
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--skip", default="", help="comma-separated tool names to leave out")
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


if __name__ == "__main__":
    main()
