"""The exact state of a directory tree, to show that a command changed nothing (or only what it may).

Every entry is recorded without following symbolic links and without opening anything but
regular files (a named pipe in a hostile package must not block the test): its kind, mode,
size, modification time in nanoseconds, and the SHA-256 of a regular file's bytes or the
target of a link. Two snapshots are equal only if no file was added, removed, rewritten
(even with the same bytes) or touched.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

Entry = tuple[str, int, int, int, str]  # kind, mode, size, mtime_ns, content


def _entry(path: Path) -> Entry:
    st = path.lstat()
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        return ("link", stat.S_IMODE(mode), 0, 0, os.readlink(path))
    if stat.S_ISREG(mode):
        return ("file", stat.S_IMODE(mode), st.st_size, st.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
    if stat.S_ISDIR(mode):
        return ("dir", stat.S_IMODE(mode), 0, st.st_mtime_ns, "")
    return ("other", mode, 0, st.st_mtime_ns, "")


def snapshot(root: Path) -> dict[str, Entry]:
    """Relative path -> entry, for ``root`` and everything under it."""
    out = {".": _entry(root)}
    for dirpath, dirnames, filenames in os.walk(root):  # os.walk does not follow links to directories
        for name in sorted(dirnames + filenames):
            path = Path(dirpath, name)
            out[str(path.relative_to(root))] = _entry(path)
    return out


def changed(before: dict[str, Entry], after: dict[str, Entry]) -> list[str]:
    """Paths added, removed or changed between two snapshots (directories whose listing changed included)."""
    return sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
