"""What a test needs from the machine beyond Python, and what happens when it is missing.

Tests marked ``browser`` need Playwright for Python and a Chromium binary (Debian's
``chromium``; no browser is downloaded); tests marked ``git`` need the ``git`` binary.
conftest.py applies the rule, in one place: when what a test needs is missing, the test is
SKIPPED with the reason (what to install), except in CI (``CI=true``), where it FAILS, so that
CI always runs every test. ``TDA_SKIP_BROWSER=1`` skips the browser tests even where a browser
is found, except in CI.
"""

from __future__ import annotations

import importlib.util
import os
import shutil

CHROMIUM_NAMES = ("/usr/bin/chromium", "chromium", "chromium-browser")
INSTALL_BROWSER = "apt-get install chromium chromium-driver (as .ci/run does), or set TDA_CHROMIUM=/path/to/chromium"


def in_ci() -> bool:
    """CI=true, as GitHub Actions, GitLab CI and most CI services set it (1 is accepted too)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1")


def chromium() -> str | None:
    """The Chromium binary the browser tests drive: $TDA_CHROMIUM, else the first on PATH."""
    wanted = os.environ.get("TDA_CHROMIUM")
    if wanted:
        return wanted if os.path.exists(wanted) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def browser_missing() -> str | None:
    """Why the browser tests cannot run here (None when they can)."""
    if importlib.util.find_spec("playwright") is None:
        return "needs Playwright for Python (in the test extra: pip install -e '.[test]')"
    if os.environ.get("TDA_SKIP_BROWSER") == "1" and not in_ci():
        return "TDA_SKIP_BROWSER=1 (unset it to run the browser tests)"
    if chromium() is None:
        wanted = os.environ.get("TDA_CHROMIUM")
        where = f"nothing at TDA_CHROMIUM={wanted}" if wanted else "no chromium on PATH (" + ", ".join(CHROMIUM_NAMES) + ")"
        return f"needs a Chromium browser, {where}: {INSTALL_BROWSER}"
    return None


def git_missing() -> str | None:
    """Why the git tests cannot run here (None when they can)."""
    if shutil.which("git") is None:
        return "needs the git binary, not on PATH: apt-get install git"
    return None


MISSING = {"browser": browser_missing, "git": git_missing}
