"""The ``tda`` commands, one module each.

A command module defines ``NAME``, ``ORDER`` (its place in ``tda --help``), ``HELP`` (one line),
``add_arguments(parser)`` and ``run(args) -> int``. Modules are found by listing this package,
so adding a command is adding a file. Keep heavy imports inside ``run``: every command module is
imported each time ``tda`` starts.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def command_modules() -> list[ModuleType]:
    mods = [importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    return sorted(mods, key=lambda m: (m.ORDER, m.NAME))
