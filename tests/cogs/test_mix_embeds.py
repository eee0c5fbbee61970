"""The mix preview is a pure function of a Mix: within Discord's limits however long the names, links only to
Last.fm pages Sharify builds, quoted values in the notes made inert."""

from __future__ import annotations

from bot.domain import text
from bot.domain.mixes.model import Mix, MoodInputs, Pick, Reason, ReasonKind
from bot.domain.models import Track
from bot.sandbox.discord_sim.markdown import entities
from cogs.mixes import embeds
from tests.cogs.hostile import HOSTILE
from tests.cogs.test_embeds import check_limits, embed_chars

LONG = "[x](https://evil.example) <@1> " * 20


def _mix(picks: int, *, title: str = "Mood: ambient", missing: tuple[str, ...] = ()) -> Mix:
    reasons = (
        Reason(ReasonKind.TAG, LONG, rank=3),
        Reason(ReasonKind.SIMILAR, LONG, score=0.5),
        Reason(ReasonKind.ARTIST, LONG, score=0.4),
    )
    tracks = [
        Track(artist=f"{LONG}{i}", title=f"{LONG}{i}", url=f"https://www.last.fm/music/a/_/{'t' * 150}{i}")
        for i in range(picks)
    ]
    return Mix(
        inputs=MoodInputs(tags=("ambient",)),
        seed=1,
        picks=tuple(Pick(t, reasons) for t in tracks),
        missing=missing,
        title=title,
    )


def test_a_page_of_the_longest_names_fits_in_whole_lines() -> None:
    notes = tuple(f"tag {text.quoted(s)} is unknown to Last.fm" for s in HOSTILE)
    mix = _mix(25, title=LONG * 3, missing=notes)
    for page, on_page in ((1, 10), (2, 10), (3, 5)):
        e = embeds.mix_page(mix, page)
        check_limits(e)
        assert embed_chars(e) <= 6000
        description = e.description or ""
        shown = description.splitlines()
        assert shown[-1] == "…" or len(shown) == on_page  # cut between lines, never inside one
        assert all(line.startswith("`") for line in shown if line != "…")
        hosts = {entity.value.split("/")[2] for line in shown for entity in entities(line) if entity.kind == "link"}
        assert hosts <= {"www.last.fm"}
        assert [entity for entity in entities(e.fields[-1].value or "") if entity.kind != "text"] == []


def test_notes_show_quoted_values_in_plain_quotes() -> None:
    e = embeds.mix_page(_mix(1, missing=(f"tag {text.quoted('zz*q')} is unknown",)), 1)
    assert e.fields[-1].name == "Missing" and e.fields[-1].value == '• tag "zz\\*q" is unknown'
