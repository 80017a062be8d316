"""The fork server behind clirun.run_cli (not a test module; started by clirun).

It pays, once, the first-call costs that every ``tda`` run would pay again: imports, parsed
vocabularies and schemas, the smallest gazetteer file. Only pure-Python state is built before
forking; nothing here starts a thread (no DuckDB connection), so each child starts clean.

Protocol: one JSON request per line on stdin (argv, cwd, out, err, timeout, env: variables
added to the child's environment); one JSON reply per line on stdout (returncode, timed_out).
A request ``{"modules": [names]}`` is answered with the names the server has imported, so a test
can see what a run starts with (the helper processes need a process without numpy, pyarrow or
DuckDB loaded, see validator/checks/sidecar.py).
"""

from __future__ import annotations

import json
import os
import signal
import sys


def _warm() -> None:
    import frictionless
    import pycountry
    from jsonschema import Draft202012Validator

    import validator.cli.main  # noqa: F401 - imported for its side effect: the commands and checks
    from validator.checks import all_checks
    from validator.checks.descriptor import METADATA_SCHEMA
    from validator.reading import edtf_dates, gazetteer

    all_checks()
    frictionless.Package.validate_descriptor({"name": "warm", "resources": [{"name": "t", "path": "t.csv"}]})
    Draft202012Validator(METADATA_SCHEMA).is_valid({})
    pycountry.subdivisions.get(code="VE-D")
    edtf_dates.check("2018-21")
    gazetteer.lookup({3632998})


def _child(request: dict) -> None:
    signal.alarm(int(request["timeout"]))  # default action: the process dies, whatever it is doing
    code = 70
    try:
        os.environ.update(request.get("env", {}))
        os.chdir(request["cwd"])
        for fd, path in ((1, request["out"]), (2, request["err"])):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        from validator.cli.main import main

        try:
            code = main(request["argv"])
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        from validator.reading.package import remove_spill_dirs

        remove_spill_dirs()  # the databases' spill directories: os._exit runs no finalizer
        os._exit(code)


def serve() -> None:
    _warm()
    print("ready", flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        if "modules" in request:
            print(json.dumps({"modules": [m for m in request["modules"] if m in sys.modules]}), flush=True)
            continue
        pid = os.fork()
        if pid == 0:
            _child(request)
        _, status = os.waitpid(pid, 0)
        timed_out = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGALRM
        code = os.waitstatus_to_exitcode(status)
        print(json.dumps({"returncode": code, "timed_out": timed_out}), flush=True)


if __name__ == "__main__":
    serve()
