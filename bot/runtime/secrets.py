"""Resolve Google Secret Manager references in Settings, once, at start-up.

A secret setting (SHARIFY_DISCORD_TOKEN, SHARIFY_LASTFM_API_KEY, SHARIFY_MONGODB_URI) may hold a reference instead of
a value:

    sm://projects/PROJECT/secrets/NAME/versions/VERSION   (VERSION: a number or "latest")
    sm://projects/PROJECT/secrets/NAME                    (the latest version)

`resolve_secrets` replaces each reference by the secret's payload (UTF-8, surrounding whitespace stripped, since
secrets made with `echo ... | gcloud secrets create` end with a newline) and returns a new Settings. Values that do
not start with "sm://" are kept as they are. Payloads are only ever held in SecretStr; logs and errors name the
variable and the secret's path, never its value.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from pydantic import SecretStr

from bot.config import ENV_PREFIX, Settings

if TYPE_CHECKING:
    from google.cloud.secretmanager import SecretManagerServiceAsyncClient

log = logging.getLogger(__name__)

SCHEME = "sm://"
SECRET_FIELDS = ("discord_token", "lastfm_api_key", "mongodb_uri")
DEFAULT_SECONDS = 10.0  # per secret, at start-up
_CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"

_REFERENCE = re.compile(
    r"sm://projects/(?P<project>[a-z0-9][a-z0-9.:-]{0,99})"
    r"/secrets/(?P<secret>[A-Za-z0-9_-]{1,255})"
    r"(?:/versions/(?P<version>latest|[1-9][0-9]{0,18}))?"
)
_FORMAT_HINT = "expected sm://projects/PROJECT/secrets/NAME[/versions/VERSION] (VERSION: a number or latest)"


class ConfigError(Exception):
    """The configuration cannot be used; the message names the variable and says what to fix."""


class SecretPayload(Protocol):
    @property
    def data(self) -> bytes: ...


class AccessSecretVersionResponse(Protocol):
    @property
    def payload(self) -> SecretPayload: ...


class SecretAccessor(Protocol):
    """The one method used from SecretManagerServiceAsyncClient (tests pass a stand-in)."""

    async def access_secret_version(self, *, name: str) -> AccessSecretVersionResponse: ...


@dataclass(frozen=True, slots=True)
class SecretReference:
    variable: str  # the environment variable that held the reference, e.g. SHARIFY_DISCORD_TOKEN
    field: str
    path: str  # projects/P/secrets/N/versions/V


def parse_reference(variable: str, field: str, value: str) -> SecretReference | None:
    """The reference in `value`, None for a plain value; ConfigError for a malformed sm:// reference."""
    if not value.startswith(SCHEME):
        return None
    match = _REFERENCE.fullmatch(value.strip())
    if match is None:
        # The value starts with sm:// so it is a reference, not a secret: naming it is safe and helps.
        raise ConfigError(f"{variable}: not a valid secret reference {value!r}: {_FORMAT_HINT}")
    version = match["version"] or "latest"
    path = f"projects/{match['project']}/secrets/{match['secret']}/versions/{version}"
    return SecretReference(variable=variable, field=field, path=path)


def find_references(settings: Settings) -> list[SecretReference]:
    references = []
    for field in SECRET_FIELDS:
        secret: SecretStr | None = getattr(settings, field)
        if secret is None:
            continue
        reference = parse_reference(ENV_PREFIX + field.upper(), field, secret.get_secret_value())
        if reference is not None:
            references.append(reference)
    return references


async def resolve_secrets(
    settings: Settings, client: SecretAccessor | None = None, *, seconds_per_secret: float = DEFAULT_SECONDS
) -> Settings:
    """A copy of `settings` with every sm:// reference replaced by its secret; ConfigError if one cannot be read.

    Without `client`, a SecretManagerServiceAsyncClient is made (credentials from the environment: Workload
    Identity on GKE) only when there is something to resolve, and closed afterwards.
    """
    references = find_references(settings)
    if not references:
        return settings
    if client is not None:
        values = await _fetch_all(client, references, seconds_per_secret)
    else:
        async with await _default_client() as real_client:
            values = await _fetch_all(real_client, references, seconds_per_secret)
    update = {ref.field: SecretStr(value) for ref, value in zip(references, values, strict=True)}
    return settings.model_copy(update=update)


async def _default_client() -> SecretManagerServiceAsyncClient:
    import google.auth  # noqa: PLC0415 - only needed when there are references to resolve
    from google.cloud.secretmanager import SecretManagerServiceAsyncClient  # noqa: PLC0415

    # Finding default credentials may probe the metadata server over blocking HTTP: keep it off the event loop.
    credentials, _project = await asyncio.to_thread(google.auth.default, scopes=[_CLOUD_PLATFORM_SCOPE])
    return SecretManagerServiceAsyncClient(credentials=credentials)


async def _fetch_all(client: SecretAccessor, references: list[SecretReference], seconds: float) -> list[str]:
    return list(await asyncio.gather(*(_fetch(client, ref, seconds) for ref in references)))


async def _fetch(client: SecretAccessor, ref: SecretReference, seconds: float) -> str:
    try:
        async with asyncio.timeout(seconds):
            response = await client.access_secret_version(name=ref.path)
        data = response.payload.data
    except Exception as e:
        # The exception says why (permission denied, not found, timed out); it cannot hold the payload, which
        # was never received.
        raise ConfigError(f"{ref.variable}: cannot read secret {ref.path}: {_describe(e)}") from e
    try:
        value = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ConfigError(f"{ref.variable}: secret {ref.path} is not UTF-8 text") from None
    if not value:
        raise ConfigError(f"{ref.variable}: secret {ref.path} is empty")
    log.info("resolved %s from Secret Manager (%s)", ref.variable, ref.path)
    return value


def _describe(error: Exception) -> str:
    if isinstance(error, TimeoutError):
        return "timed out"
    message = getattr(error, "message", None)  # google.api_core exceptions carry the server's message here
    text = message if isinstance(message, str) and message else str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
