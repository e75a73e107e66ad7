"""Bad calls are refused with Telegram's own status codes and texts."""

from __future__ import annotations

import aiohttp
import pytest

from sandbox.client import SandboxClient
from sandbox.errors import NOT_MODIFIED, QUERY_INVALID
from tests.sandbox.conftest import Harness
from tests.sandbox.support import BotApi

ALICE = 1001
GROUP = -1001000000001


@pytest.fixture
async def alice(client: SandboxClient) -> int:
    await client.create_user(ALICE, "Alice")
    return ALICE


def bad(method: str, params: dict, text: str) -> tuple[str, dict, int, str]:
    return (method, params, 400, f"Bad Request: {text}")


def send(text: object = "x", **extra: object) -> dict:
    return {"chat_id": ALICE, "text": text, **extra}


BUTTON = {"text": "A", "callback_data": "x" * 65}


@pytest.mark.parametrize(
    ("method", "params", "status", "description"),
    [
        bad("sendMessage", {"text": "hi"}, "chat_id is empty"),
        bad("sendMessage", {"chat_id": ALICE}, "message text is empty"),
        bad("sendMessage", send(""), "message text is empty"),
        bad("sendMessage", send("   "), "text must be non-empty"),
        bad("sendMessage", send("x" * 4097), "message is too long"),
        bad("sendMessage", {"chat_id": 777, "text": "hi"}, "chat not found"),
        bad("sendMessage", {"chat_id": "abc", "text": "hi"}, "chat not found"),
        bad("sendMessage", {"chat_id": "@nobody", "text": "hi"}, "chat not found"),
        bad(
            "sendMessage",
            send("<b>x", parse_mode="HTML"),
            "can't parse entities: Can't find end tag corresponding to start tag \"b\"",
        ),
        bad("sendMessage", send(parse_mode="BBCode"), "unsupported parse_mode"),
        bad(
            "sendMessage",
            send(reply_markup="{oops"),
            "can't parse reply keyboard markup JSON object",
        ),
        bad(
            "sendMessage",
            send(reply_markup={"inline_keyboard": [[{"text": "A"}]]}),
            "text buttons are unallowed in the inline keyboard",
        ),
        bad(
            "sendMessage",
            send(reply_markup={"inline_keyboard": [[BUTTON]]}),
            "BUTTON_DATA_INVALID",
        ),
        bad(
            "sendMessage",
            send(reply_parameters={"message_id": 99}),
            "message to be replied not found",
        ),
        bad(
            "editMessageText",
            {"chat_id": ALICE, "message_id": 99, "text": "x"},
            "message to edit not found",
        ),
        bad("editMessageText", {"text": "x"}, "message identifier is not specified"),
        bad("deleteMessage", {"chat_id": ALICE, "message_id": 99}, "message to delete not found"),
        bad("answerCallbackQuery", {"callback_query_id": "123"}, QUERY_INVALID),
        bad(
            "getFile",
            {"file_id": "nope"},
            "wrong file_id or the file is temporarily unavailable",
        ),
        bad("sendPhoto", {"chat_id": ALICE}, "there is no photo in the request"),
        bad(
            "sendDocument",
            {"chat_id": ALICE, "document": "not-an-id"},
            "wrong file identifier/HTTP URL specified",
        ),
        bad("getChatMember", {"chat_id": ALICE, "user_id": "x"}, "invalid user_id specified"),
        bad(
            "sendChatAction",
            {"chat_id": ALICE, "action": "dancing"},
            "wrong parameter action in request",
        ),
        bad(
            "setWebhook",
            {"url": "ftp://example.com/hook"},
            "bad webhook: invalid webhook URL specified",
        ),
        bad("createForumTopic", {"chat_id": ALICE, "name": "x"}, "the chat is not a forum"),
        ("launchRockets", {}, 404, "Not Found"),
        bad("sendPoll", {}, "method sendPoll is not supported by the Kefu sandbox"),
        # Added by Bot API 10.2, after the bundled spec: a method of the Bot API all the same.
        bad(
            "editEphemeralMessageText",
            {},
            "method editEphemeralMessageText is not supported by the Kefu sandbox",
        ),
    ],
)
async def test_invalid_calls_get_telegrams_errors(
    api: BotApi, alice: int, method: str, params: dict, status: int, description: str
) -> None:
    assert await api.error(method, **params) == (status, description)


async def test_method_names_are_case_insensitive(api: BotApi) -> None:
    assert (await api.ok("GETME"))["is_bot"] is True


@pytest.mark.parametrize(
    ("token", "status", "description"),
    [
        ("no-colon", 404, "Not Found"),
        ("abc:def", 404, "Not Found"),
        ("0:secret", 401, "Unauthorized: invalid token specified"),
        ("123456789:OTHER-SECRET", 401, "Unauthorized"),  # the test bot's id, another secret
    ],
)
async def test_bad_tokens(api: BotApi, token: str, status: int, description: str) -> None:
    got_status, body = await api.call("getMe", token=token)
    assert (got_status, body) == (
        status,
        {"ok": False, "error_code": status, "description": description},
    )


