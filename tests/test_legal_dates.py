"""Legal dates: Regelaltersgrenze, Kündigung (§ 12), delivery deadlines (§ 193 BGB)."""
from __future__ import annotations

from datetime import date

import pytest

from workflows import legal_dates
from workflows.legal_dates import (
    add_working_days,
    annual_due_date,
    effective_delivery_date,
    is_working_day,
    past_retirement_age,
    reminder_date,
    retirement_age,
    retirement_age_date,
    retirement_limit,
    termination_end_date,
)

D = date


# --- Regelaltersgrenze -------------------------------------------------------------------------

@pytest.mark.parametrize("born, reached", [
    (D(1955, 5, 31), D(2021, 2, 28)),   # worked case: Feb has no 31st → end of last day
    (D(1958, 3, 1), D(2024, 2, 29)),    # worked case: day before 1 March in a leap year
    (D(1964, 1, 1), D(2030, 12, 31)),   # worked case: 67 years
])
def test_worked_cases_from_domain_reach_the_limit_on_the_stated_day(born, reached):
    assert retirement_age_date(born) == reached


@pytest.mark.parametrize("year, limit", [
    (1900, (65, 0)), (1946, (65, 0)), (1947, (65, 1)), (1952, (65, 6)), (1958, (66, 0)),
    (1959, (66, 2)), (1961, (66, 6)), (1963, (66, 10)), (1964, (67, 0)), (2000, (67, 0)),
])
def test_limit_per_birth_cohort_follows_section_235(year, limit):
    assert retirement_limit(year) == limit


def test_born_31_december_1946_reaches_65_without_any_rise():
    assert retirement_age_date(D(1946, 12, 31)) == D(2011, 12, 30)


def test_born_1_january_1947_gets_one_extra_month():
    assert retirement_age_date(D(1947, 1, 1)) == D(2012, 1, 31)


def test_born_on_leap_day_1960_reaches_66y4m_at_end_of_28_june_2026():
    # 66y4m after Feb 1960 is June 2026; day 29 exists there → end of the day before.
    assert retirement_age_date(D(1960, 2, 29)) == D(2026, 6, 28)


def test_born_31_august_1964_reaches_67_at_end_of_30_august_2031():
    assert retirement_age_date(D(1964, 8, 31)) == D(2031, 8, 30)


@pytest.mark.parametrize("born, reached", [
    (D(1963, 4, 30), D(2030, 2, 28)),   # 66y10m → Feb 2030, no 30th → 28.02. (§ 188 Abs. 3)
    (D(1964, 2, 29), D(2031, 2, 28)),   # leap-day birth, target Feb has no 29th → 28.02.
    (D(1959, 12, 31), D(2026, 2, 28)),  # 66y2m → Feb 2026, no 31st
    (D(1962, 6, 30), D(2029, 2, 28)),   # 66y8m → Feb 2029, no 30th
    (D(1949, 10, 31), D(2015, 1, 30)),  # 65y3m → Jan 2015, 31st exists → day before
    (D(1960, 6, 30), D(2026, 10, 29)),  # 66y4m → Oct 2026, 30th exists → day before
])
def test_month_end_overflow_ends_on_last_day_of_target_month(born, reached):
    assert retirement_age_date(born) == reached


def test_birth_on_first_of_month_ends_on_last_day_of_previous_month():
    assert retirement_age_date(D(1970, 3, 1)) == D(2037, 2, 28)


def test_override_replaces_computed_date():
    assert retirement_age_date(D(1953, 5, 10), override=D(2018, 5, 9)) == D(2018, 5, 9)
    assert retirement_age(D(1953, 5, 10), override=D(2018, 5, 9)).overridden


def test_override_before_birth_is_rejected():
    with pytest.raises(ValueError):
        retirement_age_date(D(1953, 5, 10), override=D(1950, 1, 1))


def test_born_1_january_1964_is_counted_on_reference_date_31_december_2030():
    assert past_retirement_age(D(1964, 1, 1), D(2030, 12, 31))
    assert not past_retirement_age(D(1964, 1, 1), D(2030, 12, 30))


