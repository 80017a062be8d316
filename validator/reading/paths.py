"""Keeping every path a package names inside the package."""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath


def unsafe_reason(rel: object) -> str | None:
    """Why ``rel`` may not be used as a path inside a package, or None if it is fine.

    This looks at the text only; ``resolve_inside`` also follows symlinks on disk.
    """
    if not isinstance(rel, str):
        return "a path must be a string"
    if not rel:
        return "the path is empty"
    if "\x00" in rel:
        return "the path contains a NUL character"
    if "\\" in rel:
        return "the path uses a backslash; use '/'"
    if rel.startswith("/") or PurePosixPath(rel).is_absolute() or (len(rel) > 1 and rel[1] == ":"):
        return "the path is absolute"
    if "://" in rel:
        return "the path is a URL; resources must be local files"
    if any(part == ".." for part in rel.split("/")):
        return "the path climbs out with '..'"
    return None


def resolve_inside(root: Path, rel: str) -> tuple[Path | None, str | None]:
    """The real path of ``rel`` under ``root``, or (None, reason) if it would leave the package."""
    reason = unsafe_reason(rel)
    if reason:
        return None, reason
    real_root = Path(os.path.realpath(root))
    target = Path(os.path.realpath(real_root / rel))
    if target != real_root and real_root not in target.parents:
        return None, "the path leads outside the package through a symbolic link"
    return target, None


def not_a_file(path: Path) -> str:
    """Why ``path`` is not a regular file one can read: missing, a directory, a pipe, a link loop ...

    Only ``lstat``/``stat`` are used: opening a named pipe would block.
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        return "is a broken symbolic link" if path.is_symlink() else "does not exist"
    except OSError as exc:
        return "is a symbolic link loop" if path.is_symlink() else f"cannot be read ({exc.strerror})"
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return "is a file"
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file"
    return "is a device, not a file"
