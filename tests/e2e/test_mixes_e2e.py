"""Mixes end to end: the real bot, the Discord simulator and the offline Last.fm stand-in. The preview, Save
(the modal), Add (the select, with the target's permissions), Reroll, pages, expiry, consent and Last.fm down."""

from __future__ import annotations

import asyncio

import pytest

from bot.sandbox.lastfm_standin import PRIVATE_USER, Fault

pytestmark = pytest.mark.e2e


def unescape(text: str) -> str:
    return text.replace("\\", "")


async def finished(reply, *, within: float = 30.0):
    """The reply once the bot is done: a placeholder, empty or showing progress (⏳), is not an answer yet (an
    error removes the placeholder, then answers in an ephemeral followup)."""
    async with asyncio.timeout(within):
        while reply.content.startswith("⏳") or not (reply.content or reply.embeds):  # noqa: ASYNC110 - read live
            await asyncio.sleep(0.05)
    return reply


def lines(reply) -> list[str]:
    return reply.embeds[0]["description"].splitlines()


def field(reply, name: str) -> str:
    return next(f["value"] for f in reply.embeds[0]["fields"] if f["name"] == name)


async def entries(world, name: str):
    playlist = await world.app.services.playlists.get(world.guild.id, name)
    return await world.app.storage.entries.page(world.guild.id, playlist.id)


def listeners(world, n: int) -> list[str]:
    return [u.name for u in world.fm.catalog.users.values() if not u.private][:n]


async def test_mood_preview_names_reasons_and_an_unknown_tag(fm_world):
    r = await fm_world.run(fm_world.alice, "mix mood", tags="ambient, zzzq", size=5)
    assert not r.ephemeral and r.deferred
    assert len(lines(r)) == 5 and all("tag *ambient* #" in line for line in lines(r))
    assert "zzzq" in field(r, "Missing") and "unknown" in field(r, "Missing")
    labels = [c.get("label") for row in r.components for c in row["components"]]
    assert labels == ["Prev", "Next", "Save as playlist", "Add to playlist", "Reroll"]
    assert fm_world.fm.count("tag.getTopTracks") == 2


async def test_tag_autocomplete_offers_lastfm_tags_and_what_was_typed(fm_world):
    choices = await fm_world.sim.autocomplete(
        fm_world.guild, fm_world.alice, "mix mood", focused="tags", tags="rainy, am"
    )
    values = [c["value"] for c in choices]
    assert values[0] == "rainy, am" and "rainy, ambient" in values


async def test_save_as_playlist_through_the_modal_keeps_who_and_why(fm_world):
    r = await fm_world.run(fm_world.alice, "mix mood", tags="jazz", size=5)
    opened = await fm_world.sim.click(r, "Save as playlist")
    assert opened.modal is not None
    saved = await fm_world.sim.submit_modal(opened, {"Playlist name": "late jazz"})
    assert "Saved **late jazz** with 5 tracks" in saved.content
    held = await entries(fm_world, "late jazz")
    assert len(held) == 5 and {e.added_by for e in held} == {fm_world.alice.id}
    event = (await fm_world.app.services.playlists.history(fm_world.guild.id, "late jazz", limit=1))[0]
    assert all(reason.startswith("tag jazz #") for reason in event.data["reasons"])


async def test_add_to_playlist_offers_only_editable_playlists_and_skips_held_tracks(fm_world):
    await fm_world.run(fm_world.alice, "playlist create", name="mine")
    await fm_world.run(fm_world.bob, "playlist create", name="bobs", mode="locked")
    r = await fm_world.run(fm_world.alice, "mix mood", tags="soul", size=3)
    offer = await fm_world.sim.click(r, "Add to playlist")
    assert offer.ephemeral
    options = [o["value"] for o in offer.components[0]["components"][0]["options"]]
    assert options == ["mine"]  # bob's locked playlist is not alice's to edit
    done = await fm_world.sim.select(offer, "Add the mix to…", ["mine"])
    assert "Added 3 tracks to **mine**" in done.content
    again = await fm_world.sim.select(await fm_world.sim.click(r, "Add to playlist"), "Add the mix to…", ["mine"])
    assert "Added 0 tracks" in again.content and "3 already there" in again.content
    assert len(await entries(fm_world, "mine")) == 3


