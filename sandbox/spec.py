"""The Bot API spec (telegram-bot-api.json) and a strict checker of values against its types.

    spec = load_spec()
    spec.check(update_dict, "Update")            # raises SpecViolation listing every problem
    spec.check_result("sendMessage", result)     # against the method's return type(s)
    spec.problems(value, "Message")              # the list, without raising

Strict means: required fields present, no unknown fields, no nulls, every value of one of the
field's listed types (Integer, Float, String, Boolean, True, Array of X, nested types, unions
through `subtypes`), and fields documented as always "x" (a ChatMember's status, ...) or as one
of a few quoted values (Chat.type, MessageEntity.type, ...) holding such a value.

The spec file is Bot API 10.1; FIELDS_AFTER_SPEC adds the fields that Bot API 10.2 and 10.3
made required, so the checker holds the sandbox to what 10.3 clients demand.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPEC_ENV = "KEFU_BOT_API_SPEC"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SPEC_PATH = PROJECT_ROOT.parent / "shared" / "spec" / "telegram-bot-api.json"

_ALWAYS = re.compile(r'always [“"]([^”"]+)[”"]')
_ENUM_HINT = re.compile(r"(can be|one of|Currently, can be)", re.IGNORECASE)
_QUOTED = re.compile(r'[“"]([a-z_]+)[”"]')
_ARRAY = "Array of "


@dataclass(frozen=True)
class AddedField:
    """A field Telegram added after the bundled spec was scraped."""

    type_name: str
    name: str
    types: tuple[str, ...]
    required: bool
    since: str  # the Bot API version that added it, e.g. "10.3"
    description: str


_WELCOME = (
    "True, if the administrator can manage chat welcome messages or directly send them in the "
    "case of bots"
)
# The bundled spec is Bot API 10.1 (June 11, 2026). Telegram's Bot API changelog
# (core.telegram.org/bots/api-changelog) lists what came after it:
# - 10.2 (July 14, 2026): ephemeral and rich messages, communities, Update.subscription. Every
#   field it added to an object the sandbox returns is optional (ChatFullInfo.community,
#   Message.receiver_user and ephemeral_message_id, BotCommand.is_ephemeral), so the sandbox
#   leaves them out and the checker need not know them.
# - 10.3 (August 24, 2026): the administrator right can_send_welcome_messages on
#   ChatAdministratorRights and ChatMemberAdministrator, required like every other right
#   there; clients built for 10.3 (aiogram 3.31) refuse a member or rights object without it.
# These are the fields that became required since 10.1: aiogram 3.31's models (a field
# without a default) agree that there are no others among the objects the sandbox builds.
FIELDS_AFTER_SPEC: tuple[AddedField, ...] = (
    AddedField(
        "ChatAdministratorRights", "can_send_welcome_messages", ("Boolean",), True, "10.3",
        _WELCOME,
    ),
    AddedField(
        "ChatMemberAdministrator", "can_send_welcome_messages", ("Boolean",), True, "10.3",
        _WELCOME,
    ),
)  # fmt: skip


class SpecViolation(AssertionError):
    """A value that does not match the spec; the message lists every problem found."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool
    allowed: frozenset[str] | None  # fixed string values, when the docs enumerate them


def _allowed_values(name: str, description: str) -> frozenset[str] | None:
    always = _ALWAYS.search(description)
    if always:
        return frozenset({always.group(1)})
    if name in ("type", "status") and _ENUM_HINT.search(description):
        values = _QUOTED.findall(description)
        if values:
            return frozenset(values)
    return None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    return "Object" if isinstance(value, dict) else type(value).__name__


_PRIMITIVES = {
    "Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "Float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "String": lambda v: isinstance(v, str),
    "Boolean": lambda v: isinstance(v, bool),
    "True": lambda v: v is True,
}


