"""``python -m evreg`` runs the command line."""

import sys

from evreg.cli import main

sys.exit(main())
