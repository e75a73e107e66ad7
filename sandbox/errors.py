"""Errors answered in Telegram's words (Bot API) or as {"error": ...} (control API)."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API failure; `description` is Telegram's exact text."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(text: str) -> ApiError:
    return ApiError(400, f"Bad Request: {text}")


def forbidden(text: str) -> ApiError:
    return ApiError(403, f"Forbidden: {text}")


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def conflict(text: str) -> ApiError:
    return ApiError(409, f"Conflict: {text}")


def entity_too_large() -> ApiError:
    # What api.telegram.org's front end answers for an upload over 50 MB (aiogram raises
    # TelegramEntityTooLarge on it); the sandbox also answers it when its file cap is full.
    return ApiError(413, "Request Entity Too Large")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


CHAT_NOT_FOUND = "chat not found"
BLOCKED = "bot was blocked by the user"
FILE_UNAVAILABLE = "wrong file_id or the file is temporarily unavailable"
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
POLL_CONFLICT = (
    "terminated by other getUpdates request; make sure that only one bot instance is running"
)
WEBHOOK_ACTIVE = "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"  # noqa: E501


class ControlError(Exception):
    """A control API failure: answered as {"error": message} with a 4xx status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
