"""Vocabulary shared by the schema, the configuration and the handlers.

Plain `StrEnum`s with no SQLAlchemy import, so `bot/config.py` can validate TOML keys against
them without loading the ORM. The values are what the database stores: never rename one.
"""

from enum import StrEnum


class Language(StrEnum):
    EN = "en"
    ZH_HANS = "zh_Hans"
    ZH_HANT = "zh_Hant"


class TicketType(StrEnum):
    CONSULTATION = "consultation"
    REPAIR = "repair"
    MAINTENANCE = "maintenance"
    INSTALLATION = "installation"
    RETURN = "return"
    EXCHANGE = "exchange"
    COMPLAINT = "complaint"


class TicketStatus(StrEnum):
    OPEN = "open"
    WAITING_CUSTOMER = "waiting_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_active(self) -> bool:
        """Open or waiting on the customer: the ticket still needs someone."""
        return self in (TicketStatus.OPEN, TicketStatus.WAITING_CUSTOMER)


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Warranty(StrEnum):
    IN_WARRANTY = "in_warranty"
    OUT_OF_WARRANTY = "out_of_warranty"
    UNKNOWN = "unknown"


class EventKind(StrEnum):
    CREATED = "created"
    CUSTOMER_MESSAGE = "customer_message"
    STAFF_REPLY = "staff_reply"
    INTERNAL_NOTE = "internal_note"
    STATUS_CHANGED = "status_changed"
    PRIORITY_CHANGED = "priority_changed"
    ASSIGNED = "assigned"
    TOPIC_LINKED = "topic_linked"
    DETAILS_CHANGED = "details_changed"
    ATTACHMENT = "attachment"
    ALERT = "alert"
    SURVEY = "survey"
    CHARGE = "charge"  # parts or labour staff entered: data {"amount", "currency", "free"}
    SERVICE_RECORD = "service_record"  # the record was sent to the customer
    VISIT = "visit"  # a follow-up visit (回访) was sent or answered
    EMERGENCY = "emergency"  # raised, or its cause or prevention recorded: data {"what"}


class ActorKind(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"
    SYSTEM = "system"


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"
    VIDEO = "video"
