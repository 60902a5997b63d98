"""Bank holidays in England and Wales, for counting working days (an IDVA's first contact is due
within 2 working days of a referral).

The regular days follow the Banking and Financial Dealings Act 1971 and the usual royal
proclamations: New Year's Day, Good Friday, Easter Monday, the first and last Mondays of May, the
last Monday of August, Christmas Day and Boxing Day, each moved to the next weekday not already a
holiday when it falls at a weekend. Days proclaimed or moved for a single year are listed in
PROCLAIMED; a new one (a coronation, a state funeral) is added there with its GOV.UK source, as a
time-zone change would be.
"""

from datetime import date, timedelta
from functools import cache

# Single-year changes by proclamation: {year: (days removed, days added)}. GOV.UK "UK bank holidays".
PROCLAIMED: dict[int, tuple[tuple[date, ...], tuple[date, ...]]] = {
    2011: ((), (date(2011, 4, 29),)),  # royal wedding
    2012: ((date(2012, 5, 28),), (date(2012, 6, 4), date(2012, 6, 5))),  # diamond jubilee
    2020: ((date(2020, 5, 4),), (date(2020, 5, 8),)),  # VE Day 75
    2022: ((date(2022, 5, 30),), (date(2022, 6, 2), date(2022, 6, 3), date(2022, 9, 19))),  # jubilee, state funeral
    2023: ((), (date(2023, 5, 8),)),  # coronation
}


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday) // 451
    month, day = divmod(h + weekday - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _monday_on_or_after(day: date) -> date:
    return day + timedelta(days=-day.weekday() % 7)


def _last_monday(year: int, month: int) -> date:
    last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
    return last - timedelta(days=last.weekday())


@cache
def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales's bank holidays in a year."""
    easter = easter_sunday(year)
    days = {
        easter - timedelta(days=2),
        easter + timedelta(days=1),
        _monday_on_or_after(date(year, 5, 1)),
        _last_monday(year, 5),
        _last_monday(year, 8),
    }
    for fixed in (date(year, 1, 1), date(year, 12, 25), date(year, 12, 26)):
        while fixed.weekday() >= 5 or fixed in days:
            fixed += timedelta(days=1)
        days.add(fixed)
    removed, added = PROCLAIMED.get(year, ((), ()))
    return frozenset((days - set(removed)) | set(added))


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a bank holiday in England and Wales."""
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def add_working_days(day: date, days: int) -> date:
    """The day `days` working days after `day`."""
    current, added = day, 0
    while added < days:
        current += timedelta(days=1)
        if is_working_day(current):
            added += 1
    return current
