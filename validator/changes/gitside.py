"""One side of a comparison: a directory as it is, or a git commit copied out read-only.

``tda diff`` and ``tda validate --since`` compare two versions of a package. A side given as
a directory is read in place. A side given as a git ref (branch, tag, commit) is copied into a
temporary directory from git's object store with ``git ls-tree`` and ``git cat-file``: both
only read objects, so the working tree, the index and HEAD are never touched, and the files
come out byte for byte as committed (``git archive`` would apply ``export-subst`` and
``export-ignore`` attributes, changing a file's checksum or leaving it out). The temporary
directory is removed when the ``with`` block ends.
"""

from __future__ import annotations

import mmap
import os
import select
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..errors import CannotRun

WORKING_TREE = "working tree"
GIT_TIMEOUT = 300  # seconds; a package is small, a hung git should not hang CI


@dataclass(frozen=True)
class Side:
    """A version of the package: where it was read from and the directory that now holds it."""

    spec: str  # what the user gave: a directory, a ref, or WORKING_TREE
    root: Path  # the directory holding datapackage.json
    commit: str | None = None  # the full commit id when the side is a git ref

    @property
    def label(self) -> str:
        """How reports name this side (never the temporary directory)."""
        return f"{self.spec} ({self.commit[:12]})" if self.commit else self.spec

    def as_dict(self) -> dict[str, str | None]:
        return {"spec": self.spec, "commit": self.commit}


@contextmanager
def open_side(spec: str | None, package_dir: str | Path = ".") -> Iterator[Side]:
    """The package at ``spec``: None means ``package_dir`` as it is on disk (the working tree).

    A ``spec`` naming an existing directory is read in place; anything else must be a git ref
    in the repository holding ``package_dir``, and the package's subdirectory of that commit is
    copied out. Raises CannotRun when the ref does not exist or git cannot be run.
    """
    package_dir = Path(package_dir)
    if spec is None:
        yield Side(WORKING_TREE, package_dir)
        return
    if Path(spec).is_dir():
        yield Side(spec, Path(spec))
        return
    top, prefix = find_repository(spec, package_dir)
    commit = resolve_commit(spec, top)
    with tempfile.TemporaryDirectory(prefix="tda-side-") as tmp:
        dest = Path(tmp) / "package"
        dest.mkdir()
        _materialise(top, commit, prefix, dest)
        yield Side(spec, dest, commit)


def run_git(args: list[str], cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, input=stdin, capture_output=True, timeout=GIT_TIMEOUT, check=False, env=_git_env()
        )
    except FileNotFoundError:
        raise CannotRun(
            "git is not installed, so a git ref cannot be read", hint="install git, or compare two directories"
        ) from None
    except subprocess.TimeoutExpired:
        raise CannotRun(f"git {args[0]} took longer than {GIT_TIMEOUT} s") from None


