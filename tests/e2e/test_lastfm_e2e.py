"""Last.fm features end to end: the real bot, the Discord simulator and the offline Last.fm stand-in."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.lastfm.catalog import LastfmCatalog
from bot.sandbox.lastfm_standin import PRIVATE_USER, Fault
from cogs.render import inert

pytestmark = pytest.mark.e2e


def catalog_track(world, n: int = 0):
    track = world.fm.catalog.tracks[n]
    return world.fm.catalog.artist_of(track).name, track


def unescape(text: str) -> str:
    return text.replace("\\", "")


def a_listener(world):
    return next(u for u in world.fm.catalog.users.values() if u.now_playing is not None and not u.private)


async def shown(world, name):
    r = await world.run(world.alice, "playlist show", name=name)
    return r.embeds[0]["description"]


async def test_track_autocomplete_searches_lastfm(fm_world):
    artist, track = catalog_track(fm_world)
    await fm_world.run(fm_world.alice, "playlist create", name="mix")
    choices = await fm_world.sim.autocomplete(
        fm_world.guild, fm_world.alice, "playlist add", focused="track", name="mix", track=track.name[:5]
    )
    assert f"{artist} - {track.name}" in [c["value"] for c in choices]
    assert 0 < len(choices) <= 25
    assert fm_world.fm.count("track.search") == 1


async def test_add_stores_the_enriched_track(fm_world):
    artist, track = catalog_track(fm_world, 3)
    await fm_world.run(fm_world.alice, "playlist create", name="mix")
    typed = f"{artist.upper()}  -  {track.name.lower()}"  # Last.fm's own spelling is stored
    r = await fm_world.run(fm_world.alice, "playlist add", name="mix", track=typed)
    assert f"Added **{artist}** — {track.name}" in r.content
    assert "Last.fm's spelling" not in r.content  # case and spacing are not worth a notice
    entries = await fm_world.app.storage.entries.page(
        fm_world.guild.id, (await fm_world.app.services.playlists.get(fm_world.guild.id, "mix")).id
    )
    stored = entries[0].track
    assert (stored.album, stored.duration_s) == (track.album, track.duration_s)
    assert stored.url and stored.url.startswith("https://")


async def test_unknown_track_is_refused_with_closest_matches_and_nothing_stored(fm_world):
    artist, track = catalog_track(fm_world, 7)
    await fm_world.run(fm_world.alice, "playlist create", name="mix")
    r = await fm_world.run(fm_world.alice, "playlist add", name="mix", track=f"{artist} - {track.name} zzz")
    assert r.ephemeral and "couldn't find" in r.content and "Closest matches" in r.content
    assert inert(track.name) in r.content  # echoed once, made inert
    assert "No tracks yet" in await shown(fm_world, "mix")


async def test_permission_is_checked_before_asking_lastfm(fm_world):
    await fm_world.run(fm_world.alice, "playlist create", name="mine", mode="locked")
    artist, track = catalog_track(fm_world)
    r = await fm_world.run(fm_world.bob, "playlist add", name="mine", track=f"{artist} - {track.name}")
    assert r.ephemeral and "locked" in r.content
    assert fm_world.fm.count("track.getInfo") == 0


async def test_lastfm_down_still_answers_and_keeps_the_track_as_typed(fm_world):
    await fm_world.run(fm_world.alice, "playlist create", name="mix")
    fm_world.fm.inject(Fault.http(503), times=None)
    r = await fm_world.run(fm_world.alice, "playlist add", name="mix", track="Somebody - Something New")
    assert "Added **Somebody** — Something New" in r.content and "Not checked on Last.fm" in r.content
    assert r.deferred  # the retries took longer than the budget, so the bot deferred in time
    assert "Something New" in await shown(fm_world, "mix")


async def test_a_hanging_lastfm_never_makes_autocomplete_miss_the_deadline(fm_world):
    await fm_world.run(fm_world.alice, "playlist create", name="mix")
    fm_world.fm.inject(Fault.hang(10), times=None)
    choices = await fm_world.sim.autocomplete(
        fm_world.guild, fm_world.alice, "playlist add", focused="track", name="mix", track="blue"
    )
    assert choices == []  # nothing in time: an empty list, never a missed deadline (checked by the fixture)


async def test_link_nowplaying_and_add_playing(fm_world):
    user = a_listener(fm_world)
    playing = fm_world.fm.catalog.tracks[user.now_playing]
    r = await fm_world.run(fm_world.alice, "lastfm nowplaying")
    assert r.ephemeral and "/lastfm link" in r.content
    r = await fm_world.run(fm_world.alice, "lastfm link", username=user.name.upper())
    assert r.ephemeral and f"**{user.name}**" in unescape(r.content)  # the canonical spelling is stored
    r = await fm_world.run(fm_world.alice, "lastfm nowplaying")
    embed = r.embeds[0]
    assert embed["title"] == f"{fm_world.fm.catalog.artist_of(playing).name} — {playing.name}"
    assert "Now playing" in embed["description"]
    links = embed["fields"][0]["value"]
    for platform in ("Spotify", "Apple Music", "YouTube", "Deezer", "Tidal"):
        assert f"[{platform}](https://" in links
    await fm_world.run(fm_world.alice, "playlist create", name="mix")
    r = await fm_world.run(fm_world.alice, "playlist add-playing", name="mix")
    assert "now playing by" in r.content and playing.name in r.content
    r = await fm_world.run(fm_world.alice, "playlist add-playing")  # defaults to the playlist last added to
    assert "to **mix**" in r.content
    r = await fm_world.run(fm_world.alice, "lastfm unlink")
    assert "unlinked" in r.content
    r = await fm_world.run(fm_world.alice, "playlist add-playing", name="mix")
    assert r.ephemeral and "/lastfm link" in r.content


async def test_link_rejects_unknown_and_private_users_clearly(fm_world):
    r = await fm_world.run(fm_world.alice, "lastfm link", username="no_such_listener_123")
    assert r.ephemeral and '"no\\_such\\_listener\\_123"' in r.content
    await fm_world.run(fm_world.alice, "lastfm link", username=PRIVATE_USER)
    r = await fm_world.run(fm_world.alice, "lastfm nowplaying")
    assert r.ephemeral and "private" in r.content.lower()
    r = await fm_world.run(fm_world.alice, "lastfm link", username="bad name!")
    assert r.ephemeral and "letters, digits" in r.content


async def test_add_playing_without_a_playlist_explains(fm_world):
    user = a_listener(fm_world)
    await fm_world.run(fm_world.alice, "lastfm link", username=user.name)
    r = await fm_world.run(fm_world.alice, "playlist add-playing")
    assert r.ephemeral and "Name the playlist" in r.content


async def test_track_info_shows_details_and_your_plays(fm_world):
    user = a_listener(fm_world)
    artist, track = catalog_track(fm_world, 5)
    r = await fm_world.run(fm_world.alice, "track info", query=f"{artist} - {track.name}")
    fields = {f["name"]: f["value"] for f in r.embeds[0]["fields"]}
    assert fields["Album"] == track.album and fields["Listeners"] == f"{track.listeners:,}"
    assert not any(name.startswith("Plays by") for name in fields)
    await fm_world.run(fm_world.alice, "lastfm link", username=user.name)
    r = await fm_world.run(fm_world.alice, "track info", query=f"{artist} - {track.name}")
    fields = {unescape(f["name"]): f["value"] for f in r.embeds[0]["fields"]}
    assert f"Plays by {user.name}" in fields
    r = await fm_world.run(fm_world.alice, "track info", query="Nobody - Nothing At All")
    assert r.ephemeral and "couldn't find" in r.content


async def test_stale_cache_is_served_when_lastfm_fails(fm_world):
    artist, track = catalog_track(fm_world, 9)
    query = f"{artist} - {track.name}"
    await fm_world.run(fm_world.alice, "track info", query=query)
    catalog = fm_world.app.services.music.catalog
    assert isinstance(catalog, LastfmCatalog)
    client = catalog.client
    client.memory.clear()  # as after a restart: only the persistent (SQLite) cache is left
    real_now = client.clock.now
    client.clock.now = lambda: real_now() + timedelta(days=2)  # the cached answer is now past its freshness
    fm_world.fm.inject(Fault.api(11), times=None)  # Service Offline
    r = await fm_world.run(fm_world.alice, "track info", query=query)
    assert r.embeds[0]["title"] == f"{artist} — {track.name}"
    assert "out of date" in r.embeds[0]["footer"]["text"]


@pytest.mark.parametrize(
    "fault",
    [
        Fault.api(8),
        Fault.api(11),
        Fault.api(16),
        Fault.api(29),
        Fault.api(10),
        Fault.http(500),
        Fault.html(502),
        Fault.hang(3.0),
    ],
    ids=["8-failed", "11-offline", "16-temporary", "29-rate-limited", "10-bad-key", "500", "html-502", "hang"],
)
async def test_every_lastfm_fault_still_answers_and_writes_at_most_once(fm_world, fault):
    artist, track = catalog_track(fm_world, 11)
    await fm_world.run(fm_world.alice, "playlist create", name="mix")
    fm_world.fm.inject(fault, times=1)  # the first call fails; a retry may succeed
    r = await fm_world.run(fm_world.alice, "playlist add", name="mix", track=f"{artist} - {track.name}")
    assert "Added" in r.content, r.content
    assert "Something went wrong" not in r.content
    playlist = await fm_world.app.services.playlists.get(fm_world.guild.id, "mix")
    entries = await fm_world.app.storage.entries.page(fm_world.guild.id, playlist.id)
    assert [e.track.title for e in entries] == [track.name]  # exactly once, whatever the retries did
    assert playlist.track_count == 1
