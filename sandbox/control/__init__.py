"""The sandbox's JSON control API under /sandbox/api (see sandbox/README.md)."""

from __future__ import annotations

from aiohttp import web

from sandbox.control import admin, conversation, people
from sandbox.control.common import API


def setup_control(app: web.Application) -> None:
    r = app.router
    r.add_get(f"{API}/users", people.list_users)
    r.add_post(f"{API}/users", people.create_user)
    r.add_get(f"{API}/bots", people.list_bots)
    r.add_post(f"{API}/groups", people.create_group)
    r.add_get(f"{API}/chats", people.list_chats)
    r.add_post(f"{API}/blocks", people.block)
    r.add_post(f"{API}/messages", conversation.post_message)
    r.add_post(f"{API}/edits", conversation.post_edit)
    r.add_post(f"{API}/callbacks", conversation.post_callback)
    r.add_get(f"{API}/chats/{{chat_id:-?\\d+}}/messages", conversation.list_messages)
    r.add_get(f"{API}/chats/{{chat_id:-?\\d+}}/messages/wait", conversation.wait_messages)
    r.add_get(f"{API}/chats/{{chat_id:-?\\d+}}/keyboard", conversation.keyboard)
    r.add_get(f"{API}/chats/{{chat_id:-?\\d+}}/topics", conversation.topics)
    r.add_get(f"{API}/files/{{file_id}}", conversation.file_content)
    r.add_get(f"{API}/events", admin.events)
    r.add_get(f"{API}/calls", admin.calls)
    r.add_get(f"{API}/limits", admin.get_limits)
    r.add_post(f"{API}/limits", admin.set_limits)
    r.add_get(f"{API}/faults", admin.list_faults)
    r.add_post(f"{API}/faults", admin.add_fault)
    r.add_delete(f"{API}/faults", admin.clear_faults)
    r.add_post(f"{API}/reset", admin.reset)