def test_born_2_january_1964_is_not_yet_counted_on_31_december_2030():
    assert not past_retirement_age(D(1964, 1, 2), D(2030, 12, 31))


def test_past_retirement_age_honours_override():
    # computed for 1953: 65y7m → December 2018, day 10 exists → end of 09.12.2018
    assert not past_retirement_age(D(1953, 5, 10), D(2018, 6, 30))
    assert past_retirement_age(D(1953, 5, 10), D(2018, 6, 30), override=D(2018, 5, 9))


def test_retirement_reason_names_limit_and_date():
    reason = retirement_age(D(1958, 3, 1)).reason
    assert "66 Jahre" in reason and "29.02.2024" in reason and "\n" not in reason


# --- Kündigung (§ 12) --------------------------------------------------------------------------

def test_notice_received_on_30_june_ends_same_year():
    assert termination_end_date(D(2025, 6, 30)).ends_on == D(2025, 12, 31)


def test_notice_received_on_1_july_ends_next_year():
    result = termination_end_date(D(2025, 7, 1))
    assert result.ends_on == D(2026, 12, 31)
    assert result.reason == ("Zugang am 01.07.2025 nach dem 30.06.2025: Kündigung wirkt zum "
                             "31.12.2026 (sechs Monate zum Jahresende, § 12)")


@pytest.mark.parametrize("received, ends", [
    (D(2025, 1, 1), D(2025, 12, 31)),
    (D(2025, 12, 31), D(2026, 12, 31)),
    (D(2026, 1, 1), D(2026, 12, 31)),
])
def test_notice_on_year_boundaries(received, ends):
    assert termination_end_date(received).ends_on == ends


def test_last_receipt_day_is_30_june_of_the_end_year():
    assert termination_end_date(D(2025, 7, 1)).last_receipt_day_for_earliest_end == D(2026, 6, 30)
    assert termination_end_date(D(2025, 3, 1)).last_receipt_day_for_earliest_end == D(2025, 6, 30)


def test_notice_received_on_sunday_30_june_2024_is_not_shifted():
    result = termination_end_date(D(2024, 6, 30))
    assert result.ends_on == D(2024, 12, 31)
    assert result.last_receipt_day_is_weekend
    assert "Sonntag" in result.weekend_warning


@pytest.mark.parametrize("received, weekend", [
    (D(2024, 1, 15), True),    # 30.06.2024 Sunday
    (D(2029, 2, 1), True),     # 30.06.2029 Saturday
    (D(2030, 5, 5), True),     # 30.06.2030 Sunday
    (D(2025, 1, 15), False),   # 30.06.2025 Monday
    (D(2028, 7, 1), True),     # ends 2029 → its 30.06. is a Saturday
])
def test_weekend_flag_for_30_june(received, weekend):
    result = termination_end_date(received)
    assert result.last_receipt_day_is_weekend is weekend
    assert (result.weekend_warning is not None) is weekend


def test_termination_dates_are_frozen():
    with pytest.raises(AttributeError):
        termination_end_date(D(2025, 1, 1)).ends_on = D(2030, 12, 31)  # type: ignore[misc]


def test_earliest_termination_is_termination_on_receipt_today():
    assert legal_dates.earliest_termination(D(2025, 7, 1)) == termination_end_date(D(2025, 7, 1))


# --- Delivery deadlines (§ 193 BGB) ------------------------------------------------------------

@pytest.mark.parametrize("due, effective", [
    (D(2024, 3, 31), D(2024, 4, 2)),     # Easter Sunday, Easter Monday → Tuesday
    (D(2025, 3, 29), D(2025, 3, 31)),    # Saturday → Monday
    (D(2025, 3, 30), D(2025, 3, 31)),    # plain Sunday → Monday
    (D(2022, 12, 25), D(2022, 12, 27)),  # Christmas Day (Sunday), 2nd day → Tuesday
    (D(2022, 12, 31), D(2023, 1, 2)),    # Saturday, Sunday New Year → Monday
    (D(2023, 12, 30), D(2024, 1, 2)),    # Sat, Sun 31.12., New Year's Day → 02.01.
    (D(2024, 5, 30), D(2024, 5, 31)),    # Fronleichnam is a holiday in Hessen
    (D(2024, 3, 28), D(2024, 3, 28)),    # working day stays
])
def test_shift_rule_moves_to_next_hessian_working_day(due, effective):
    assert effective_delivery_date(due, "shift") == effective


