"""reply_markup as Telegram reads it: inline keyboard, reply keyboard, remove, force reply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.errors import bad_request
from sandbox.textbuild import normalize_url

JSON = dict[str, Any]

# The first action Telegram finds wins; the others are dropped from the stored button.
_INLINE_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip
_BUTTON_EXTRAS = ("icon_custom_emoji_id", "style")
_KEYBOARD_BUTTON_FIELDS = (
    "text", "icon_custom_emoji_id", "style", "request_users", "request_chat",
    "request_contact", "request_location", "request_poll", "web_app",
)  # fmt: skip
_KEYBOARD_FLAGS = (
    "is_persistent", "resize_keyboard", "one_time_keyboard", "input_field_placeholder",
    "selective",
)  # fmt: skip
MAX_CALLBACK_DATA_BYTES = 64


@dataclass(frozen=True)
class Markup:
    kind: str  # "inline" | "keyboard" | "remove" | "force_reply"
    value: JSON

    @property
    def selective(self) -> bool:
        return bool(self.value.get("selective"))


def _unparsable() -> Exception:
    return bad_request("can't parse reply keyboard markup JSON object")


def _rows(value: Any, field: str, owner: str) -> list[list[Any]]:
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise bad_request(f'field "{field}" of the {owner} should be an Array of Arrays')
    return value


def _inline_button(raw: Any) -> JSON:
    if not isinstance(raw, dict):
        raise bad_request("can't parse inline keyboard button: expected an Object")
    text = raw.get("text")
    if not isinstance(text, str):
        raise bad_request("can't parse inline keyboard button: Can't find field \"text\"")
    action = next((name for name in _INLINE_ACTIONS if raw.get(name) not in (None, "")), None)
    if action is None:
        raise bad_request("text buttons are unallowed in the inline keyboard")
    button: JSON = {"text": text}
    button.update({k: raw[k] for k in _BUTTON_EXTRAS if isinstance(raw.get(k), str)})
    value = raw[action]
    if action == "callback_data":
        value = str(value)
        if len(value.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    elif action == "url":
        url = normalize_url(str(value))
        if url is None:
            raise bad_request(f"inline keyboard button URL '{value}' is invalid: Wrong HTTP URL")
        value = url
    button[action] = value
    return button


def _keyboard_button(raw: Any) -> JSON:
    if isinstance(raw, str):
        return {"text": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise bad_request("can't parse keyboard button: Can't find field \"text\"")
    return {k: raw[k] for k in _KEYBOARD_BUTTON_FIELDS if k in raw and raw[k] is not None}


def parse_reply_markup(value: Any) -> Markup | None:
    """Validates a decoded reply_markup; None when absent or an empty inline keyboard."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _unparsable()
    if "inline_keyboard" in value:
        rows = _rows(value["inline_keyboard"], "inline_keyboard", "InlineKeyboardMarkup")
        keyboard = [[_inline_button(b) for b in row] for row in rows]
        keyboard = [row for row in keyboard if row]
        return Markup("inline", {"inline_keyboard": keyboard}) if keyboard else None
    if "keyboard" in value:
        rows = _rows(value["keyboard"], "keyboard", "ReplyKeyboardMarkup")
        markup: JSON = {"keyboard": [[_keyboard_button(b) for b in row] for row in rows]}
        markup.update({k: value[k] for k in _KEYBOARD_FLAGS if value.get(k) not in (None, "")})
        return Markup("keyboard", markup)
    if "remove_keyboard" in value:
        removal: JSON = {"remove_keyboard": True}
        if value.get("selective"):
            removal["selective"] = True
        return Markup("remove", removal)
    if "force_reply" in value:
        force: JSON = {"force_reply": True}
        for key in ("input_field_placeholder", "selective"):
            if value.get(key):
                force[key] = value[key]
        return Markup("force_reply", force)
    raise _unparsable()


def inline_buttons(reply_markup: JSON | None) -> list[JSON]:
    if not reply_markup:
        return []
    return [button for row in reply_markup.get("inline_keyboard", []) for button in row]
