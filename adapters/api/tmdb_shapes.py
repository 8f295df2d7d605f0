"""TMDb's JSON in Seerr's camelCase: search results, movie, show and season details.

Plain functions from TMDb's bodies (as the TMDb client caches them) to the JSON Seerr sends,
field for field as Seerr's server/models (Search.ts, Movie.ts, Tv.ts) map them. Lists that
TMDb may send as null come out as ``[]``: Requestrr walks a show's seasons and networks
without looking. Parts Seerr appends that we do not ask TMDb for (credits, videos, release
dates, watch providers, content ratings) come out empty, so a client walking them finds
nothing rather than a missing key; each would cost bytes on every cached title.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

Json = dict[str, Any]

IMAGE_ORIGINAL = "https://image.tmdb.org/t/p/original"


def search_results(results: Iterable[Any]) -> list[Json]:
    """Search results as Seerr maps them, leaving out what python-overseerr cannot read:
    collections (an unknown ``mediaType`` fails its whole list) and shows without a first
    air date (it parses ``firstAirDate`` as a date, and ``""`` fails)."""
    mapped = (_result(raw) for raw in results if isinstance(raw, dict))
    return [result for result in mapped if result is not None]


def _result(raw: Json) -> Json | None:
    kind = raw.get("media_type")
    if kind == "movie":
        return movie_result(raw)
    if kind == "tv":
        return tv_result(raw)
    if kind == "person":
        return person_result(raw)
    return None


def movie_result(raw: Json) -> Json:
    """One movie of a search (Search.ts mapMovieResult)."""
    return {
        **_common_result(raw, "movie"),
        "adult": bool(raw.get("adult")),
        "originalTitle": raw.get("original_title") or raw.get("title") or "",
        "releaseDate": raw.get("release_date") or "",
        "title": raw.get("title") or raw.get("original_title") or "",
        "video": bool(raw.get("video")),
    }


def tv_result(raw: Json) -> Json | None:
    """One show of a search (Search.ts mapTvResult); None without a first air date."""
    first_aired = raw.get("first_air_date")
    if not _is_date(first_aired):
        return None
    return {
        **_common_result(raw, "tv"),
        "firstAirDate": first_aired,
        "name": raw.get("name") or raw.get("original_name") or "",
        "originCountry": raw.get("origin_country") or [],
        "originalName": raw.get("original_name") or raw.get("name") or "",
    }


def person_result(raw: Json) -> Json:
    """A person of a search (Search.ts mapPersonResult). ``knownFor`` lists the movies only:
    python-overseerr reads every entry as a movie, so a show there fails its whole search."""
    known = raw.get("known_for") or []
    return {
        "id": raw.get("id"),
        "mediaType": "person",
        "name": raw.get("name") or "",
        "popularity": raw.get("popularity") or 0.0,
        "profilePath": raw.get("profile_path"),
        "adult": bool(raw.get("adult")),
        "knownFor": [movie_result(m) for m in known if _is_movie(m)],
    }


def as_search_result(details: Json, kind: str) -> Json:
    """A title's or person's details as the search result TMDb would give for it
    (Search.ts mapMovieDetailsToResult and its siblings), for the ``tmdb:`` prefix."""
    genre_ids = [g.get("id") for g in details.get("genres") or [] if isinstance(g, dict)]
    return {**details, "media_type": kind, "genre_ids": genre_ids, "known_for": []}


def _common_result(raw: Json, kind: str) -> Json:
    return {
        "id": raw.get("id"),
        "mediaType": kind,
        "popularity": raw.get("popularity") or 0.0,
        "posterPath": raw.get("poster_path"),
        "backdropPath": raw.get("backdrop_path"),
        "voteCount": raw.get("vote_count") or 0,
        "voteAverage": raw.get("vote_average") or 0.0,
        "genreIds": raw.get("genre_ids") or [],
        "overview": raw.get("overview") or "",
        "originalLanguage": raw.get("original_language") or "",
    }


def movie_details(raw: Json) -> Json:
    """A movie's page (Movie.ts mapMovieDetails), without ``mediaInfo``."""
    collection = raw.get("belongs_to_collection")
    return {
        "id": raw.get("id"),
        "imdbId": raw.get("imdb_id"),
        "adult": bool(raw.get("adult")),
        "backdropPath": raw.get("backdrop_path"),
        "budget": raw.get("budget") or 0,
        "genres": _genres(raw),
        "homepage": raw.get("homepage"),
        "originalLanguage": raw.get("original_language") or "",
        "originalTitle": raw.get("original_title") or raw.get("title") or "",
        "overview": raw.get("overview") or "",
        "popularity": raw.get("popularity") or 0.0,
        "relatedVideos": [],
        "posterPath": raw.get("poster_path"),
        "productionCompanies": [_company(c) for c in _dicts(raw.get("production_companies"))],
        "productionCountries": raw.get("production_countries") or [],
        "releaseDate": raw.get("release_date") or "",
        "releases": {"results": []},
        "revenue": raw.get("revenue") or 0,
        "runtime": raw.get("runtime"),
        "spokenLanguages": raw.get("spoken_languages") or [],
        "status": raw.get("status") or "",
        "tagline": raw.get("tagline") or "",
        "title": raw.get("title") or raw.get("original_title") or "",
        "video": bool(raw.get("video")),
        "voteAverage": raw.get("vote_average") or 0.0,
        "voteCount": raw.get("vote_count") or 0,
        "credits": {"cast": [], "crew": []},
        "collection": _collection(collection) if isinstance(collection, dict) else None,
        "externalIds": external_ids(raw.get("external_ids")),
        "watchProviders": [],
        "keywords": _keywords(raw.get("keywords"), "keywords"),
    }


