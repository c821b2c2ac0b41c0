//! Read statistics: how each article send was read, from WeChat's
//! `datacube` (CONTENT.md §6), tied to the send itself.
//!
//! The worker of each account (`fetch`, server only) asks WeChat once a day
//! per endpoint after 08:00 China time, stores every day's figures
//! (`store`, server only) and never calls on behalf of a page; the pages'
//! server functions (`api`) read only what is stored.

pub mod api;
#[cfg(feature = "ssr")]
pub mod fetch;
pub mod overview;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

/// How many China-time days after its send qunfa follows a send's
/// articles: the period WeChat keeps counting an article's figures
/// (`getarticletotaldetail`'s sums stop 30 days after publication).
pub const FOLLOW_DAYS: i64 = 30;

/// WeChat's day's figures are ready from this hour (China time) of the
/// next day.
pub const READY_HOUR: i8 = 8;

/// Where a day's readers came from, in the four groups the pages show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sources {
    /// The message itself (会话).
    pub message: u64,
    /// The account's history (历史消息页).
    pub history: u64,
    /// Shares: a friend's (好友转发) and Moments (朋友圈).
    pub shares: u64,
    /// Everything else (搜一搜, 看一看, other).
    pub other: u64,
}

impl Sources {
    /// The two added group by group (a list's calls, an article's days);
    /// WeChat's figures are not ours to trust: never an overflow.
    pub fn plus(self, other: Sources) -> Sources {
        Sources {
            message: self.message.saturating_add(other.message),
            history: self.history.saturating_add(other.history),
            shares: self.shares.saturating_add(other.shares),
            other: self.other.saturating_add(other.other),
        }
    }

    pub fn total(&self) -> u64 {
        // WeChat's figures are not ours to trust: never an overflow.
        self.message
            .saturating_add(self.history)
            .saturating_add(self.shares)
            .saturating_add(self.other)
    }
}

/// Why WeChat gives an account no statistics (48001, 61007), in words
/// with what to do, for the notice the pages show once in place of figures.
pub fn denied_words(errcode: i64, lang: crate::i18n::Lang) -> String {
    use crate::wechat::errcode::ErrCode;
    let code = ErrCode::from_code(errcode);
    // Their own remedies: the errcodes' general ones speak of mass sends.
    let (why, remedy) = match code {
        ErrCode::ApiUnauthorized => (
            lang.pick(
                "微信不向这个公众号提供阅读数据（48001）：数据接口只对已认证的公众号开放。",
                "WeChat gives this account no read statistics (48001): the statistics API is open to verified accounts only.",
            )
            .to_owned(),
            lang.pick(
                "请在微信公众平台完成微信认证；认证后 qunfa 会在 7 天内再次询问，阅读数据随后自动出现。",
                "Complete WeChat verification on the Official Accounts Platform; qunfa asks again within 7 days and the figures then appear by themselves.",
            ),
        ),
        ErrCode::ComponentApiUnauthorized => (
            lang.pick(
                "第三方平台没有这个公众号的数据统计权限（61007）。",
                "The third-party platform has no permission for this account's statistics (61007).",
            )
            .to_owned(),
            lang.pick(
                "请公众号管理员重新授权第三方平台，并勾选“数据统计”权限集；qunfa 会在 7 天内再次询问。",
                "Ask the account's administrator to authorise the third-party platform again with the statistics (数据统计) permission set; qunfa asks again within 7 days.",
            ),
        ),
        _ => (code.message(lang).to_string(), code.remedy(lang)),
    };
    format!("{why} {remedy}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn statistics_denials_have_their_own_remedy_not_the_mass_sends() {
        for code in [48001, 61007] {
            for lang in [Lang::Zh, Lang::En] {
                let words = denied_words(code, lang);
                assert!(words.contains(&code.to_string()), "{words}");
                assert!(words.contains('7'), "{words}");
                for mass in ["Mass-send", "overseas", "群发", "海外"] {
                    assert!(!words.contains(mass), "{words}");
                }
            }
        }
    }

    #[test]
    fn a_total_of_huge_figures_does_not_overflow() {
        let sources = Sources {
            message: u64::MAX,
            history: 1,
            shares: 1,
            other: 1,
        };
        assert_eq!(sources.total(), u64::MAX);
    }
}

/// What a send's page shows of its read figures (`api::send_stats`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SendFigures {
    pub state: FiguresState,
    /// WeChat's SentCount: what the read rates are of (a list send's:
    /// its calls' summed).
    pub sent_count: Option<i64>,
    /// One per article, in order; empty unless `state` is `Figures`.
    pub articles: Vec<ArticleStats>,
}

/// Where a send's figures stand, ready to be worded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FiguresState {
    /// Not a finished article send: the page shows no section.
    NotArticle,
    /// No day of its figures fetched yet; WeChat's first come after `first`: 08:00
    /// China time the day after the send, in the account's zone as text.
    /// `due`: that time has passed (the next daily fetch brings them).
    NotYet { first: String, due: bool },
    /// WeChat gives this account no figures (`denied_words`).
    Denied { words: String },
    /// Figures; `until` is the last China-time day followed
    /// (`YYYY-MM-DD`, the send's day + `FOLLOW_DAYS` − 1), `followed`
    /// whether qunfa still fetches its figures.
    Figures { until: String, followed: bool },
}

/// One article's figures over the days since its send.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArticleStats {
    /// 1-based, as in WeChat's msgid.
    pub index: u32,
    /// Its title, where the send kept it.
    pub title: Option<String>,
    /// Every China-time day from the send's to the latest stored or
    /// fetched (a list send: its calls' days summed). A fetched day with
    /// no row of this article (WeChat lists only articles read that day)
    /// has readers `Some(0)` when `getarticleread` was fetched and sharers
    /// `Some(0)` when `getarticleshare` was; reads and favourites stay
    /// `None`. A day not fetched has every figure `None`.
    pub days: Vec<DayFigures>,
    /// The days' figures summed; `None` where no day had that figure.
    pub totals: DayFigures,
    /// Where the readers came from, summed over the days that said so;
    /// `None` when none did.
    pub sources: Option<Sources>,
    /// Its readers summed over the days / the send's SentCount.
    pub read_rate: Option<f64>,
}

/// One day's figures of an article (or their totals, `date` empty).
/// `None`: WeChat's answer did not carry it, or the day was not fetched
/// (shown as "—", never 0).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayFigures {
    /// `YYYY-MM-DD`, China time.
    pub date: String,
    pub readers: Option<u64>,
    pub reads: Option<u64>,
    pub favourites: Option<u64>,
    pub sharers: Option<u64>,
    /// WeChat said the day was not final yet (asked again later).
    pub delayed: bool,
}
