"""A deterministic, generated music catalog: artists, albums, tracks, tags, similarity and listeners.

Everything derives from one seed through `random.Random`, so the same seed gives the same catalog on every
machine and run (no use of `hash()`, whose string hashing is randomized per process).
"""

from __future__ import annotations

import random
import re
import uuid
from dataclasses import dataclass, field

TAGS = (
    "ambient", "chillout", "dream pop", "shoegaze", "indie rock", "indie pop", "post-punk", "new wave",
    "synthwave", "synthpop", "lo-fi", "jazz", "soul", "funk", "disco", "house", "techno", "drum and bass",
    "trip-hop", "downtempo", "folk", "acoustic", "singer-songwriter", "classical", "piano", "metal", "punk",
    "hip-hop", "rnb", "pop", "reggae", "blues", "country", "psychedelic", "melancholic", "happy", "energetic",
    "romantic", "dark", "night drive",
)  # fmt: skip

_ADJ = (
    "Velvet", "Neon", "Silent", "Golden", "Hollow", "Electric", "Crimson", "Paper", "Lunar", "Wild", "Quiet",
    "Broken", "Distant", "Glass", "Midnight", "Violet", "Static", "Wandering", "Frozen", "Burning", "Blue",
    "Northern", "Secret", "Bright", "Faded", "Little", "Restless", "Sleepy", "Amber", "Silver", "Hidden",
    "Endless", "Lonely", "Sunlit", "Cold", "Tender", "Strange", "Copper", "Marble", "Saltwater",
)  # fmt: skip
_NOUN = (
    "Harbor", "Cascade", "Orchard", "Signal", "Lantern", "River", "Engine", "Garden", "Comet", "Mirror",
    "Forest", "Satellite", "Tide", "Canyon", "Echo", "Horizon", "Avenue", "Meadow", "Ocean", "Circuit",
    "Feather", "Window", "Season", "Island", "Highway", "Ember", "Thunder", "Valley", "Rain", "Summer",
    "Winter", "Heart", "Shadow", "Fire", "Morning", "City", "Dream", "Wave", "Star", "Ghost",
)  # fmt: skip
_PLURAL = (
    "Wolves", "Lights", "Birds", "Kids", "Machines", "Sisters", "Brothers", "Strangers", "Pilots", "Giants",
    "Rivers", "Saints", "Foxes", "Owls", "Dreamers", "Lovers", "Ghosts", "Tigers", "Horses", "Kings",
)  # fmt: skip
_FIRST = (
    "Ada", "Milo", "Nora", "Felix", "Iris", "Otto", "Lena", "Jonas", "Mara", "Theo", "Elsa", "Hugo", "Ines",
    "Leo", "June", "Arlo", "Sofia", "Ezra", "Clara", "Nico",
)  # fmt: skip
_LAST = (
    "Varga", "Lindqvist", "Moreau", "Okafor", "Brandt", "Castillo", "Novak", "Hale", "Sato", "Whitfield",
    "Romero", "Kowalski", "Fontaine", "Adeyemi", "Marsh", "Ferreira", "Holm", "Quinn", "Dalca", "Reyes",
)  # fmt: skip
_VERB = (
    "Chasing", "Falling into", "Waiting for", "Dancing in", "Running from", "Dreaming of", "Holding",
    "Leaving", "Finding", "Calling", "Remember", "Follow", "Burn", "Carry", "Wake",
)  # fmt: skip
_COUNTRIES = ("United Kingdom", "Germany", "Poland", "Brazil", "Japan", "Canada", "France", "Sweden", "None")
_USER_A = ("mossy", "quiet", "lunar", "static", "velvet", "paper", "amber", "neon", "rainy", "sleepy")
_USER_B = ("owl", "fox", "tape", "radio", "wave", "cassette", "heron", "moth", "signal", "lantern")

CATALOG_NOW = 1_748_779_200  # 2025-06-01T12:00:00Z: the catalog's fixed "now" for listening histories
PRIVATE_USER = "hidden_listener"