def tv_details(raw: Json) -> Json:
    """A show's page (Tv.ts mapTvDetails), without ``mediaInfo``."""
    return {
        "id": raw.get("id"),
        "backdropPath": raw.get("backdrop_path"),
        "posterPath": raw.get("poster_path"),
        "contentRatings": {"results": []},
        "createdBy": [_creator(c) for c in _dicts(raw.get("created_by"))],
        "episodeRunTime": raw.get("episode_run_time") or [],
        "firstAirDate": raw.get("first_air_date"),
        "genres": _genres(raw),
        "homepage": raw.get("homepage") or "",
        "inProduction": bool(raw.get("in_production")),
        "relatedVideos": [],
        "languages": raw.get("languages") or [],
        "lastAirDate": raw.get("last_air_date"),
        "lastEpisodeToAir": _episode_or_none(raw.get("last_episode_to_air")),
        "name": raw.get("name") or raw.get("original_name") or "",
        "nextEpisodeToAir": _episode_or_none(raw.get("next_episode_to_air")),
        "networks": [_network(n) for n in _dicts(raw.get("networks"))],
        "numberOfEpisodes": raw.get("number_of_episodes") or 0,
        "numberOfSeasons": raw.get("number_of_seasons") or 0,
        "originCountry": raw.get("origin_country") or [],
        "originalLanguage": raw.get("original_language") or "",
        "originalName": raw.get("original_name") or raw.get("name") or "",
        "overview": raw.get("overview") or "",
        "popularity": raw.get("popularity") or 0.0,
        "productionCompanies": [_company(c) for c in _dicts(raw.get("production_companies"))],
        "productionCountries": raw.get("production_countries") or [],
        "spokenLanguages": [_language(s) for s in _dicts(raw.get("spoken_languages"))],
        "seasons": [_season(s) for s in _dicts(raw.get("seasons"))],
        "status": raw.get("status") or "",
        "tagline": raw.get("tagline") or "",
        "type": raw.get("type") or "",
        "voteAverage": raw.get("vote_average") or 0.0,
        "voteCount": raw.get("vote_count") or 0,
        "credits": {"cast": [], "crew": []},
        "externalIds": external_ids(raw.get("external_ids")),
        "keywords": _keywords(raw.get("keywords"), "results"),
        "watchProviders": [],
    }


