# requestbot: one process for every chat adapter, background job and the API.
#   docker build -t requestbot .
#   docker run --env-file .env -v requestbot-data:/data requestbot        (the bot)
#   docker run --rm --env-file .env requestbot check                       (any subcommand)
#   docker run ... -p 5055:5055 requestbot                                  (with API_ENABLED=true)
#   docker exec <container> requestbot api-key                             (the API's key)
FROM python:3.11-slim

# Memory (bench/memory.py measures the bot with these): PYTHONOPTIMIZE=2 leaves docstrings
# and asserts out of every module loaded, about 7 MiB of an idle bot. Nothing requestbot
# does reads a docstring (the API's OpenAPI text comes from explicit descriptions), and its
# asserts only restate invariants. The standard library and the installed packages are
# compiled so at build time below, as nothing is written at run time. MALLOC_ARENA_MAX=2:
# the threads beside the event loop (SQLite's, the default executor's) share two malloc
# arenas instead of one each, about 1 MiB less, with no contention at this load.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONOPTIMIZE=2 \
    MALLOC_ARENA_MAX=2 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY .ci/constraints.txt .ci/constraints.txt
COPY core core
COPY adapters adapters
COPY storage storage
COPY bot bot
# /app/data points into the volume too: a DATABASE_URL left at ./data/requestbot.db (an
# older .env) lands in the same file as the image's own setting below.
RUN pip install -c .ci/constraints.txt . \
    && python -m compileall -q -j 0 -o 2 -x '/(tests?|idle_test)/' \
        "$(python -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')" \
    && useradd --system --create-home --uid 10001 requestbot \
    && mkdir -p /data \
    && chown requestbot:requestbot /data \
    && ln -s /data /app/data

USER requestbot
ENV DATABASE_URL=sqlite+aiosqlite:////data/requestbot.db
VOLUME ["/data"]

# The Seerr-compatible API (API_ENABLED=true), on Seerr's port and every interface of the
# container: publish it with `-p 5055:5055`.
ENV API_HOST=0.0.0.0
EXPOSE 5055

# `requestbot health` fails when the running bot's heartbeat (written every 30 s) is
# missing or older than 90 s: the process is gone or its event loop is stuck.
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=3 \
    CMD ["requestbot", "health"]

ENTRYPOINT ["requestbot"]
CMD ["run"]
