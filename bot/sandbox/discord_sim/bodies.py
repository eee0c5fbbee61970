"""One request body against Discord's OpenAPI spec, answered the way Discord answers a broken form.

The spec decides first. When it rejects a body, the simulator's own rules (:mod:`.validation`, :mod:`.commands`:
the limits the spec can't express or states more loosely than Discord enforces) run on the same body and their
findings for the fields the spec did not flag join the same ``errors`` object, because Discord reports every
broken field of a form in one 50035.
When the spec accepts a body, those rules still run later in the handlers, as before.
"""

from __future__ import annotations

from typing import Any

from . import openapi, validation
from .commands import validate_commands
from .validation import DiscordAPIError

JSON = dict[str, Any]
CALLBACK = "/interactions/{id}/{token}/callback"
COMMANDS = ("/applications/{app}/commands", "/applications/{app}/guilds/{guild}/commands")
MESSAGE_BODIES = (
    "/channels/{channel}/messages",
    "/channels/{channel}/messages/{message}",
    "/webhooks/{app}/{token}",
    "/webhooks/{app}/{token}/messages/@original",
    "/webhooks/{app}/{token}/messages/{message}",
)


def merge(into: JSON, other: JSON, *, fill_only: bool = False) -> JSON:
    """Deep-merge two Discord ``errors`` objects (``_errors`` lists are joined without repeats).

    ``fill_only``: ``other`` only adds errors for fields ``into`` has none for (one verdict per field).
    """
    for key, value in other.items():
        if key == "_errors":
            if fill_only and into.get("_errors"):
                continue
            known = into.setdefault("_errors", [])
            known.extend(item for item in value if item not in known)
        elif isinstance(value, dict):
            merge(into.setdefault(key, {}), value, fill_only=fill_only)
    return into


def _rule_errors(sim_route: str, body: Any) -> JSON:
    """What the simulator's own rules say about a body the spec already rejected (their 50035 errors only)."""
    try:
        if sim_route in COMMANDS:
            validate_commands(body)
        elif sim_route in MESSAGE_BODIES and isinstance(body, dict):
            validation.check_message(body, require_content=False)
        elif sim_route == CALLBACK and isinstance(body, dict) and isinstance(body.get("data"), dict):
            kind, data = body.get("type"), body["data"]
            if kind in (4, 7):
                validation.check_message(data, base=("data",), require_content=False)
            elif kind == 8:
                validation.check_choices(list(data.get("choices") or []))
            elif kind == 9:
                validation.check_modal(data)
    except DiscordAPIError as error:
        return error.errors if error.code == 50035 and error.errors else {}
    except (TypeError, ValueError, AttributeError, KeyError):
        return {}  # a body malformed enough to trip the rules: the spec's errors already say why
    return {}


def check(sim_route: str, method: str, body: Any) -> JSON | None:
    """The spec's verdict on ``body``: None (no JSON body for this operation), ``{}`` (valid) or its errors.

    Raises :class:`DiscordAPIError` 400/50035 (kind ``"spec"``) with the spec's and the rules' errors merged.
    """
    errors = openapi.check_request(sim_route, method, body)
    if errors:
        merged = merge(merge({}, errors), _rule_errors(sim_route, body), fill_only=True)
        raise DiscordAPIError(400, 50035, "Invalid Form Body", merged, kind="spec")
    return errors
