"""``tda``'s entry point: parse the arguments, run the command, turn exceptions into exit codes.

Each command calls one library function and turns its exceptions into a clean message.
Exit codes: 0 clean, 1 problems found, 2 cannot run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import CannotRun
from .parser import build_parser

EXIT_OK, EXIT_PROBLEMS, EXIT_CANNOT_RUN = 0, 1, 2


def _run(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a command; every way it can fail becomes a message on stderr and exit 2, and, where
    the command was asked for JSON, one JSON document on stdout too (``failure_document``)."""
    try:
        return func(args)
    except CannotRun as exc:
        sys.stderr.write(f"tda: cannot run: {exc.message}\n")
        if exc.hint:
            sys.stderr.write(f"    hint: {exc.hint}\n")
        return _failed(args, exc.as_dict())
    except KeyboardInterrupt:
        sys.stderr.write("tda: interrupted\n")
        return 130
    except BrokenPipeError:
        # the reader went away (`tda checks | head`): stop quietly, as other tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PROBLEMS
    except ModuleNotFoundError as exc:
        if not exc.name or exc.name.split(".")[0] == "validator":
            return _internal_error(exc, args)  # one of tda's own modules: a bug
        package = exc.name.split(".")[0]
        message = f"the Python package {package!r} is not installed for {sys.executable}"
        hint = (
            "install tda with its dependencies in this environment: pip install . "
            "(tda build needs the [build] extra, tda site the [site] extra)"
        )
        sys.stderr.write(f"tda: cannot run: {message}\n    hint: {hint}\n")
        return _failed(args, CannotRun(message, hint).as_dict())
    except Exception as exc:  # noqa: BLE001 - never a traceback for the user; say how to get one
        return _internal_error(exc, args)


def _failed(args: argparse.Namespace, error: dict[str, Any]) -> int:
    """Exit 2; with ``--format json``, after printing the command's JSON document for a failure."""
    document = getattr(args, "failure_document", None)
    if getattr(args, "format", None) == "json" and document is not None:
        sys.stdout.write(json.dumps(document(args, error), indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return EXIT_CANNOT_RUN


def _internal_error(exc: Exception, args: argparse.Namespace) -> int:
    if os.environ.get("TDA_DEBUG"):
        raise exc
    message = f"internal error: {type(exc).__name__}: {exc}"
    hint = "this is a bug in tda; run again with TDA_DEBUG=1 for the traceback and report it"
    sys.stderr.write(f"tda: {message}\n    {hint}\n")
    return _failed(args, {"message": message, "hint": hint, "path": None, "line": None, "column": None})


def main(argv: Sequence[str] | None = None) -> int:
    # pyarrow's default pool (mimalloc) keeps freed memory for reuse; a run that reads each
    # table once gains nothing from that, and the system allocator hands it back (1,000,000 rows:
    # peak 1.02 GB -> 0.85 GB, same time). Read when pyarrow is first imported; a user's own
    # choice stands.
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    # numpy's OpenBLAS starts a thread per core when numpy is imported, and those threads spin
    # for a while waiting for matrix work that tda never gives them: on 2 cores, 0.04-0.07 s of
    # CPU taken from the checks (7 % of a --since run's CPU on 1,000,000 rows). Read when numpy
    # is first imported; a user's own choice stands.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_CANNOT_RUN
    return _run(args.func, args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
