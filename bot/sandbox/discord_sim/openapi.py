"""Request bodies checked against Discord's own OpenAPI 3.1 specification (vendored in ``spec/``).

The whole document is registered once as one ``referencing`` resource; every simulator route maps to its spec path
and method, and gets one compiled :class:`jsonschema.Draft202012Validator` over a ``$ref`` into the document (built
on first use, then cached for the process). Failures are translated into Discord's ``50035 Invalid Form Body``
shape: errors nested by JSON path, leaves ``{"_errors": [{"code", "message"}]}``.

Speed: the spec describes every polymorphic object (components, options, callbacks) as an ``anyOf``/``oneOf`` of
variants told apart by their ``type`` field, and its enums as a ``oneOf`` of ``const``s. Plain JSON Schema builds
every error of every variant; :func:`_union` gives the same verdict far cheaper: a const union is a set lookup,
variants whose ``type`` enum cannot match are skipped (they would fail on that enum anyway), the rest are first
asked ``is_valid`` (stops at the first error), and full error lists are built only for a body that fails.
"""

from __future__ import annotations

import functools
import json
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .validation import FormErrors

JSON = dict[str, Any]
SPEC_FILE = Path(__file__).with_name("spec") / "openapi.json"
SPEC_URI = "urn:discord:openapi"  # the resource's name in the registry; never fetched

# Simulator route (aiohttp pattern under /api/v10) -> Discord's spec path. Every route the simulator serves must be
# here (tests/sim/test_openapi.py fails otherwise); the method is the same on both sides.
SPEC_PATHS: dict[str, str] = {
    "/users/@me": "/users/@me",
    "/oauth2/applications/@me": "/oauth2/applications/@me",
    "/gateway/bot": "/gateway/bot",
    "/applications/{app}/commands": "/applications/{application_id}/commands",
    "/applications/{app}/guilds/{guild}/commands": "/applications/{application_id}/guilds/{guild_id}/commands",
    "/interactions/{id}/{token}/callback": "/interactions/{interaction_id}/{interaction_token}/callback",
    "/webhooks/{app}/{token}": "/webhooks/{webhook_id}/{webhook_token}",
    "/webhooks/{app}/{token}/messages/@original": "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
    "/webhooks/{app}/{token}/messages/{message}": "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
    "/channels/{channel}": "/channels/{channel_id}",
    "/channels/{channel}/messages": "/channels/{channel_id}/messages",
    "/channels/{channel}/messages/{message}": "/channels/{channel_id}/messages/{message_id}",
}


@dataclass
class Counters:
    """How many request bodies this process validated against the spec, and how many it rejected."""

    validated: int = 0
    rejected: int = 0


counters = Counters()
_lock = threading.Lock()


def available() -> bool:
    """True when the validator can run: ``jsonschema`` is installed (dev extra) and the spec is in the tree."""
    try:
        import jsonschema  # noqa: F401, PLC0415 - optional: only the dev/sandbox install has it
    except ImportError:
        return False
    return SPEC_FILE.is_file()


@functools.cache
def document() -> JSON:
    """The whole OpenAPI document, read once per process."""
    data: JSON = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    return data


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


@functools.cache
def _discriminators() -> dict[str, frozenset[Any]]:
    """``"#/components/schemas/X"`` -> the values X allows for its ``type`` property (only where it is an enum)."""
    found: dict[str, frozenset[Any]] = {}
    for name, schema in document()["components"]["schemas"].items():
        kind = (schema.get("properties") or {}).get("type")
        if isinstance(kind, dict):
            values = kind.get("enum", [kind["const"]] if "const" in kind else None)
            if values and all(isinstance(v, int | str) and not isinstance(v, bool) for v in values):
                found[f"#/components/schemas/{name}"] = frozenset(values)
    return found


_CONSTS: dict[int, frozenset[tuple[type, Any]] | None] = {}
NULL_ONLY: JSON = {"type": "null"}


