"""An offline stand-in for the Last.fm API: a generated catalog or the recorded fixtures, served on loopback,
with injectable latency and faults and per-method call counting."""

from bot.sandbox.lastfm_standin.catalog import PRIVATE_USER, Catalog
from bot.sandbox.lastfm_standin.faults import Fault
from bot.sandbox.lastfm_standin.fixtures import FixtureApi, default_fixtures_dir, status_for_error
from bot.sandbox.lastfm_standin.server import Call, LastfmStandin

__all__ = [
    "PRIVATE_USER",
    "Call",
    "Catalog",
    "Fault",
    "FixtureApi",
    "LastfmStandin",
    "default_fixtures_dir",
    "status_for_error",
]