def season_details(raw: Json) -> Json:
    """A season with its episodes (Tv.ts mapSeasonWithEpisodes); stills are full URLs, as
    Seerr makes them."""
    episodes = [_episode(e) for e in _dicts(raw.get("episodes"))]
    for episode in episodes:
        if episode["stillPath"]:
            episode["stillPath"] = IMAGE_ORIGINAL + episode["stillPath"]
    return {
        "airDate": raw.get("air_date"),
        "episodes": episodes,
        "externalIds": external_ids(raw.get("external_ids")),
        "id": raw.get("id"),
        "name": raw.get("name") or "",
        "overview": raw.get("overview") or "",
        "seasonNumber": raw.get("season_number"),
        "posterPath": raw.get("poster_path"),
    }


def external_ids(raw: Any) -> Json:
    """TMDb's external ids (common.ts mapExternalIds)."""
    ids = raw if isinstance(raw, dict) else {}
    names = {
        "facebookId": "facebook_id",
        "freebaseId": "freebase_id",
        "freebaseMid": "freebase_mid",
        "imdbId": "imdb_id",
        "instagramId": "instagram_id",
        "tvdbId": "tvdb_id",
        "tvrageId": "tvrage_id",
        "twitterId": "twitter_id",
    }
    return {ours: ids.get(theirs) for ours, theirs in names.items()}


def _season(raw: Json) -> Json:
    return {
        "airDate": raw.get("air_date"),
        "episodeCount": raw.get("episode_count") or 0,
        "id": raw.get("id"),
        "name": raw.get("name") or "",
        "overview": raw.get("overview") or "",
        "seasonNumber": raw.get("season_number"),
        "posterPath": raw.get("poster_path"),
    }


def _episode(raw: Json) -> Json:
    return {
        "id": raw.get("id"),
        "airDate": raw.get("air_date"),
        "episodeNumber": raw.get("episode_number"),
        "name": raw.get("name") or "",
        "overview": raw.get("overview") or "",
        "productionCode": raw.get("production_code") or "",
        "seasonNumber": raw.get("season_number"),
        "showId": raw.get("show_id"),
        "voteAverage": raw.get("vote_average") or 0.0,
        "voteCount": raw.get("vote_count") or 0,
        "stillPath": raw.get("still_path"),
    }


def _episode_or_none(raw: Any) -> Json | None:
    return _episode(raw) if isinstance(raw, dict) else None


def _genres(raw: Json) -> list[Json]:
    return [{"id": g.get("id"), "name": g.get("name") or ""} for g in _dicts(raw.get("genres"))]


def _keywords(raw: Any, field: str) -> list[Json]:
    """Keywords: a movie's come under ``keywords``, a show's under ``results``."""
    listed = raw.get(field) if isinstance(raw, dict) else None
    return [{"id": k.get("id"), "name": k.get("name") or ""} for k in _dicts(listed)]


def _company(raw: Json) -> Json:
    return {
        "id": raw.get("id"),
        "name": raw.get("name") or "",
        "originCountry": raw.get("origin_country") or "",
        "logoPath": raw.get("logo_path"),
    }


def _network(raw: Json) -> Json:
    return {
        "id": raw.get("id"),
        "name": raw.get("name") or "",
        "originCountry": raw.get("origin_country"),
        "logoPath": raw.get("logo_path"),
    }


def _creator(raw: Json) -> Json:
    return {
        "id": raw.get("id"),
        "name": raw.get("name") or "",
        "gender": raw.get("gender"),
        "profilePath": raw.get("profile_path"),
    }


def _collection(raw: Json) -> Json:
    return {
        "id": raw.get("id"),
        "name": raw.get("name") or "",
        "posterPath": raw.get("poster_path"),
        "backdropPath": raw.get("backdrop_path"),
    }


def _language(raw: Json) -> Json:
    return {
        "englishName": raw.get("english_name") or "",
        "iso_639_1": raw.get("iso_639_1") or "",
        "name": raw.get("name") or "",
    }


def _dicts(value: Any) -> list[Json]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _is_movie(raw: Any) -> bool:
    return isinstance(raw, dict) and raw.get("media_type") == "movie"


def _is_date(value: Any) -> bool:
    """Whether ``value`` is a TMDb date (``YYYY-MM-DD``)."""
    if not isinstance(value, str):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10
