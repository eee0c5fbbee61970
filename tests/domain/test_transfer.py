"""The transfer service over a real SQLite store and an in-memory catalog: export, matching (corrections, unmatched,
identical lines asked once, progress), the review store, and commit (one write, limits, permissions, expiry)."""

from __future__ import annotations

import gzip

import pytest

from bot.domain import formats
from bot.domain.errors import Conflict, Forbidden, InvalidInput, LimitExceeded, NotFound
from bot.domain.formats import Format, ImportedEntry, PlaylistFile
from bot.domain.models import EventAction, PlaylistMode, Track
from bot.domain.permissions import Actor
from bot.domain.services.imports import EXPIRED, MatchKind, Review, Reviews, Target
from bot.domain.services.music import MusicService
from bot.domain.services.playlists import Limits, PlaylistService
from bot.domain.services.transfer import ImportLimits, TransferService, safe_filename
from tests.domain.test_music_service import MemoryCatalog

G = 1001
OWNER, ALICE, BOB = 11, 12, 13


def actor(user: int, *, manage: bool = False) -> Actor:
    return Actor(guild_id=G, user_id=user, manage_guild=manage)


class CountingCatalog(MemoryCatalog):
    def __init__(self, clock=None, step: float = 0.0) -> None:
        super().__init__()
        self.asked: list[tuple[str, str]] = []
        self.clock, self.step = clock, step

    async def track_info(self, artist, title, *, username=None):
        self.asked.append((artist, title))
        if self.clock is not None:
            self.clock.advance(seconds=self.step)
        return await super().track_info(artist, title, username=username)


@pytest.fixture
def catalog(clock) -> CountingCatalog:
    return CountingCatalog(clock, step=0.4)


@pytest.fixture
def playlists(sqlite_storage, clock) -> PlaylistService:
    return PlaylistService(sqlite_storage, limits=Limits(max_tracks=6, max_playlists=3), clock=clock)


@pytest.fixture
def service(sqlite_storage, playlists, catalog, clock) -> TransferService:
    music = MusicService(catalog, sqlite_storage.accounts, clock=clock)
    return TransferService(
        sqlite_storage, playlists, music, clock=clock, limits=ImportLimits(max_bytes=10_000, max_tracks=50)
    )


def entries(*lines: str) -> list[ImportedEntry]:
    out = []
    for n, line in enumerate(lines, 1):
        artist, _, title = line.partition(" - ")
        out.append(ImportedEntry(track=Track(artist=artist, title=title), line=n))
    return out


LINES = ["Radiohead - Karma Police", "radiohed - no surprises", "Nobody - Unknown Song", "RADIOHEAD -  karma police"]


async def test_matching_sorts_matched_corrected_and_unmatched_and_asks_identical_lines_once(service, catalog):
    reports: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        reports.append((done, total))

    matches = await service.match(entries(*LINES), progress=progress)
    assert [m.kind for m in matches] == [
        MatchKind.MATCHED,
        MatchKind.CORRECTED,
        MatchKind.UNMATCHED,
        MatchKind.MATCHED,
    ]
    assert matches[1].found == Track(
        artist="Radiohead",
        title="No Surprises",
        album="OK Computer",
        duration_s=229,
        url="https://music.example/Radiohead/No Surprises",
    )
    assert matches[2].checked and matches[2].found is None
    assert len(catalog.asked) == 3  # lines 1 and 4 are the same track: asked once
    assert reports[-1] == (3, 3)
    assert len(reports) <= 3  # at most one report a second (each lookup takes 0.4 s here), plus the last


async def test_an_unreachable_catalog_leaves_entries_unchecked_and_stops_asking(service, catalog):
    catalog.down = True
    many = entries(*(f"Artist {i} - Song {i}" for i in range(20)))
    matches = await service.match(many)
    assert all(m.kind is MatchKind.UNMATCHED and not m.checked for m in matches)
    assert len(catalog.asked) < 20  # gave up after a few consecutive failures


async def test_import_all_keeps_unmatched_as_typed_in_one_undoable_write(service, playlists, sqlite_storage):
    me = actor(ALICE)
    target = await service.begin(me, into=None, name="From a file")
    assert target == Target("From a file")
    matches = await service.match(entries(*LINES[:3]))
    file = PlaylistFile(format=Format.TXT, entries=tuple(m.entry for m in matches))
    review = service.hold(me, target, "mix.txt", file, matches)
    assert await playlists.playlists(G) == []  # nothing written before the decision

    done = await service.commit(me, review.token, matched_only=False)
    assert done.created and done.unverified == 1 and len(done.entries) == 3
    page = await playlists.page(G, "From a file", 1)
    assert [e.track.title for _, e in page.entries] == ["Karma Police", "No Surprises", "Unknown Song"]
    events = await sqlite_storage.events.list(G, playlist_id=done.playlist.id, limit=10)
    add = next(e for e in events if e.action is EventAction.ADD)
    assert add.data["unverified_entry_ids"] == [done.entries[2].id]
    assert "imported 3 track(s) from mix.txt" in add.summary
    await playlists.undo(me, "From a file")  # the whole import goes back at once
    assert (await playlists.page(G, "From a file", 1)).total == 0
    with pytest.raises(NotFound, match="expired"):
        await service.commit(me, review.token, matched_only=False)  # decided already


