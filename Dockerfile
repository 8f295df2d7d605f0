# requestbot: one process for every chat adapter and background job.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY .ci/constraints.txt .ci/constraints.txt
COPY core core
COPY adapters adapters
COPY storage storage
COPY bot bot
RUN pip install -c .ci/constraints.txt . \
    && useradd --system --create-home --uid 10001 requestbot \
    && mkdir -p /data \
    && chown requestbot:requestbot /data

USER requestbot
ENV DATABASE_URL=sqlite+aiosqlite:////data/requestbot.db
VOLUME ["/data"]

CMD ["requestbot", "run"]
