"""TMDb, the catalogue: a cached, rate-limited client for the core's Catalogue port."""

from adapters.tmdb.client import TmdbClient, is_read_token

__all__ = ["TmdbClient", "is_read_token"]
