"""The fake Discord gateway and REST API, driven by discord.py's own Client and CommandTree."""

from __future__ import annotations

import asyncio
import io
import json
import re
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands, ui
from discord.webhook.async_ import async_context, interaction_response_params

from tests.fake_discord import FakeDiscord, FakeMessage, Mentions, point_discord_at

ANN = 1_370_000_000_000_000_101  # a moderator
BOB = 1_370_000_000_000_000_102  # keeps DMs closed
MODS = 1_370_000_000_000_000_201
REQUESTS = 1_370_000_000_000_000_301
MANAGE_MESSAGES = 1 << 13


class Vote(ui.DynamicItem[ui.Button[Any]], template=r"vote:(?P<request_id>\d+)"):
    """A persistent button: works after a restart because its state is in the custom_id."""

    def __init__(self, request_id: int) -> None:
        button: ui.Button[Any] = ui.Button(
            label=f"Vote for #{request_id}",
            style=discord.ButtonStyle.primary,
            custom_id=f"vote:{request_id}",
        )
        super().__init__(button)
        self.request_id = request_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> Vote:
        return cls(int(match["request_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content=f"Voted for #{self.request_id}", view=None)


class PickFormat(ui.View):
    @ui.select(
        custom_id="format",
        placeholder="Pick a format",
        options=[
            discord.SelectOption(label="4K", value="uhd"),
            discord.SelectOption(label="HD", value="hd"),
        ],
    )
    async def pick(self, interaction: discord.Interaction, select: ui.Select[Any]) -> None:
        await interaction.response.send_message(f"Format: {select.values[0]}", ephemeral=True)


class Reason(ui.Modal, title="Why do you want it?"):
    reason: ui.TextInput[Any] = ui.TextInput(label="Reason", custom_id="reason", max_length=200)
    note: ui.Label[Any] = ui.Label(
        text="Note", component=ui.TextInput(custom_id="note", required=False)
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"Noted: {self.reason.value}")


class Bot(discord.Client):
    """A small bot using what requestbot will: groups, autocomplete, views, modals."""

    def __init__(self, guild_id: int) -> None:
        # guild_ready_timeout: on_ready comes that long after the last GUILD_CREATE.
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        self.guild = discord.Object(guild_id)
        self.tree = app_commands.CommandTree(self)
        self.errors: list[Exception] = []
        self.slow_for = 0.3  # how long /slow takes before it answers (past the deadline)
        self._add_commands()

    async def setup_hook(self) -> None:
        self.add_dynamic_items(Vote)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5 s pause before identifying again (the identify rate limit is not faked)."""

    def _add_commands(self) -> None:
        request = app_commands.Group(name="request", description="Ask for media")
        admin = app_commands.Group(name="admin", description="Moderation", parent=request)

        @request.command(name="movie", description="Request a movie")
        async def movie(interaction: discord.Interaction, title: str) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send(f"Requested {title}")
            secret = await interaction.followup.send("Only you see this", ephemeral=True, wait=True)
            await interaction.edit_original_response(content=f"Requested {title} (queued)")
            await secret.edit(content="Only you see this (edited)")
            original = await interaction.original_response()
            await interaction.followup.send(f"Original says: {original.content}")

        @movie.autocomplete("title")
        async def movie_titles(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [
                app_commands.Choice(name=f"{current} {n}", value=f"{current}-{n}")
                for n in range(25)
            ]

        @request.command(name="show", description="Request a show")
        async def show(interaction: discord.Interaction, query: str) -> None:
            await interaction.response.send_message(query)

        @show.autocomplete("query")
        async def show_titles(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=f"show {n}", value=str(n)) for n in range(26)]

        @admin.command(name="approve", description="Approve someone's request")
        async def approve(
            interaction: discord.Interaction, user: discord.Member, note: str | None = None
        ) -> None:
            view = ui.View(timeout=None)
            view.add_item(Vote(7))
            await interaction.response.send_message(f"Approved {user.display_name}", view=view)

        @app_commands.command(name="quota", description="Requests left")
        async def quota(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("You have 3 left", view=PickFormat())

        @app_commands.command(name="why", description="Say why")
        async def why(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(Reason())

        @app_commands.command(name="slow", description="Answers too late")
        async def slow(interaction: discord.Interaction) -> None:
            await asyncio.sleep(self.slow_for)  # a handler that is slow: the case under test
            try:
                await interaction.response.send_message("late")
            except discord.HTTPException as exc:
                self.errors.append(exc)

        @app_commands.command(name="twice", description="Answers twice")
        async def twice(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("first")
            # discord.py refuses a second response itself, so go one level down, as a second
            # process answering the same interaction would.
            params = interaction_response_params(4, {"content": "second"})
            try:
                await async_context.get().create_interaction_response(
                    interaction.id, interaction.token, session=interaction._session, params=params
                )
            except discord.HTTPException as exc:
                self.errors.append(exc)

        @app_commands.command(name="big", description="Too big an embed")
        async def big(interaction: discord.Interaction) -> None:
            try:
                await interaction.response.send_message(embed=discord.Embed(description="x" * 4097))
            except discord.HTTPException as exc:
                self.errors.append(exc)

        @app_commands.command(name="oops", description="Says something, then takes it back")
        async def oops(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Sorry, wrong channel")
            await interaction.delete_original_response()

        @app_commands.command(name="ping", description="Works in DMs too")
        async def ping(interaction: discord.Interaction) -> None:
            where = "a DM" if interaction.guild is None else interaction.guild.name
            await interaction.response.send_message(f"pong from {where}")

        guild_commands: tuple[app_commands.Command[Any, ..., Any] | app_commands.Group, ...] = (
            request,
            quota,
            why,
            slow,
            twice,
            big,
            oops,
        )
        for command in guild_commands:
            self.tree.add_command(command, guild=self.guild)
        self.tree.add_command(ping)  # global


@pytest.fixture
def fake(fake_discord: FakeDiscord) -> FakeDiscord:
    fake_discord.add_role(MODS, "Mods", permissions=MANAGE_MESSAGES)
    fake_discord.add_channel(REQUESTS, "requests")
    fake_discord.add_user(ANN, "ann", roles=(MODS,))
    fake_discord.add_user(BOB, "bob", dms_open=False)
    return fake_discord


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[Bot]:
    undo = point_discord_at(fake)
    client = Bot(fake.guild_id)
    runner = asyncio.create_task(client.start(fake.token))
    try:
        await fake.wait_ready()
        await asyncio.wait_for(client.wait_until_ready(), 5)
        await client.tree.sync(guild=client.guild)
        await client.tree.sync()
        yield client
    finally:
        await client.close()
        await runner
        undo()


# ----- connecting ---------------------------------------------------------------------------


async def test_connects_and_sees_the_guild(fake: FakeDiscord, bot: Bot) -> None:
    assert fake.identify_count == 1
    assert fake.heartbeat_count >= 1
    assert fake.gateway_queries == [{"v": "10", "encoding": "json", "compress": "zlib-stream"}]
    assert bot.user is not None
    assert bot.user.id == fake.bot_user_id
    assert bot.application_id == fake.application_id
    guild = bot.get_guild(fake.guild_id)
    assert guild is not None
    assert guild.name == "Requests"
    assert [c.name for c in guild.text_channels] == ["general", "requests"]
    assert {r.name for r in guild.roles} == {"@everyone", "requestbot", "Mods"}
    assert guild.default_role.id == fake.guild_id
    assert guild.me is not None
    assert guild.me.guild_permissions.send_messages
    assert guild.member_count == 3
    assert fake.violations == []


async def test_rest_auth_and_raw_gateway(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{fake.api_base}/users/@me") as response:
            assert response.status == 401
            assert await response.json() == {"message": "401: Unauthorized", "code": 0}
        auth = {"Authorization": f"Bot {fake.token}"}
        async with http.get(f"{fake.api_base}/gateway/bot", headers=auth) as response:
            assert (await response.json())["url"] == fake.gateway_url
            assert response.headers["X-RateLimit-Limit"] == "50"
        async with http.get(f"{fake.api_base}/channels/1/messages/2", headers=auth) as response:
            assert (response.status, (await response.json())["code"]) == (404, 10003)

        async with http.ws_connect(f"{fake.gateway_url}?v=10&encoding=json") as ws:
            hello = json.loads((await ws.receive()).data)
            assert hello["op"] == 10
            assert hello["d"]["heartbeat_interval"] == 41250
            await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 1}})
            closing = await ws.receive()
            assert closing.type is aiohttp.WSMsgType.CLOSE
            assert ws.close_code == 4004

        # identify, drop the line without ending the session, miss an event, resume
        async with http.ws_connect(f"{fake.gateway_url}?v=10&encoding=json") as ws:
            await ws.receive_json()  # HELLO
            identify = {"token": fake.token, "intents": (1 << 0) | (1 << 9), "properties": {}}
            await ws.send_json({"op": 2, "d": identify})
            ready = await ws.receive_json()
            guild = await ws.receive_json()
            assert (ready["t"], ready["s"], guild["t"], guild["s"]) == (
                "READY",
                1,
                "GUILD_CREATE",
                2,
            )
            session_id = ready["d"]["session_id"]
            await ws.close(code=4000)
        await fake.wait_for(lambda: not fake.live_sessions)
        body = {"content": "while you were away"}
        url = f"{fake.api_base}/channels/{REQUESTS}/messages"
        async with http.post(url, json=body, headers=auth) as response:
            assert response.status == 200
        async with http.ws_connect(f"{fake.gateway_url}?v=10&encoding=json") as ws:
            await ws.receive_json()  # HELLO
            resume = {"token": fake.token, "session_id": session_id, "seq": 2}
            await ws.send_json({"op": 6, "d": resume})
            missed = await ws.receive_json()
            resumed = await ws.receive_json()
            assert (missed["t"], missed["s"]) == ("MESSAGE_CREATE", 3)
            assert missed["d"]["content"] == "while you were away"
            assert (resumed["t"], resumed["s"]) == ("RESUMED", 4)
            await ws.close()  # a clean close (1000) ends the session, as on Discord
        await fake.wait_for(lambda: not fake.live_sessions)
        async with http.ws_connect(f"{fake.gateway_url}?v=10&encoding=json") as ws:
            await ws.receive_json()  # HELLO
            await ws.send_json({"op": 6, "d": resume})
            assert await ws.receive_json() == {"op": 9, "d": False, "s": None, "t": None}
        assert (fake.identify_count, fake.resume_count) == (1, 1)

        async with http.ws_connect(f"{fake.gateway_url}?v=10&compress=zlib-stream") as ws:
            inflate = zlib.decompressobj()
            frame = await ws.receive_bytes()
            assert frame.endswith(b"\x00\x00\xff\xff")
            assert json.loads(inflate.decompress(frame))["op"] == 10
            await ws.send_json({"op": 1, "d": None})
            assert json.loads(inflate.decompress(await ws.receive_bytes()))["op"] == 11


async def test_sync_stores_commands_with_ids(fake: FakeDiscord, bot: Bot) -> None:
    stored = fake.commands(fake.guild_id)
    names = ["request", "quota", "why", "slow", "twice", "big", "oops"]
    assert [c["name"] for c in stored] == names
    assert [c["name"] for c in fake.commands()] == ["ping"]
    assert "guild_id" not in fake.commands()[0]
    request = stored[0]
    assert request["guild_id"] == str(fake.guild_id)
    assert sorted((o["name"], o["type"]) for o in request["options"]) == [
        ("admin", 2),
        ("movie", 1),
        ("show", 1),
    ]
    fetched = await bot.tree.fetch_commands(guild=bot.guild)
    assert [str(c.id) for c in fetched] == [c["id"] for c in stored]
    again = await bot.tree.sync(guild=bot.guild)
    assert [str(c.id) for c in again] == [c["id"] for c in stored]  # ids survive a re-sync


# ----- slash commands and autocomplete ------------------------------------------------------


async def test_slash_defer_followups_and_edit(fake: FakeDiscord, bot: Bot) -> None:
    ix = await fake.slash(ANN, "request", subcommand="movie", options={"title": "Alien"})
    assert ix.payload["data"]["id"] == fake.commands(fake.guild_id)[0]["id"]
    shown = await ix.settled()
    assert shown.content == "Requested Alien"
    assert ix.ack_type == 5
    assert ix.ack_latency is not None
    assert ix.ack_latency < 3
    assert shown is ix.original  # the first follow-up completes the "thinking" message
    await fake.wait_for(lambda: ix.original is not None and ix.original.edits == 2)
    assert shown.content == "Requested Alien (queued)"
    assert ix.followups[0] is shown
    assert [old["content"] for old in shown.history] == ["", "Requested Alien"]
    await fake.wait_for(lambda: len(ix.followups) == 3)
    secret, said = ix.followups[1:]
    assert (secret.content, secret.edits) == ("Only you see this (edited)", 1)
    assert secret.ephemeral
    assert secret.visible_to == ANN
    assert secret.type == 20
    assert said.content == "Original says: Requested Alien (queued)"
    public = fake.channel_messages(fake.default_channel_id, include_ephemeral=False)
    assert public == [shown, said]
    assert shown.extra["interaction_metadata"]["user"]["id"] == str(ANN)
    assert fake.violations == []


async def test_subcommand_group_with_a_user_option(fake: FakeDiscord, bot: Bot) -> None:
    ix = await fake.slash(
        ANN, "request", subcommand="admin approve", options={"user": BOB}, channel_id=REQUESTS
    )
    group = ix.payload["data"]["options"][0]
    assert (group["name"], group["type"]) == ("admin", 2)
    assert group["options"][0]["options"] == [{"name": "user", "type": 6, "value": str(BOB)}]
    assert str(BOB) in ix.payload["data"]["resolved"]["members"]
    shown = await ix.settled()
    assert shown.content == "Approved Bob"
    assert shown.channel_id == REQUESTS
    assert shown.custom_ids() == ["vote:7"]
    with pytest.raises(AssertionError, match="requires"):
        await fake.slash(ANN, "request", subcommand="admin approve")


async def test_autocomplete_with_25_choices(fake: FakeDiscord, bot: Bot) -> None:
    ix = await fake.autocomplete(ANN, "request", subcommand="movie", focused="title", value="ali")
    await ix.acked()
    assert (ix.ack_type, ix.ack_status) == (8, 200)
    assert ix.choices is not None
    assert len(ix.choices) == 25
    assert ix.choices[0] == {"name": "ali 0", "value": "ali-0"}
    assert fake.violations == []


async def test_26_choices_and_an_oversize_embed_are_refused(fake: FakeDiscord, bot: Bot) -> None:
    ix = await fake.autocomplete(ANN, "request", subcommand="show", focused="query", value="x")
    await ix.acked()
    assert ix.ack_status == 400
    assert not ix.acknowledged
    assert fake.violations == [
        "POST /interactions/{interaction_id}/{token}/callback:"
        " data.choices: Must be 25 or fewer in length."
    ]

    big = await fake.slash(ANN, "big")
    await fake.wait_for(lambda: bot.errors)
    error = bot.errors[0]
    assert isinstance(error, discord.HTTPException)
    assert (error.status, error.code) == (400, 50035)
    assert "embeds.0.description" in str(error)
    assert big.ack_status == 400
    assert fake.violations[-1].endswith("embeds.0.description: Must be 4096 or fewer in length.")
    with pytest.raises(AssertionError, match="never acknowledged"):
        await big.settled(timeout=1)


# ----- components and modals ----------------------------------------------------------------


async def test_dynamic_button_click_updates_the_message(fake: FakeDiscord, bot: Bot) -> None:
    approved = await (
        await fake.slash(ANN, "request", subcommand="admin approve", options={"user": ANN})
    ).settled()
    assert approved.buttons() == [
        {"custom_id": "vote:7", "label": "Vote for #7", "style": 1, "disabled": False}
    ]
    click = await fake.click(BOB, approved, "vote:7")
    assert click.payload["message"]["id"] == str(approved.id)
    shown = await click.settled()
    assert shown is approved
    assert click.ack_type == 7
    assert (shown.content, shown.components, shown.edits) == ("Voted for #7", [], 1)
    with pytest.raises(AssertionError, match="no button"):
        await fake.click(BOB, approved, "vote:7")
    assert fake.violations == []


async def test_select_in_a_view(fake: FakeDiscord, bot: Bot) -> None:
    menu = await (await fake.slash(ANN, "quota")).settled()
    assert menu.selects()[0]["options"][0]["value"] == "uhd"
    with pytest.raises(AssertionError, match="offers"):
        await fake.select(ANN, menu, "format", ["8k"])
    picked = await (await fake.select(ANN, menu, "format", ["uhd"])).settled()
    assert picked.content == "Format: uhd"
    assert picked.ephemeral
    assert picked.type == 19
    assert fake.violations == []


async def test_modal_round_trip(fake: FakeDiscord, bot: Bot) -> None:
    asked = await fake.slash(ANN, "why")
    await asked.acked()
    assert asked.ack_type == 9
    assert asked.modal is not None
    assert asked.modal["title"] == "Why do you want it?"
    with pytest.raises(AssertionError, match=r"type 9"):
        await asked.settled(timeout=1)
    submit = await fake.submit_modal(ANN, asked, {"reason": "Because", "note": "soon"})
    rows = submit.payload["data"]["components"]
    assert rows[0]["type"] == 1
    assert rows[0]["components"][0] | {"id": 0} == {
        "type": 4,
        "id": 0,
        "custom_id": "reason",
        "value": "Because",
    }
    assert rows[1]["type"] == 18
    assert rows[1]["component"]["value"] == "soon"
    shown = await submit.settled()
    assert shown.content == "Noted: Because"
    assert fake.violations == []


# ----- acknowledgement rules ----------------------------------------------------------------


async def test_late_ack_gets_10062(fake: FakeDiscord, bot: Bot) -> None:
    fake.ack_deadline = 0.1  # Discord's 3 s, shortened: the same rule, sooner
    ix = await fake.slash(ANN, "slow")
    await ix.acked(timeout=5)
    assert ix.ack_status == 404
    assert ix.ack_latency is not None
    assert ix.ack_latency > fake.ack_deadline
    await fake.wait_for(lambda: bot.errors)
    error = bot.errors[0]
    assert isinstance(error, discord.NotFound)
    assert error.code == 10062
    assert re.search(r"acknowledged 0\.[2-9]\d s late", fake.violations[0])


async def test_double_ack_gets_40060(fake: FakeDiscord, bot: Bot) -> None:
    ix = await fake.slash(ANN, "twice")
    await fake.wait_for(lambda: bot.errors)
    error = bot.errors[0]
    assert isinstance(error, discord.HTTPException)
    assert (error.status, error.code) == (400, 40060)
    assert [c.status for c in ix.callbacks] == [200, 400]
    assert (await ix.settled()).content == "first"
    assert "acknowledged twice" in fake.violations[0]


# ----- REST: rate limits and DMs ------------------------------------------------------------


async def test_429_is_waited_out_and_retried(fake: FakeDiscord, bot: Bot) -> None:
    channel = bot.get_channel(REQUESTS)
    assert isinstance(channel, discord.TextChannel)
    fake.rate_limit("POST", r"^/channels/\d+/messages$", retry_after=0.3)
    poster = discord.File(io.BytesIO(b"\x89PNG fake"), filename="poster.png")
    sent = await channel.send("New request", file=poster)
    [hit] = fake.rate_limit_hits
    assert hit.waited is not None
    assert hit.waited >= 0.3
    statuses = [r.status for r in fake.requests if r.path == f"/channels/{REQUESTS}/messages"]
    assert statuses == [429, 200]
    [stored] = fake.channel_messages(REQUESTS)
    assert stored.id == sent.id
    assert stored.attachments[0]["filename"] == "poster.png"
    assert stored.files[0].data == b"\x89PNG fake"
    assert sent.attachments[0].filename == "poster.png"


async def test_mentions_follow_allowed_mentions_as_discord_does(
    fake: FakeDiscord, bot: Bot
) -> None:
    channel = bot.get_channel(REQUESTS)
    assert isinstance(channel, discord.TextChannel)
    loud = f"@everyone <@{ANN}> <@&{MODS}>"
    await channel.send(loud)  # the client sets no allowed_mentions: everything counts
    await channel.send(loud, allowed_mentions=discord.AllowedMentions.none())
    only_ann = discord.AllowedMentions(everyone=False, roles=False, users=[discord.Object(ANN)])
    sent = await channel.send(loud, allowed_mentions=only_ann)
    await sent.edit(content=f"{loud} (edited)")
    first, quiet, targeted, edited = fake.sent
    assert (first.allowed_mentions, first.mentions) == (None, Mentions(True, (ANN,), (MODS,)))
    assert quiet.allowed_mentions == {"parse": []}
    assert quiet.mentions == Mentions()
    assert targeted.mentions == Mentions(False, (ANN,), ())
    assert targeted.created
    assert not edited.created
    assert fake.message(sent.id).mentions == edited.mentions
    assert fake.violations == []


async def test_parse_users_with_a_list_of_users_is_refused(fake: FakeDiscord) -> None:
    body = {"content": "hi", "allowed_mentions": {"parse": ["users"], "users": [str(ANN)]}}
    async with aiohttp.ClientSession() as http:
        response = await http.post(
            f"{fake.api_base}/channels/{REQUESTS}/messages",
            json=body,
            headers={"Authorization": f"Bot {fake.token}"},
        )
        assert response.status == 400
        assert (await response.json())["code"] == 50035
    assert fake.channel_messages(REQUESTS) == []
    assert "mutually exclusive" in fake.violations[0]


async def test_a_stalled_request_never_takes_effect(fake: FakeDiscord, bot: Bot) -> None:
    channel = bot.get_channel(REQUESTS)
    assert isinstance(channel, discord.TextChannel)
    stall = fake.stall("POST", r"^/channels/\d+/messages$")
    sending = asyncio.create_task(channel.send("lost in a crash"))
    await asyncio.wait_for(stall.reached.wait(), 5)
    assert fake.channel_messages(REQUESTS) == []
    stall.end()
    with pytest.raises(discord.HTTPException):
        await sending
    assert fake.channel_messages(REQUESTS) == []
    await channel.send("the next one goes through")
    assert [m.content for m in fake.channel_messages(REQUESTS)] == ["the next one goes through"]


async def test_channel_message_fetch_edit_delete(fake: FakeDiscord, bot: Bot) -> None:
    channel = bot.get_channel(REQUESTS)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send(embed=discord.Embed(title="Alien", description="1979"))
    fetched = await channel.fetch_message(sent.id)
    assert fetched.embeds[0].title == "Alien"
    edited = await sent.edit(content="Now available", embed=None)
    assert (edited.content, edited.embeds) == ("Now available", [])
    [stored] = fake.channel_messages(REQUESTS)
    assert (stored.text(), stored.edits) == ("Now available", 1)
    with pytest.raises(discord.HTTPException) as emptied:
        await sent.edit(content="")
    assert emptied.value.code == 50006
    await sent.delete()
    assert fake.channel_messages(REQUESTS) == []
    assert fake.message(sent.id).deleted
    with pytest.raises(discord.NotFound):
        await channel.fetch_message(sent.id)
    guild = bot.get_guild(fake.guild_id)
    assert guild is not None
    member = await guild.fetch_member(ANN)
    assert [r.id for r in member.roles if r.id != fake.guild_id] == [MODS]
    assert fake.violations == [
        "PATCH /channels/{channel_id}/messages/{message_id}: an edit that leaves the message empty"
    ]
    oops = await fake.slash(ANN, "oops")
    await fake.wait_for(lambda: oops.original is not None and oops.original.deleted)
    assert fake.channel_messages(fake.default_channel_id) == []


async def test_dms_open_and_closed(fake: FakeDiscord, bot: Bot) -> None:
    ann = await bot.fetch_user(ANN)
    sent = await ann.send("Your request is ready")
    assert [m.content for m in fake.dms(ANN)] == ["Your request is ready"]
    assert fake.dms(ANN)[0].id == sent.id
    bob = await bot.fetch_user(BOB)
    with pytest.raises(discord.Forbidden) as refused:
        await bob.send("hello")
    assert refused.value.code == 50007
    assert fake.dms(BOB) == []
    assert fake.violations == []


async def test_global_command_in_a_dm_and_in_the_guild(fake: FakeDiscord, bot: Bot) -> None:
    ix = await fake.slash(ANN, "ping", guild=False)
    assert "member" not in ix.payload
    assert ix.payload["user"]["id"] == str(ANN)
    assert ix.payload["context"] == 1
    assert "guild_id" not in ix.payload["data"]  # a global command
    shown = await ix.settled()
    assert shown.content == "pong from a DM"
    assert shown.channel_id == fake.dm_channel_id(ANN)
    assert fake.dms(ANN) == [shown]
    in_guild = await (await fake.slash(ANN, "ping")).settled()
    assert in_guild.content == "pong from Requests"
    assert fake.violations == []


# ----- reconnecting -------------------------------------------------------------------------


async def test_reconnect_resumes_then_reidentifies(fake: FakeDiscord, bot: Bot) -> None:
    assert await fake.disconnect_all() == 1
    await fake.wait_ready()
    assert (fake.identify_count, fake.resume_count) == (1, 1)
    shown = await (await fake.slash(ANN, "quota")).settled()
    assert shown.content == "You have 3 left"

    await fake.disconnect_all(invalidate=True)
    await fake.wait_ready()
    assert (fake.identify_count, fake.resume_count) == (2, 1)
    shown = await (await fake.slash(ANN, "quota")).settled()
    assert shown.content == "You have 3 left"
    assert fake.violations == []


def test_fake_message_helpers() -> None:
    message = FakeMessage(
        id=1,
        channel_id=2,
        author_id=3,
        content="Hi",
        embeds=[
            {
                "title": "Alien",
                "description": "1979",
                "fields": [{"name": "Status", "value": "pending"}],
                "footer": {"text": "requestbot"},
            }
        ],
        components=[
            {
                "type": 1,
                "components": [
                    {"type": 2, "style": 5, "label": "TMDb", "url": "https://example.org"},
                    {"type": 2, "style": 3, "label": "OK", "custom_id": "ok"},
                ],
            }
        ],
    )
    assert message.text() == "Hi\nAlien\n1979\nStatus: pending\nrequestbot"
    assert message.custom_ids() == ["ok"]
    assert [b["custom_id"] for b in message.buttons()] == [None, "ok"]
