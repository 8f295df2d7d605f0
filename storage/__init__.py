"""Storage: SQL tables, repositories and the unit of work behind core.ports, on SQLite or
PostgreSQL, with Alembic migrations."""

from storage.db import create_engine
from storage.migrate import current_revision, upgrade
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory

__all__ = [
    "SqlUnitOfWork",
    "SqlUnitOfWorkFactory",
    "create_engine",
    "current_revision",
    "upgrade",
]
