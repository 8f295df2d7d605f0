"""Finding titles on the server by the words of their name (MediaRepository.on_server_titled)
on every back end (the fakes, a SQLite file, PostgreSQL when TEST_DATABASE_URL is set):
every word in any case (Unicode's too), only what is on the server, LIKE's wildcards taken
as written, the order and the limit."""

from __future__ import annotations

from sqlalchemy import event

from core.media import MediaDetails, MediaStatus, MediaType
from core.ports import UnitOfWork
from tests.integration.test_repository_contract import (
    NOW,
    Backend,
    backend,
    committed,
    read,
)

__all__ = ["backend"]  # the fixture, over every back end

MOVIE, TV = MediaType.MOVIE, MediaType.TV


async def titles(
    backend: Backend, *named: tuple[int, str, int | None, MediaStatus, MediaStatus]
) -> None:
    """Media rows: (tmdb id, title, year, status, 4K status); movies."""

    async def work(uow: UnitOfWork) -> None:
        for tmdb_id, title, year, status, status_4k in named:
            media = await uow.media.upsert(MediaDetails(tmdb_id, MOVIE, title, year, "", None), NOW)
            await uow.media.set_status(media.id, status, NOW)
            await uow.media.set_status(media.id, status_4k, NOW, is_4k=True)

    await committed(backend, work)


async def held(backend: Backend, *named: tuple[int, str, int | None]) -> None:
    """Movies available on the server."""
    await titles(
        backend, *((i, t, y, MediaStatus.AVAILABLE, MediaStatus.UNKNOWN) for i, t, y in named)
    )


async def found(backend: Backend, *words: str, limit: int = 25) -> list[str]:
    async def work(uow: UnitOfWork) -> list[str]:
        return [m.title for m in await uow.media.on_server_titled(list(words), limit)]

    return await read(backend, work)


async def test_every_word_in_any_case_and_only_titles_on_the_server(backend: Backend) -> None:
    await titles(
        backend,
        (1, "The Office", 2005, MediaStatus.AVAILABLE, MediaStatus.UNKNOWN),
        (2, "Office Space", 1999, MediaStatus.PARTIALLY_AVAILABLE, MediaStatus.UNKNOWN),
        (3, "The Post Office", 2010, MediaStatus.UNKNOWN, MediaStatus.AVAILABLE),  # in 4K
        (4, "The Office Party", 2016, MediaStatus.PENDING, MediaStatus.UNKNOWN),
        (5, "Back Office", 2001, MediaStatus.PROCESSING, MediaStatus.DELETED),
    )
    assert await found(backend, "OFFICE") == ["Office Space", "The Office", "The Post Office"]
    assert await found(backend, "the", "office") == ["The Office", "The Post Office"]
    assert await found(backend, "office", "the") == ["The Office", "The Post Office"]
    assert await found(backend, "ffic") == ["The Office", "Office Space", "The Post Office"]
    assert await found(backend, "office", "party") == []  # not on the server
    assert await found(backend, "office", "nowhere") == []
    assert await found(backend) == []


async def test_case_is_ignored_beyond_ascii(backend: Backend) -> None:
    await held(
        backend, (194, "Amélie", 2001), (7, "ÉCOLE ÉTÉ", 2020), (129, "千と千尋の神隠し", 2001)
    )
    assert await found(backend, "amélie") == ["Amélie"]
    assert await found(backend, "AMÉLIE") == ["Amélie"]
    assert await found(backend, "Amélie") == ["Amélie"]
    assert await found(backend, "été") == ["ÉCOLE ÉTÉ"]
    assert await found(backend, "cole") == ["ÉCOLE ÉTÉ"]  # plain letters in a title with others
    assert await found(backend, "école", "ÉtÉ") == ["ÉCOLE ÉTÉ"]
    assert await found(backend, "千尋") == ["千と千尋の神隠し"]
    assert await found(backend, "amelie") == []  # accents count: no "unaccent"


async def test_like_wildcards_in_the_words_are_plain_characters(backend: Backend) -> None:
    await held(
        backend,
        (1, "100% Wolf", 2020),
        (2, "1000 Wolves", 2021),
        (3, "File_Name", 2000),
        (4, "FileXName", 2000),
        (5, "AC/DC: Let There Be Rock", 1980),
        (6, "ACXDC", 1980),
    )
    assert await found(backend, "100%") == ["100% Wolf"]
    assert await found(backend, "%") == ["100% Wolf"]
    assert await found(backend, "e_n") == ["File_Name"]
    assert await found(backend, "_") == ["File_Name"]
    assert await found(backend, "c/d") == ["AC/DC: Let There Be Rock"]
    assert await found(backend, "//") == []


async def test_titles_starting_with_the_words_come_first_then_shorter_then_newer(
    backend: Backend,
) -> None:
    await held(
        backend,
        (1, "The House of the Devil", 2009),
        (2, "House", 2004),
        (3, "A House", 1990),
        (4, "House of Gucci", 2021),
        (5, "House of Wax", 1953),
        (6, "House of Wax", 2005),
        (7, "Dom (House)", None),
        (8, "Dom (HOUSE)", 2001),
    )
    assert await found(backend, "house") == [
        "House",  # starts with it, shortest
        "House of Wax",  # 2005
        "House of Wax",  # 1953
        "House of Gucci",
        "A House",
        "Dom (HOUSE)",  # a year before none
        "Dom (House)",
        "The House of the Devil",
    ]
    assert await found(backend, "house", "of") == [
        "House of Wax",
        "House of Wax",
        "House of Gucci",
        "The House of the Devil",
    ]
    assert await found(backend, "house", limit=2) == ["House", "House of Wax"]
    assert await found(backend, "house", limit=0) == []


async def test_a_shows_row_comes_with_its_season_statuses(backend: Backend) -> None:
    async def work(uow: UnitOfWork) -> None:
        media = await uow.media.upsert(MediaDetails(2316, TV, "The Office", 2005, "", None), NOW)
        await uow.media.set_status(media.id, MediaStatus.PARTIALLY_AVAILABLE, NOW)
        await uow.media.set_season_statuses(media.id, {1: MediaStatus.AVAILABLE}, NOW)

    await committed(backend, work)
    [office] = await read(backend, lambda uow: uow.media.on_server_titled(["office"], 5))
    assert (office.tmdb_id, office.media_type) == (2316, TV)
    assert office.season_statuses == {1: MediaStatus.AVAILABLE}


async def test_sql_finds_titles_in_one_query(backend: Backend) -> None:
    """One statement per look-up (what each keystroke of Discord's autocomplete costs)."""
    if backend.storage is None:
        return
    await held(backend, (1, "The Office", 2005), (2, "Office Space", 1999))
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    engine = backend.storage.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert await found(backend, "the", "office") == ["The Office"]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
