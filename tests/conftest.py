import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The tests keep tda's cache of verdicts (validator/reading/cache.py) in a folder of their own,
# new for each run (and each xdist worker): they start as a fresh machine does, and never read or
# fill the cache of the person running them. The CLI tests' subprocesses inherit it.
if "TDA_CACHE_DIR" not in os.environ:
    os.environ["TDA_CACHE_DIR"] = tempfile.mkdtemp(prefix="tda-test-cache-")
    atexit.register(shutil.rmtree, os.environ["TDA_CACHE_DIR"], ignore_errors=True)

import pytest  # noqa: E402
from requires import MISSING, in_ci  # noqa: E402


@pytest.fixture
def repo(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """A temporary git repository whose one commit is the base test package (tests/gitrepo.py)."""
    from gitrepo import Repo

    return Repo.create(tmp_path / "repo", tmp_path_factory.getbasetemp())


# How the tests are spread over the cores: pytest-xdist's `--dist worksteal` (pyproject.toml) gives
# each worker a contiguous block of the collected tests, then lets an idle worker take the tail of
# another's block. The whole suite waits for its slowest worker, so the longest tests must start
# first and on different workers: START_FIRST names them (node id prefixes, a whole module where
# its tests share one expensive session-scoped build, such as the site the browser tests crawl),
# with their rough CPU seconds, and _order() deals them to the blocks, heaviest first to the
# lightest block, ahead of the other tests. The seconds come from `--durations`; a stale entry
# only loses its head start, it changes no result.
START_FIRST = [
    ("tests/test_site_browser.py", 20),
    ("tests/test_types.py", 8),  # mypy without its cache, as on a fresh checkout
    ("tests/test_benchmarks.py", 8),  # in the worker; the script's 10 s run beside it (COLLECT_LATER)
    ("tests/test_build.py", 6),
    ("tests/test_site.py", 4),
    ("tests/test_tree_unchanged.py::test_writer_changes_only_what_it_owns", 4),
    ("tests/test_properties.py::test_random_valid_packages_are_accepted", 4),
    ("tests/test_edtf.py::test_fast_path_agrees_with_the_library", 4),
    ("tests/test_sidecar.py::test_helpers_agree_with_the_main_process[LC706]", 3),
    ("tests/test_cases.py::test_row_checks_find_the_same_rows_planned_or_not", 3),
    ("tests/test_quotes.py::test_index_agrees_with_plain_search", 3),
]

# Tests that collect work a fixture started in the background earlier in their block: each goes
# after the block's START_FIRST units, so its worker runs them while the work proceeds (and it is
# still far from the block's tail, which another worker may take over).
COLLECT_LATER = ("tests/test_benchmarks.py::test_benchmark_script_runs",)


def _order(items: list[pytest.Item], workers: int) -> list[pytest.Item]:
    """``items`` with the START_FIRST units at the head of the workers' blocks, the rest in pytest's order."""
    units: list[list[pytest.Item]] = [[] for _ in START_FIRST]
    rest = []
    for item in items:
        rank = next((i for i, (prefix, _) in enumerate(START_FIRST) if item.nodeid.startswith(prefix)), None)
        (rest if rank is None else units[rank]).append(item)
    # worksteal's first split: the first worker gets len // workers tests, the next an equal share of the rest, ...
    sizes, left = [], len(items)
    for remaining in range(workers, 0, -1):
        sizes.append(left // remaining)
        left -= sizes[-1]
    blocks: list[list[pytest.Item]] = [[] for _ in sizes]
    load = [0.0] * len(sizes)
    for (_, seconds), unit in zip(START_FIRST, units, strict=True):
        if unit:
            lightest = min(range(len(blocks)), key=lambda b: (load[b], b))
            blocks[lightest] += unit
            load[lightest] += seconds
    for b, block in enumerate(blocks):
        later = [item for item in block if item.nodeid.startswith(COLLECT_LATER)]
        blocks[b] = [item for item in block if item not in later] + later
    out = []
    for size, block in zip(sizes, blocks, strict=True):
        take = max(0, size - len(block))
        out += block + rest[:take]
        rest = rest[take:]
    return out + rest


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test on a temporary git repository (the `repo` fixture, here or a module's own) needs git:
    # marked before -m selects on the markers.
    for item in items:
        if "repo" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.git)


class _LongestFirst:
    """Deals the tests to the workers' blocks after -m and -k have deselected theirs (trylast):
    the blocks are cut from the tests that run, as worksteal cuts them."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        # Every worker collects and orders alike (xdist requires it); without xdist the count is 1.
        items[:] = _order(items, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_LongestFirst(), "tda-longest-first")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked browser or git whose tool is missing is skipped with the reason; in CI it fails (tests/requires.py)."""
    for marker, missing in MISSING.items():
        if item.get_closest_marker(marker) is None:
            continue
        reason = missing()
        if reason is None:
            continue
        if in_ci():
            pytest.fail(f"[{marker}] {reason}. CI=true: a test that cannot run fails instead of being skipped.", pytrace=False)
        pytest.skip(f"[{marker}] {reason}")
