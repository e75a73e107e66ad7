"""What the middleware needs to know about each customer who writes, kept in memory.

Every update from a customer starts with who they are: their row's id, language and consent.
Read from the database, that is a transaction per update, for a row that rarely changes. So an
instance alone on its database keeps what it read here, and the database (`storage.db`) drops a
customer's entry whenever a unit of work changes their row: when it flushes the change, and
again when it commits, so a read that overlapped the commit cannot put the old row back
(`generation`). Where several instances share the database, another one may change the row
unseen: there the cache is not used (`bot.instance.shares_the_database`).

Consent depends on it, so it errs towards reading: any change it cannot pin to one customer (a
bulk UPDATE of the table) drops every entry.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from storage.enums import Language
from storage.models import Customer

MAX_KNOWN = 10_000  # customers kept, the most recent writers


@dataclass(frozen=True, slots=True)
class KnownCustomer:
    id: int
    telegram_id: int
    language: Language
    has_consented: bool
    reachable: bool
    first_name: str | None
    last_name: str | None
    username: str | None

    def is_up_to_date(
        self, *, first_name: str | None, last_name: str | None, username: str | None, wrote: bool
    ) -> bool:
        """Whether `customers.get_or_create_by_telegram` (and `mark_reachable`, if the customer
        `wrote`) would change nothing: then no write transaction is needed."""
        if wrote and not self.reachable:
            return False
        stored = (self.first_name, self.last_name, self.username)
        return not self.has_consented or (first_name, last_name, username) == stored

    @classmethod
    def of(cls, customer: Customer) -> KnownCustomer:
        return cls(
            id=customer.id,
            telegram_id=customer.telegram_id,
            language=Language(customer.language),
            has_consented=customer.has_consented,
            reachable=customer.unreachable_at is None,
            first_name=customer.first_name,
            last_name=customer.last_name,
            username=customer.username,
        )


class KnownCustomers:
    def __init__(self) -> None:
        self._known: OrderedDict[int, KnownCustomer] = OrderedDict()  # by Telegram id
        # Counts the changes seen: a read begun before one may hold the row as it was.
        self.generation = 0

    def get(self, telegram_id: int) -> KnownCustomer | None:
        known = self._known.get(telegram_id)
        if known is not None:
            self._known.move_to_end(telegram_id)
        return known

    def keep(self, customer: Customer | KnownCustomer, *, read_in_generation: int) -> None:
        """Keep the row as read, unless a change was seen since the read began."""
        if read_in_generation != self.generation:
            return
        if isinstance(customer, Customer):
            customer = KnownCustomer.of(customer)
        self._known[customer.telegram_id] = customer
        self._known.move_to_end(customer.telegram_id)
        if len(self._known) > MAX_KNOWN:
            self._known.popitem(last=False)

    def changed(self, telegram_id: int | None) -> None:
        """A customer's row changes (None: some rows, which ones unknown)."""
        self.generation += 1
        if telegram_id is None:
            self._known.clear()
        else:
            self._known.pop(telegram_id, None)
