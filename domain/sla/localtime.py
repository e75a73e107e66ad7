"""Turn a calendar's local wall-clock times into instants, including on DST change days.

Rule (the same for every boundary of every working interval): a local time means *the first
instant at which the calendar's wall clock shows that time or later*.

- An ordinary local time has exactly one instant.
- A repeated local time (clocks fall back, e.g. 02:30 on 2026-10-25 in Europe/Berlin happens
  twice) means its first occurrence: Python's ``fold=0``, still on summer time.
- A skipped local time (clocks spring forward, e.g. 02:30 on 2026-03-29 in Europe/Berlin never
  happens) means the instant of the jump, when the clock goes from 02:00 straight to 03:00.
  (Neither ``fold=0`` nor ``fold=1`` gives that instant: each shifts the time by an hour.)

The mapping never goes backwards, so intervals that touch on the wall clock (12:00-13:00 and
13:00-14:00, or 22:00-24:00 and the next day's 00:00-06:00) still touch as instants, and an
interval lying wholly inside a skipped hour becomes empty.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60


def local_instant(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """Return, in UTC, the first instant at which the clock in `tz` shows `day` + `minute`.

    `minute` counts from local midnight, 0..1440; 1440 (24:00) is the next day's midnight.
    """
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    first_offset = first.utcoffset()
    second_offset = second.utcoffset()
    assert first_offset is not None and second_offset is not None
    if first_offset >= second_offset:
        # An ordinary time, or a repeated one whose first occurrence fold=0 names.
        return first.astimezone(UTC)
    # In a gap, fold=0 uses the offset before the jump and fold=1 the one after; the jump
    # itself lies between the two readings.
    return _end_of_gap(wall, tz, before=second.astimezone(UTC), after=first.astimezone(UTC))


def _end_of_gap(wall: datetime, tz: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """Find the first instant in (before, after] whose wall-clock reading is >= `wall`.

    tz transitions fall on whole seconds, so a bisection on seconds is exact (and a gap is at
    most a few hours wide: about 14 steps).
    """
    while after - before > timedelta(seconds=1):
        half = timedelta(seconds=(after - before) // timedelta(seconds=2))
        middle = before + half
        if middle.astimezone(tz).replace(tzinfo=None) >= wall:
            after = middle
        else:
            before = middle
    return after
