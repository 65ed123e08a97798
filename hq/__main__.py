"""``python3 -m hq``: the same as ``statement-room-hq``."""

import sys

from hq.cli import main

sys.exit(main())
