"""Running ``tda`` in a child process with a time limit, without paying its start-up each time.

A fresh ``python -m validator`` spends a second or more importing frictionless, DuckDB and
friends and loading the gazetteer before it reads anything, and the hostile corpus runs the
command a few hundred times. So a small fork server (clirun_server.py, started once per test
session) imports all that once; each run is a process forked from it that calls
``validator.cli.main(argv)`` (what the ``tda`` script calls) with its own working directory,
stdout and stderr. The child arms an alarm before it starts: a run that outlives its time
limit is killed by SIGALRM and reported as timed out, so a hang fails its test instead of
stalling the suite.

``run_subprocess`` is the slow, exact path (a new interpreter) for the tests that must see
the real entry point.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TIMEOUT = 60

_server: subprocess.Popen | None = None


@dataclass(frozen=True)
class Result:
    returncode: int | None  # None when the run was killed for taking too long
    stdout: str
    stderr: str
    seconds: float

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    @property
    def crashed(self) -> bool:
        """A traceback or an 'internal error' reached the user."""
        return "Traceback" in self.stderr + self.stdout or "internal error" in self.stderr


def _start() -> subprocess.Popen:
    global _server
    if _server is None or _server.poll() is not None:
        server = Path(__file__).with_name("clirun_server.py")
        _server = subprocess.Popen(
            [sys.executable, str(server)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        atexit.register(_server.terminate)
        assert _server.stdout is not None and _server.stdout.readline().strip() == "ready"
    return _server


def run_cli(
    argv: list[str], *, cwd: str | Path | None = None, timeout: int = DEFAULT_TIMEOUT, env: dict[str, str] | None = None
) -> Result:
    """``tda *argv`` in a child forked from the warm server; killed after ``timeout`` seconds.

    ``env`` adds to (or overrides) the child's environment, which is otherwise the server's:
    the one this process had when the server started."""
    server = _start()
    assert server.stdin is not None and server.stdout is not None
    with tempfile.TemporaryDirectory(prefix="tda-run-") as tmp:
        out, err = os.path.join(tmp, "out"), os.path.join(tmp, "err")
        request = {"argv": list(argv), "cwd": str(cwd or os.getcwd()), "out": out, "err": err, "timeout": timeout}
        request["env"] = dict(env or {})
        start = time.monotonic()
        server.stdin.write(json.dumps(request) + "\n")
        server.stdin.flush()
        if not select.select([server.stdout], [], [], timeout + 30)[0]:
            server.kill()  # the alarm should have fired long ago: do not trust this server again
            raise RuntimeError("the fork server did not answer")
        reply = json.loads(server.stdout.readline())
        seconds = time.monotonic() - start
        read = lambda p: Path(p).read_text(encoding="utf-8", errors="replace") if os.path.exists(p) else ""  # noqa: E731
        return Result(None if reply["timed_out"] else reply["returncode"], read(out), read(err), seconds)


def server_modules(names: list[str]) -> list[str]:
    """Which of the modules ``names`` the fork server has imported (what every run starts with)."""
    server = _start()
    assert server.stdin is not None and server.stdout is not None
    server.stdin.write(json.dumps({"modules": list(names)}) + "\n")
    server.stdin.flush()
    return json.loads(server.stdout.readline())["modules"]


def run_subprocess(argv: list[str], *, cwd: str | Path | None = None, timeout: int = DEFAULT_TIMEOUT) -> Result:
    """``python -m validator *argv`` in a new interpreter (the exact entry point)."""
    start = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "validator", *argv], cwd=cwd, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        return Result(None, str(exc.stdout or ""), str(exc.stderr or ""), time.monotonic() - start)
    return Result(done.returncode, done.stdout, done.stderr, time.monotonic() - start)
