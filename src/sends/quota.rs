//! The account's mass-send quota as qunfa counts it: WeChat's rule for
//! the account's kind and the audience (`wechat::quota`), the sends WeChat
//! took in the period (China time), and the sends that will take it
//! (held, on their way), kept apart. Compose shows what is left
//! ([`account_quota`]), the confirmation warns when a send would exceed it
//! ([`QuotaWarning`]), and a send WeChat refused with 45028 is explained
//! with it ([`refusal_words`]).
//!
//! qunfa sees only its own sends: those made in the WeChat web console
//! count against WeChat's quota too, so every place that shows the count
//! says so, and a send beyond it may still be confirmed (WeChat decides).
//!
//! The types compile for the browser; the counting is server only.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use crate::wechat::quota::{Period, Rule};

use crate::error::AppError;
use crate::i18n::Lang;

/// What is left of the quota a send falls under, in the period around a
/// time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    /// What the rule is about: the account's sends a day or a month, or
    /// each follower's (a 服务号's tag or list sends).
    pub rule: Rule,
    pub period: Period,
    /// Sends in the period: the account's, or one follower's.
    pub limit: u32,
    /// Sends WeChat took in the period, as qunfa counted them (none for a
    /// rule about followers: the account has no count of its own).
    pub used: u32,
    /// Sends that will take the quota in the period: scheduled for a time
    /// in it, or on their way to WeChat.
    pub planned: u32,
    /// `limit - used`, at least 0.
    pub left: u32,
    /// When the period began and when it renews, UTC (`Clock::timestamp`
    /// form).
    pub starts_at: String,
    pub renews_at: String,
    /// The China dates the period starts on and renews on.
    pub first_day: (i32, u8, u8),
    pub renews_on: (i32, u8, u8),
}

/// A send that would exceed what is left: the quota, and whether its
/// period is the current one (today, this month) or a later one (a
/// schedule's).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaWarning {
    pub quota: Quota,
    pub current: bool,
}

/// "2027-01-01".
fn date((year, month, day): (i32, u8, u8)) -> String {
    format!("{year:04}-{month:02}-{day:02}")
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "1 send", "3 sends".
fn sends(n: u32) -> String {
    if n == 1 {
        "1 send".to_owned()
    } else {
        format!("{n} sends")
    }
}

impl Quota {
    /// The account has a count under this rule (a follower's limit is
    /// WeChat's alone).
    pub fn counted(&self) -> bool {
        self.rule.counts_the_account()
    }

    /// One more send in this period would go past the limit, counting the
    /// sends already planned for it.
    pub fn would_exceed(&self) -> bool {
        self.counted() && self.used.saturating_add(self.planned) >= self.limit
    }

    /// When it renews, in words: "北京时间 0 点恢复", "renews on 1 January
    /// at midnight China time".
    pub fn renews(&self, lang: Lang) -> String {
        let (_, month, day) = self.renews_on;
        let name = MONTHS[usize::from(month.clamp(1, 12)) - 1];
        match (lang, self.period) {
            (Lang::Zh, Period::Day) => "北京时间 0 点恢复".to_owned(),
            (Lang::En, Period::Day) => "renews at midnight China time".to_owned(),
            (Lang::Zh, Period::Month) => format!("北京时间 {month} 月 {day} 日 0 点恢复"),
            (Lang::En, Period::Month) => {
                format!("renews on {day} {name} at midnight China time")
            }
        }
    }

    /// What Compose shows beside the audience: "今天还可群发 1 次（北京时间
    /// 0 点恢复）", "3 sends to all followers left this month (…)", or the
    /// limit per follower.
    pub fn line(&self, lang: Lang) -> String {
        let (left, renews) = (self.left, self.renews(lang));
        let line = match (lang, self.rule) {
            (Lang::Zh, Rule::SubscriptionDaily) => format!("今天还可群发 {left} 次（{renews}）"),
            (Lang::En, Rule::SubscriptionDaily) => {
                format!("{} left today ({renews})", sends(left))
            }
            (Lang::Zh, Rule::ServiceToAllMonthly) => {
                format!("本月还可群发全部粉丝 {left} 次（{renews}）")
            }
            (Lang::En, Rule::ServiceToAllMonthly) => {
                format!(
                    "{} to all followers left this month ({renews})",
                    sends(left)
                )
            }
            (Lang::Zh, Rule::ServicePerFollower) => format!(
                "服务号按标签群发不限次数，但每位粉丝每月最多收到 {} 次群发，超出的粉丝收不到（{renews}）",
                self.limit
            ),
            (Lang::En, Rule::ServicePerFollower) => format!(
                "A service account may send to a tag any number of times, but each follower receives at most {} mass sends a month; followers past that do not get it ({renews})",
                self.limit
            ),
        };
        let planned = self.planned;
        match (lang, self.counted() && planned > 0) {
            (_, false) => line,
            (Lang::Zh, true) => format!("{line}；另有 {planned} 次正在发送或已定时"),
            (Lang::En, true) => {
                format!("{line}; {planned} more on the way or scheduled")
            }
        }
    }
}

/// Sends made in the WeChat web console count too: said wherever a count
/// is shown.
pub fn console_note(lang: Lang) -> &'static str {
    lang.pick(
        "在微信公众平台网页上的群发也计入次数，qunfa 看不到，所以实际剩余可能更少。",
        "Sends made in the WeChat web console count too, and qunfa cannot see them: fewer may be left.",
    )
}

