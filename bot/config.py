"""Configuration: one Settings class, read from SHARIFY_* environment variables and an optional .env file.

Nothing else in the program reads os.environ. Secrets are SecretStr: they never appear in reprs or logs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.runtime.admission import DEFAULT_MAX_IN_FLIGHT

ENV_PREFIX = "SHARIFY_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    # Discord: without a token, `run` starts the offline sandbox instead.
    discord_token: SecretStr | None = None
    dev_guild_id: int | None = Field(default=None, gt=0, description="sync commands to this guild only (instant)")
    shard_count: int | None = Field(default=None, ge=1, le=1024)
    shard_ids: list[int] | None = None

    # Last.fm
    lastfm_api_key: SecretStr | None = None
    lastfm_base_url: str = "https://ws.audioscrobbler.com/2.0/"
    lastfm_rate_per_second: float = Field(default=4.0, gt=0, le=50)
    lastfm_burst: int = Field(default=8, ge=1, le=100)
    lastfm_max_in_flight: int = Field(default=8, ge=1, le=100)
    # The rate above is the API key's, shared by every process: each takes its shards' share of it unless this
    # sets its own budget (requests per second for this process).
    lastfm_process_rate_per_second: float | None = Field(default=None, gt=0, le=50)

    # Storage: MongoDB when a URI is set (production), else SQLite in data_dir.
    mongodb_uri: SecretStr | None = None
    database_name: str = Field(default="sharify", min_length=1, max_length=63, pattern=r"^[A-Za-z0-9_-]+$")
    data_dir: Path = Path("data")

    # Google Secret Manager: secret values given as "sm://projects/P/secrets/S/versions/V" are resolved at start.
    # Operations
    health_host: str = "0.0.0.0"  # noqa: S104 - the pod's probes come from outside the container
    health_port: int = Field(default=8080, ge=0, le=65535, description="0 disables the health server")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    shutdown_grace_s: float = Field(default=10.0, ge=0, le=60, description="time in-flight work gets on SIGTERM")
    max_interactions_in_flight: int = Field(default=DEFAULT_MAX_IN_FLIGHT, ge=1, le=1000)

    # Share pages: a public web page per shared playlist, on a port of its own (off unless set)
    web_host: str = "0.0.0.0"  # noqa: S104 - visitors come through the load balancer
    web_port: int = Field(default=0, ge=0, le=65535, description="0 turns the share pages off")
    public_url: str | None = Field(default=None, description="the pages' public address, e.g. https://share.example")
    web_cache_seconds: float = Field(default=5.0, gt=0, le=300, description="how long a page is served from memory")
    web_rate_per_second: float = Field(default=5.0, gt=0, le=100_000, description="page requests per visitor")
    web_burst: int = Field(default=30, ge=1, le=1_000_000)
    web_forwarded_hops: int = Field(
        default=0, ge=0, le=5, description="load balancers that append the visitor's address to X-Forwarded-For"
    )

    # Limits
    max_tracks_per_playlist: int = Field(default=10_000, ge=1, le=100_000)
    max_playlists_per_guild: int = Field(default=200, ge=1, le=10_000)
    trash_days: int = Field(default=30, ge=1, le=365)
    removed_server_days: int = Field(default=30, ge=1, le=365, description="days a removed server's data is kept")
    import_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1024, le=8 * 1024 * 1024)
    import_max_tracks: int = Field(default=2_000, ge=1, le=10_000)

    # Scheduled posts
    max_schedules_per_guild: int = Field(default=25, ge=1, le=1000)
    schedule_min_interval_minutes: int = Field(default=60, ge=1, le=10_080)
    schedule_grace_minutes: int = Field(default=60, ge=1, le=1440, description="a missed post is still made this late")
    schedule_poll_seconds: float = Field(default=15.0, gt=0, le=600)
    schedule_lease_seconds: float = Field(default=120.0, ge=10, le=3600)
    # Discord's global rate limit is the bot token's, shared by every shard: scheduled posts of a process running
    # k of n shards go out at k/n of it, unless this gives the process its own budget (requests per second).
    discord_rate_per_second: float = Field(default=50.0, gt=0, le=10_000)
    discord_process_rate_per_second: float | None = Field(default=None, gt=0, le=10_000)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, v: object) -> object:
        return v.upper() if isinstance(v, str) else v

    @field_validator("discord_token", "lastfm_api_key", "mongodb_uri", mode="before")
    @classmethod
    def _blank_is_unset(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("public_url", mode="before")
    @classmethod
    def _public_url(cls, v: object) -> object:
        if not isinstance(v, str) or not v.strip():
            return None
        parts = urlsplit(v.strip())
        if parts.scheme not in {"https", "http"} or not parts.hostname or parts.query or parts.fragment:
            raise ValueError("must be an http(s) address with a host and no query, e.g. https://share.example")
        return v.strip().rstrip("/")

    @model_validator(mode="after")
    def _web_fits(self) -> Settings:
        if self.web_port and self.public_url is None:
            raise ValueError("SHARIFY_WEB_PORT needs SHARIFY_PUBLIC_URL (the address visitors use for the pages)")
        if self.web_port and self.web_port == self.health_port:
            raise ValueError("SHARIFY_WEB_PORT and SHARIFY_HEALTH_PORT must differ")
        return self

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("SHARIFY_SHARD_IDS needs SHARIFY_SHARD_COUNT")
            if not self.shard_ids or any(not 0 <= i < self.shard_count for i in self.shard_ids):
                raise ValueError(f"SHARIFY_SHARD_IDS must be ids from 0 to {self.shard_count - 1}")
        return self

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "sharify.sqlite3"


def describe_errors(error: ValidationError) -> list[str]:
    """One line per problem, naming the environment variable to set."""
    lines = []
    for e in error.errors():
        if e["loc"]:
            lines.append(f"  {ENV_PREFIX}{str(e['loc'][0]).upper()}: {e['msg']}")
        else:  # a check across settings (model validator): its message names the variables itself
            lines.append(f"  {e['msg'].removeprefix('Value error, ')}")
    return lines


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, or exit with code 2 and one clear message listing every problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as e:
        print("Sharify cannot start: the configuration is invalid.", file=sys.stderr)  # noqa: T201
        print("\n".join(describe_errors(e)), file=sys.stderr)  # noqa: T201
        print("Set these environment variables (or put them in .env) and start again.", file=sys.stderr)  # noqa: T201
        raise SystemExit(2) from None
