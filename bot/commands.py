"""The command menus Telegram shows: per audience (scope) and per language.

Every command listed here must have its handler: tests/test_command_menus.py checks each scope
and language against the application's handlers."""

from __future__ import annotations

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)

from bot.i18n import Catalogs, Translator

# Telegram knows two-letter language codes only, so Traditional Chinese readers share "zh".
_TELEGRAM_CODES = {"en": None, "zh_Hans": "zh"}


def customer_commands(t: Translator) -> list[BotCommand]:
    return [
        BotCommand("start", t.t("Main menu")),
        BotCommand("tickets", t.t("My tickets")),
        BotCommand("profile", t.t("Your profile: name, phone, address, products")),
        BotCommand("language", t.t("Change language")),
        BotCommand("help", t.t("How Kefu works")),
        BotCommand("cancel", t.t("Stop what we are doing")),
        BotCommand("privacy", t.t("Privacy notice and consent")),
        BotCommand("mydata", t.t("Everything we hold about you")),
        BotCommand("forget", t.t("Erase everything about you")),
    ]


def staff_commands(t: Translator) -> list[BotCommand]:
    return [
        BotCommand("ticket", t.t("Show a ticket's full service record")),
        BotCommand("note", t.t("Add an internal note to this ticket")),
        BotCommand("assign", t.t("Assign this ticket")),
        BotCommand("priority", t.t("Change this ticket's priority")),
        BotCommand("charge", t.t("Add parts or a charge to this ticket's service record")),
        BotCommand("resolve", t.t("Resolve this ticket")),
        BotCommand("reopen", t.t("Reopen this ticket")),
        BotCommand("close", t.t("Close this ticket and its topic")),
        BotCommand("wait", t.t("Wait for the customer (pauses the resolution timer)")),
        BotCommand("emergency", t.t("Make this ticket an emergency: alert the on-duty staff")),
        BotCommand("cause", t.t("Record an emergency's cause")),
        BotCommand("prevent", t.t("Record what keeps an emergency from happening again")),
        BotCommand("approve", t.t("Approve a return or exchange request")),
        BotCommand("decline", t.t("Decline a return or exchange request")),
        BotCommand("sla", t.t("Tickets at risk and breached")),
        BotCommand("report", t.t("Service report: last week, month, quarter or dates")),
        BotCommand("compliance", t.t("Contract compliance for a period")),
        BotCommand("events", t.t("Care and training events and their registrations")),
        BotCommand("attended", t.t("Mark who came to an event")),
        BotCommand("reply", t.t("Send a reply template to this ticket's customer")),
        BotCommand("customer", t.t("The customer's profile, tags, notes and tickets")),
        BotCommand("tag", t.t("Tag this ticket's customer")),
        BotCommand("untag", t.t("Remove a tag from this ticket's customer")),
        BotCommand("customernote", t.t("Add a note about this ticket's customer")),
    ]


def admin_commands(t: Translator) -> list[BotCommand]:
    return [
        *customer_commands(t),
        BotCommand("campaign", t.t("Start a survey campaign")),
        BotCommand("campaigns", t.t("Survey campaigns")),
        BotCommand("event", t.t("Announce a care or training event")),
        BotCommand("templates", t.t("Reply templates for staff")),
        BotCommand("events", t.t("Care and training events and their registrations")),
        BotCommand("report", t.t("Service report: last week, month, quarter or dates")),
        BotCommand("compliance", t.t("Contract compliance for a period")),
        BotCommand("export", t.t("Tickets of a period as CSV and JSON")),
    ]


async def register_commands(
    bot: Bot, catalogs: Catalogs, staff_chat_id: int | None, admin_ids: list[int]
) -> None:
    for language, code in _TELEGRAM_CODES.items():
        t = catalogs.for_language(language)
        scopes: list[tuple[BotCommandScope, list[BotCommand]]] = [
            (BotCommandScopeAllPrivateChats(), customer_commands(t))
        ]
        if staff_chat_id is not None:
            scopes.append((BotCommandScopeChat(staff_chat_id), staff_commands(t)))
        scopes += [(BotCommandScopeChat(admin), admin_commands(t)) for admin in admin_ids]
        for scope, commands in scopes:
            await bot.set_my_commands(commands, scope=scope, language_code=code)
