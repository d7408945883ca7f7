//! Calendar arithmetic: the period containing an instant, and exclusion occurrences, in a
//! time zone, correct across DST changes (a day is not always 24 hours) and month ends.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use crate::model::{CalendarUnit, DEFAULT_CALENDAR_ANCHOR, Exclusion, Recurrence, Schedule};
use crate::source::{Millis, TimeRange, millis};

/// Looks up a time zone in the bundled database; UTC for unknown names (validation has
/// already refused those).
pub fn zone(name: &str) -> TimeZone {
    jiff::tz::db().get(name).unwrap_or(TimeZone::UTC)
}

fn local(at: Millis, tz: &TimeZone) -> DateTime {
    Timestamp::from_millisecond(at)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(tz.clone())
        .datetime()
}

/// The instant a local date and time happens in `tz` (a time skipped by a DST change
/// resolves to just after the gap, as calendars do).
fn instant(datetime: DateTime, tz: &TimeZone) -> Millis {
    datetime
        .to_zoned_datetime(tz.clone())
        .map(|zoned| zoned.timestamp().as_millisecond())
        .unwrap_or(0)
}

fn add_units(start: DateTime, unit: CalendarUnit, units: i64) -> DateTime {
    let span = match unit {
        CalendarUnit::Week => Span::new().weeks(units),
        CalendarUnit::Month => Span::new().months(units),
        CalendarUnit::Quarter => Span::new().months(units.saturating_mul(3)),
        CalendarUnit::Year => Span::new().years(units),
    };
    start.checked_add(span).unwrap_or(start)
}

/// The natural start of the period of `unit` containing local date `date`.
fn natural_start(date: Date, unit: CalendarUnit) -> DateTime {
    let day = match unit {
        CalendarUnit::Week => date
            .checked_sub(Span::new().days(i64::from(date.weekday().to_monday_zero_offset())))
            .unwrap_or(date),
        CalendarUnit::Month => date.first_of_month(),
        CalendarUnit::Quarter => {
            let month = (date.month() - 1) / 3 * 3 + 1;
            Date::new(date.year(), month, 1).unwrap_or(date)
        }
        CalendarUnit::Year => Date::new(date.year(), 1, 1).unwrap_or(date),
    };
    day.to_datetime(jiff::civil::Time::midnight())
}

/// Whole units from `from` to `to`, roughly (corrected by the caller).
fn elapsed_units(from: DateTime, to: DateTime, unit: CalendarUnit) -> i64 {
    let months = (i64::from(to.year()) - i64::from(from.year())) * 12 + i64::from(to.month())
        - i64::from(from.month());
    match unit {
        CalendarUnit::Week => (to
            .date()
            .since(from.date())
            .map(|span| span.get_days())
            .unwrap_or(0) as i64)
            .div_euclid(7),
        CalendarUnit::Month => months,
        CalendarUnit::Quarter => months.div_euclid(3),
        CalendarUnit::Year => months.div_euclid(12),
    }
}

/// The calendar period containing `at`: `count` units of `unit` in `tz`, counted from
/// `anchor` when given (or when `count` is more than 1), else from natural boundaries.
pub fn period(
    unit: CalendarUnit,
    count: u32,
    tz: &TimeZone,
    anchor: Option<DateTime>,
    at: Millis,
) -> TimeRange {
    let now = local(at, tz);
    let count = i64::from(count.max(1));
    if count == 1 && anchor.is_none() {
        let start = natural_start(now.date(), unit);
        let end = add_units(start, unit, 1);
        return TimeRange::new(instant(start, tz), instant(end, tz));
    }
    let base = anchor.unwrap_or(DEFAULT_CALENDAR_ANCHOR);
    let mut k = elapsed_units(base, now, unit).div_euclid(count);
    // The estimate is off by at most one period either way; settle it exactly.
    for _ in 0..4 {
        let start = instant(add_units(base, unit, k * count), tz);
        if start > at {
            k -= 1;
            continue;
        }
        let next = instant(add_units(base, unit, (k + 1) * count), tz);
        if next <= at {
            k += 1;
            continue;
        }
        return TimeRange::new(start, next);
    }
    let start = instant(add_units(base, unit, k * count), tz);
    TimeRange::new(start, instant(add_units(base, unit, (k + 1) * count), tz))
}