class BlobRun:
    """``git cat-file blob`` started now and collected later (``result()``), so that git inflates
    a large file while this process does other work. The bytes go to an unnamed temporary file,
    not a pipe: a pipe would stop git until this process reads. No thread: the process may fork
    later."""

    def __init__(self, blob: str, cwd: Path) -> None:
        self._out = tempfile.TemporaryFile(prefix="tda-blob-")
        try:
            self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                ["git", "cat-file", "blob", blob], cwd=cwd, stdout=self._out, stderr=subprocess.DEVNULL, env=_git_env()
            )
        except OSError:
            self._proc = None

    def _succeeded(self) -> bool:
        """Wait for git; True when it wrote the blob."""
        if self._proc is None:
            return False
        try:
            _wait_exit(self._proc, GIT_TIMEOUT)
            code = self._proc.wait(timeout=GIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.cancel()
            raise CannotRun(f"git cat-file took longer than {GIT_TIMEOUT} s") from None
        return code == 0

    def mapped(self) -> bytes | mmap.mmap | None:
        """The blob's bytes, mapped from the temporary file rather than read (a large file is
        compared where it lies: reading 174 MB into fresh memory took 0.1-0.2 s); None when git
        could not read it. The map keeps the unnamed file alive after it is closed."""
        try:
            return mapped_file(self._out) if self._succeeded() else None
        finally:
            self._out.close()

    def cancel(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._out.close()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None


def _wait_exit(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Block until ``proc`` exits, waking the moment it does. ``Popen.wait`` with a timeout polls,
    sleeping up to 50 ms between looks: on the largest blob of --since that was 0.03-0.05 s of
    wall time spent asleep after git had finished. A process file descriptor (Linux) is readable
    once the process exits; without one, ``Popen.wait`` does the waiting. Raises
    TimeoutExpired as ``Popen.wait`` does."""
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is None or proc.returncode is not None:
        return
    try:
        fd = pidfd_open(proc.pid)
    except OSError:
        return  # an old kernel, or the process already reaped: Popen.wait does it
    try:
        if not select.select([fd], [], [], timeout)[0]:
            raise subprocess.TimeoutExpired(proc.args, timeout)
    finally:
        os.close(fd)


def mapped_file(fh: BinaryIO) -> bytes | mmap.mmap:
    """The bytes of an open file, mapped read-only (read when it cannot be: an empty file)."""
    try:
        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (ValueError, OSError):
        fh.seek(0)
        return fh.read()


def _git_env() -> dict[str, str]:
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"  # never wait for a password
    env["GIT_LITERAL_PATHSPECS"] = "1"  # a package directory named '*' is a name, not a pattern
    env.pop("GIT_INDEX_FILE", None)
    return env


def find_repository(spec: str, package_dir: Path) -> tuple[Path, str]:
    """The repository's top directory and the package directory's path inside it ('' or 'sub/dir/')."""
    if not package_dir.is_dir():
        raise CannotRun(f"{package_dir}: no such directory")
    found = run_git(["rev-parse", "--show-toplevel", "--show-prefix"], package_dir)  # one git, two lines
    if found.returncode != 0:
        said = found.stderr.decode("utf-8", "replace").strip().splitlines()
        raise CannotRun(
            f"{spec!r} is not a directory, and {package_dir} is not inside a git repository to read it as a ref from"
            + (f" (git: {said[0]})" if said else ""),
            hint="give a directory, or run the command inside the package's git repository",
        )
    top, _, prefix = found.stdout.decode("utf-8", "surrogateescape").partition("\n")
    return Path(top), prefix.strip("\n")


def resolve_commit(spec: str, top: Path) -> str:
    if not spec or spec.startswith("-"):
        raise CannotRun(f"{spec!r} is not a git ref", hint="give a branch, tag or commit, such as main or origin/main")
    result = run_git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{spec}^{{commit}}"], top)
    if result.returncode != 0:
        raise CannotRun(
            f"{spec!r} is neither a directory nor a commit of the repository in {top}",
            hint="give a branch, tag or commit (git log --oneline lists them); in a shallow clone, "
            "fetch the base first (git fetch origin main, or fetch-depth: 0 in actions/checkout)",
        )
    return result.stdout.decode("ascii").strip()


def _materialise(top: Path, commit: str, prefix: str, dest: Path) -> None:
    """Write the files under ``prefix`` at ``commit`` into ``dest``, exactly as stored in git."""
    listing = run_git(["ls-tree", "-r", "-z", "--full-tree", commit, "--", *([prefix] if prefix else [])], top)
    if listing.returncode != 0:
        raise CannotRun(f"git ls-tree {commit[:12]} failed: {listing.stderr.decode('utf-8', 'replace').strip()}")
    entries: list[tuple[str, str, str]] = []  # (mode, object id, path relative to the package)
    for item in listing.stdout.split(b"\0"):
        if not item:
            continue
        meta, _, raw_path = item.partition(b"\t")
        mode, kind, oid = meta.decode("ascii").split(" ")
        path = raw_path.decode("utf-8", "surrogateescape")
        if kind != "blob" or not path.startswith(prefix):
            continue  # submodules are not part of a package
        entries.append((mode, oid, path[len(prefix) :]))
    if not entries:
        raise CannotRun(f"commit {commit[:12]} has no files under {prefix or 'the repository root'}")
    blobs = run_git(["cat-file", "--batch"], top, stdin="".join(oid + "\n" for _, oid, _ in entries).encode("ascii"))
    if blobs.returncode != 0:
        raise CannotRun(f"git cat-file failed: {blobs.stderr.decode('utf-8', 'replace').strip()}")
    data, pos = blobs.stdout, 0
    for mode, oid, rel in entries:
        header_end = data.index(b"\n", pos)
        header = data[pos:header_end].decode("ascii").split(" ")
        if len(header) != 3 or header[0] != oid:
            raise CannotRun(f"git cat-file could not read {rel} ({oid[:12]}) of {commit[:12]}: {' '.join(header)}")
        size = header[2]
        start = header_end + 1
        content = data[start : start + int(size)]
        pos = start + int(size) + 1
        _write(dest, rel, mode, content)


def _write(dest: Path, rel: str, mode: str, content: bytes) -> None:
    parts = rel.split("/")
    if any(p in ("", ".", "..", ".git") for p in parts):
        return  # git itself refuses such paths on checkout; so do we
    target = dest.joinpath(*parts)
    if any(dest.joinpath(*parts[:i]).is_symlink() for i in range(1, len(parts))):
        return  # never write through a symlink of the commit (git trees cannot hold one anyway)
    target.parent.mkdir(parents=True, exist_ok=True)
    if mode == "120000":
        os.symlink(os.fsdecode(content), target)  # kept as committed: the validator judges where it points
        return
    target.write_bytes(content)
    if mode == "100755":
        target.chmod(0o755)