class BotApiSpec:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.version: str = raw.get("version", "")
        self.methods: dict[str, dict[str, Any]] = raw["methods"]
        self._raw_types: dict[str, dict[str, Any]] = _with_added_fields(raw["types"])
        self._fields: dict[str, dict[str, FieldSpec]] = {}
        for name, info in self._raw_types.items():
            self._fields[name] = {
                f["name"]: FieldSpec(
                    f["name"],
                    tuple(f["types"]),
                    bool(f["required"]),
                    _allowed_values(f["name"], f.get("description", "")),
                )
                for f in info.get("fields", [])
            }

    def has_type(self, name: str) -> bool:
        return name in self._raw_types or name in _PRIMITIVES

    def fields(self, type_name: str) -> dict[str, FieldSpec]:
        return self._fields[type_name]

    def method_params(self, method: str) -> dict[str, FieldSpec]:
        info = self.methods[method]
        return {
            f["name"]: FieldSpec(f["name"], tuple(f["types"]), bool(f["required"]), None)
            for f in info.get("fields", [])
        }

    def problems(self, value: Any, type_expr: str, path: str = "$") -> list[str]:
        if type_expr.startswith(_ARRAY):
            if not isinstance(value, list):
                return [f"{path}: expected {type_expr}, got {_kind(value)}"]
            inner = type_expr[len(_ARRAY) :]
            found: list[str] = []
            for index, item in enumerate(value):
                found += self.problems(item, inner, f"{path}[{index}]")
            return found
        if type_expr in _PRIMITIVES:
            if _PRIMITIVES[type_expr](value):
                return []
            return [f"{path}: expected {type_expr}, got {_kind(value)} {value!r:.60}"]
        if type_expr == "InputFile":
            return []  # uploads are never part of what Telegram returns
        info = self._raw_types.get(type_expr)
        if info is None:
            return [f"{path}: unknown type {type_expr}"]
        if "subtypes" in info:
            return self._union_problems(value, type_expr, info["subtypes"], path)
        return self._object_problems(value, type_expr, path)

    def _union_problems(
        self, value: Any, type_expr: str, subtypes: list[str], path: str
    ) -> list[str]:
        attempts = [self.problems(value, sub, path) for sub in subtypes]
        if any(not attempt for attempt in attempts):
            return []
        best = min(attempts, key=len)
        return [f"{path}: matches none of {type_expr}'s subtypes; closest: {best[0]}", *best[1:]]

    def _object_problems(self, value: Any, type_name: str, path: str) -> list[str]:
        if not isinstance(value, dict):
            return [f"{path}: expected {type_name} object, got {_kind(value)}"]
        fields = self._fields[type_name]
        found = [
            f"{path}.{key}: unknown field of {type_name}" for key in value if key not in fields
        ]
        for spec in fields.values():
            if spec.name not in value:
                if spec.required:
                    found.append(f"{path}.{spec.name}: required field of {type_name} is missing")
                continue
            found += self._field_problems(value[spec.name], spec, f"{path}.{spec.name}")
        return found

    def _field_problems(self, value: Any, spec: FieldSpec, path: str) -> list[str]:
        if value is None:
            return [f"{path}: null is never sent; leave the field out"]
        attempts = [self.problems(value, t, path) for t in spec.types]
        if all(attempts):
            return min(attempts, key=len)
        if spec.allowed is not None and value not in spec.allowed:
            return [f"{path}: {value!r} is not one of {sorted(spec.allowed)}"]
        return []

    def check(self, value: Any, type_expr: str) -> None:
        found = self.problems(value, type_expr)
        if found:
            raise SpecViolation(f"not a valid {type_expr}:\n  " + "\n  ".join(found))

    def check_result(self, method: str, result: Any) -> None:
        """Checks a method's result against its documented return type(s)."""
        returns = self.methods[method]["returns"]
        attempts = [self.problems(result, t) for t in returns]
        if all(attempts):
            best = min(attempts, key=len)
            joined = " or ".join(returns)
            raise SpecViolation(f"{method} result is not {joined}:\n  " + "\n  ".join(best))


def _with_added_fields(types: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The spec's types with FIELDS_AFTER_SPEC added where the spec lacks them, so a newer
    spec file (which has them) is read as it is."""
    patched = dict(types)
    for added in FIELDS_AFTER_SPEC:
        info = patched.get(added.type_name)
        if info is None or any(f["name"] == added.name for f in info.get("fields", [])):
            continue
        field = {
            "name": added.name,
            "types": list(added.types),
            "required": added.required,
            "description": added.description,
        }
        patched[added.type_name] = {**info, "fields": [*info.get("fields", []), field]}
    return patched


def spec_path() -> Path:
    return Path(os.environ.get(SPEC_ENV) or DEFAULT_SPEC_PATH)


@cache
def load_spec(path: str | None = None) -> BotApiSpec:
    target = Path(path) if path else spec_path()
    return BotApiSpec(json.loads(target.read_text(encoding="utf-8")))
