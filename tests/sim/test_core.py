"""End-to-end: the unmodified discord.py client, over real sockets, against the simulator."""

from __future__ import annotations

import discord
import pytest
from discord.ext import commands

from bot.sandbox.discord_sim import CommandUsageError, DiscordSimulator, NoResponseError, SimFile, SimGuild


async def test_login_connects_and_registers_commands(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    assert bot.user is not None and bot.user.id == sim.bot_user.id
    cached = bot.get_guild(guild.id)
    assert cached is not None and cached.member_count == 4
    assert {c["name"] for c in sim.commands[None]} >= {"playlist", "slow", "post"}
    assert [c["name"] for c in sim.commands[guild.id]] == ["local"]
    routes = [r.route for r in sim.requests]
    assert "GET /users/@me" in routes and "GET /oauth2/applications/@me" in routes
    assert not sim.violations


async def test_subcommand_reply_is_ephemeral_and_typed(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    reply = await sim.command(guild, "alice", "playlist add", name="chill", track="Song", position=3)
    assert reply.content == "added Song to chill at 3"
    assert reply.ephemeral and reply.callback_type == 4
    assert reply.latency_ms is not None and 0 <= reply.latency_ms < 3000
    sent = reply.record.payload["data"]["options"]
    assert sent == [
        {
            "name": "add",
            "type": 1,
            "options": [
                {"name": "name", "type": 3, "value": "chill"},
                {"name": "track", "type": 3, "value": "Song"},
                {"name": "position", "type": 4, "value": 3},
            ],
        }
    ]


async def test_nested_group_with_resolved_member_and_role(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    bob = guild.member("bob")
    reply = await sim.command(guild, "alice", "playlist admin purge", count=2, who=bob, role="DJ")
    assert reply.content == "purged 2 by bob for DJ"
    assert not reply.ephemeral
    group = reply.record.payload["data"]["options"][0]
    assert group["type"] == 2 and group["options"][0]["type"] == 1


async def test_guild_command_carries_guild_id(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    reply = await sim.command(guild, "alice", "local")
    assert reply.content == "local"
    assert reply.record.payload["data"]["guild_id"] == str(guild.id)


async def test_unknown_command_option_and_subcommand_raise(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    with pytest.raises(CommandUsageError, match="no slash command /nope"):
        await sim.command(guild, "alice", "nope")
    with pytest.raises(CommandUsageError, match="no subcommand 'remove'"):
        await sim.command(guild, "alice", "playlist remove")
    with pytest.raises(CommandUsageError, match="no option"):
        await sim.command(guild, "alice", "playlist add", name="a", track="b", colour="red")
    with pytest.raises(CommandUsageError, match="missing required"):
        await sim.command(guild, "alice", "playlist add", name="a")
    with pytest.raises(CommandUsageError, match="needs a subcommand"):
        await sim.command(guild, "alice", "playlist")


async def test_autocomplete_returns_choices(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    choices = await sim.autocomplete(guild, "alice", "playlist add", focused="track", name="chill", track="beat")
    assert [c["value"] for c in choices] == ["beat-0", "beat-1", "beat-2"]
    focused = sim.state.interactions[max(sim.state.interactions)].payload["data"]["options"][0]["options"]
    assert {"name": "track", "type": 3, "value": "beat", "focused": True} in focused


async def test_button_edits_the_message_the_view_was_stored_under(
    sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot
):
    reply = await sim.command(guild, "alice", "playlist show")
    assert reply.content == "page 1" and reply.buttons() == ["Next", "Rename"]
    clicked = await sim.click(reply, "Next")
    assert clicked.callback_type == 7 and clicked.content == "page 2"
    assert reply.content == "page 2"  # the same message, edited in place
    again = await sim.click(reply, "pager:next")  # by custom_id
    assert again.content == "page 3"


async def test_select_and_modal(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    reply = await sim.command(guild, "alice", "playlist show")
    picked = await sim.select(reply, "Pick a mode", ["Locked"])
    assert picked.content == "mode=locked" and picked.ephemeral
    opened = await sim.click(reply, "Rename", user="bob")
    assert opened.modal is not None and opened.modal["title"] == "Rename playlist"
    submitted = await sim.submit_modal(opened, {"New name": "evening"})
    assert submitted.content == "renamed to evening"
    assert submitted.record.user.name == "bob"


async def test_defer_waits_for_the_followup_which_replaces_the_loading_message(
    sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot
):
    reply = await sim.command(guild, "alice", "slow")
    assert reply.callback_type == 5
    assert reply.content == "done slowly"
    assert len(reply.messages) == 1 and not reply.message.loading  # first followup edited the loading message
    assert reply.followups == []


async def test_channel_post_with_channel_option(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    music = guild.channel("music")
    reply = await sim.command(guild, "alice", "post", where=music, text="hello @everyone")
    assert reply.content == "posted"
    posted = sim.channel_messages(music)
    assert [m.content for m in posted] == ["hello @everyone"]
    assert posted[0].allowed_mentions == {"parse": []}
    assert sim.channel_messages(guild.channel("general")) == []


async def test_attachment_option_round_trip(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    reply = await sim.command(guild, "alice", "upload", file=SimFile("notes.txt", b"abc123"))
    assert reply.content == "got notes.txt 6 bytes"
    assert reply.files == [("reversed.txt", b"321cba")]
    downloads = [r for r in sim.requests if r.path.startswith("/attachments/")]
    assert len(downloads) == 1 and downloads[0].status == 200


async def test_allowed_mentions_recorded(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    safe = await sim.command(guild, "alice", "echo", text="@everyone hi")
    unsafe = await sim.command(guild, "alice", "echo", text="@everyone hi", safe=False)
    assert safe.message is not None and safe.message.allowed_mentions == {"parse": []}
    assert safe.message.allowed_mentions_sent and safe.message.mentions_allowed == set()
    assert unsafe.message is not None and unsafe.message.allowed_mentions is None
    assert unsafe.message.mentions_allowed == {"users"}  # Discord's default for interaction responses


async def test_bot_permissions_in_channel_overwrites(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    closed = sim.add_channel(guild, "closed", overwrites={guild: (0, discord.Permissions(send_messages=True))})
    with pytest.raises(NoResponseError):  # the command failed before it could respond
        await sim.command(guild, "alice", "post", where=closed, text="hi", within=0.3)
    assert sim.channel_messages(closed) == []
    assert [(v.status, v.code) for v in sim.violations] == [(403, 50013)]
    assert isinstance(bot.seen_errors[-1].original, discord.Forbidden)  # type: ignore[attr-defined]


async def test_followups_edits_and_deletes(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    reply = await sim.command(guild, "alice", "steps")
    assert reply.callback_type == 5 and reply.ephemeral
    assert [m.content for m in reply.messages] == ["first (edited)", "second!", "in #general"]
    assert reply.content == "first (edited)"
    assert [m.content for m in reply.followups] == ["second!", "in #general"]
    assert all(m.ephemeral for m in reply.messages[:1])
    routes = {f"{r.method} {r.path.split('/')[1]}" for r in sim.requests if r.status < 300}
    assert {"GET channels", "DELETE webhooks", "PATCH webhooks", "GET webhooks"} <= routes
    assert sim.violations == []
