//! WeChat's mass-send quota as data: which rule a send falls under, its
//! limit and its period, counted in China time (UTC+8, no daylight saving)
//! whatever the account's own zone ([OD] Batch_Sends; REFERENCE §1c).
//!
//! - 订阅号 (公众号): 1 successful send a day, to all followers or to a tag.
//! - 服务号: 4 sends to all followers a month; sends to a tag or a list are
//!   not limited for the account, but each follower receives at most 4 a
//!   month (the others' sends to them fail).
//!
//! Sends made in the WeChat web console count too. Running out is 45028.
//! The rule and period types compile for the browser; the arithmetic of
//! the periods is server only.

use serde::{Deserialize, Serialize};

/// 订阅号: successful sends a day.
pub const SUBSCRIPTION_SENDS_PER_DAY: u32 = 1;
/// 服务号: sends to all followers a month.
pub const SERVICE_SENDS_TO_ALL_PER_MONTH: u32 = 4;
/// 服务号: sends one follower receives a month.
pub const SERVICE_SENDS_PER_FOLLOWER_PER_MONTH: u32 = 4;
/// China time, east of UTC.
pub const CHINA_OFFSET_SECS: i64 = 8 * 3600;

/// The span a quota is counted over, in China time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Period {
    Day,
    Month,
}

/// Which of WeChat's rules a send falls under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Rule {
    /// 订阅号: 1 send a day, to all or to a tag.
    SubscriptionDaily,
    /// 服务号 to all followers: 4 a month.
    ServiceToAllMonthly,
    /// 服务号 to a tag or a list: each follower receives at most 4 a month;
    /// the account has no count of its own.
    ServicePerFollower,
}

impl Rule {
    /// The rule of a send by a 服务号 (`service`) or a 订阅号 to all
    /// followers (`to_all`) or not.
    pub fn of(service: bool, to_all: bool) -> Rule {
        match (service, to_all) {
            (false, _) => Rule::SubscriptionDaily,
            (true, true) => Rule::ServiceToAllMonthly,
            (true, false) => Rule::ServicePerFollower,
        }
    }

    pub fn period(self) -> Period {
        match self {
            Rule::SubscriptionDaily => Period::Day,
            Rule::ServiceToAllMonthly | Rule::ServicePerFollower => Period::Month,
        }
    }

    /// Sends in a period: the account's, or one follower's.
    pub fn limit(self) -> u32 {
        match self {
            Rule::SubscriptionDaily => SUBSCRIPTION_SENDS_PER_DAY,
            Rule::ServiceToAllMonthly => SERVICE_SENDS_TO_ALL_PER_MONTH,
            Rule::ServicePerFollower => SERVICE_SENDS_PER_FOLLOWER_PER_MONTH,
        }
    }

    /// Whether the account itself has a count (a follower's limit is
    /// WeChat's alone: a send to a tag is never refused for it).
    pub fn counts_the_account(self) -> bool {
        self != Rule::ServicePerFollower
    }
}

/// A period in China time: `[start, end)` in Unix seconds, and its first
/// and next day's China dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: i64,
    pub end: i64,
    /// The China date it starts on.
    pub first_day: (i32, u8, u8),
    /// The China date it renews on (the day after it ends).
    pub renews_on: (i32, u8, u8),
}

#[cfg(feature = "ssr")]
impl Period {
    /// The period that contains `unix` (seconds), in China time.
    pub fn span(self, unix: i64) -> Span {
        use time::{Date, Month, OffsetDateTime, UtcOffset};
        let china =
            UtcOffset::from_whole_seconds(CHINA_OFFSET_SECS as i32).unwrap_or(UtcOffset::UTC);
        let at = OffsetDateTime::from_unix_timestamp(unix)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .to_offset(china);
        let date = at.date();
        let (first, next) = match self {
            Period::Day => (date, date.next_day().unwrap_or(date)),
            Period::Month => {
                let first = Date::from_calendar_date(date.year(), date.month(), 1).unwrap_or(date);
                let next = match date.month() {
                    Month::December => Date::from_calendar_date(date.year() + 1, Month::January, 1),
                    month => Date::from_calendar_date(date.year(), month.next(), 1),
                }
                .unwrap_or(first);
                (first, next)
            }
        };
        let midnight = |d: Date| d.midnight().assume_offset(china).unix_timestamp();
        let ymd = |d: Date| (d.year(), u8::from(d.month()), d.day());
        Span {
            start: midnight(first),
            end: midnight(next),
            first_day: ymd(first),
            renews_on: ymd(next),
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    /// 2026-12-01T15:59:59Z, one second before midnight in China.
    const BEFORE_MIDNIGHT: i64 = 1_796_140_799;

    #[test]
    fn a_china_day_turns_at_16_00_utc() {
        let day = Period::Day.span(BEFORE_MIDNIGHT);
        assert_eq!(day.first_day, (2026, 12, 1));
        assert_eq!(day.end, BEFORE_MIDNIGHT + 1);
        assert_eq!(day.start, BEFORE_MIDNIGHT + 1 - 24 * 3600);
        assert_eq!(day.renews_on, (2026, 12, 2));
        let next = Period::Day.span(BEFORE_MIDNIGHT + 1);
        assert_eq!((next.start, next.first_day), (day.end, (2026, 12, 2)));
    }

    #[test]
    fn a_china_month_turns_at_16_00_utc_on_the_last_day() {
        // 2026-12-31T15:59:59Z is still December in China; a second later
        // it is January 2027.
        let last = BEFORE_MIDNIGHT + 30 * 24 * 3600;
        let december = Period::Month.span(last);
        assert_eq!(december.first_day, (2026, 12, 1));
        assert_eq!(december.renews_on, (2027, 1, 1));
        assert_eq!(december.start, BEFORE_MIDNIGHT + 1 - 24 * 3600);
        assert_eq!(december.end, last + 1);
        let january = Period::Month.span(last + 1);
        assert_eq!(january.first_day, (2027, 1, 1));
        assert_eq!(january.renews_on, (2027, 2, 1));
        assert_eq!(january.end - january.start, 31 * 24 * 3600);
    }

    #[test]
    fn a_utc_evening_is_the_next_china_day() {
        // 2026-11-30T20:00:00Z is 1 December, 04:00, in China.
        let evening = BEFORE_MIDNIGHT - 24 * 3600 + 4 * 3600 + 1;
        assert_eq!(Period::Day.span(evening).first_day, (2026, 12, 1));
        assert_eq!(Period::Month.span(evening).first_day, (2026, 12, 1));
    }

    #[test]
    fn each_kind_and_audience_has_its_rule() {
        assert_eq!(Rule::of(false, true), Rule::SubscriptionDaily);
        assert_eq!(Rule::of(false, false), Rule::SubscriptionDaily);
        assert_eq!(Rule::of(true, true), Rule::ServiceToAllMonthly);
        assert_eq!(Rule::of(true, false), Rule::ServicePerFollower);
        assert_eq!(
            (
                Rule::SubscriptionDaily.limit(),
                Rule::SubscriptionDaily.period()
            ),
            (1, Period::Day)
        );
        assert_eq!(
            (
                Rule::ServiceToAllMonthly.limit(),
                Rule::ServiceToAllMonthly.period()
            ),
            (4, Period::Month)
        );
        assert!(!Rule::ServicePerFollower.counts_the_account());
    }
}
