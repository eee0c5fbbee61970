"""Discord's limits on messages, embeds, components, modals and autocomplete choices (discord-protocol.md §5).

Violations raise :class:`DiscordAPIError`, whose ``body()`` has Discord's shape: ``{"code": 50035, "message":
"Invalid Form Body", "errors": {"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": ...}]}}}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

JSON = dict[str, Any]
Path = tuple[str | int, ...]

# Where Discord's OpenAPI spec (spec/openapi.json, checked first by .bodies) is looser or silent, these rules apply:
# - content: the spec allows 4000 (MessageCreateRequest: the Nitro limit for users); Discord enforces 2000 for bots
#   and webhooks (resources/message.mdx:1080; a 2001-character bot message is refused), so 2000 here.
# - the 6000-character total over all embeds: the spec can't express sums (resources/message.mdx:603-619).
# - legacy messages: the spec allows 40 top-level components (Components V2); without the V2 flag Discord allows
#   5 action rows (components/reference.mdx:2542). The V2 total of 40 counts nested components, not just top level.
# - custom_id unique per message, select min_values <= max_values: cross-field rules the spec can't express.
MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_ACTION_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_SELECT_OPTIONS = 25
MAX_BUTTON_LABEL = 80
MAX_CUSTOM_ID = 100
MAX_V2_COMPONENTS = 40
MAX_MODAL_TITLE = 45
MAX_MODAL_COMPONENTS = 5
MAX_CHOICES = 25
MAX_CHOICE_TEXT = 100
IS_COMPONENTS_V2 = 1 << 15
EMBED_TEXT_LIMITS = {"title": 256, "description": 4096}


class DiscordAPIError(Exception):
    """An error reply in Discord's JSON form; the REST layer turns it into the HTTP response."""

    def __init__(self, status: int, code: int, message: str, errors: JSON | None = None, *, kind: str = "rule") -> None:
        super().__init__(f"{status} {code} {message} {errors or ''}".strip())
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.kind = kind  # "spec": Discord's OpenAPI schema; "rule": a limit the spec can't express; "description"

    def body(self) -> JSON:
        data: JSON = {"code": self.code, "message": self.message}
        if self.errors:
            data["errors"] = self.errors
        return data


class FormErrors:
    """Collects field errors and nests them the way Discord does."""

    def __init__(self) -> None:
        self.items: list[tuple[Path, str, str]] = []

    def add(self, path: Path, code: str, message: str) -> None:
        self.items.append((path, code, message))

    def too_long(self, path: Path, value: Sized, limit: int) -> None:
        if len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def between(self, path: Path, value: Sized | None, low: int, high: int) -> None:
        size = len(value) if value is not None else 0
        if not low <= size <= high:
            self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")

    def nested(self) -> JSON:
        root: JSON = {}
        for path, code, message in self.items:
            node = root
            for part in path:
                node = node.setdefault(str(part), {})
            node.setdefault("_errors", []).append({"code": code, "message": message})
        return root

    def raise_if_any(self) -> None:
        if self.items:
            raise DiscordAPIError(400, 50035, "Invalid Form Body", self.nested())


Sized = str | Sequence[Any]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def embed_text_size(embed: JSON) -> int:
    """Characters counted towards the 6000 total (whitespace-trimmed, as Discord counts)."""
    size = len(_text(embed.get("title")).strip()) + len(_text(embed.get("description")).strip())
    for item in embed.get("fields") or []:
        size += len(_text(item.get("name")).strip()) + len(_text(item.get("value")).strip())
    size += len(_text((embed.get("footer") or {}).get("text")).strip())
    size += len(_text((embed.get("author") or {}).get("name")).strip())
    return size


def check_embeds(embeds: Sequence[JSON], errors: FormErrors, base: Path) -> None:
    errors.too_long((*base, "embeds"), embeds, MAX_EMBEDS)
    for index, embed in enumerate(embeds):
        path = (*base, "embeds", index)
        for key, limit in EMBED_TEXT_LIMITS.items():
            errors.too_long((*path, key), _text(embed.get(key)), limit)
        fields = embed.get("fields") or []
        errors.too_long((*path, "fields"), fields, 25)
        for number, item in enumerate(fields):
            errors.between((*path, "fields", number, "name"), _text(item.get("name")), 1, 256)
            errors.between((*path, "fields", number, "value"), _text(item.get("value")), 1, 1024)
        errors.too_long((*path, "footer", "text"), _text((embed.get("footer") or {}).get("text")), 2048)
        errors.too_long((*path, "author", "name"), _text((embed.get("author") or {}).get("name")), 256)
    if sum(embed_text_size(e) for e in embeds) > MAX_EMBED_TOTAL:
        errors.add(
            (*base, "embeds"), "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}"
        )


def _walk(components: Iterable[JSON]) -> Iterable[JSON]:
    for component in components:
        yield component
        yield from _walk(component.get("components") or [])
        if isinstance(component.get("component"), dict):
            yield from _walk([component["component"]])
        if isinstance(component.get("accessory"), dict):
            yield from _walk([component["accessory"]])


