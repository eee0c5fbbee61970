"""Contract: a linked account's blend consent is off by default, set atomically, reset by linking again and gone
with the link."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.models import Account
from bot.domain.ports.storage import Storage


async def test_consent_is_off_by_default_set_atomically_and_removed_with_the_link(storage: Storage) -> None:
    accounts = storage.accounts
    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert await accounts.set_consent(1, True) is None  # not linked: nothing to consent for
    await accounts.link(Account(user_id=1, lastfm_username="ann", linked_at=at))
    assert (await accounts.get(1)).mix_consent is False
    updated = await accounts.set_consent(1, True)
    assert updated is not None and updated.mix_consent and updated.lastfm_username == "ann"
    assert (await accounts.get(1)).mix_consent is True
    await accounts.link(Account(user_id=1, lastfm_username="ann2", linked_at=at))  # a new link asks again
    assert (await accounts.get(1)).mix_consent is False
    await accounts.set_consent(1, True)
    assert (await accounts.set_consent(1, False)).mix_consent is False
    await accounts.set_consent(1, True)
    assert await accounts.unlink(1)
    assert await accounts.get(1) is None and await accounts.set_consent(1, True) is None
