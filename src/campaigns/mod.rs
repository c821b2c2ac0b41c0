//! One message to several accounts (a campaign): the compose page's other
//! accounts, the content made anew in each (media ids belong to one
//! account), one compose attempt and send per account grouped by a
//! `send_groups` row of kind `campaign`, and the campaign's page.
//!
//! The types here cross to the browser; `plan`, `fanout`, `content` and
//! `store` are server only.

pub mod api;
#[cfg(feature = "ssr")]
pub mod content;
#[cfg(feature = "ssr")]
pub mod fanout;
#[cfg(feature = "ssr")]
pub mod plan;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

pub use crate::sends::CampaignTarget;
use crate::sends::SendState;

/// A campaign as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignPage {
    pub id: i64,
    pub summary: String,
    pub created_at: String,
    pub username: String,
    /// The accounts the caller may use, in the campaign's order.
    pub accounts: Vec<CampaignMember>,
    /// The campaign's accounts the caller may not use: only counted.
    pub hidden: usize,
}

/// One account of a campaign: its send's state and counts, or why it has
/// no send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignMember {
    pub slug: String,
    pub name: String,
    /// The audience in words.
    pub audience: String,
    pub send_id: Option<i64>,
    /// `None`: no send (yet, or it could not be made).
    pub state: Option<SendState>,
    pub delivered: Option<i64>,
    pub failed: Option<i64>,
    /// What went wrong for this account, in words.
    pub problem: Option<String>,
}

impl CampaignMember {
    /// Whether the page should look again: a send still on its way, or an
    /// account whose send is still being made.
    pub fn open(&self) -> bool {
        match self.state {
            None => self.problem.is_none(),
            Some(state) => matches!(
                state,
                SendState::Pending
                    | SendState::Submitted
                    | SendState::Unknown
                    | SendState::AwaitingConfirmation
                    | SendState::Scheduled
                    | SendState::AwaitingApproval
            ),
        }
    }
}

/// The clientmsgid of the campaign's send on account `account_id` other
/// than the one it was composed on: stable (a second Confirm, or the
/// completion after a restart, finds the same attempt and send), and within
/// WeChat's 32 bytes whatever the campaign's is.
#[cfg(feature = "ssr")]
pub fn member_clientmsgid(campaign: &str, account_id: i64) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{campaign}\n{account_id}").as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("qc-{}", &hex[..29])
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn a_member_clientmsgid_is_stable_distinct_and_fits_wechats_32_bytes() {
        let a = member_clientmsgid("qf-abcdefghijkmnpqrstuvwxyz", 2);
        assert_eq!(a, member_clientmsgid("qf-abcdefghijkmnpqrstuvwxyz", 2));
        assert_ne!(a, member_clientmsgid("qf-abcdefghijkmnpqrstuvwxyz", 3));
        assert_ne!(a, member_clientmsgid("qf-abcdefghijkmnpqrstuvwxy2", 2));
        assert_eq!(a.len(), 32);
        assert!(crate::wechat::types::ClientMsgId::parse(a.as_str()).is_ok());
    }
}