async def test_add_respects_the_playlist_limit_and_writes_nothing(fm_world):
    await fm_world.run(fm_world.alice, "playlist create", name="small")  # the world allows 5 tracks a playlist
    r = await fm_world.run(fm_world.alice, "mix mood", tags="soul", size=8)
    done = await fm_world.sim.select(await fm_world.sim.click(r, "Add to playlist"), "Add the mix to…", ["small"])
    assert done.ephemeral and "room for 5" in done.content
    assert await entries(fm_world, "small") == []


async def test_buttons_belong_to_the_mixer_reroll_redraws_and_pages_turn(fm_world):
    r = await fm_world.run(fm_world.alice, "mix mood", tags="ambient, chillout", size=15)
    first = lines(r)
    assert r.embeds[0]["footer"]["text"].startswith("Page 1/2")
    other = await fm_world.sim.click(r, "Reroll", user=fm_world.bob)
    assert other.ephemeral and "belong to whoever made this mix" in other.content
    page2 = await fm_world.sim.click(r, "Next")
    assert page2.embeds[0]["footer"]["text"].startswith("Page 2/2") and len(lines(page2)) == 5
    rerolled = await fm_world.sim.click(r, "Reroll")
    assert rerolled.embeds[0]["footer"]["text"].startswith("Page 1/2")
    assert lines(rerolled) != first
    calls = fm_world.fm.count()
    await fm_world.sim.click(r, "Reroll")
    assert fm_world.fm.count() == calls  # a reroll draws again from the cached answers


async def test_an_expired_mix_says_so(fm_world):
    r = await fm_world.run(fm_world.alice, "mix mood", tags="ambient", size=3)
    cog = fm_world.app.bot.cogs["MixCog"]
    cog.store._held.clear()  # as after a restart
    expired = await fm_world.sim.click(r, "Reroll")
    assert expired.ephemeral and "expired" in expired.content


async def test_similar_radio_from_autocompleted_seeds(fm_world):
    track = fm_world.fm.catalog.tracks[4]
    seed = f"{fm_world.fm.catalog.artist_of(track).name} - {track.name}"
    choices = await fm_world.sim.autocomplete(
        fm_world.guild, fm_world.alice, "mix similar", focused="seed", seed=track.name[:6]
    )
    assert seed in [c["value"] for c in choices]
    r = await fm_world.run(fm_world.alice, "mix similar", seed=seed, size=10)
    assert len(lines(r)) == 10 and all("similar to" in line or "artist like" in line for line in lines(r))
    assert f"[{track.name}](" not in unescape(r.embeds[0]["description"])  # the seed itself is not in its radio


async def test_extend_adds_none_the_playlist_holds(fm_world):
    await fm_world.run(fm_world.alice, "playlist create", name="base")
    catalog = fm_world.fm.catalog
    for t in catalog.tracks[:3]:
        await fm_world.run(fm_world.alice, "playlist add", name="base", track=f"{catalog.artist_of(t).name} - {t.name}")
    r = await fm_world.run(fm_world.alice, "mix extend", playlist="base", count=5)
    shown = unescape(r.embeds[0]["description"])
    assert len(lines(r)) == 5 and not any(f"— {t.name} " in shown for t in catalog.tracks[:3])