async def test_get_and_form_bodies_work_like_json(
    sandbox: Harness, api: BotApi, alice: int
) -> None:
    async with aiohttp.ClientSession() as http:
        url = f"{sandbox.base_url}/bot{api.token}/sendMessage"
        async with http.get(url, params={"chat_id": str(ALICE), "text": "by GET"}) as response:
            assert (await response.json())["result"]["text"] == "by GET"
    status, body = await api.form("sendMessage", {"chat_id": str(ALICE), "text": "by form"})
    assert status == 200 and body["result"]["text"] == "by form"
    # A JSON number where Telegram expects a string is read as its text, as Telegram does.
    assert (await api.ok("sendMessage", chat_id=ALICE, text=42))["text"] == "42"


async def test_parameters_are_read_from_the_query_and_any_body_whatever_the_verb(
    sandbox: Harness, api: BotApi, client: SandboxClient, alice: int
) -> None:
    """Telegram reads the query string and a JSON, urlencoded or multipart body for any verb;
    pyTelegramBotAPI's async client sends getUpdates as a GET with a urlencoded body."""
    person = client.user(ALICE)
    url = f"{sandbox.base_url}/bot{api.token}"
    multipart = aiohttp.MultipartWriter("form-data")
    for name, value in (("chat_id", str(ALICE)), ("text", "GET multipart")):
        multipart.append(value).set_content_disposition("form-data", name=name)
    async with aiohttp.ClientSession() as http:
        for verb, kwargs, text in (
            ("GET", {"data": {"chat_id": str(ALICE), "text": "GET form"}}, "GET form"),
            ("GET", {"json": {"chat_id": ALICE, "text": "GET JSON"}}, "GET JSON"),
            ("GET", {"data": multipart}, "GET multipart"),
            ("POST", {"params": {"chat_id": str(ALICE), "text": "POST query"}}, "POST query"),
            # Both at once: the body's value wins, the query still counts.
            ("POST", {"params": {"chat_id": str(ALICE), "text": "q"}, "json": {"text": "body"}},
             "body"),
        ):  # fmt: skip
            async with http.request(verb, f"{url}/sendMessage", **kwargs) as response:
                body = await response.json()
                assert response.status == 200 and body["result"]["text"] == text, (verb, body)

        await person.send("one")
        await person.send("two")
        async with http.get(f"{url}/getUpdates", data={"timeout": "0"}) as response:
            updates = (await response.json())["result"]
        assert [u["message"]["text"] for u in updates] == ["one", "two"]
        second = updates[1]
        # The offset in a GET's form body confirms the first update, as on Telegram.
        offset = {"offset": str(second["update_id"]), "timeout": "0"}
        async with http.get(f"{url}/getUpdates", data=offset) as response:
            assert [u["update_id"] for u in (await response.json())["result"]] == [
                second["update_id"]
            ]
    (logged,) = [c for c in await client.calls("getUpdates") if c["params"].get("offset")]
    assert logged["params"] == {"offset": second["update_id"], "timeout": 0}


async def test_editing_without_changes_is_not_modified(api: BotApi, alice: int) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    sent = await api.ok("sendMessage", chat_id=ALICE, text="same", reply_markup=markup)
    edit = {"chat_id": ALICE, "message_id": sent["message_id"], "text": "same"}
    assert await api.error("editMessageText", **edit, reply_markup=markup) == (
        400,
        f"Bad Request: {NOT_MODIFIED}",
    )
    # Leaving reply_markup out removes the keyboard: that is a change.
    edited = await api.ok("editMessageText", **edit)
    assert "reply_markup" not in edited and "edit_date" in edited
    assert await api.error(
        "editMessageReplyMarkup", chat_id=ALICE, message_id=sent["message_id"]
    ) == (400, f"Bad Request: {NOT_MODIFIED}")


async def test_bot_cannot_edit_what_a_user_wrote(
    api: BotApi, client: SandboxClient, alice: int
) -> None:
    written = await client.user(ALICE).send("mine")
    assert await api.error(
        "editMessageText", chat_id=ALICE, message_id=written["message_id"], text="hacked"
    ) == (400, "Bad Request: message can't be edited")
    assert await api.ok("deleteMessage", chat_id=ALICE, message_id=written["message_id"]) is True


async def test_blocked_user_cannot_be_written_to(
    api: BotApi, client: SandboxClient, alice: int
) -> None:
    await client.user(ALICE).block()
    assert await api.error("sendMessage", chat_id=ALICE, text="hi") == (
        403,
        "Forbidden: bot was blocked by the user",
    )
    assert await api.error("sendChatAction", chat_id=ALICE, action="typing") == (
        403,
        "Forbidden: bot was blocked by the user",
    )
    # getChat still works: blocking hides nothing about the chat
    assert (await api.ok("getChat", chat_id=ALICE))["id"] == ALICE


async def test_message_thread_checks(api: BotApi, client: SandboxClient, alice: int) -> None:
    await client.create_group(GROUP, "Desk", members=[ALICE])
    assert await api.error("sendMessage", chat_id=GROUP, text="x", message_thread_id=999) == (
        400,
        "Bad Request: message thread not found",
    )
