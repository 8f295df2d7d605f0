"""The command line, the settings and the wiring of every part of requestbot."""

import sys

# httpx imports its command-line client (httpx._main) whenever click, Pygments and Rich
# are importable, and keeps a stub `httpx.main` when they are not; this process never runs
# that client, so it gets the stub: about 6 MiB and 80 modules fewer when those libraries
# are installed (click always is, for uvicorn). Set before any part imports httpx.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