def _consts(variants: list[JSON]) -> frozenset[tuple[type, Any]] | None:
    """For a union of plain ``const`` variants (how the spec writes its enums): the (type, value) pairs, else None."""
    key = id(variants)
    if key not in _CONSTS:
        plain = all(isinstance(v, dict) and "const" in v and "$ref" not in v for v in variants)
        values = [v["const"] for v in variants] if plain else []
        hashable = all(isinstance(v, int | str | float) for v in values)
        _CONSTS[key] = frozenset((type(v), v) for v in values) if plain and hashable else None
    return _CONSTS[key]


def _union(keyword: str) -> Any:
    """``anyOf``/``oneOf`` that skips variants whose ``type`` enum excludes the instance's ``type`` (same verdict)."""
    from jsonschema.exceptions import ValidationError  # noqa: PLC0415

    def check(validator: Any, variants: list[JSON], instance: Any, schema: JSON) -> Iterator[Any]:
        consts = _consts(variants)
        if consts is not None and isinstance(instance, int | str | float) and (type(instance), instance) in consts:
            return  # exactly one distinct const matches
        tags = _discriminators()
        kind = instance.get("type") if isinstance(instance, dict) else None
        usable = isinstance(kind, int | str) and not isinstance(kind, bool)
        skipped: list[tuple[int, frozenset[Any]]] = []
        candidates: list[tuple[int, JSON]] = []
        hopeless: list[tuple[int, JSON]] = []
        for index, variant in enumerate(variants):
            allowed = tags.get(variant.get("$ref", "")) if usable else None
            if allowed is not None and kind not in allowed:
                skipped.append((index, allowed))
            elif variant == NULL_ONLY and instance is not None:
                hopeless.append((index, variant))  # "or null": cannot hold, its error is built only on failure
            else:
                candidates.append((index, variant))
        # First only ask which variants hold (``is_valid`` stops at a variant's first error); the full error lists
        # are built only for a body that fails, which is rare.
        matched = 0
        for _, variant in candidates:
            if validator.evolve(schema=variant).is_valid(instance):
                matched += 1
                if keyword == "anyOf" or matched > 1:
                    break
        if not matched:
            failed: list[Any] = []
            for index, variant in sorted(candidates + hopeless, key=lambda pair: pair[0]):
                failed.extend(validator.descend(instance, variant, schema_path=index))
            for index, allowed in skipped:
                values = sorted(allowed, key=str)
                failed.append(
                    ValidationError(
                        f"{kind!r} is not one of {values}",
                        validator="enum",
                        validator_value=values,
                        instance=kind,
                        path=["type"],
                        schema_path=[index, "properties", "type", "enum"],
                    )
                )
            yield ValidationError(f"{instance!r} is not valid under any of the given schemas", context=failed)
        elif matched > 1:
            yield ValidationError(f"{instance!r} is valid under more than one of the given schemas")

    return check


def _snowflake_type(validator: Any, types: Any, instance: Any, schema: JSON) -> Iterator[Any]:
    """``type``, except that a snowflake may be sent as a JSON integer.

    The spec types every snowflake as a string, but Discord accepts integers in request bodies: its own upload
    example sends ``"attachments": [{"id": 0, ...}]`` (discord-api-docs ``reference.mdx``, "Uploading Files"), and
    discord.py sends exactly that. Responses stay strict (see :func:`response_validator`).
    """
    snowflake = schema.get("format") == "snowflake"
    if snowflake and isinstance(instance, int) and not isinstance(instance, bool) and instance >= 0:
        return
    yield from _type_keyword()(validator, types, instance, schema)


@functools.cache
def _type_keyword() -> Any:
    from jsonschema import Draft202012Validator  # noqa: PLC0415

    return Draft202012Validator.VALIDATORS["type"]


@functools.cache
def _validator_class(requests: bool) -> Any:
    from jsonschema import Draft202012Validator, validators  # noqa: PLC0415

    keywords = {"anyOf": _union("anyOf"), "oneOf": _union("oneOf")}
    if requests:
        keywords["type"] = _snowflake_type
    return validators.extend(Draft202012Validator, keywords)