async def test_blend_reads_only_consenting_members(fm_world):
    ann, ben = listeners(fm_world, 2)
    await fm_world.run(fm_world.alice, "lastfm link", username=ann)
    r = await fm_world.run(fm_world.alice, "lastfm consent", allow="on")
    assert r.ephemeral and "may now use" in unescape(r.content)
    await fm_world.run(fm_world.bob, "lastfm link", username=ben)  # linked, no consent
    await fm_world.run(fm_world.mod, "lastfm link", username=PRIVATE_USER)
    await fm_world.run(fm_world.mod, "lastfm consent", allow="on")
    fm_world.fm.reset_calls()
    r = await fm_world.run(
        fm_world.alice, "mix blend", member1=fm_world.alice, member2=fm_world.bob, member3=fm_world.mod,
        member4=fm_world.owner, size=10,
    )  # fmt: skip
    assert field(r, "Listening used") == f"<@{fm_world.alice.id}>"
    skipped = field(r, "Skipped")
    assert f"<@{fm_world.bob.id}> (no consent)" in skipped and f"<@{fm_world.owner.id}> (not linked)" in skipped
    assert f"<@{fm_world.mod.id}> (private profile)" in skipped
    assert fm_world.fm.count("user.getTopTracks", user=ben) == fm_world.fm.count("user.getRecentTracks", user=ben) == 0
    assert len(lines(r)) == 10 and f"in <@{fm_world.alice.id}>'s top tracks" in r.embeds[0]["description"]
    await fm_world.run(fm_world.alice, "lastfm unlink")
    await fm_world.run(fm_world.alice, "lastfm link", username=ann)  # linking again starts without consent
    fm_world.fm.reset_calls()
    r = await fm_world.run(fm_world.alice, "mix blend", member1=fm_world.alice)
    assert r.ephemeral and "no consent" in r.content and fm_world.fm.count("user.getTopTracks") == 0


async def test_lastfm_down_gives_a_clear_message_and_writes_nothing(fm_world):
    await fm_world.run(fm_world.alice, "playlist create", name="keep")
    fm_world.fm.inject(Fault.http(503), times=None)
    r = await fm_world.run(fm_world.alice, "mix mood", tags="ambient", size=5)
    assert r.content.startswith("⏳ Mixing…")  # Last.fm's retries take a while: the placeholder shows progress
    r = await finished(r)
    assert r.ephemeral and "Last.fm isn't answering" in r.content
    assert await entries(fm_world, "keep") == []
    assert [p.name for p in await fm_world.app.services.playlists.playlists(fm_world.guild.id)] == ["keep"]


async def test_a_slow_mix_shows_progress_in_the_placeholder_then_the_preview(fm_world):
    cog = fm_world.app.bot.cogs["MixCog"]
    cog.progress_after, cog.progress_every = 0.1, 0.05
    fm_world.fm.latency = 0.4
    ids = [m.id for m in (fm_world.alice, fm_world.bob, fm_world.mod)]
    for member, name in zip((fm_world.alice, fm_world.bob, fm_world.mod), listeners(fm_world, 3), strict=True):
        await fm_world.run(member, "lastfm link", username=name)
        await fm_world.run(member, "lastfm consent", allow="on")
    r = await fm_world.run(
        fm_world.alice, "mix blend", member1=fm_world.alice, member2=fm_world.bob, member3=fm_world.mod, size=6
    )
    r = await finished(r)
    assert r.embeds and field(r, "Listening used") == ", ".join(f"<@{i}>" for i in ids)
    shown = [b.get("content") or "" for b in r.raw if isinstance(b, dict)]
    assert any(c.startswith("⏳ Mixing…") and "of 3 members read" in c for c in shown), shown


async def test_without_lastfm_configured_mixes_say_so(world):
    r = await world.run(world.alice, "mix mood", tags="ambient")
    assert r.ephemeral and "Last.fm isn't set up" in r.content


def _options(node: dict, trail: str = "") -> list[tuple[str, dict]]:
    """(path, option) for every option under a command, subcommands included."""
    found = []
    for option in node.get("options") or []:
        path = f"{trail} {option['name']}".strip()
        found += [(path, option), *_options(option, path)]
    return found


async def test_mix_and_consent_options_are_described_and_strings_bounded(world):
    assert not [p for p in world.sim.placeholder_descriptions if p.startswith(("/mix", "/lastfm consent"))]
    registered = [c for scope in world.sim.commands.values() for c in scope]
    mix = next(c for c in registered if c["name"] == "mix")
    lastfm = next(c for c in registered if c["name"] == "lastfm")
    consent = next(o for o in lastfm["options"] if o["name"] == "consent")
    options = [*_options(mix), ("consent", consent), *_options(consent, "consent")]
    assert {p.split()[0] for p, o in options if o["type"] == 1} == {"mood", "similar", "blend", "extend", "consent"}
    for path, option in options:
        assert option["description"] and "…" not in option["description"], path
        if option["type"] == 3 and "choices" not in option:  # a free string
            assert 0 < option.get("max_length", 0) <= 403, path
