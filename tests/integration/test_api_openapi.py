"""The OpenAPI document of the whole API (every router the bot serves): valid OpenAPI,
every route Seerr's clients call in it and served, and the docs page beside it."""

from __future__ import annotations

import json
import re

from openapi_spec_validator import validate

from tests.api_world import ApiWorld

# Seerr's routes that requestbot serves (SEERR_API.md §5), by path and method.
SEERR_ROUTES = {
    ("/status", "get"), ("/status/appdata", "get"), ("/settings/public", "get"),
    ("/settings/main", "get"), ("/settings/about", "get"),
    ("/request", "get"), ("/request", "post"), ("/request/count", "get"),
    ("/request/{request_id}", "get"), ("/request/{request_id}", "put"),
    ("/request/{request_id}", "delete"), ("/request/{request_id}/{action}", "post"),
    ("/user", "get"), ("/user/{user_id}", "get"), ("/user/{user_id}/requests", "get"),
    ("/user/{user_id}/quota", "get"), ("/user/{user_id}/settings/permissions", "get"),
    ("/user/{user_id}/settings/permissions", "post"),
    ("/user/{user_id}/settings/notifications", "get"),
    ("/user/{user_id}/settings/notifications", "post"),
    ("/search", "get"), ("/search/", "get"), ("/movie/{tmdb_id}", "get"), ("/tv/{tmdb_id}", "get"),
    ("/tv/{tmdb_id}/season/{season_number}", "get"),
    ("/media", "get"), ("/media/{media_id}", "delete"),
    ("/issue", "get"), ("/issue", "post"), ("/issue/count", "get"),
    ("/issue/{issue_id}", "get"), ("/issue/{issue_id}", "put"), ("/issue/{issue_id}", "delete"),
    ("/issue/{issue_id}/comment", "post"), ("/issue/{issue_id}/{status}", "post"),
    ("/issueComment/{comment_id}", "get"), ("/issueComment/{comment_id}", "put"),
    ("/issueComment/{comment_id}", "delete"),
    ("/settings/radarr", "get"), ("/settings/sonarr", "get"),
    ("/settings/notifications/webhook", "get"), ("/settings/notifications/webhook", "post"),
    ("/settings/notifications/webhook/test", "post"),
    ("/service/radarr", "get"), ("/service/sonarr", "get"),
    ("/service/radarr/{server_id}", "get"), ("/service/sonarr/{server_id}", "get"),
}  # fmt: skip


async def test_the_document_is_valid_openapi_listing_every_route(api_world: ApiWorld) -> None:
    response = await api_world.http.get("/api-docs/openapi.json")

    assert response.status_code == 200
    document = json.loads(response.text)
    validate(document)
    listed = {(path, method) for path, item in document["paths"].items() for method in item}
    assert all(path.startswith("/api/v1/") for path, _ in listed)
    assert {(path.removeprefix("/api/v1"), method) for path, method in listed} == SEERR_ROUTES
    assert document["info"] == {"title": "requestbot", "version": "1.2.3"}
    # Invalid input is documented as it is answered: 400 naming the fields, never 422.
    responses = [op["responses"] for item in document["paths"].values() for op in item.values()]
    assert not any("422" in r for r in responses)
    create = document["paths"]["/api/v1/request"]["post"]["responses"]["400"]
    error = create["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert document["components"]["schemas"][error]["required"] == ["message", "errors"]
    decide = document["paths"]["/api/v1/request/{request_id}/{action}"]["post"]
    (action,) = (p for p in decide["parameters"] if p["name"] == "action")
    assert action["schema"]["enum"] == ["approve", "decline", "retry"]
    status = document["paths"]["/api/v1/issue/{issue_id}/{status}"]["post"]
    (word,) = (p for p in status["parameters"] if p["name"] == "status")
    assert word["schema"]["enum"] == ["open", "resolved"]
    listing = document["paths"]["/api/v1/issue"]["get"]["parameters"]
    choices = {p["name"]: p["schema"] for p in listing if p["name"] in ("filter", "sort")}
    assert (choices["filter"]["enum"], choices["filter"]["default"]) == (
        ["open", "resolved", "all"],
        "open",
    )
    assert (choices["sort"]["enum"], choices["sort"]["default"]) == (["added", "modified"], "added")


async def test_every_route_of_the_document_is_served(api_world: ApiWorld) -> None:
    document = (await api_world.http.get("/api-docs/openapi.json")).json()

    for path, item in document["paths"].items():
        for method in item:
            # Ids of nothing, so that nothing changes; each action of /request/{id}/{action}.
            url = re.sub(r"{\w+}", "999", path.replace("{action}", "approve"))
            response = await api_world.http.request(method, url, headers=api_world.headers())
            # An unrouted path is {"message": "Not Found"}; a route's own 404s say more.
            assert response.status_code != 405, (method, path)
            assert response.json() != {"message": "Not Found"}, (method, path)


async def test_the_docs_page_loads_the_document(api_world: ApiWorld) -> None:
    page = await api_world.http.get("/api-docs")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "/api-docs/openapi.json" in page.text