@functools.cache
def _registry() -> Any:
    from referencing import Registry  # noqa: PLC0415
    from referencing.jsonschema import DRAFT202012  # noqa: PLC0415

    return Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(document())).crawl()


def operation(spec_path: str, method: str) -> JSON | None:
    """The spec's operation object for ``method`` on ``spec_path``, or None."""
    item = document()["paths"].get(spec_path) or {}
    found = item.get(method.lower())
    return found if isinstance(found, dict) else None


def request_schema_pointer(spec_path: str, method: str) -> str | None:
    """JSON pointer to the JSON request-body schema of an operation (None: the operation takes no body)."""
    op = operation(spec_path, method)
    if op is None or "application/json" not in (op.get("requestBody") or {}).get("content", {}):
        return None
    return _pointer("paths", spec_path, method.lower(), "requestBody", "content", "application/json", "schema")


def response_schema_pointer(spec_path: str, method: str, status: int = 200) -> str | None:
    op = operation(spec_path, method)
    response = (op or {}).get("responses", {}).get(str(status)) or {}
    if "application/json" not in response.get("content", {}):
        return None
    return _pointer(
        "paths", spec_path, method.lower(), "responses", str(status), "content", "application/json", "schema"
    )


@functools.cache
def validator_for(pointer: str, *, requests: bool = True) -> Any:
    """One compiled validator per schema location (a ``$ref`` into the registered document)."""
    with _lock:
        return _validator_class(requests)({"$ref": f"{SPEC_URI}#/{pointer}"}, registry=_registry())


def response_validator(pointer: str) -> Any:
    """A strict validator for what the simulator sends (snowflakes must be strings, as Discord sends them)."""
    return validator_for(pointer, requests=False)


def component_validator(name: str) -> Any:
    """A strict validator for ``#/components/schemas/<name>`` (gateway objects have no spec path)."""
    return response_validator(_pointer("components", "schemas", name))


# -- Discord's error shape ------------------------------------------------------------------------------------------

ErrorItem = tuple[tuple[str | int, ...], str, str]


def _is_tag_miss(error: Any) -> bool:
    """A variant rejected on what tells variants apart: the value's JSON type, or its ``type`` field."""
    where = list(error.relative_path)
    return (not where and error.validator == "type") or (
        where == ["type"] and error.validator in ("enum", "const", "type")
    )


def _flatten(error: Any) -> Iterator[Any]:
    """Leaf errors; for a failed union, those of the variant the value was meant to be."""
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        yield error
        return
    variants: dict[Any, list[Any]] = defaultdict(list)
    for sub in error.context:
        variants[sub.relative_schema_path[0]].append(sub)
    if all(e.validator in ("enum", "const") and not e.relative_path for e in error.context):
        values = sorted({v for e in error.context for v in _values(e)}, key=_order)  # a union of consts: an enum
        yield _Synthetic(error, (), "BASE_TYPE_CHOICES", f"Value must be one of {_choices(values)}.")
        return
    meant = [errs for errs in variants.values() if not any(_is_tag_miss(e) for e in errs)]
    if not meant:
        tags = sorted({v for errs in variants.values() for e in errs if list(e.relative_path) == ["type"]
                       and e.validator in ("enum", "const") for v in _values(e)}, key=_order)  # fmt: skip
        if tags:  # no variant has this ``type``: Discord names the allowed values
            yield _Synthetic(error, ("type",), "BASE_TYPE_CHOICES", f"Value must be one of {_choices(tags)}.")
            return
        meant = list(variants.values())
    for sub in min(meant, key=len):
        yield from _flatten(sub)


def _values(error: Any) -> list[Any]:
    return list(error.validator_value) if error.validator == "enum" else [error.validator_value]


def _choices(values: Iterable[Any]) -> str:
    return "(" + ", ".join(repr(v) for v in values) + ")"


@dataclass
class _Synthetic:
    error: Any
    suffix: tuple[str, ...]
    code: str
    message: str


