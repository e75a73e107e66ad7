"""When warranty and maintenance reminders come due: the customer is reminded in time, and never
of a warranty that is already over or of a maintenance long past."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from domain.care.reminders import (
    maintenance_base,
    next_maintenance,
    warranty_reminder_due,
)
from storage.reminders import Purchase

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_warranty_reminder_is_due_from_30_days_before_its_last_day_to_that_day() -> None:
    bought = date(2025, 3, 1)  # 24 months: covered up to 2027-02-28
    assert not warranty_reminder_due(bought, 24, date(2027, 1, 28), 30)
    assert warranty_reminder_due(bought, 24, date(2027, 1, 29), 30)
    assert warranty_reminder_due(bought, 24, date(2027, 2, 28), 30)
    assert not warranty_reminder_due(bought, 24, date(2027, 3, 1), 30)  # over: nothing to use


def test_maintenance_is_due_every_interval_and_a_long_missed_one_gives_way_to_the_next() -> None:
    bought = date(2026, 1, 31)
    assert next_maintenance(bought, 6, date(2026, 3, 1)) == date(2026, 7, 31)
    # Kefu was down on the day: a few days late it still reminds of that one...
    assert next_maintenance(bought, 6, date(2026, 8, 10)) == date(2026, 7, 31)
    # ...but a month late it is the next one's turn (the month end is clamped, not skipped).
    assert next_maintenance(bought, 1, date(2026, 3, 20)) == date(2026, 3, 31)
    assert next_maintenance(bought, 6, date(2026, 9, 1)) == date(2027, 1, 31)


def test_the_interval_counts_from_the_last_service_in_the_business_zone() -> None:
    # Resolved at 23:30 UTC on 1 June: already 2 June in Shanghai.
    serviced = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
    purchase = Purchase(1, 1, "ro-purifier-600", date(2026, 1, 10), serviced)
    assert maintenance_base(purchase, SHANGHAI) == date(2026, 6, 2)
    never = Purchase(1, 1, "ro-purifier-600", date(2026, 1, 10), None)
    assert maintenance_base(never, SHANGHAI) == date(2026, 1, 10)
