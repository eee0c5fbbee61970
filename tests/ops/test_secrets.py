"""Secret Manager references in Settings, resolved by the real Secret Manager client against a local server.

Google Cloud cannot be reached from the test machines, so the server is local: a gRPC server on loopback that serves
`google.cloud.secretmanager.v1.SecretManagerService/AccessSecretVersion` with the library's own message types, answering
the way Secret Manager does (the payload, NOT_FOUND, PERMISSION_DENIED, or never). The client is the real
SecretManagerServiceAsyncClient (its gRPC asyncio transport, retry and error mapping), given anonymous credentials and
an insecure channel to 127.0.0.1 instead of Workload Identity and TLS to Google; bot/runtime/secrets.py takes it as
its injected client.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import grpc
import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud.secretmanager_v1 import (
    AccessSecretVersionRequest,
    AccessSecretVersionResponse,
    SecretManagerServiceAsyncClient,
    SecretPayload,
)
from google.cloud.secretmanager_v1.services.secret_manager_service.transports import (
    SecretManagerServiceGrpcAsyncIOTransport,
)
from pydantic import SecretStr

from bot.config import Settings
from bot.runtime.secrets import ConfigError, SecretAccessor, parse_reference, resolve_secrets

TOKEN = "MTA4NzY1NDMyMTAxMjM0NTY3OA.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
API_KEY = "0123456789abcdef0123456789abcdef"
MONGO = "mongodb+srv://sharify:s3cr3t-pa55@cluster0.example.net/?retryWrites=true"
SERVICE = "google.cloud.secretmanager.v1.SecretManagerService"


@dataclass
class SecretManagerServer:
    """What the local Secret Manager holds and what it was asked; `denied` and `hang` change how a name is answered."""

    secrets: dict[str, bytes] = field(default_factory=dict)
    denied: set[str] = field(default_factory=set)
    hang: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    routing: list[str] = field(default_factory=list)  # each call's x-goog-request-params, which the client adds

    async def access_secret_version(
        self, request: AccessSecretVersionRequest, context: grpc.aio.ServicerContext
    ) -> AccessSecretVersionResponse:
        self.calls.append(request.name)
        self.routing += [str(v) for k, v in context.invocation_metadata() or () if k == "x-goog-request-params"]
        if request.name in self.denied:
            await context.abort(
                grpc.StatusCode.PERMISSION_DENIED,
                f"Permission 'secretmanager.versions.access' denied for resource '{request.name}' (or it may not "
                "exist).",
            )
        if request.name in self.hang:
            await asyncio.Event().wait()
        if request.name not in self.secrets:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"Secret Version [{request.name}] not found.")
        return AccessSecretVersionResponse(name=request.name, payload=SecretPayload(data=self.secrets[request.name]))


@dataclass
class LocalSecretManager:
    server: SecretManagerServer
    client: SecretManagerServiceAsyncClient


@pytest.fixture
async def secret_manager() -> AsyncIterator[LocalSecretManager]:
    state = SecretManagerServer()
    handler = grpc.unary_unary_rpc_method_handler(
        state.access_secret_version,
        request_deserializer=AccessSecretVersionRequest.deserialize,
        response_serializer=AccessSecretVersionResponse.serialize,
    )
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, {"AccessSecretVersion": handler}),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    transport = SecretManagerServiceGrpcAsyncIOTransport(
        credentials=AnonymousCredentials(), channel=grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    )
    client = SecretManagerServiceAsyncClient(transport=transport)
    try:
        yield LocalSecretManager(state, client)
    finally:
        await client.transport.close()
        await server.stop(grace=None)


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


async def test_the_real_client_has_the_accessor_shape(secret_manager: LocalSecretManager) -> None:
    client: SecretAccessor = secret_manager.client  # mypy holds the real client to the protocol secrets.py uses
    assert callable(client.access_secret_version)


async def test_references_are_replaced_by_payloads_and_plain_values_kept(
    secret_manager: LocalSecretManager, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = secret_manager.server
    server.secrets.update(
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
    resolved = await resolve_secrets(original, secret_manager.client)

    assert resolved is not original
    assert resolved.discord_token == SecretStr(TOKEN)  # the trailing newline of `echo ... |` is stripped
    assert resolved.mongodb_uri == SecretStr(MONGO)
    assert resolved.lastfm_api_key == SecretStr(API_KEY)
    assert resolved.log_level == "DEBUG"
    assert original.discord_token == SecretStr("sm://projects/p-1/secrets/discord/versions/3")
    assert sorted(server.calls) == sorted(server.secrets)  # each fetched exactly once
    # the real client's request routing header: the request really went through its transport
    assert sorted(server.routing) == sorted(f"name={name}" for name in server.secrets)
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
async def test_malformed_references_are_rejected_naming_the_variable(
    secret_manager: LocalSecretManager, reference: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        await resolve_secrets(settings(lastfm_api_key=reference), secret_manager.client)
    message = str(caught.value)
    assert message.startswith("SHARIFY_LASTFM_API_KEY: not a valid secret reference")
    assert "sm://projects/PROJECT/secrets/NAME" in message  # says what the right form is
    assert secret_manager.server.calls == []


def test_reference_forms() -> None:
    ref = parse_reference("SHARIFY_X", "x", "sm://projects/my-proj/secrets/bot_token")
    assert ref is not None and ref.path == "projects/my-proj/secrets/bot_token/versions/latest"
    ref = parse_reference("SHARIFY_X", "x", "sm://projects/123456/secrets/t/versions/42")
    assert ref is not None and ref.path == "projects/123456/secrets/t/versions/42"
    assert parse_reference("SHARIFY_X", "x", "mongodb://localhost") is None


async def test_permission_denied_names_variable_and_path_but_no_value(
    secret_manager: LocalSecretManager, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    path = "projects/p/secrets/mongo/versions/latest"
    server = secret_manager.server
    server.secrets.update({"projects/p/secrets/discord/versions/latest": TOKEN.encode(), path: MONGO.encode()})
    server.denied.add(path)
    with pytest.raises(ConfigError) as caught:
        await resolve_secrets(
            settings(discord_token="sm://projects/p/secrets/discord", mongodb_uri="sm://projects/p/secrets/mongo"),
            secret_manager.client,
        )
    message = str(caught.value)
    assert message == (
        f"SHARIFY_MONGODB_URI: cannot read secret {path}: PermissionDenied: Permission "
        f"'secretmanager.versions.access' denied for resource '{path}' (or it may not exist)."
    )
    assert server.calls.count(path) == 1  # a refusal is final: the client does not retry it
    shown = "".join(traceback.format_exception(caught.value)) + caplog.text
    assert TOKEN not in shown and "s3cr3t-pa55" not in shown


async def test_a_missing_secret_version_is_not_found(secret_manager: LocalSecretManager) -> None:
    path = "projects/p/secrets/discord/versions/9"
    secret_manager.server.secrets["projects/p/secrets/discord/versions/8"] = TOKEN.encode()
    with pytest.raises(ConfigError) as caught:
        await resolve_secrets(settings(discord_token=f"sm://{path}"), secret_manager.client)
    assert str(caught.value) == (
        f"SHARIFY_DISCORD_TOKEN: cannot read secret {path}: NotFound: Secret Version [{path}] not found."
    )
    assert secret_manager.server.calls == [path]


async def test_a_hanging_fetch_times_out_with_a_clear_error(secret_manager: LocalSecretManager) -> None:
    path = "projects/p/secrets/discord/versions/latest"
    secret_manager.server.hang.add(path)
    with pytest.raises(ConfigError, match=f"^SHARIFY_DISCORD_TOKEN: cannot read secret {path}: timed out$"):
        await resolve_secrets(
            settings(discord_token="sm://projects/p/secrets/discord"), secret_manager.client, seconds_per_secret=0.2
        )
    assert secret_manager.server.calls == [path]


@pytest.mark.parametrize(
    ("data", "problem"), [(b"\xff\xfe" + API_KEY.encode(), "is not UTF-8 text"), (b" \n", "is empty")]
)
async def test_unusable_payloads_are_rejected_without_showing_them(
    secret_manager: LocalSecretManager, data: bytes, problem: str
) -> None:
    path = "projects/p/secrets/lastfm/versions/7"
    secret_manager.server.secrets[path] = data
    with pytest.raises(ConfigError) as caught:
        await resolve_secrets(settings(lastfm_api_key=f"sm://{path}"), secret_manager.client)
    assert str(caught.value) == f"SHARIFY_LASTFM_API_KEY: secret {path} {problem}"
    shown = "".join(traceback.format_exception(caught.value))  # what a crash would print, chained errors too
    assert API_KEY not in shown


def test_secrets_never_appear_in_settings_repr() -> None:
    s = settings(discord_token=TOKEN, lastfm_api_key=API_KEY, mongodb_uri=MONGO)
    for text in (repr(s), str(s), s.model_dump_json()):
        for secret in (TOKEN, API_KEY, "s3cr3t-pa55"):
            assert secret not in text
    assert s.discord_token is not None and s.discord_token.get_secret_value() == TOKEN