def _plural(noun: str) -> str:
    if noun.endswith(("o", "s", "sh", "ch")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def norm(s: str) -> str:
    """Case- and whitespace-insensitive form used for lookups and autocorrect."""
    return re.sub(r"\s+", " ", s).strip().casefold()


@dataclass
class Artist:
    id: int
    name: str
    mbid: str
    tags: list[str]
    listeners: int
    playcount: int
    track_ids: list[int] = field(default_factory=list)
    albums: list[str] = field(default_factory=list)
    similar: list[tuple[int, float]] = field(default_factory=list)


@dataclass
class Track:
    id: int
    artist_id: int
    name: str
    album: str
    album_position: int
    duration_s: int
    mbid: str  # "" for about a fifth of the tracks, as on Last.fm
    listeners: int
    playcount: int
    tags: list[str]


@dataclass
class User:
    name: str
    realname: str
    country: str
    registered: int
    private: bool = False
    now_playing: int | None = None
    recent: list[tuple[int, int]] = field(default_factory=list)  # (track id, uts), newest first
    top: list[tuple[int, int]] = field(default_factory=list)  # (track id, plays), most played first
    loved: list[tuple[int, int]] = field(default_factory=list)  # (track id, uts), newest first

    @property
    def playcount(self) -> int:
        return sum(p for _, p in self.top) + len(self.recent)


class Catalog:
    def __init__(self, seed: int = 1, *, artists: int = 300, tracks_per_artist: int = 10, users: int = 20) -> None:
        self.seed = seed
        rng = random.Random(seed)
        self.artists: list[Artist] = []
        self.tracks: list[Track] = []
        self.users: dict[str, User] = {}
        self._make_artists(rng, artists, tracks_per_artist)
        self._make_similarity(rng)
        self._make_users(rng, users)
        self.artist_by_key = {norm(a.name): a for a in self.artists}
        self.track_by_key = {(norm(self.artists[t.artist_id].name), norm(t.name)): t for t in self.tracks}
        self.user_by_key = {norm(u): self.users[u] for u in self.users}

    # -- generation ---------------------------------------------------------------------------------------

    @staticmethod
    def _uuid(rng: random.Random) -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def _artist_name(self, rng: random.Random) -> str:
        form = rng.randrange(5)
        if form == 0:
            return f"The {rng.choice(_ADJ)} {rng.choice(_PLURAL)}"
        if form == 1:
            return f"{rng.choice(_ADJ)} {rng.choice(_NOUN)}"
        if form == 2:
            return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        if form == 3:
            return f"{rng.choice(_NOUN)} {rng.choice(_NOUN)}"
        return f"{rng.choice(_FIRST)} & the {rng.choice(_PLURAL)}"

    @staticmethod
    def _title(rng: random.Random) -> str:
        form = rng.randrange(6)
        if form == 0:
            return f"{rng.choice(_ADJ)} {rng.choice(_NOUN)}"
        if form == 1:
            return f"{rng.choice(_VERB)} the {rng.choice(_NOUN)}"
        if form == 2:
            return f"{rng.choice(_NOUN)} of {_plural(rng.choice(_NOUN))}"
        if form == 3:
            return f"{rng.choice(_NOUN)}"
        if form == 4:
            return f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} ({rng.choice(('Live', 'Acoustic', 'Demo', 'Edit'))})"
        return f"{rng.choice(_VERB)} {rng.choice(_ADJ)} {_plural(rng.choice(_NOUN))}"

    def _make_artists(self, rng: random.Random, n: int, per_artist: int) -> None:
        names: set[str] = set()
        for i in range(n):
            name = self._artist_name(rng)
            while norm(name) in names:
                name = self._artist_name(rng)
            names.add(norm(name))
            primary = rng.randrange(len(TAGS))
            tags = [TAGS[primary], *rng.sample([t for t in TAGS if t != TAGS[primary]], rng.randint(2, 4))]
            listeners = int(rng.lognormvariate(10.5, 1.4)) + 50
            artist = Artist(i, name, self._uuid(rng), tags, listeners, listeners * rng.randint(6, 40))
            albums = []
            for _ in range(rng.randint(1, 3)):
                album = self._title(rng)
                while album in albums:
                    album = self._title(rng)
                albums.append(album)
            artist.albums = albums
            titles: set[str] = set()
            for position in range(per_artist):
                title = self._title(rng)
                while norm(title) in titles:
                    title = self._title(rng)
                titles.add(norm(title))
                share = rng.paretovariate(1.2)
                t_listeners = max(3, int(listeners / share))
                track = Track(
                    id=len(self.tracks),
                    artist_id=i,
                    name=title,
                    album=albums[position % len(albums)],
                    album_position=position // len(albums) + 1,
                    duration_s=rng.randint(95, 420),
                    mbid=self._uuid(rng) if rng.random() > 0.2 else "",
                    listeners=t_listeners,
                    playcount=t_listeners * rng.randint(3, 25),
                    tags=[tags[0], *rng.sample(tags[1:], min(2, len(tags) - 1))],
                )
                self.tracks.append(track)
                artist.track_ids.append(track.id)
            artist.track_ids.sort(key=lambda tid: -self.tracks[tid].listeners)
            self.artists.append(artist)

    def _make_similarity(self, rng: random.Random) -> None:
        tag_sets = [set(a.tags) for a in self.artists]
        for a in self.artists:
            scored = []
            for b in self.artists:
                if b.id == a.id:
                    continue
                shared = len(tag_sets[a.id] & tag_sets[b.id])
                if shared:
                    same_primary = a.tags[0] == b.tags[0]
                    scored.append((shared + (1.5 if same_primary else 0) + rng.random(), b.id))
            scored.sort(reverse=True)
            top = scored[:25]
            if top:
                best = top[0][0]
                a.similar = [(bid, round(score / best, 6)) for score, bid in top]

    def _make_users(self, rng: random.Random, n: int) -> None:
        names: list[str] = []
        while len(names) < n:
            name = f"{rng.choice(_USER_A)}_{rng.choice(_USER_B)}{rng.randint(1, 99)}"
            if name not in names:
                names.append(name)
        names.append(PRIVATE_USER)
        for name in names:
            user = User(
                name=name,
                realname=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" if rng.random() < 0.6 else "",
                country=rng.choice(_COUNTRIES),
                registered=CATALOG_NOW - rng.randint(100, 5000) * 86_400,
                private=name == PRIVATE_USER,
            )
            # taste: a few tags; listening concentrates on artists carrying them
            taste = set(rng.sample(TAGS, 3))
            pool = [t.id for t in self.tracks if taste & set(self.artists[t.artist_id].tags)] or [0]
            favourites = rng.sample(pool, min(60, len(pool)))
            user.top = sorted(((tid, rng.randint(5, 400)) for tid in favourites), key=lambda p: -p[1])
            when = CATALOG_NOW - rng.randint(60, 3600)
            for _ in range(120):
                tid = rng.choice(favourites) if rng.random() < 0.7 else rng.choice(pool)
                user.recent.append((tid, when))
                when -= self.tracks[tid].duration_s + rng.randint(0, 900)
            user.now_playing = rng.choice(favourites)
            loved_at = CATALOG_NOW - rng.randint(1, 30) * 86_400
            for tid in rng.sample(favourites, min(25, len(favourites))):
                user.loved.append((tid, loved_at))
                loved_at -= rng.randint(1, 20) * 86_400
            self.users[name] = user

    # -- lookups --------------------------------------------------------------------------------------------

    def artist_of(self, track: Track) -> Artist:
        return self.artists[track.artist_id]

    def find_artist(self, name: str, *, autocorrect: bool) -> Artist | None:
        if autocorrect:
            return self.artist_by_key.get(norm(name))
        return next((a for a in self.artists if a.name.casefold() == name.casefold()), None)

    def find_track(self, artist: str, title: str, *, autocorrect: bool) -> Track | None:
        if autocorrect:
            return self.track_by_key.get((norm(artist), norm(title)))
        a = self.find_artist(artist, autocorrect=False)
        if a is None:
            return None
        return next((self.tracks[t] for t in a.track_ids if self.tracks[t].name.casefold() == title.casefold()), None)

    def find_user(self, name: str) -> User | None:
        return self.user_by_key.get(norm(name))

    def search(self, query: str, artist: str | None = None) -> list[Track]:
        """Case-insensitive substring match on title or artist (or title + artist); prefix matches first."""
        q = norm(query)
        a = norm(artist) if artist else None
        hits: list[tuple[int, int, int]] = []
        for t in self.tracks:
            title = norm(t.name)
            name = norm(self.artists[t.artist_id].name)
            if a is not None and a not in name:
                continue
            both = f"{name} {title}"
            if q in title or q in name or q in both or (q and all(w in both for w in q.split())):
                rank = 0 if title.startswith(q) else 1 if name.startswith(q) else 2
                hits.append((rank, -t.listeners, t.id))
        return [self.tracks[tid] for _, _, tid in sorted(hits)]

    def similar_tracks(self, track: Track, limit: int) -> list[tuple[Track, float]]:
        rng = random.Random(self.seed * 1_000_003 + track.id)
        artist = self.artists[track.artist_id]
        out: list[tuple[Track, float]] = []
        for tid in artist.track_ids:
            if tid != track.id:
                out.append((self.tracks[tid], round(0.75 + 0.25 * rng.random(), 6)))
        for aid, match in artist.similar:
            for tid in self.artists[aid].track_ids[:4]:
                other = self.tracks[tid]
                affinity = 1.0 if set(other.tags) & set(track.tags) else 0.7
                out.append((other, round(match * affinity * (0.55 + 0.4 * rng.random()), 6)))
        out.sort(key=lambda p: (-p[1], p[0].id))
        return out[:limit]

    def tag_tracks(self, tag: str) -> list[Track]:
        key = norm(tag)
        return sorted(
            (t for t in self.tracks if key in t.tags or key in self.artists[t.artist_id].tags),
            key=lambda t: (-t.listeners, t.id),
        )

    def chart(self) -> list[Track]:
        return sorted(self.tracks, key=lambda t: (-t.playcount, t.id))
