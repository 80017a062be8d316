"""``python -m validator`` runs the ``tda`` command line."""

import sys

from .cli import main

sys.exit(main())