def test_fronleichnam_is_no_holiday_in_berlin():
    assert effective_delivery_date(D(2024, 5, 30), "shift", subdivision="BE") == D(2024, 5, 30)


@pytest.mark.parametrize("due", [D(2024, 3, 31), D(2025, 3, 29), D(2022, 12, 25)])
def test_strict_rule_keeps_the_date(due):
    assert effective_delivery_date(due, "strict") == due


def test_unknown_rule_is_rejected_with_clear_message():
    with pytest.raises(ValueError, match="Unknown delivery deadline rule 'lenient'"):
        effective_delivery_date(D(2024, 3, 31), "lenient")


def test_unknown_subdivision_is_rejected():
    with pytest.raises(ValueError, match="Bundesland"):
        is_working_day(D(2024, 4, 2), subdivision="XX")


def test_delivery_reason_names_rule_and_holiday():
    reason = legal_dates.delivery_reason(D(2024, 3, 31), "shift")
    # Easter Sunday is no statutory holiday in Hessen, just a Sunday; Easter Monday is one.
    assert "shift" in reason and "31.03.2024 (Sonntag)" in reason
    assert "Ostermontag" in reason and "02.04.2024" in reason


# --- Working days and reminders ----------------------------------------------------------------

@pytest.mark.parametrize("day, working", [
    (D(2024, 4, 2), True), (D(2024, 3, 29), False), (D(2024, 4, 1), False),
    (D(2025, 3, 29), False), (D(2025, 10, 3), False), (D(2025, 10, 2), True),
])
def test_is_working_day(day, working):
    assert is_working_day(day) is working


def test_add_working_days_skips_weekend_forward_and_back():
    assert add_working_days(D(2025, 3, 28), 1) == D(2025, 3, 31)   # Fri → Mon
    assert add_working_days(D(2025, 3, 31), -1) == D(2025, 3, 28)  # Mon → Fri
    assert add_working_days(D(2025, 3, 29), 0) == D(2025, 3, 29)


def test_reminder_across_a_weekend():
    assert reminder_date(D(2025, 3, 31), 3) == D(2025, 3, 26)


def test_reminder_across_easter():
    # Tue 02.04.2024 back over Easter Monday, Sunday, Saturday, Good Friday → Thu 28.03.
    assert reminder_date(D(2024, 4, 2), 1) == D(2024, 3, 28)
    assert reminder_date(D(2024, 4, 2), 5) == D(2024, 3, 22)


def test_reminder_rejects_negative_distance():
    with pytest.raises(ValueError):
        reminder_date(D(2024, 4, 2), -1)


def test_holiday_calendar_is_cached_per_subdivision_and_year():
    legal_dates._holidays.cache_clear()
    for _ in range(50):
        is_working_day(D(2024, 4, 2))
    assert legal_dates._holidays.cache_info().misses == 1


# --- Annual dates ------------------------------------------------------------------------------

def test_annual_due_date_parses_month_day():
    assert annual_due_date(2025, "03-31") == D(2025, 3, 31)
    assert annual_due_date(2025, "--12-31") == D(2025, 12, 31)


def test_annual_29_february_falls_back_to_28_february_in_common_years():
    assert annual_due_date(2025, "02-29") == D(2025, 2, 28)
    assert annual_due_date(2024, "02-29") == D(2024, 2, 29)


@pytest.mark.parametrize("text", ["3-31", "31.03.", "04-31", "13-01", ""])
def test_annual_due_date_rejects_bad_input(text):
    with pytest.raises(ValueError):
        annual_due_date(2025, text)
