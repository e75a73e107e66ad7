"""Names of ticket types, priorities, statuses and warranty states, in the reader's language.

Types and priorities read the same for customers and staff; a status is worded for each.
"""

from __future__ import annotations

from bot.i18n import Translator
from storage.enums import Priority, TicketStatus, TicketType, Warranty


def type_name(t: Translator, ticket_type: TicketType) -> str:
    return {
        TicketType.CONSULTATION: t.t("Consultation"),
        TicketType.REPAIR: t.t("Repair"),
        TicketType.MAINTENANCE: t.t("Maintenance"),
        TicketType.INSTALLATION: t.t("Installation"),
        TicketType.RETURN: t.t("Return"),
        TicketType.EXCHANGE: t.t("Exchange"),
        TicketType.COMPLAINT: t.t("Complaint"),
    }[ticket_type]


def priority_name(t: Translator, priority: Priority) -> str:
    return {
        Priority.LOW: t.t("Low"),
        Priority.NORMAL: t.t("Normal"),
        Priority.HIGH: t.t("High"),
        Priority.URGENT: t.t("Urgent"),
    }[priority]


def status_name(t: Translator, status: TicketStatus) -> str:
    return {
        TicketStatus.OPEN: t.t("Open"),
        TicketStatus.WAITING_CUSTOMER: t.t("Waiting for the customer"),
        TicketStatus.RESOLVED: t.t("Resolved"),
        TicketStatus.CLOSED: t.t("Closed"),
    }[status]


def customer_status_name(t: Translator, status: TicketStatus) -> str:
    """A ticket's status as its customer reads it (staff see `status_name`)."""
    return {
        TicketStatus.OPEN: t.t("Open"),
        TicketStatus.WAITING_CUSTOMER: t.t("Waiting for your reply"),
        TicketStatus.RESOLVED: t.t("Resolved"),
        TicketStatus.CLOSED: t.t("Closed"),
    }[status]


def warranty_name(t: Translator, warranty: Warranty) -> str:
    return {
        Warranty.IN_WARRANTY: t.t("In warranty"),
        Warranty.OUT_OF_WARRANTY: t.t("Out of warranty"),
        Warranty.UNKNOWN: t.t("Unknown"),
    }[warranty]
