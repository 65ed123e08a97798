"""`python3 -m desktop` runs the `statement-room` command (handy where scripts are not on PATH)."""

import sys

from desktop.cli import main

sys.exit(main())
