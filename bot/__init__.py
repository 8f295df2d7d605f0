"""The command line, the settings and the wiring of every part of requestbot."""

import sys

# Two modules that libraries load for users this process never has, kept out of it (a module
# set to None in sys.modules raises ImportError when imported, which both libraries expect
# and handle). Set before any part imports httpx or FastAPI.
# - httpx imports its command-line client (httpx._main) whenever click, Pygments and Rich
#   are importable, and keeps a stub `httpx.main` when they are not; this process never runs
#   that client: about 6 MiB and 80 modules fewer when those libraries are installed (click
#   always is, for uvicorn).
# - FastAPI imports pydantic's old v1 API (pydantic.v1) when it makes its first model field,
#   to refuse v1 models, which it no longer supports and none of ours is; without pydantic.v1
#   it takes no model for one: 1.2 MiB and 23 modules fewer.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
sys.modules.setdefault("pydantic.v1", None)  # type: ignore[arg-type]