/// "订阅号" / "this subscription account".
fn account_words(rule: Rule, lang: Lang) -> &'static str {
    match rule {
        Rule::SubscriptionDaily => lang.pick("这个订阅号", "This subscription account"),
        _ => lang.pick("这个服务号", "This service account"),
    }
}

/// The rule and qunfa's count of the period, in words: "这个订阅号每天只能
/// 群发 1 次，今天已群发 1 次（北京时间）".
fn rule_and_count(quota: &Quota, current: bool, lang: Lang) -> String {
    let who = account_words(quota.rule, lang);
    let (limit, used, day) = (quota.limit, quota.used, date(quota.first_day));
    let when = match (lang, quota.period, current) {
        (Lang::Zh, Period::Day, true) => "今天".to_owned(),
        (Lang::Zh, Period::Month, true) => "本月".to_owned(),
        (Lang::Zh, Period::Day, false) => format!("{day} 这天"),
        (Lang::Zh, Period::Month, false) => format!("{} 这个月", &day[..7]),
        (Lang::En, Period::Day, true) => "today".to_owned(),
        (Lang::En, Period::Month, true) => "this month".to_owned(),
        (Lang::En, Period::Day, false) => format!("on {day}"),
        (Lang::En, Period::Month, false) => format!("in {}", &day[..7]),
    };
    match (lang, quota.rule) {
        (Lang::Zh, Rule::SubscriptionDaily) => format!(
            "{who}每天只能群发 {limit} 次（发给全部粉丝或按标签都算），{when}已群发 {used} 次（北京时间，qunfa 所见）"
        ),
        (Lang::En, Rule::SubscriptionDaily) => format!(
            "{who} may mass-send {limit} time a day (to all followers or to a tag), and qunfa has seen {} {when} (China time)",
            sends(used)
        ),
        (Lang::Zh, _) => format!(
            "{who}每月只能群发全部粉丝 {limit} 次，{when}已群发全部粉丝 {used} 次（北京时间，qunfa 所见）"
        ),
        (Lang::En, _) => format!(
            "{who} may send to all followers {limit} times a month, and qunfa has seen {} to all followers {when} (China time)",
            sends(used)
        ),
    }
}

impl QuotaWarning {
    /// The warning when `quota` would be exceeded by one more send, its
    /// period the current one at `now` (`Clock::timestamp`) or not.
    pub fn of(quota: Quota, now: &str) -> Option<QuotaWarning> {
        if !quota.would_exceed() {
            return None;
        }
        let current = quota.starts_at.as_str() <= now && now < quota.renews_at.as_str();
        Some(QuotaWarning { quota, current })
    }

