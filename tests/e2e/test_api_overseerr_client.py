"""The real python-overseerr client (Home Assistant's) against the API on uvicorn: its
mashumaro models are strict, so each call is a check of Seerr's shapes."""

from __future__ import annotations

import pytest
from python_overseerr import OverseerrClient
from python_overseerr.exceptions import OverseerrAuthenticationError
from python_overseerr.models import MediaType, RequestFilterStatus

from core import requests
from core.media import MediaType as Kind
from tests.api_world import KEY, ApiWorld, serve


async def test_the_home_assistant_client_reads_and_creates_requests(api_world: ApiWorld) -> None:
    made = await requests.create_request(api_world.services, api_world.alice.id, 550, Kind.MOVIE)
    assert made.request is not None
    async with serve(api_world.app) as port:
        client = OverseerrClient("127.0.0.1", port, KEY, ssl=False)
        try:
            status = await client.get_status()
            assert status.version == "1.2.3"
            assert not status.update_available
            created = await client.create_request(MediaType.TV, 1396, [1, 2])
            assert created.requested_by.id == 1
            assert created.media.tmdb_id == 1396
            assert created.season_count == 2
            count = await client.get_request_count()
            assert (count.total, count.pending, count.approved) == (2, 1, 1)
            listed = await client.get_requests()
            assert {r.id for r in listed} == {made.request.id, created.id}
            pending = await client.get_requests(status=RequestFilterStatus.PENDING)
            assert [r.requested_by.display_name for r in pending] == ["alice"]
            mine = await client.get_requests(requested_by=api_world.alice.id)
            assert [r.id for r in mine] == [made.request.id]
        finally:
            await client.close()
        wrong = OverseerrClient("127.0.0.1", port, "wrong", ssl=False)
        try:
            with pytest.raises(OverseerrAuthenticationError):
                await wrong.get_request_count()
        finally:
            await wrong.close()
