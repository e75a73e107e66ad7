"""The typed context every handler receives: `context.kefu` (services) and `context.t` (words).

Services are built once in `bot.app` and reached through the context, so no handler imports the
engine, reads the environment or builds a translator (STYLE.md §2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.i18n import Translator

if TYPE_CHECKING:
    from bot.services import Kefu
    from storage.events import Actor


class BotData(dict[str, Any]):
    """PTB wants a dict here; the services ride on an attribute so nothing can copy them."""

    kefu: Kefu


class KefuContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    # Filled per update by `handlers.common.middleware` before any other handler runs.
    translator: Translator | None = None
    customer_id: int | None = None
    consented: bool = False
    # Set by the staff gate (`handlers.staff.gate`) once it has admitted a staff member.
    staff_actor: Actor | None = None

    @property
    def kefu(self) -> Kefu:
        return self.bot_data.kefu

    @property
    def t(self) -> Translator:
        return self.translator or self.kefu.catalogs.for_language(None)


CONTEXT_TYPES = ContextTypes(context=KefuContext, bot_data=BotData)

KefuApplication = Application[
    ExtBot[None], KefuContext, dict[Any, Any], dict[Any, Any], BotData, Any
]