    /// The confirmation's warning, before Confirm.
    pub fn words(&self, lang: Lang) -> String {
        let quota = &self.quota;
        let count = rule_and_count(quota, self.current, lang);
        let planned = quota.planned;
        let planned = match (lang, planned) {
            (_, 0) => String::new(),
            (Lang::Zh, n) => format!("，另有 {n} 次正在发送或已定时"),
            (Lang::En, n) => {
                format!(", with {n} more on the way or scheduled")
            }
        };
        match lang {
            Lang::Zh => format!(
                "{count}{planned}：这次群发很可能被微信拒绝（错误码 45028，群发次数已用完），{}。仍可确认发送，由微信决定。{}",
                quota.renews(lang),
                console_note(lang)
            ),
            Lang::En => format!(
                "{count}{planned}: WeChat will likely refuse this send (errcode 45028, no mass-send quota left); the quota {}. You may still confirm; WeChat decides. {}",
                quota.renews(lang),
                console_note(lang)
            ),
        }
    }
}

/// Why WeChat refused a send with 45028, with the rule and what qunfa
/// counted in the period of the refusal (`current`: the period is still
/// the current one).
pub fn refusal_words(quota: &Quota, current: bool, lang: Lang) -> String {
    let count = rule_and_count(quota, current, lang);
    match lang {
        Lang::Zh => format!(
            "{count}。在微信公众平台网页上的群发也计入次数，qunfa 看不到；{}后可再发。",
            quota.renews(lang)
        ),
        Lang::En => format!(
            "{count}. Sends made in the WeChat web console count too, and qunfa cannot see them; send again once the quota {}.",
            quota.renews(lang)
        ),
    }
}

