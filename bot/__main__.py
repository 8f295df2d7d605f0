"""``python -m bot`` is the same as ``requestbot``."""

import sys

from bot.cli import main

sys.exit(main())
