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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test on a temporary git repository (the `repo` fixture, here or a module's own) needs git.
    for item in items:
        if "repo" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.git)


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
