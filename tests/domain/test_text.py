import pytest

from bot.domain.errors import InvalidInput
from bot.domain.models import Track
from bot.domain.text import description, parse_track, playlist_name, track_key


def test_names_trim_collapse_and_fold():
    assert playlist_name("  Late   Night  ") == ("Late Night", "late night")
    assert playlist_name("ＣＨＩＬＬ")[1] == playlist_name("chill")[1]


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [("", "can't be empty"), ("   ", "can't be empty"), ("x" * 101, "too long"), ("bad\x00name", "control")],
)
def test_bad_names_are_rejected_with_a_reason(raw, fragment):
    with pytest.raises(InvalidInput) as e:
        playlist_name(raw)
    assert fragment in e.value.user_message


def test_name_of_exactly_100_characters_is_accepted():
    assert len(playlist_name("y" * 100)[0]) == 100


def test_description_may_be_empty_but_not_too_long():
    assert description("") == ""
    with pytest.raises(InvalidInput):
        description("d" * 301)


def test_parse_track_splits_on_first_separator():
    assert parse_track("Daft Punk - One More Time") == Track(artist="Daft Punk", title="One More Time")
    assert parse_track("a-ha – Take On Me - 2015 Remaster").title == "Take On Me - 2015 Remaster"


@pytest.mark.parametrize("raw", ["just a title", " - Title", "Artist - ", "Artist-Title"])
def test_parse_track_rejects_unsplittable_text(raw):
    with pytest.raises(InvalidInput) as e:
        parse_track(raw)
    assert "Artist - Title" in e.value.user_message


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("Daft Punk", "One More Time"), ("daft  punk", "ONE MORE TIME")),
        (("Calvin Harris", "Feel So Close (feat. Someone)"), ("Calvin Harris", "Feel So Close")),
        (("Calvin Harris", "Feel So Close ft. Someone"), ("calvin harris", "feel so close")),
        (("Simon & Garfunkel", "The Boxer"), ("Simon and Garfunkel", "The Boxer")),
        (("Beyoncé", "Halo!"), ("Beyoncé", "Halo")),
    ],
)
def test_track_key_equates_normalized_duplicates(a, b):
    assert track_key(Track(artist=a[0], title=a[1])) == track_key(Track(artist=b[0], title=b[1]))


def test_track_key_keeps_different_tracks_apart():
    assert track_key(Track(artist="Daft Punk", title="One More Time")) != track_key(
        Track(artist="Daft Punk", title="Digital Love")
    )
    assert track_key(Track(artist="A", title="B C")) != track_key(Track(artist="A B", title="C"))
