//! The mass-send quota of the account's kind (`wechat::quota`), on the
//! simulator's clock, in China time: a 订阅号 has one successful `sendall`
//! (to all or to a tag) a day, a 服务号 four `is_to_all` sends a month;
//! beyond, 45028 "has no masssend quota". A 服务号's sends to a tag are
//! not limited, but each follower receives at most four a month: a list
//! send (`mass/send`) asks [`deliverable`] which followers still may.
//!
//! What counts is the account's recorded jobs (a call refused, or answered
//! 45065 for a clientmsgid seen before, records none), except those its
//! admin refused (API 群发保护), so a reset starts the count again. The
//! quota is enforced unless switched off (`POST /control/quota`,
//! [`super::SimulatorConfig::enforce_quota`]): tests that send several
//! times a day switch it off.

use std::collections::HashMap;
use std::time::Duration;

use super::AccountKind;
use super::scenario::AdminDecision;
use super::state::{State, wechat_error};
use crate::wechat::errcode::ApiError;
use crate::wechat::quota::Rule;

/// The rule of a send by an account of `kind`.
fn rule(kind: AccountKind, to_all: bool) -> Rule {
    Rule::of(kind == AccountKind::Service, to_all)
}

fn unix(now: Duration) -> i64 {
    i64::try_from(now.as_secs()).unwrap_or(i64::MAX)
}

/// The account's sends that count against `rule` in the period around
/// `now`.
pub(crate) fn used(state: &State, rule: Rule, now: Duration) -> u32 {
    let span = rule.period().span(unix(now));
    let counted = state
        .jobs
        .values()
        .filter(|job| {
            let at = unix(job.submitted_at);
            (span.start..span.end).contains(&at)
        })
        // A list send (`mass/send`) is not the account's: its limit is each
        // follower's.
        .filter(|job| job.list.is_none())
        .filter(|job| rule != Rule::ServiceToAllMonthly || job.request.filter.is_to_all())
        .filter(|job| {
            !matches!(
                job.scenario.admin.map(|a| a.decision),
                Some(AdminDecision::Reject | AdminDecision::Timeout)
            )
        })
        .count();
    u32::try_from(counted).unwrap_or(u32::MAX)
}

/// 45028 when a `sendall` (to all followers or not) by an account of
/// `kind` at `now` is beyond its quota; a 服务号's send to a tag never is.
pub(crate) fn check_sendall(
    state: &State,
    kind: AccountKind,
    to_all: bool,
    now: Duration,
) -> Result<(), ApiError> {
    let rule = rule(kind, to_all);
    if rule.counts_the_account() && used(state, rule, now) >= rule.limit() {
        return Err(wechat_error(45028));
    }
    Ok(())
}

/// Which followers have received how many list sends, and when (kept in
/// an account's state by `mass/send`'s handler).
#[allow(dead_code, reason = "the simulator's mass/send handler keeps one")]
#[derive(Clone, Debug, Default)]
pub(crate) struct FollowerLedger {
    received: HashMap<String, Vec<i64>>,
}

/// For a send to `openids` by a 服务号 at `now`: whether each follower
/// may still receive it (fewer than four sends this China-time month),
/// recording the delivery for those who may. WeChat does not refuse the
/// call for the others; they are counted as not sent. Another kind of
/// account has no such limit: everyone may. For `mass/send`'s handler.
#[allow(dead_code, reason = "the simulator's mass/send handler calls it")]
pub(crate) fn deliverable(
    ledger: &mut FollowerLedger,
    kind: AccountKind,
    openids: &[&str],
    now: Duration,
) -> Vec<bool> {
    if kind != AccountKind::Service {
        return vec![true; openids.len()];
    }
    let rule = Rule::ServicePerFollower;
    let span = rule.period().span(unix(now));
    let limit = usize::try_from(rule.limit()).unwrap_or(usize::MAX);
    openids
        .iter()
        .map(|openid| {
            let times = ledger.received.entry((*openid).to_owned()).or_default();
            times.retain(|at| (span.start..span.end).contains(at));
            let may = times.len() < limit;
            if may {
                times.push(unix(now));
            }
            may
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-01T15:59:59Z: one second before midnight in China.
    const BEFORE_MIDNIGHT: Duration = Duration::from_secs(1_796_140_799);
    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn a_follower_of_a_service_account_receives_four_list_sends_a_month() {
        let mut ledger = FollowerLedger::default();
        for _ in 0..4 {
            assert_eq!(
                deliverable(
                    &mut ledger,
                    AccountKind::Service,
                    &["a", "b"],
                    BEFORE_MIDNIGHT
                ),
                [true, true]
            );
        }
        assert_eq!(
            deliverable(
                &mut ledger,
                AccountKind::Service,
                &["a", "c"],
                BEFORE_MIDNIGHT
            ),
            [false, true]
        );
        // A subscription account has no limit per follower.
        assert_eq!(
            deliverable(
                &mut ledger,
                AccountKind::Subscription,
                &["a"],
                BEFORE_MIDNIGHT
            ),
            [true]
        );
        // January in China starts 30 days and a second later.
        let january = BEFORE_MIDNIGHT + Duration::from_secs(30 * 24 * 3600) + SECOND;
        assert_eq!(
            deliverable(&mut ledger, AccountKind::Service, &["a"], january),
            [true]
        );
    }
}
