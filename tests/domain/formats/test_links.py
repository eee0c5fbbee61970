"""Search links, which every export format carries (XSPF link elements, the M3U8 entry line)."""

from __future__ import annotations

from bot.domain.links import platform_links, track_page
from bot.domain.models import Track


def test_platform_links_start_with_lastfm_and_include_bandcamp() -> None:
    links = dict(platform_links(Track(artist="Sigur Rós", title="Hoppípolla & co", url="https://www.last.fm/x")))
    assert next(iter(links)) == "Last.fm"
    assert links["Bandcamp"] == "https://bandcamp.com/search?q=Sigur+R%C3%B3s+Hopp%C3%ADpolla+%26+co&item_type=t"
    assert links["Spotify"] == "https://open.spotify.com/search/Sigur%20R%C3%B3s%20Hopp%C3%ADpolla%20%26%20co"


def test_track_page_falls_back_to_a_lastfm_search() -> None:
    assert track_page(Track(artist="A", title="B", url="https://www.last.fm/music/A/_/B")).endswith("/A/_/B")
    assert track_page(Track(artist="A&B", title="C")) == "https://www.last.fm/search/tracks?q=A%26B+C"
