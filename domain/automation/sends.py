"""What the rules' actions send, after the commit that decided it: a template to the customer
(as the support team, in the customer's language), a note into the ticket's topic, a notice to
another chat.

Each send is leased while it is being sent and marked sent after, so a crash between the two
sends it again at most once more; a send Telegram keeps refusing is given up after
`MAX_ATTEMPTS`, with a warning that names the rule, never the customer.
"""

from __future__ import annotations

import html
import logging
from datetime import timedelta

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.i18n import Translator
from bot.services import Kefu
from domain.automation.engine import actor_of_id
from domain.desk import lifecycle
from domain.desk.card import customer_translator, staff_translator
from domain.desk.reach import reach_customer
from domain.desk.wording import priority_name, type_name
from domain.templates.reply import compose
from storage import automation, templates, tickets
from storage.automation_models import AutomationSend
from storage.enums import TicketStatus
from storage.models import Ticket

logger = logging.getLogger("kefu.automation")

TOPIC_WAIT = timedelta(seconds=2)  # between looks for a new ticket's topic
LEASE = timedelta(seconds=60)  # longer than one send takes, even at the send budget's pace
BATCH = 20
MAX_ATTEMPTS = 5


async def send_due(bot: Bot, kefu: Kefu) -> int:
    """Send what is due; how many were sent."""
    async with kefu.db.unit_of_work() as session:
        due = await automation.claim_sends(session, now=kefu.clock.now(), lease=LEASE, limit=BATCH)
    done = 0
    for send in due:
        try:
            posted = await _send(bot, kefu, send)
        except TelegramError as error:
            if send.attempts < MAX_ATTEMPTS and not isinstance(error, Forbidden | BadRequest):
                logger.warning(
                    "rule %s: %s not sent yet (%s); retrying", send.rule_id, send.action, error
                )
                continue  # the lease runs out and the send is claimed again
            logger.warning("rule %s: gave up its %s: %s", send.rule_id, send.action, error)
            async with kefu.db.unit_of_work() as session:
                await automation.given_up(session, send.id)
            continue
        async with kefu.db.unit_of_work() as session:
            if posted:
                await automation.sent(session, send.id, now=kefu.clock.now())
            else:
                until = kefu.clock.now() + TOPIC_WAIT
                await automation.wait_for_topic(session, send.id, until=until)
        done += posted
    return done


async def _send(bot: Bot, kefu: Kefu, send: AutomationSend) -> bool:
    """Send it; False when it waits for the ticket's topic (a rule on a new ticket usually
    fires before the desk has opened the topic)."""
    async with kefu.db.read_only() as session:
        ticket = await tickets.get(session, send.ticket_id)
    if ticket is None:
        return True
    t = staff_translator(kefu)
    match send.action:
        case "note":
            if _topic_to_come(kefu, ticket):
                return False
            said = t.t(
                "Automation rule {rule}: {note}", rule=send.rule_id, note=send.payload["note"]
            )
            await _post_in_topic(bot, ticket, said)
        case "template":
            if _topic_to_come(kefu, ticket):
                return False  # the customer's copy waits too, so the topic is told it went
            said = await _send_template(bot, kefu, t, send, ticket)
            await _post_in_topic(bot, ticket, said)
        case "notify":
            if _topic_to_come(kefu, ticket):
                return False  # the notice links to the topic
            await bot.send_message(
                int(send.payload["chat_id"]),
                _notice(t, send.rule_id, ticket),
                parse_mode=ParseMode.HTML,
            )
    return True


def _topic_to_come(kefu: Kefu, ticket: Ticket) -> bool:
    """The ticket has no topic yet, and the desk will open one (`domain.desk.jobs`)."""
    return (
        ticket.staff_topic_id is None
        and kefu.settings.staff_chat_id is not None
        and ticket.status in tickets.ACTIVE
    )


async def _post_in_topic(bot: Bot, ticket: Ticket, text: str) -> None:
    if ticket.staff_chat_id is None or ticket.staff_topic_id is None:
        return  # no staff desk: the ticket's history has it
    await bot.send_message(ticket.staff_chat_id, text, message_thread_id=ticket.staff_topic_id)


async def _send_template(
    bot: Bot, kefu: Kefu, t: Translator, send: AutomationSend, ticket: Ticket
) -> str:
    """Send the rule's template to the customer; what the topic is told."""
    name, rule = str(send.payload["template"]), send.rule_id
    async with kefu.db.read_only() as session:
        template = await templates.by_name(session, name)
    customer = ticket.customer
    if template is None:
        return t.t(
            "Automation rule {rule}: there is no template called {name}, so nothing was sent.",
            rule=rule,
            name=name,
        )
    if ticket.personal_data_erased_at is not None or not customer.has_consented:
        return t.t(
            "Automation rule {rule}: the customer withdrew their consent or erased their data, "
            "so nothing was sent.",
            rule=rule,
        )
    if ticket.status == TicketStatus.CLOSED:
        return t.t("Automation rule {rule}: the ticket is closed, so nothing was sent.", rule=rule)
    composed = compose(kefu, ticket, template, None)
    signature = customer_translator(kefu, customer).t("— Support team")
    sent = await reach_customer(
        kefu,
        customer.id,
        lambda: bot.send_message(customer.telegram_id, f"{composed.text}\n\n{signature}"),
    )
    await lifecycle.record_template_reply(
        kefu,
        ticket.id,
        actor_of_id(rule),
        composed.text,
        template=name,
        delivered=sent is not None,
        by_automation=True,
    )
    if sent is None:
        return t.t(
            "Automation rule {rule}: the template {name} was not delivered: the customer has "
            "blocked the bot or deleted their account.",
            rule=rule,
            name=name,
        )
    return t.t(
        "Automation rule {rule} sent the template {name} to the customer:\n\n{text}",
        rule=rule,
        name=name,
        text=composed.text,
    )


def _notice(t: Translator, rule: str, ticket: Ticket) -> str:
    """The notice a rule sends to another chat: which ticket, what kind, and where."""
    where = ""
    if ticket.staff_chat_id is not None and ticket.staff_topic_id is not None:
        internal = str(ticket.staff_chat_id).removeprefix("-100")
        where = f"https://t.me/c/{internal}/{ticket.staff_topic_id}"
    return t.t(
        "Automation rule {rule}: ticket {number} ({type}, {priority}) needs attention. {link}",
        rule=html.escape(rule),
        number=html.escape(ticket.number),
        type=html.escape(type_name(t, ticket.type)),
        priority=html.escape(priority_name(t, ticket.priority)),
        link=where,
    ).strip()
