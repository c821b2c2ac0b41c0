//! Read statistics: how each article send was read, from WeChat's
//! `datacube` (CONTENT.md §6), tied to the send itself.
//!
//! The worker of each account (`fetch`, server only) asks WeChat once a day
//! per endpoint after 08:00 China time, stores every day's figures
//! (`store`, server only) and never calls on behalf of a page; the pages'
//! server functions (`api`) read only what is stored.

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
    pub fn total(&self) -> u64 {
        self.message + self.history + self.shares + self.other
    }
}
