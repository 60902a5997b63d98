"""Bank holidays in England and Wales, as GOV.UK publishes them ("UK bank holidays"), and the
working days an IDVA's first contact is counted in."""

from datetime import date

import pytest

from app.holidays import add_working_days, bank_holidays, easter_sunday

# GOV.UK's published lists for England and Wales.
PUBLISHED = {
    2022: ["2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29",
           "2022-09-19", "2022-12-26", "2022-12-27"],
    2023: ["2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28",
           "2023-12-25", "2023-12-26"],
    2025: ["2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25",
           "2025-12-26"],
    2026: ["2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25",
           "2026-12-28"],
    2027: ["2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27",
           "2027-12-28"],
}  # fmt: skip


@pytest.mark.parametrize("year", sorted(PUBLISHED))
def test_the_bank_holidays_are_those_gov_uk_publishes(year):
    assert sorted(bank_holidays(year)) == [date.fromisoformat(d) for d in PUBLISHED[year]]


@pytest.mark.parametrize(
    ("year", "easter"), [(2024, "2024-03-31"), (2026, "2026-04-05"), (2038, "2038-04-25"), (2285, "2285-03-22")]
)
def test_easter_sunday(year, easter):
    assert easter_sunday(year) == date.fromisoformat(easter)


@pytest.mark.parametrize(
    ("referred", "due"),
    [
        ("2026-12-24", "2026-12-30"),  # Christmas Day a Friday, Boxing Day's Monday substitute
        ("2026-04-02", "2026-04-08"),  # Good Friday and Easter Monday
        ("2026-05-22", "2026-05-27"),  # spring bank holiday Monday
        ("2026-11-23", "2026-11-25"),  # an ordinary week
    ],
)
def test_two_working_days_skip_weekends_and_bank_holidays(referred, due):
    assert add_working_days(date.fromisoformat(referred), 2) == date.fromisoformat(due)