/// The periods before the one containing `at`, most recent first (for suggestions).
pub fn previous_periods(
    unit: CalendarUnit,
    count: u32,
    tz: &TimeZone,
    anchor: Option<DateTime>,
    at: Millis,
    how_many: usize,
) -> Vec<TimeRange> {
    let mut out = Vec::with_capacity(how_many);
    let mut current = period(unit, count, tz, anchor, at);
    for _ in 0..how_many {
        let previous = period(unit, count, tz, anchor, current.start - 1);
        if previous.start >= current.start {
            break;
        }
        out.push(previous);
        current = previous;
    }
    out
}

/// The occurrences of `exclusions` overlapping `range`, merged and sorted.
pub fn excluded(exclusions: &[Exclusion], range: TimeRange) -> Vec<TimeRange> {
    let mut out = Vec::new();
    for exclusion in exclusions {
        match &exclusion.schedule {
            Schedule::Once { start, end } => {
                let occurrence =
                    TimeRange::new(start.as_millisecond(), end.as_millisecond()).intersect(&range);
                if !occurrence.is_empty() {
                    out.push(occurrence);
                }
            }
            Schedule::Recurring {
                every,
                at,
                duration,
                zone: zone_name,
            } => {
                let tz = zone(zone_name);
                let length = millis(*duration);
                // Occurrences can start up to `length` before the range and still overlap.
                let first_day = local(range.start.saturating_sub(length), &tz).date();
                let last_day = local(range.end, &tz).date();
                let mut day = first_day;
                while day <= last_day {
                    let matches = match every {
                        Recurrence::Daily => true,
                        Recurrence::Weekly(weekday) => day.weekday() == *weekday,
                        Recurrence::Monthly(day_of_month) => day.day() == *day_of_month,
                    };
                    if matches {
                        let start = instant(day.to_datetime(*at), &tz);
                        let occurrence =
                            TimeRange::new(start, start.saturating_add(length)).intersect(&range);
                        if !occurrence.is_empty() {
                            out.push(occurrence);
                        }
                    }
                    match day.tomorrow() {
                        Ok(next) => day = next,
                        Err(_) => break,
                    }
                }
            }
        }
    }
    merge(out)
}