def _check_item(item: JSON, path: Path, errors: FormErrors, seen: set[str]) -> None:
    kind = item.get("type")
    custom_id = item.get("custom_id")
    if custom_id is not None:
        errors.between((*path, "custom_id"), _text(custom_id), 1, MAX_CUSTOM_ID)
        if custom_id in seen:
            errors.add(
                (*path, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
            )
        seen.add(custom_id)
    if kind == 2:
        errors.too_long((*path, "label"), _text(item.get("label")), MAX_BUTTON_LABEL)
        errors.too_long((*path, "url"), _text(item.get("url")), 512)
        if item.get("style") != 5 and item.get("style") != 6 and custom_id is None:
            errors.add((*path, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")
    elif kind in (3, 5, 6, 7, 8):
        options = item.get("options") or []
        if kind == 3:
            errors.between((*path, "options"), options, 1, MAX_SELECT_OPTIONS)
        for number, option in enumerate(options):
            for key in ("label", "value"):
                errors.between((*path, "options", number, key), _text(option.get(key)), 1, 100)
            errors.too_long((*path, "options", number, "description"), _text(option.get("description")), 100)
        low, high = item.get("min_values", 1), item.get("max_values", 1)
        if not (0 <= low <= 25 and 1 <= high <= 25 and low <= high):
            errors.add((*path, "max_values"), "BASE_TYPE_BAD_VALUE", "min_values/max_values out of range")
        errors.too_long((*path, "placeholder"), _text(item.get("placeholder")), 150)
    elif kind == 4:
        errors.between((*path, "label"), item.get("label") or "x", 1, MAX_MODAL_TITLE)
        errors.too_long((*path, "value"), _text(item.get("value")), 4000)
        errors.too_long((*path, "placeholder"), _text(item.get("placeholder")), 100)
        for key in ("min_length", "max_length"):
            if not 0 <= int(item.get(key) or 0) <= 4000:
                errors.add((*path, key), "BASE_TYPE_BAD_VALUE", "Must be between 0 and 4000.")
    elif kind == 18:
        errors.between((*path, "label"), _text(item.get("label")), 1, MAX_MODAL_TITLE)
        errors.too_long((*path, "description"), _text(item.get("description")), 100)


def check_components(components: Sequence[JSON], errors: FormErrors, base: Path, *, flags: int = 0) -> None:
    seen: set[str] = set()
    path = (*base, "components")
    if flags & IS_COMPONENTS_V2:
        total = sum(1 for _ in _walk(components))
        if total > MAX_V2_COMPONENTS:
            errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_V2_COMPONENTS} or fewer in length.")
    else:
        errors.too_long(path, components, MAX_ACTION_ROWS)
    for index, row in enumerate(components):
        children = row.get("components") or []
        if row.get("type") == 1 and not flags & IS_COMPONENTS_V2:
            buttons = [c for c in children if c.get("type") == 2]
            selects = [c for c in children if c.get("type") != 2]
            if len(buttons) > MAX_ROW_BUTTONS:
                errors.add((*path, index, "components"), "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
            if selects and len(children) > 1:
                errors.add(
                    (*path, index, "components"), "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "A select fills a whole row"
                )
        for number, item in enumerate(_walk(children)):
            _check_item(item, (*path, index, "components", number), errors, seen)
        _check_item(row, (*path, index), errors, seen)


def check_message(data: JSON, *, base: Path = (), require_content: bool = True) -> None:
    """Validate a message body (channel message, interaction response, followup or edit)."""
    errors = FormErrors()
    content = data.get("content")
    flags = int(data.get("flags") or 0)
    if content is not None:
        errors.too_long((*base, "content"), str(content), MAX_CONTENT)
    embeds = data.get("embeds") or []
    check_embeds(embeds, errors, base)
    components = data.get("components") or []
    check_components(components, errors, base, flags=flags)
    if flags & IS_COMPONENTS_V2 and (content or embeds):
        errors.add((*base, "content"), "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2", "Not with V2")
    errors.raise_if_any()
    has_files = bool(data.get("attachments")) or bool(data.get("_files"))
    has_body = content or embeds or components or has_files or data.get("sticker_ids") or data.get("poll")
    if require_content and not has_body:
        raise DiscordAPIError(400, 50006, "Cannot send an empty message")


def check_modal(data: JSON) -> None:
    errors = FormErrors()
    errors.between(("data", "title"), _text(data.get("title")), 1, MAX_MODAL_TITLE)
    errors.between(("data", "custom_id"), _text(data.get("custom_id")), 1, MAX_CUSTOM_ID)
    components = data.get("components") or []
    errors.between(("data", "components"), components, 1, MAX_MODAL_COMPONENTS)
    seen: set[str] = set()
    for index, item in enumerate(_walk(components)):
        _check_item(item, ("data", "components", index), errors, seen)
    errors.raise_if_any()


def check_choices(choices: Sequence[JSON], base: Path = ("data", "choices")) -> None:
    errors = FormErrors()
    errors.too_long(base, choices, MAX_CHOICES)
    for index, choice in enumerate(choices):
        errors.between((*base, index, "name"), _text(choice.get("name")), 1, MAX_CHOICE_TEXT)
        value = choice.get("value")
        if isinstance(value, str):
            errors.too_long((*base, index, "value"), value, MAX_CHOICE_TEXT)
    errors.raise_if_any()


def allowed_parse(allowed: JSON | None, *, interaction: bool) -> set[str]:
    """What Discord would actually ping: an omitted ``allowed_mentions`` means the defaults."""
    if allowed is None:
        return {"users"} if interaction else {"users", "roles", "everyone"}
    parse = set(allowed.get("parse") or [])
    if allowed.get("users"):
        parse.add("listed_users")
    if allowed.get("roles"):
        parse.add("listed_roles")
    return parse
