"""Rendering sandbox data as Bot API objects (User, Chat, Message, ChatMember, ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.model import Bot, Conversation, Group, Human, StoredFile, StoredMessage, Topic

if TYPE_CHECKING:
    from sandbox.state import SandboxState

JSON = dict[str, Any]


def human_json(human: Human) -> JSON:
    user: JSON = {"id": human.id, "is_bot": False, "first_name": human.first_name}
    for key in ("last_name", "username", "language_code"):
        value = getattr(human, key)
        if value:
            user[key] = value
    return user


def bot_json(bot: Bot, *, full: bool = False) -> JSON:
    user: JSON = {"id": bot.id, "is_bot": True, "first_name": bot.first_name}
    user["username"] = bot.username
    if full:  # getMe adds the bot's capabilities
        user.update(
            can_join_groups=True,
            can_read_all_group_messages=False,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
    return user


def user_json(state: SandboxState, user_id: int) -> JSON:
    if user_id in state.humans:
        return human_json(state.humans[user_id])
    if user_id in state.bots:
        return bot_json(state.bots[user_id])
    # What Telegram's Bot API server writes for a user it has never seen.
    return {"id": user_id, "is_bot": False, "first_name": ""}


def group_chat_json(group: Group) -> JSON:
    chat: JSON = {"id": group.id, "type": "supergroup", "title": group.title}
    if group.username:
        chat["username"] = group.username
    if group.is_forum:
        chat["is_forum"] = True
    return chat


def chat_json(state: SandboxState, chat_id: int) -> JSON:
    if chat_id in state.groups:
        return group_chat_json(state.groups[chat_id])
    human = state.humans.get(chat_id)
    if human is None:
        return {"id": chat_id, "type": "private", "first_name": ""}
    chat: JSON = {"id": human.id, "type": "private", "first_name": human.first_name}
    for key in ("last_name", "username"):
        value = getattr(human, key)
        if value:
            chat[key] = value
    return chat


def message_json(
    state: SandboxState, conversation: Conversation, msg: StoredMessage, *, nested: bool = False
) -> JSON:
    out: JSON = {"message_id": msg.message_id}
    if msg.thread_id is not None:
        out["message_thread_id"] = msg.thread_id
    out["from"] = user_json(state, msg.sender_id)
    out["chat"] = chat_json(state, msg.chat_id)
    out["date"] = msg.date
    if msg.forward_origin:
        out["forward_origin"] = msg.forward_origin
    if msg.is_topic_message:
        out["is_topic_message"] = True
    if msg.reply_to is not None and not nested:
        # Telegram nests one level only: a reply_to_message has no reply_to_message.
        replied = conversation.messages.get(msg.reply_to)
        if replied is not None:
            out["reply_to_message"] = message_json(state, conversation, replied, nested=True)
    if msg.edit_date is not None:
        out["edit_date"] = msg.edit_date
    if msg.media_group_id:
        out["media_group_id"] = msg.media_group_id
    out.update(msg.content)
    if msg.reply_markup:
        out["reply_markup"] = msg.reply_markup
    return out


def topic_json(topic: Topic) -> JSON:
    result: JSON = {
        "message_thread_id": topic.thread_id,
        "name": topic.name,
        "icon_color": topic.icon_color,
    }
    if topic.icon_custom_emoji_id:
        result["icon_custom_emoji_id"] = topic.icon_custom_emoji_id
    return result


_GIFTS = {
    "unlimited_gifts": False,
    "limited_gifts": False,
    "unique_gifts": False,
    "premium_subscription": False,
    "gifts_from_channels": False,
}
_MEMBER_PERMISSIONS = {
    "can_send_messages": True, "can_send_audios": True, "can_send_documents": True,
    "can_send_photos": True, "can_send_videos": True, "can_send_video_notes": True,
    "can_send_voice_notes": True, "can_send_polls": True, "can_send_other_messages": True,
    "can_add_web_page_previews": True, "can_change_info": False, "can_invite_users": True,
    "can_pin_messages": False, "can_manage_topics": False,
}  # fmt: skip


def chat_full_info(state: SandboxState, chat_id: int) -> JSON:
    info = chat_json(state, chat_id)
    info.update(accent_color_id=0, max_reaction_count=11, accepted_gift_types=dict(_GIFTS))
    if chat_id in state.groups:
        info["permissions"] = dict(_MEMBER_PERMISSIONS)
    return info


def admin_member(user: JSON, *, can_manage_topics: bool = True) -> JSON:
    return {
        "status": "administrator",
        "user": user,
        "can_be_edited": False,
        "is_anonymous": False,
        "can_manage_chat": True,
        "can_delete_messages": True,
        "can_manage_video_chats": True,
        "can_restrict_members": True,
        "can_promote_members": False,
        "can_change_info": True,
        "can_invite_users": True,
        "can_post_stories": True,
        "can_edit_stories": True,
        "can_delete_stories": True,
        # Required since Bot API 10.3: clients built for it refuse an administrator without it.
        "can_send_welcome_messages": True,
        "can_pin_messages": True,
        "can_manage_topics": can_manage_topics,
    }


def group_member_json(state: SandboxState, group: Group, user_id: int) -> JSON:
    user = user_json(state, user_id)
    if user_id in state.bots:
        return admin_member(user, can_manage_topics=group.bot_can_manage_topics)
    if user_id == group.owner:
        return {"status": "creator", "user": user, "is_anonymous": False}
    if user_id in group.admins:
        return admin_member(user)
    if user_id in group.members:
        return {"status": "member", "user": user}
    return {"status": "left", "user": user}


def file_json(stored: StoredFile) -> JSON:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


def webhook_info(bot: Bot, allowed: frozenset[str], default_allowed: frozenset[str]) -> JSON:
    info: JSON = {
        "url": bot.webhook.url if bot.webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": bot.updates.pending_count,
    }
    hook = bot.webhook
    if hook is not None:
        info["ip_address"] = hook.ip_address or "127.0.0.1"
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message or ""
        info["max_connections"] = hook.max_connections
    if allowed != default_allowed:
        info["allowed_updates"] = sorted(allowed)
    return info
