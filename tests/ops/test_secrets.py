"""Secret Manager references in Settings, resolved through an injected client.

FakeSecretManager stands in for google-cloud-secret-manager's SecretManagerServiceAsyncClient: Google Cloud cannot be
reached from the test machines, so this fake is the one allowed mock. It implements only the method the code calls
(`access_secret_version(name=...)`, returning an object with `.payload.data`), with the same shape as the real client,
which mypy checks against the SecretAccessor protocol.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from dataclasses import dataclass, field

import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.runtime.secrets import ConfigError, SecretAccessor, parse_reference, resolve_secrets

TOKEN = "MTA4NzY1NDMyMTAxMjM0NTY3OA.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
API_KEY = "0123456789abcdef0123456789abcdef"
MONGO = "mongodb+srv://sharify:s3cr3t-pa55@cluster0.example.net/?retryWrites=true"


@dataclass
class Payload:
    data: bytes


@dataclass
class Response:
    payload: Payload


@dataclass
class FakeSecretManager:
    secrets: dict[str, bytes]
    fail: dict[str, Exception] = field(default_factory=dict)
    hang: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)

    async def access_secret_version(self, *, name: str) -> Response:
        self.calls.append(name)
        if name in self.hang:
            await asyncio.Event().wait()
        if name in self.fail:
            raise self.fail[name]
        return Response(Payload(self.secrets[name]))


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_the_fake_has_the_accessor_shape() -> None:
    client: SecretAccessor = FakeSecretManager({})
    assert callable(client.access_secret_version)


async def test_references_are_replaced_by_payloads_and_plain_values_kept(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake = FakeSecretManager(
        {
            "projects/p-1/secrets/discord/versions/3": TOKEN.encode() + b"\n",
            "projects/p-1/secrets/mongo/versions/latest": MONGO.encode(),
        }
    )
    original = settings(
        discord_token="sm://projects/p-1/secrets/discord/versions/3",
        mongodb_uri="sm://projects/p-1/secrets/mongo",
        lastfm_api_key=API_KEY,
        log_level="DEBUG",
    )
    resolved = await resolve_secrets(original, fake)

    assert resolved is not original
    assert resolved.discord_token == SecretStr(TOKEN)  # the trailing newline of `echo ... |` is stripped
    assert resolved.mongodb_uri == SecretStr(MONGO)
    assert resolved.lastfm_api_key == SecretStr(API_KEY)
    assert resolved.log_level == "DEBUG"
    assert original.discord_token == SecretStr("sm://projects/p-1/secrets/discord/versions/3")
    assert sorted(fake.calls) == sorted(fake.secrets)  # each fetched exactly once
    for secret in (TOKEN, MONGO, "s3cr3t-pa55"):
        assert secret not in caplog.text
        assert secret not in repr(resolved) and secret not in str(resolved)
    assert "SHARIFY_DISCORD_TOKEN" in caplog.text  # what was resolved is logged, by name


async def test_nothing_to_resolve_needs_no_client() -> None:
    plain = settings(discord_token=TOKEN)
    assert await resolve_secrets(plain) is plain  # no client given: one would be created only for a reference


@pytest.mark.parametrize(
    "reference",
    [
        "sm://",
        "sm://projects/p/secrets/",
        "sm://projects/p/secret/name",
        "sm://projects/p/secrets/name/versions/",
        "sm://projects/p/secrets/name/versions/newest",
        "sm://projects/p/secrets/name/versions/0",
        "sm://projects/p/secrets/na me",
        "sm://projects/P/secrets/name/extra",
    ],
)
async def test_malformed_references_are_rejected_naming_the_variable(reference: str) -> None:
    fake = FakeSecretManager({})
    with pytest.raises(ConfigError) as caught:
        await resolve_secrets(settings(lastfm_api_key=reference), fake)
    message = str(caught.value)
    assert message.startswith("SHARIFY_LASTFM_API_KEY: not a valid secret reference")
    assert "sm://projects/PROJECT/secrets/NAME" in message  # says what the right form is
    assert fake.calls == []


def test_reference_forms() -> None:
    ref = parse_reference("SHARIFY_X", "x", "sm://projects/my-proj/secrets/bot_token")
    assert ref is not None and ref.path == "projects/my-proj/secrets/bot_token/versions/latest"
    ref = parse_reference("SHARIFY_X", "x", "sm://projects/123456/secrets/t/versions/42")
    assert ref is not None and ref.path == "projects/123456/secrets/t/versions/42"
    assert parse_reference("SHARIFY_X", "x", "mongodb://localhost") is None


async def test_fetch_failure_names_variable_and_path_but_no_value(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    path = "projects/p/secrets/mongo/versions/latest"
    fake = FakeSecretManager(
        {"projects/p/secrets/discord/versions/latest": TOKEN.encode()},
        fail={path: PermissionError("Permission 'secretmanager.versions.access' denied")},
    )
    with pytest.raises(ConfigError) as caught:
        await resolve_secrets(
            settings(discord_token="sm://projects/p/secrets/discord", mongodb_uri="sm://projects/p/secrets/mongo"),
            fake,
        )
    message = str(caught.value)
    assert message.startswith(f"SHARIFY_MONGODB_URI: cannot read secret {path}: PermissionError")
    assert TOKEN not in message and TOKEN not in caplog.text


async def test_a_hanging_fetch_times_out_with_a_clear_error() -> None:
    path = "projects/p/secrets/discord/versions/latest"
    fake = FakeSecretManager({}, hang={path})
    with pytest.raises(ConfigError, match=f"^SHARIFY_DISCORD_TOKEN: cannot read secret {path}: timed out$"):
        await resolve_secrets(settings(discord_token="sm://projects/p/secrets/discord"), fake, seconds_per_secret=0.05)


@pytest.mark.parametrize(
    ("data", "problem"), [(b"\xff\xfe" + API_KEY.encode(), "is not UTF-8 text"), (b" \n", "is empty")]
)
async def test_unusable_payloads_are_rejected_without_showing_them(data: bytes, problem: str) -> None:
    path = "projects/p/secrets/lastfm/versions/7"
    fake = FakeSecretManager({path: data})
    with pytest.raises(ConfigError) as caught:
        await resolve_secrets(settings(lastfm_api_key=f"sm://{path}"), fake)
    assert str(caught.value) == f"SHARIFY_LASTFM_API_KEY: secret {path} {problem}"
    shown = "".join(traceback.format_exception(caught.value))  # what a crash would print, chained errors too
    assert API_KEY not in shown


def test_secrets_never_appear_in_settings_repr() -> None:
    s = settings(discord_token=TOKEN, lastfm_api_key=API_KEY, mongodb_uri=MONGO)
    for text in (repr(s), str(s), s.model_dump_json()):
        for secret in (TOKEN, API_KEY, "s3cr3t-pa55"):
            assert secret not in text
    assert s.discord_token is not None and s.discord_token.get_secret_value() == TOKEN
