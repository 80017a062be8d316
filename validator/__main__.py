"""``python -m validator`` runs the ``tda`` command line."""

import sys

from .cli.main import main

sys.exit(main())