_TYPE_ERRORS = {
    "integer": ("NUMBER_TYPE_COERCE", 'Value "{value}" is not int.'),
    "number": ("NUMBER_TYPE_COERCE", 'Value "{value}" is not a number.'),
    "object": ("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"),
    "array": ("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"),
    "boolean": ("BOOLEAN_TYPE_CONVERT", "Must be either true or false."),
    "string": ("STRING_TYPE_CONVERT", 'Could not interpret "{value}" as string.'),
}


def _length(error: Any, low_key: str, high_key: str) -> tuple[str, str]:
    low, high = error.schema.get(low_key), error.schema.get(high_key)
    if low and high is not None:
        return "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length."
    if error.validator == low_key:
        return "BASE_TYPE_MIN_LENGTH", f"Must be {low} or more in length."
    return "BASE_TYPE_MAX_LENGTH", f"Must be {high} or fewer in length."


def _translate(error: Any) -> Iterator[ErrorItem]:
    """One jsonschema error as Discord's (path, code, message) items; codes follow Discord's 50035 replies."""
    path = tuple(error.absolute_path)
    kind = error.validator
    if kind == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        for name in error.validator_value:
            if name not in present:
                yield (*path, name), "BASE_TYPE_REQUIRED", "This field is required"
    elif kind in ("maxLength", "minLength"):
        yield (path, *_length(error, "minLength", "maxLength"))
    elif kind in ("maxItems", "minItems", "maxProperties", "minProperties"):
        low, high = ("minItems", "maxItems") if "Items" in kind else ("minProperties", "maxProperties")
        yield (path, *_length(error, low, high))
    elif kind in ("enum", "const"):
        yield path, "BASE_TYPE_CHOICES", f"Value must be one of {_choices(_values(error))}."
    elif kind == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        main = next((t for t in expected if t != "null"), "null")
        code, template = _TYPE_ERRORS.get(main, ("BASE_TYPE_REQUIRED", "This field is required"))
        yield path, code, template.format(value=error.instance)
    elif kind in ("maximum", "exclusiveMaximum"):
        yield path, "NUMBER_TYPE_MAX", f"int value should be less than or equal to {error.validator_value}."
    elif kind in ("minimum", "exclusiveMinimum"):
        yield path, "NUMBER_TYPE_MIN", f"int value should be greater than or equal to {error.validator_value}."
    elif kind == "pattern":
        yield path, "STRING_TYPE_REGEX", "String value did not match validation regex."
    elif kind == "uniqueItems":
        yield path, "LIST_ITEM_VALUE_DUPLICATED", "List items must be unique."
    elif kind in ("additionalProperties", "unevaluatedProperties"):
        yield path, "UNKNOWN_FIELD", str(error.message)
    else:
        yield path, "BASE_TYPE_INVALID", str(error.message)


def discord_errors(errors: Iterable[Any]) -> JSON:
    """jsonschema errors -> Discord's nested ``errors`` object (empty when there are none)."""
    form = FormErrors()
    seen: set[ErrorItem] = set()
    for error in errors:
        for leaf in _flatten(error):
            if isinstance(leaf, _Synthetic):
                items: Iterable[ErrorItem] = [((*leaf.error.absolute_path, *leaf.suffix), leaf.code, leaf.message)]
            else:
                items = _translate(leaf)
            for item in items:
                if item not in seen:
                    seen.add(item)
                    form.add(*item)
    return form.nested()


def check(pointer: str, body: Any) -> JSON:
    """Validate one body against the schema at ``pointer``; Discord's ``errors`` object, empty if it is valid."""
    errors = discord_errors(validator_for(pointer).iter_errors(body))
    with _lock:
        counters.validated += 1
        counters.rejected += bool(errors)
    return errors


def check_request(sim_route: str, method: str, body: Any) -> JSON | None:
    """Validate a request body for a simulator route; None if the operation takes no JSON body."""
    pointer = request_schema_pointer(SPEC_PATHS[sim_route], method)
    return None if pointer is None else check(pointer, body)


def _order(value: Any) -> tuple[str, Any]:
    return type(value).__name__, value