async def test_import_matched_only_into_an_existing_playlist(service, playlists):
    await playlists.create(actor(OWNER), "Mix")
    await playlists.add(actor(OWNER), "Mix", [Track(artist="A", title="B")])
    me = actor(ALICE)
    target = await service.begin(me, into="mix", name=None)
    assert target is not None and target.playlist_id is not None
    matches = await service.match(entries(*LINES[:3]))
    review = service.hold(me, target, "pasted lines", PlaylistFile(format=Format.TXT), matches)
    done = await service.commit(me, review.token, matched_only=True)
    assert not done.created and done.unverified == 0 and done.playlist.track_count == 3


async def test_only_the_member_who_started_may_decide_and_reviews_expire(service, clock):
    me = actor(ALICE)
    matches = await service.match(entries(LINES[0]))
    review = service.hold(me, Target("New"), "x.txt", PlaylistFile(format=Format.TXT), matches)
    with pytest.raises(Forbidden):
        await service.commit(actor(BOB), review.token, matched_only=False)
    with pytest.raises(Forbidden):
        service.cancel(actor(BOB), review.token)
    clock.advance(seconds=601)
    with pytest.raises(NotFound) as e:
        await service.commit(me, review.token, matched_only=False)
    assert e.value.user_message == EXPIRED


def test_the_review_store_is_bounded_and_drops_the_oldest(clock):
    store = Reviews(clock, ttl_s=60, capacity=2)
    made = [store.put(Review(G, ALICE, Target("x"), "f", Format.TXT, [])) for _ in range(3)]
    assert len(store) == 2 and store.get(made[0].token) is None and store.get(made[2].token) is not None
    clock.advance(seconds=61)
    assert store.get(made[2].token) is None and len(store) == 0


async def test_permission_is_checked_before_matching_and_again_at_commit(service, playlists, catalog):
    await playlists.create(actor(OWNER), "Locked", mode=PlaylistMode.LOCKED)
    with pytest.raises(Forbidden):
        await service.begin(actor(ALICE), into="Locked", name=None)
    assert catalog.asked == []
    await playlists.create(actor(OWNER), "Open")
    target = await service.begin(actor(ALICE), into="Open", name=None)
    assert target is not None
    review = service.hold(
        actor(ALICE), target, "f", PlaylistFile(format=Format.TXT), await service.match(entries(LINES[0]))
    )
    await playlists.set_mode(actor(OWNER), "Open", PlaylistMode.LOCKED)  # locked while the member was reviewing
    with pytest.raises(Forbidden):
        await service.commit(actor(ALICE), review.token, matched_only=False)


async def test_limits_are_checked_before_matching_and_names_must_be_free(service, playlists):
    with pytest.raises(LimitExceeded, match="room for 6"):
        await service.check_room(actor(ALICE), Target("New"), 7)
    await playlists.create(actor(OWNER), "Taken")
    with pytest.raises(Conflict):
        await service.begin(actor(ALICE), into=None, name="taken")
    with pytest.raises(InvalidInput):
        await service.begin(actor(ALICE), into="Taken", name="Other")
    file = PlaylistFile(name="Taken", format=Format.XSPF)
    assert (await service.target(actor(ALICE), None, file, "f")).name == "Taken (2)"


async def test_nothing_to_import_with_matched_only_when_nothing_matched(service):
    me = actor(ALICE)
    review = service.hold(me, Target("N"), "f", PlaylistFile(format=Format.TXT), await service.match(entries(LINES[2])))
    with pytest.raises(InvalidInput, match="Nothing matched"):
        await service.commit(me, review.token, matched_only=True)


async def test_read_names_the_problem_and_caps_size(service):
    with pytest.raises(formats.FileTooLarge):
        await service.read(b"A - B\n" * 3000)
    with pytest.raises(formats.NotAPlaylist) as e:
        await service.read(b"just words\nmore words\n")
    assert "(line 1)" in e.value.user_message


async def test_export_round_trips_and_gzips_when_too_large(service, playlists):
    await playlists.create(actor(OWNER), "Road / trip: 1")
    tracks = [Track(artist=f"Artist {i}", title=f"Song {i}") for i in range(5)]
    await playlists.add(actor(OWNER), "Road / trip: 1", tracks)
    out = await service.export(G, "road / trip: 1", "xspf", max_bytes=1_000_000, who=lambda _: "alice")
    assert out.filename == "Road_trip_1.xspf" and not out.gzipped and out.with_links
    back = formats.read(out.data, max_bytes=10**6, max_tracks=100)
    assert [e.track for e in back.entries] == tracks and back.entries[0].added_by == "alice"
    small = await service.export(G, "road / trip: 1", "xspf", max_bytes=len(out.data) - 1, who=lambda _: "alice")
    assert small.gzipped and small.filename.endswith(".xspf.gz") and gzip.decompress(small.data) == out.data
    with pytest.raises(LimitExceeded):
        await service.export(G, "road / trip: 1", "xspf", max_bytes=100)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Chill", "Chill"),
        ("../../etc/passwd", "etc_passwd"),
        ("日本", "playlist"),
        (".hidden", "hidden"),
        ("", "playlist"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected
