"""The spec checker is strict: it must catch what a careless sandbox would get wrong."""

from __future__ import annotations

import pytest

from sandbox.spec import BotApiSpec, SpecViolation

USER = {"id": 1, "is_bot": False, "first_name": "Ann"}
CHAT = {"id": 1, "type": "private", "first_name": "Ann"}
MESSAGE = {"message_id": 5, "from": USER, "chat": CHAT, "date": 1700000000, "text": "hi"}
RIGHTS = {
    "is_anonymous": False, "can_manage_chat": True, "can_delete_messages": True,
    "can_manage_video_chats": True, "can_restrict_members": True, "can_promote_members": False,
    "can_change_info": True, "can_invite_users": True, "can_post_stories": True,
    "can_edit_stories": True, "can_delete_stories": True, "can_send_welcome_messages": True,
}  # fmt: skip
ADMIN = {"status": "administrator", "user": USER, "can_be_edited": False, **RIGHTS}


def test_a_valid_message_passes(spec: BotApiSpec) -> None:
    spec.check(MESSAGE, "Message")
    spec.check({"update_id": 1, "message": MESSAGE}, "Update")


@pytest.mark.parametrize(
    ("value", "type_name", "complaint"),
    [
        ({k: v for k, v in MESSAGE.items() if k != "date"}, "Message", "date: required"),
        ({**MESSAGE, "sender": USER}, "Message", "sender: unknown field"),
        ({**MESSAGE, "date": "today"}, "Message", "date: expected Integer"),
        ({**MESSAGE, "text": None}, "Message", "null is never sent"),
        ({**USER, "is_bot": 0}, "User", "is_bot: expected Boolean"),
        ({**USER, "id": True}, "User", "id: expected Integer"),
        ({**MESSAGE, "chat": {"id": 1}}, "Message", "chat.type: required"),
        ({**MESSAGE, "entities": {"type": "bold"}}, "Message", "expected Array of MessageEntity"),
        (
            {**MESSAGE, "entities": [{"type": "bold", "offset": 0}]},
            "Message",
            "entities[0].length: required",
        ),
        ({**CHAT, "type": "secret"}, "Chat", "'secret' is not one of"),
        ({"status": "owner", "user": USER}, "ChatMember", "matches none of ChatMember"),
        (
            {"status": "creator", "user": USER, "is_anonymous": False, "until_date": 0},
            "ChatMember",
            "matches none",
        ),
        ({"latitude": "1", "longitude": 2.5}, "Location", "latitude: expected Float"),
        ({"forum_topic_closed": {"x": 1}, **MESSAGE}, "Message", "x: unknown field"),
        (
            {**MESSAGE, "reply_markup": {"keyboard": [[{"text": "A"}]]}},
            "Message",
            "reply_markup.keyboard: unknown field",
        ),
        # Required since Bot API 10.3, newer than the bundled 10.1 spec (FIELDS_AFTER_SPEC).
        (
            {k: v for k, v in ADMIN.items() if k != "can_send_welcome_messages"},
            "ChatMember",
            "can_send_welcome_messages: required field of ChatMemberAdministrator",
        ),
        (
            {k: v for k, v in RIGHTS.items() if k != "can_send_welcome_messages"},
            "ChatAdministratorRights",
            "can_send_welcome_messages: required field",
        ),
    ],
)
def test_checker_reports_the_problem(
    spec: BotApiSpec, value: object, type_name: str, complaint: str
) -> None:
    problems = spec.problems(value, type_name)
    assert any(complaint in p for p in problems), problems
    with pytest.raises(SpecViolation):
        spec.check(value, type_name)


def test_union_subtypes_accept_each_member_kind(spec: BotApiSpec) -> None:
    spec.check(ADMIN, "ChatMember")
    spec.check(RIGHTS, "ChatAdministratorRights")
    spec.check({"status": "member", "user": USER}, "ChatMember")
    spec.check({"status": "left", "user": USER}, "ChatMember")
    spec.check({"status": "kicked", "user": USER, "until_date": 0}, "ChatMember")
    spec.check({"chat": CHAT, "message_id": 3, "date": 0}, "MaybeInaccessibleMessage")


def test_results_are_checked_against_the_method_return_types(spec: BotApiSpec) -> None:
    spec.check_result("sendMessage", MESSAGE)
    spec.check_result("editMessageText", True)
    spec.check_result("getUpdates", [{"update_id": 1, "message": MESSAGE}])
    spec.check_result("copyMessage", {"message_id": 3})
    with pytest.raises(SpecViolation, match="sendMessage result"):
        spec.check_result("sendMessage", True)
    with pytest.raises(SpecViolation):
        spec.check_result("getUpdates", [{"message": MESSAGE}])


def test_true_means_exactly_true(spec: BotApiSpec) -> None:
    assert spec.problems(True, "True") == []
    assert spec.problems(False, "True")
    assert spec.problems(1, "True")


def test_method_parameters_come_from_the_spec(spec: BotApiSpec) -> None:
    params = spec.method_params("sendMessage")
    assert params["chat_id"].required and params["text"].required
    assert params["reply_markup"].types == (
        "InlineKeyboardMarkup",
        "ReplyKeyboardMarkup",
        "ReplyKeyboardRemove",
        "ForceReply",
    )


def test_fields_added_after_the_spec_are_not_added_twice(spec: BotApiSpec) -> None:
    """A spec file that already has a newer field (a 10.3 scrape) is read as it is."""
    raw = {
        "methods": {},
        "types": {
            "ChatAdministratorRights": {
                "fields": [
                    {"name": "can_send_welcome_messages", "types": ["Boolean"],
                     "required": False, "description": "x"},
                ]
            }
        },
    }  # fmt: skip
    newer = BotApiSpec(raw)
    assert list(newer.fields("ChatAdministratorRights")) == ["can_send_welcome_messages"]
    assert not newer.fields("ChatAdministratorRights")["can_send_welcome_messages"].required
    assert spec.fields("ChatAdministratorRights")["can_send_welcome_messages"].required
