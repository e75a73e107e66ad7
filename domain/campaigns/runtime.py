"""The campaign sender of each running Kefu, so handlers can wake or halt it.

Kept here rather than in `bot_data`, which a persistence may copy (STYLE.md §10).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

if TYPE_CHECKING:
    from bot.services import Kefu
    from domain.campaigns.sender import CampaignSender

_senders: WeakKeyDictionary[Kefu, CampaignSender] = WeakKeyDictionary()


def register(kefu: Kefu, sender: CampaignSender) -> None:
    _senders[kefu] = sender


def sender(kefu: Kefu) -> CampaignSender | None:
    return _senders.get(kefu)


def wake(kefu: Kefu) -> None:
    """There may be something to send (a campaign started or resumed)."""
    found = _senders.get(kefu)
    if found is not None:
        found.wake()


def halt(kefu: Kefu, campaign_id: int) -> None:
    found = _senders.get(kefu)
    if found is not None:
        found.halt(campaign_id)


def allow(kefu: Kefu, campaign_id: int) -> None:
    found = _senders.get(kefu)
    if found is not None:
        found.allow(campaign_id)
