"""The health server over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.runtime.health import FAILED_READINESS, HealthServer, Readiness, gather_checks
from bot.runtime.metrics import Metrics

FAST_TIMEOUT = 0.2  # stands in for the ~2 s production cut-off, so a hanging check costs the suite 0.2 s


def fixed(checks: dict[str, bool]) -> Readiness:
    async def readiness() -> dict[str, bool]:
        return dict(checks)

    return readiness


@asynccontextmanager
async def serve(readiness: Readiness, metrics: Metrics | None = None) -> AsyncIterator[Callable[[str], str]]:
    async with HealthServer(
        host="127.0.0.1",
        port=0,
        readiness=readiness,
        metrics=metrics or Metrics(),
        check_timeout=FAST_TIMEOUT,
    ) as hs:
        assert hs.port > 0
        yield lambda path: f"http://127.0.0.1:{hs.port}{path}"


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.text()


async def get_json(url: str) -> tuple[int, object]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json()


async def test_livez_answers_ok() -> None:
    async with serve(fixed({})) as url:
        status, content_type, body = await get(url("/livez"))
    assert (status, body) == (200, "ok")
    assert content_type.startswith("text/plain")


async def test_readyz_is_200_with_the_checks_when_all_pass() -> None:
    async with serve(fixed({"gateway": True, "storage": True})) as url:
        assert await get_json(url("/readyz")) == (200, {"gateway": True, "storage": True})


async def test_readyz_is_503_with_the_same_json_when_one_fails() -> None:
    async with serve(fixed({"gateway": True, "storage": False})) as url:
        assert await get_json(url("/readyz")) == (503, {"gateway": True, "storage": False})


async def test_readyz_follows_the_checks_as_they_change() -> None:
    state = {"gateway": False}
    async with serve(fixed(state)) as url:
        assert (await get_json(url("/readyz")))[0] == 503
        state["gateway"] = True
        assert await get_json(url("/readyz")) == (200, {"gateway": True})


async def test_a_truthy_non_bool_does_not_count_as_passing() -> None:
    async with serve(fixed({"storage": "yes"})) as url:  # type: ignore[dict-item]
        assert await get_json(url("/readyz")) == (503, {"storage": False})


async def test_readiness_that_raises_is_503_without_the_exception_text(caplog: pytest.LogCaptureFixture) -> None:
    async def broken() -> dict[str, bool]:
        raise RuntimeError("connection to mongodb://admin:hunter2@db failed")

    async with serve(broken) as url:
        status, _, body = await get(url("/readyz"))
    assert status == 503
    assert "hunter2" not in body and "RuntimeError" not in body and "mongodb" not in body
    assert json.loads(body) == {FAILED_READINESS: False}
    assert any(r.levelname == "WARNING" and r.exc_info for r in caplog.records)  # logged here instead


async def test_readiness_that_hangs_is_503_and_livez_still_answers() -> None:
    never = asyncio.Event()

    async def hangs() -> dict[str, bool]:
        await never.wait()
        return {"gateway": True}

    async with serve(hangs) as url:
        ready, live = await asyncio.gather(get_json(url("/readyz")), get(url("/livez")))
    assert ready == (503, {FAILED_READINESS: False})
    assert live[0] == 200


async def test_gather_checks_fails_only_the_check_that_raises_or_hangs() -> None:
    never = asyncio.Event()

    async def ok() -> bool:
        return True

    async def raises() -> bool:
        raise ConnectionError("down")

    async def hangs() -> bool:
        await never.wait()
        return True

    readiness = gather_checks({"gateway": ok, "storage": raises, "lastfm": hangs}, timeout=FAST_TIMEOUT / 2)
    async with serve(readiness) as url:
        assert await get_json(url("/readyz")) == (503, {"gateway": True, "storage": False, "lastfm": False})


async def test_metrics_is_prometheus_text_with_the_commands_counter() -> None:
    metrics = Metrics()
    metrics.commands.labels(command="playlist create", outcome="ok").inc(3)
    async with serve(fixed({}), metrics) as url:
        status, content_type, body = await get(url("/metrics"))
    assert status == 200
    assert content_type.startswith("text/plain; version=")
    families = {f.name: f for f in text_string_to_metric_families(body)}
    samples = [s for s in families["sharify_commands"].samples if s.name == "sharify_commands_total"]
    assert [(s.labels, s.value) for s in samples] == [({"command": "playlist create", "outcome": "ok"}, 3.0)]


async def test_port_is_released_on_exit() -> None:
    async with serve(fixed({})) as url:
        livez = url("/livez")
    with pytest.raises(aiohttp.ClientConnectionError):
        await get(livez)


async def test_port_before_start_is_an_error() -> None:
    hs = HealthServer(host="127.0.0.1", port=0, readiness=fixed({}), metrics=Metrics())
    with pytest.raises(RuntimeError):
        _ = hs.port