/// What is left of the account's quota for a send now to all followers
/// (`to_all`) or not: the line Compose shows beside the audience.
#[server(endpoint = "account_quota")]
pub async fn account_quota(account: String, to_all: bool) -> Result<Quota, AppError> {
    let call = crate::edge::on_account(&account).await?;
    let now = call.app.account.sends.now();
    Ok(quota_for(
        &call.app.db,
        call.app.account.id,
        call.app.account.kind,
        to_all,
        &now,
    )
    .await?)
}

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use sqlx::SqlitePool;

    use super::{Quota, QuotaWarning};
    use crate::accounts::Kind;
    use crate::i18n::Lang;
    use crate::sends::store::StoreError;
    use crate::wechat::quota::Rule;

    /// The rule of a send by an account of `kind`.
    pub fn rule(kind: Kind, to_all: bool) -> Rule {
        Rule::of(kind == Kind::Service, to_all)
    }

    /// `unix` seconds as `Clock::timestamp` writes them.
    fn timestamp(unix: i64) -> String {
        let at = time::OffsetDateTime::from_unix_timestamp(unix)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        )
    }

    /// `at` (`Clock::timestamp`, RFC 3339) in Unix seconds.
    fn unix(at: &str) -> Result<i64, StoreError> {
        time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
            .map(|at| at.unix_timestamp())
            .map_err(|error| StoreError::Database(sqlx::Error::Decode(Box::new(error))))
    }

    /// The quota a send by account `account_id` of `kind`, to all
    /// followers (`to_all`) or not, at `at` (`Clock::timestamp`) falls
    /// under, with the sends WeChat took in its period (`sends.submitted_at`)
    /// and those planned for it, kept apart. Schedule, approval and
    /// campaigns call it for their warnings.
    pub async fn quota_for(
        db: &SqlitePool,
        account_id: i64,
        kind: Kind,
        to_all: bool,
        at: &str,
    ) -> Result<Quota, StoreError> {
        quota_except(db, account_id, kind, to_all, at, None).await
    }

    /// [`quota_for`] without send `except` among the planned ones (the send
    /// being approved or rescheduled, which is itself planned).
    pub async fn quota_except(
        db: &SqlitePool,
        account_id: i64,
        kind: Kind,
        to_all: bool,
        at: &str,
        except: Option<i64>,
    ) -> Result<Quota, StoreError> {
        let rule = rule(kind, to_all);
        let span = rule.period().span(unix(at)?);
        let (start, end) = (timestamp(span.start), timestamp(span.end));
        let (used, planned) = if rule.counts_the_account() {
            // A 服务号's count is of its sends to all followers only.
            let to_all_only = rule == Rule::ServiceToAllMonthly;
            let used = sqlx::query_scalar!(
                r#"SELECT COUNT(*) AS "n!: i64" FROM sends
                   WHERE account_id = ?1 AND submitted_at IS NOT NULL
                     AND submitted_at >= ?2 AND submitted_at < ?3
                     AND endpoint = 'sendall' AND (NOT ?4 OR tag_id IS NULL)"#,
                account_id,
                start,
                end,
                to_all_only,
            )
            .fetch_one(db)
            .await?;
            let except = except.unwrap_or(-1);
            // Scheduled sends count at their time, those on their way at
            // their release. A send awaiting approval does not: it may never
            // be approved, and two waiting sends would each warn of the other.
            let planned = sqlx::query_scalar!(
                r#"SELECT COUNT(*) AS "n!: i64" FROM sends
                   WHERE account_id = ?1 AND id != ?5 AND submitted_at IS NULL
                     AND endpoint = 'sendall' AND (NOT ?4 OR tag_id IS NULL)
                     AND ((state = 'scheduled'
                           AND scheduled_at >= ?2 AND scheduled_at < ?3)
                       OR (state IN ('pending', 'unknown', 'awaiting_confirmation')
                           AND COALESCE(released_at, created_at) >= ?2
                           AND COALESCE(released_at, created_at) < ?3))"#,
                account_id,
                start,
                end,
                to_all_only,
                except,
            )
            .fetch_one(db)
            .await?;
            (used, planned)
        } else {
            (0, 0)
        };
        let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        let (used, planned) = (count(used), count(planned));
        Ok(Quota {
            rule,
            period: rule.period(),
            limit: rule.limit(),
            used,
            planned,
            left: rule.limit().saturating_sub(used),
            starts_at: start,
            renews_at: end,
            first_day: span.first_day,
            renews_on: span.renews_on,
        })
    }

    /// The warning for a send at `at` that would exceed the quota, or
    /// `None`; `now` says whether its period is the current one, `except`
    /// leaves the send itself out of the planned ones. What Compose's
    /// confirmation shows, and what a schedule or an approval warns with.
    pub async fn would_exceed(
        db: &SqlitePool,
        account_id: i64,
        kind: Kind,
        to_all: bool,
        at: &str,
        now: &str,
        except: Option<i64>,
    ) -> Result<Option<QuotaWarning>, StoreError> {
        let quota = quota_except(db, account_id, kind, to_all, at, except).await?;
        Ok(QuotaWarning::of(quota, now))
    }

    /// For a send refused with 45028: the rule and what qunfa counted in
    /// the period it was refused in (its release), in words; `None` for
    /// any other send.
    pub async fn refusal(
        db: &SqlitePool,
        send_id: i64,
        kind: Kind,
        now: &str,
        lang: Lang,
    ) -> Result<Option<String>, StoreError> {
        let send = sqlx::query!(
            r#"SELECT account_id, tag_id IS NULL AS "to_all!: bool",
                      COALESCE(released_at, created_at) AS "at!: String"
               FROM sends WHERE id = ? AND errcode = 45028"#,
            send_id
        )
        .fetch_optional(db)
        .await?;
        let Some(send) = send else { return Ok(None) };
        let quota = quota_except(
            db,
            send.account_id,
            kind,
            send.to_all,
            &send.at,
            Some(send_id),
        )
        .await?;
        let current = quota.starts_at.as_str() <= now && now < quota.renews_at.as_str();
        Ok(Some(super::refusal_words(&quota, current, lang)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(rule: Rule, used: u32, planned: u32) -> Quota {
        Quota {
            rule,
            period: rule.period(),
            limit: rule.limit(),
            used,
            planned,
            left: rule.limit().saturating_sub(used),
            starts_at: "2026-11-30T16:00:00.000Z".into(),
            renews_at: "2026-12-01T16:00:00.000Z".into(),
            first_day: (2026, 12, 1),
            renews_on: (2026, 12, 2),
        }
    }

    #[test]
    fn compose_says_what_is_left_and_when_it_renews() {
        let day = quota(Rule::SubscriptionDaily, 0, 0);
        assert_eq!(day.line(Lang::Zh), "今天还可群发 1 次（北京时间 0 点恢复）");
        assert_eq!(
            day.line(Lang::En),
            "1 send left today (renews at midnight China time)"
        );
        let used = quota(Rule::SubscriptionDaily, 1, 0);
        assert_eq!(
            used.line(Lang::En),
            "0 sends left today (renews at midnight China time)"
        );
        let mut month = quota(Rule::ServiceToAllMonthly, 1, 1);
        month.renews_on = (2027, 1, 1);
        assert_eq!(
            month.line(Lang::Zh),
            "本月还可群发全部粉丝 3 次（北京时间 1 月 1 日 0 点恢复）；另有 1 次正在发送或已定时"
        );
        assert_eq!(
            month.line(Lang::En),
            "3 sends to all followers left this month (renews on 1 January at midnight China time); 1 more on the way or scheduled"
        );
        let follower = quota(Rule::ServicePerFollower, 0, 0);
        assert!(
            follower
                .line(Lang::En)
                .contains("at most 4 mass sends a month")
        );
        assert!(!follower.counted() && !follower.would_exceed());
    }

    #[test]
    fn a_send_would_exceed_when_used_and_planned_reach_the_limit() {
        assert!(!quota(Rule::SubscriptionDaily, 0, 0).would_exceed());
        assert!(quota(Rule::SubscriptionDaily, 1, 0).would_exceed());
        assert!(quota(Rule::SubscriptionDaily, 0, 1).would_exceed());
        assert!(!quota(Rule::ServiceToAllMonthly, 2, 1).would_exceed());
        assert!(quota(Rule::ServiceToAllMonthly, 3, 1).would_exceed());
        let now = "2026-12-01T08:00:00.000Z";
        assert_eq!(
            QuotaWarning::of(quota(Rule::SubscriptionDaily, 0, 0), now),
            None
        );
        let warning = QuotaWarning::of(quota(Rule::SubscriptionDaily, 1, 0), now).unwrap();
        assert!(warning.current);
        assert!(
            warning.words(Lang::Zh).starts_with(
                "这个订阅号每天只能群发 1 次（发给全部粉丝或按标签都算），今天已群发 1 次"
            ),
            "{}",
            warning.words(Lang::Zh)
        );
        assert!(warning.words(Lang::En).contains("45028"));
        let later = QuotaWarning::of(
            quota(Rule::SubscriptionDaily, 0, 1),
            "2026-12-01T16:00:00.000Z",
        )
        .unwrap();
        assert!(!later.current);
        assert!(
            later.words(Lang::En).contains("on 2026-12-01"),
            "{}",
            later.words(Lang::En)
        );
    }

    #[test]
    fn a_refusal_names_the_rule_and_the_count() {
        let words = refusal_words(&quota(Rule::SubscriptionDaily, 1, 0), true, Lang::Zh);
        assert!(
            words.starts_with(
                "这个订阅号每天只能群发 1 次（发给全部粉丝或按标签都算），今天已群发 1 次（北京时间"
            ),
            "{words}"
        );
        let words = refusal_words(&quota(Rule::ServiceToAllMonthly, 4, 0), false, Lang::En);
        assert!(
            words.starts_with("This service account may send to all followers 4 times a month, and qunfa has seen 4 sends to all followers in 2026-12"),
            "{words}"
        );
    }
}
