"""The command line, ``tda``: the only layer that prints or exits.

Holds the argument parser and dispatch (``main``), one module per command (``commands``) and
the renderers of a report (``report``: text, JSON, GitHub annotations, Markdown). Each command
calls library functions of the layers below and turns their exceptions into a clean message
and an exit code.

May import every other layer.
"""
