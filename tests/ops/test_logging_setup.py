"""configure_logging: JSON lines with extra fields, readable text, redaction of secrets, quiet libraries."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.runtime.logs import REDACTED, bind_interaction, configure_logging, current_interaction, redact

TOKEN = "MTA4NzY1NDMyMTAxMjM0NTY3OA.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
API_KEY = "0123456789abcdef0123456789abcdef"
LASTFM_URL = f"https://ws.audioscrobbler.com/2.0/?method=track.search&api_key={API_KEY}&format=json"
MONGO = "mongodb://sharify:s3cr3t-pa55@db-0.example.net:27017,db-1.example.net:27017/sharify"
SECRETS = (TOKEN, API_KEY, "s3cr3t-pa55", "sharify:s3cr3t")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    noisy = {name: logging.getLogger(name).level for name in ("discord.gateway", "aiohttp.access")}
    yield
    for handler in list(root.handlers):
        if handler not in saved[1]:
            root.removeHandler(handler)
    root.setLevel(saved[0])
    for name, level in noisy.items():
        logging.getLogger(name).setLevel(level)
    logging.captureWarnings(False)


def capture(level: str, fmt: str) -> io.StringIO:
    out = io.StringIO()
    configure_logging(level, fmt, stream=out)  # type: ignore[arg-type]
    return out


def lines(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.usefixtures("restore_logging")
def test_json_is_one_object_per_line_with_the_extra_fields() -> None:
    out = capture("INFO", "json")
    log = logging.getLogger("sharify.cmd")
    log.info(
        "command %s done",
        "playlist add",
        extra={"command": "playlist add", "guild_id": 11, "user_id": 22, "shard_id": 1},
    )
    log.debug("below the level")
    log.warning("plain")
    first, second = lines(out)
    assert first["severity"] == "INFO" and first["logger"] == "sharify.cmd"
    assert "level" not in first and "levelname" not in first  # Cloud Logging reads `severity` only
    assert first["message"] == "command playlist add done"
    assert (first["command"], first["guild_id"], first["user_id"], first["shard_id"]) == ("playlist add", 11, 22, 1)
    assert str(first["time"]).endswith("+00:00") and "T" in str(first["time"])
    assert second["message"] == "plain" and "guild_id" not in second
    assert second["severity"] == "WARNING"


@pytest.mark.usefixtures("restore_logging")
def test_json_lines_carry_the_interaction_context_of_their_task() -> None:
    out = capture("INFO", "json")
    log = logging.getLogger("sharify.ctx")

    async def handle(interaction_id: int, command: str) -> None:
        bind_interaction(interaction_id=interaction_id, command=command, guild_id=5, user_id=6, shard_id=0)
        await asyncio.sleep(0)  # the other task runs in between: each keeps its own context
        log.info("inside %s", command)
        log.info("explicit wins", extra={"command": "other"})

    async def both() -> None:
        await asyncio.gather(handle(101, "playlist add"), handle(202, "playlist show"))

    asyncio.run(both())
    log.info("outside")
    entries = lines(out)
    inside = {e["interaction_id"]: e for e in entries if str(e["message"]).startswith("inside")}
    assert set(inside) == {101, 202}
    assert inside[101]["command"] == "playlist add" and inside[202]["command"] == "playlist show"
    assert (inside[101]["guild_id"], inside[101]["user_id"], inside[101]["shard_id"]) == (5, 6, 0)
    assert {e["command"] for e in entries if e["message"] == "explicit wins"} == {"other"}
    (outside,) = [e for e in entries if e["message"] == "outside"]
    assert "interaction_id" not in outside and current_interaction() is None


@pytest.mark.usefixtures("restore_logging")
def test_json_includes_the_exception() -> None:
    out = capture("INFO", "json")
    try:
        raise ValueError("bad input")
    except ValueError:
        logging.getLogger("sharify").exception("failed", extra={"command": "mix"})
    (entry,) = lines(out)
    assert "ValueError: bad input" in str(entry["exception"]) and entry["command"] == "mix"


@pytest.mark.usefixtures("restore_logging")
def test_text_is_readable_with_extras() -> None:
    out = capture("DEBUG", "text")
    logging.getLogger("sharify.x").info("hello %d", 5, extra={"guild_id": 7})
    text = out.getvalue()
    assert "INFO" in text and "sharify.x: hello 5 [guild_id=7]" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.usefixtures("restore_logging")
def test_secrets_are_redacted_from_message_args_exceptions_and_extras(fmt: str) -> None:
    out = capture("DEBUG", fmt)
    log = logging.getLogger("sharify.leaky")
    log.info(f"logging in with {TOKEN}")
    log.info("GET %s", LASTFM_URL)
    log.info("params %r", {"method": "track.search", "api_key": API_KEY})
    log.info("connecting to %s", MONGO, extra={"uri": MONGO})
    try:
        raise ConnectionError(f"{MONGO} refused; token {TOKEN}; url {LASTFM_URL}")
    except ConnectionError:
        log.exception("boom")
    text = out.getvalue()
    for secret in SECRETS:
        assert secret not in text
    # what is left is still useful
    assert "method=track.search&api_key=***&format=json" in text
    assert "mongodb://***@db-0.example.net:27017" in text
    assert f"logging in with {REDACTED}" in text
    assert "ConnectionError" in text


@pytest.mark.usefixtures("restore_logging")
def test_redaction_applies_to_records_from_any_logger_including_libraries() -> None:
    out = capture("DEBUG", "json")
    logging.getLogger("discord.http").warning("Authorization: Bot %s", TOKEN)
    assert TOKEN not in out.getvalue() and REDACTED in out.getvalue()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Bot {TOKEN}", f"Bot {REDACTED}"),
        ("?api_key=abc123&x=1", f"?api_key={REDACTED}&x=1"),
        ("&API_KEY=abc123", f"&API_KEY={REDACTED}"),
        ("&sk=sessionkey&api_sig=sig", f"&sk={REDACTED}&api_sig={REDACTED}"),
        ('{"api_key": "abc123"}', f'{{"api_key": "{REDACTED}"}}'),
        ("mongodb+srv://u:p@h/db", f"mongodb+srv://{REDACTED}@h/db"),
        ("mongodb://u:p@ss@h:27017/db", f"mongodb://{REDACTED}@h:27017/db"),
        # left alone: nothing secret in them
        ("mongodb://localhost:27017/sharify", "mongodb://localhost:27017/sharify"),
        ("task=1&desk=2", "task=1&desk=2"),
        ("version 1.2.3 of example.com", "version 1.2.3 of example.com"),
        ("user 123456789012345678 in guild 876543210987654321", "user 123456789012345678 in guild 876543210987654321"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.usefixtures("restore_logging")
def test_noisy_libraries_are_quieted_and_reconfiguring_replaces_the_handler() -> None:
    root = logging.getLogger()
    before = len(root.handlers)
    capture("DEBUG", "text")
    out = capture("DEBUG", "json")
    assert len(root.handlers) == before + 1
    logging.getLogger("discord.gateway").debug("heartbeat ack")
    logging.getLogger("aiohttp.access").info("GET /livez 200")
    logging.getLogger("discord.gateway").info("shard connected")
    assert [entry["message"] for entry in lines(out)] == ["shard connected"]
    assert logging.getLogger("discord.gateway").level == logging.INFO
    assert logging.getLogger("aiohttp.access").level == logging.WARNING
    capture("ERROR", "json")
    assert logging.getLogger("discord.gateway").level == logging.ERROR  # never noisier than the root
