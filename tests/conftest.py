import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402


@pytest.fixture
def repo(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """A temporary git repository whose one commit is the base test package (tests/gitrepo.py)."""
    from gitrepo import Repo

    return Repo.create(tmp_path / "repo", tmp_path_factory.getbasetemp())