/// Sorts ranges and merges overlapping or touching ones.
pub fn merge(mut ranges: Vec<TimeRange>) -> Vec<TimeRange> {
    ranges.sort_by_key(|range| range.start);
    let mut merged: Vec<TimeRange> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Millis {
        text.parse::<Timestamp>().unwrap().as_millisecond()
    }

    fn show(range: TimeRange) -> (String, String) {
        let text = |ms: Millis| Timestamp::from_millisecond(ms).unwrap().to_string();
        (text(range.start), text(range.end))
    }

    #[test]
    fn months_in_paris_across_the_spring_dst_change() {
        // March 2026 in Paris: starts at UTC+1, ends at UTC+2 (DST from March 29).
        let period = period(
            CalendarUnit::Month,
            1,
            &zone("Europe/Paris"),
            None,
            at("2026-03-30T12:00:00Z"),
        );
        assert_eq!(
            show(period),
            ("2026-02-28T23:00:00Z".into(), "2026-03-31T22:00:00Z".into())
        );
        // 31 days minus the hour DST took.
        assert_eq!(period.length(), (31 * 24 - 1) * 3_600_000);
    }

    #[test]
    fn months_in_new_york_across_the_autumn_dst_change_and_month_ends() {
        let tz = zone("America/New_York");
        let november = period(
            CalendarUnit::Month,
            1,
            &tz,
            None,
            at("2026-11-30T23:59:00-05:00"),
        );
        assert_eq!(
            show(november),
            ("2026-11-01T04:00:00Z".into(), "2026-12-01T05:00:00Z".into())
        );
        assert_eq!(november.length(), (30 * 24 + 1) * 3_600_000);
        // One minute later it is December, local time.
        let december = period(
            CalendarUnit::Month,
            1,
            &tz,
            None,
            at("2026-12-01T00:01:00-05:00"),
        );
        assert_eq!(december.start, november.end);
        // February of a leap year.
        let february = period(
            CalendarUnit::Month,
            1,
            &tz,
            None,
            at("2028-02-29T12:00:00-05:00"),
        );
        assert_eq!(february.length(), 29 * 24 * 3_600_000);
    }

    #[test]
    fn weeks_start_on_monday_and_quarters_and_years_on_their_first_day() {
        let utc = zone("UTC");
        let week = period(
            CalendarUnit::Week,
            1,
            &utc,
            None,
            at("2026-11-29T10:00:00Z"),
        );
        assert_eq!(
            show(week),
            ("2026-11-23T00:00:00Z".into(), "2026-11-30T00:00:00Z".into())
        );
        let quarter = period(
            CalendarUnit::Quarter,
            1,
            &utc,
            None,
            at("2026-11-29T10:00:00Z"),
        );
        assert_eq!(
            show(quarter),
            ("2026-10-01T00:00:00Z".into(), "2027-01-01T00:00:00Z".into())
        );
        let year = period(
            CalendarUnit::Year,
            1,
            &zone("Asia/Tokyo"),
            None,
            at("2026-11-29T10:00:00Z"),
        );
        assert_eq!(
            show(year),
            ("2025-12-31T15:00:00Z".into(), "2026-12-31T15:00:00Z".into())
        );
    }

    #[test]
    fn anchored_multi_week_periods() {
        // Two-week sprints starting Monday 2026-01-05 in Paris.
        let anchor = jiff::civil::date(2026, 1, 5).at(0, 0, 0, 0);
        let tz = zone("Europe/Paris");
        let sprint = period(
            CalendarUnit::Week,
            2,
            &tz,
            Some(anchor),
            at("2026-01-20T12:00:00Z"),
        );
        assert_eq!(
            show(sprint),
            ("2026-01-18T23:00:00Z".into(), "2026-02-01T23:00:00Z".into())
        );
        let before = period(
            CalendarUnit::Week,
            2,
            &tz,
            Some(anchor),
            at("2026-01-01T12:00:00Z"),
        );
        assert_eq!(before.end, at("2026-01-04T23:00:00Z"));
        let previous = previous_periods(
            CalendarUnit::Week,
            2,
            &tz,
            Some(anchor),
            at("2026-01-20T12:00:00Z"),
            2,
        );
        assert_eq!(previous[0].end, sprint.start);
        assert_eq!(previous[1].end, previous[0].start);
    }

    #[test]
    fn recurring_exclusions_follow_local_time_across_dst() {
        let exclusion = Exclusion {
            origin: Default::default(),
            name: "maintenance".into(),
            reason: None,
            schedule: Schedule::Recurring {
                every: Recurrence::Weekly(jiff::civil::Weekday::Sunday),
                at: jiff::civil::time(3, 0, 0, 0),
                duration: crate::Duration::from_minutes(30),
                zone: "Europe/Berlin".into(),
            },
        };
        let range = TimeRange::new(at("2026-03-20T00:00:00Z"), at("2026-04-06T00:00:00Z"));
        let occurrences: Vec<_> = excluded(&[exclusion], range)
            .into_iter()
            .map(show)
            .collect();
        assert_eq!(
            occurrences,
            vec![
                ("2026-03-22T02:00:00Z".into(), "2026-03-22T02:30:00Z".into()),
                // DST began on March 29: 03:00 local is now 01:00 UTC.
                ("2026-03-29T01:00:00Z".into(), "2026-03-29T01:30:00Z".into()),
                ("2026-04-05T01:00:00Z".into(), "2026-04-05T01:30:00Z".into()),
            ]
        );
    }

    #[test]
    fn merges_overlapping_ranges() {
        let merged = merge(vec![
            TimeRange::new(5, 10),
            TimeRange::new(0, 6),
            TimeRange::new(20, 30),
            TimeRange::new(10, 12),
        ]);
        assert_eq!(merged, vec![TimeRange::new(0, 12), TimeRange::new(20, 30)]);
    }
}
