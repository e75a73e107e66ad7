"""Admins' handlers: composing survey campaigns (/campaign), running them (/campaigns),
announcing care and training events (/event, /events), managing reply templates
(/templates), and the reports (/report, /compliance,
/export).

The admin gate (`handlers.admin.gate.admit_admin`) is put in front of the campaigns' handlers,
once, here; the reports have their own (`handlers.admin.reports.reader_words`), since staff read
them too, in the staff group.
"""

from __future__ import annotations

from bot.services import Kefu
from handlers.admin import (
    campaign_compose,
    campaign_control,
    event_compose,
    events_list,
    reply_templates,
    reports,
)
from handlers.admin.gate import admit_admin
from handlers.common.gates import guard
from handlers.common.groups import ANSWERS, MAIN, Handlers


def build_handlers(kefu: Kefu) -> Handlers:
    timeout = kefu.config.support.conversation_timeout_minutes
    return {
        ANSWERS: [
            *reports.build_handlers(),
            *guard(admit_admin, campaign_control.build_handlers()),
            *events_list.build_handlers(),
        ],
        # Ahead of the customers' flows: while composing, an admin's messages are the campaign's.
        MAIN: [
            *guard(admit_admin, [campaign_compose.build_handler(timeout)]),
            *guard(event_compose.admit_event_admin, [event_compose.build_handler(timeout)]),
            *guard(reply_templates.admit_template_admin, [reply_templates.build_handler(timeout)]),
        ],
    }
