//! The Official Accounts one console serves. Each has a slug, the name of
//! its pages (`/a/<slug>/…`) and of its callback URL
//! (`/wechat/callback/<slug>`); every send, callback and compose attempt
//! belongs to one; an editor uses the accounts granted to them, an admin all.
//!
//! The types here compile for the browser too; the table (`store`) and the
//! server functions' bodies are the server's.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

#[cfg(feature = "ssr")]
pub mod store;

/// The slug of the account an existing configuration defines: row 1.
pub const FIRST_SLUG: &str = "main";

/// A slug: 1–32 of `a-z`, `0-9` and `-`, starting with a letter or digit.
pub fn is_valid_slug(text: &str) -> bool {
    (1..=32).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// 订阅号.
    #[default]
    Subscription,
    /// 服务号.
    Service,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Subscription => "subscription",
            Kind::Service => "service",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        match text.trim() {
            "subscription" | "订阅号" => Some(Kind::Subscription),
            "service" | "服务号" => Some(Kind::Service),
            _ => None,
        }
    }

    pub fn words(self, lang: Lang) -> &'static str {
        match self {
            Kind::Subscription => lang.pick("订阅号", "Subscription account (订阅号)"),
            Kind::Service => lang.pick("服务号", "Service account (服务号)"),
        }
    }
}

/// Where an account's access token comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenSource {
    /// `stable_token` with the AppSecret.
    #[default]
    Stable,
    /// The classic `token` call with the AppSecret.
    Classic,
    /// A URL that hands out the token (a third-party platform's
    /// `authorizer_access_token`, a token service of one's own).
    Url,
    /// A token given once.
    Fixed,
}

impl TokenSource {
    pub const ALL: [TokenSource; 4] = [
        TokenSource::Stable,
        TokenSource::Classic,
        TokenSource::Url,
        TokenSource::Fixed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TokenSource::Stable => "stable",
            TokenSource::Classic => "classic",
            TokenSource::Url => "url",
            TokenSource::Fixed => "fixed",
        }
    }

    pub fn parse(text: &str) -> Option<TokenSource> {
        TokenSource::ALL
            .into_iter()
            .find(|source| source.as_str() == text.trim())
    }

    pub fn words(self, lang: Lang) -> &'static str {
        match self {
            TokenSource::Stable => lang.pick(
                "稳定版接口调用凭据（stable_token，AppSecret）",
                "Stable token (stable_token, with the AppSecret)",
            ),
            TokenSource::Classic => lang.pick(
                "普通接口调用凭据（token，AppSecret）",
                "Classic token (token, with the AppSecret)",
            ),
            TokenSource::Url => lang.pick(
                "从网址获取（例如第三方平台的 authorizer_access_token）",
                "From a URL (e.g. a third-party platform's authorizer_access_token)",
            ),
            TokenSource::Fixed => lang.pick("固定的 access_token", "A fixed access token"),
        }
    }

    /// Whether the source needs the AppSecret.
    pub fn needs_secret(self) -> bool {
        matches!(self, TokenSource::Stable | TokenSource::Classic)
    }
}

/// How WeChat sends the account's callbacks (消息加解密方式).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageMode {
    /// 明文模式: no EncodingAESKey.
    #[default]
    Plaintext,
    /// 兼容模式: both, and qunfa reads the encrypted part only.
    Compatible,
    /// 安全模式: encrypted.
    Safe,
}

impl MessageMode {
    pub const ALL: [MessageMode; 3] = [
        MessageMode::Plaintext,
        MessageMode::Compatible,
        MessageMode::Safe,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageMode::Plaintext => "plaintext",
            MessageMode::Compatible => "compatible",
            MessageMode::Safe => "safe",
        }
    }

    pub fn parse(text: &str) -> Option<MessageMode> {
        MessageMode::ALL
            .into_iter()
            .find(|mode| mode.as_str() == text.trim())
    }

    pub fn words(self, lang: Lang) -> &'static str {
        match self {
            MessageMode::Plaintext => lang.pick("明文模式", "Plaintext mode (明文模式)"),
            MessageMode::Compatible => lang.pick("兼容模式", "Compatible mode (兼容模式)"),
            MessageMode::Safe => lang.pick("安全模式（推荐）", "Safe mode (安全模式, recommended)"),
        }
    }

    /// Whether the mode needs the EncodingAESKey.
    pub fn needs_aes_key(self) -> bool {
        self != MessageMode::Plaintext
    }
}

/// Where an account's settings come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// `QUNFA_WECHAT_*`: read at each start, changed there, not here.
    Environment,
    /// Added by an admin in the console or with `qunfa account add`.
    Console,
    /// An account of the built-in simulator.
    Simulator,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Environment => "environment",
            Origin::Console => "console",
            Origin::Simulator => "simulator",
        }
    }

    pub fn parse(text: &str) -> Option<Origin> {
        match text {
            "environment" => Some(Origin::Environment),
            "console" => Some(Origin::Console),
            "simulator" => Some(Origin::Simulator),
            _ => None,
        }
    }
}

/// An account as the navigation shows it: one the user may use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountChoice {
    pub slug: String,
    pub name: String,
    pub kind: Kind,
    pub simulated: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_is_short_lowercase_letters_digits_and_dashes() {
        for good in ["main", "sim-2", "brand-a", "a", "0abc"] {
            assert!(is_valid_slug(good), "{good}");
        }
        for bad in [
            "",
            "-a",
            "Main",
            "a b",
            "a/b",
            "品牌",
            &"a".repeat(33),
            "a_b",
        ] {
            assert!(!is_valid_slug(bad), "{bad}");
        }
    }

    #[test]
    fn stored_names_read_back() {
        for source in TokenSource::ALL {
            assert_eq!(TokenSource::parse(source.as_str()), Some(source));
        }
        for mode in MessageMode::ALL {
            assert_eq!(MessageMode::parse(mode.as_str()), Some(mode));
        }
        for kind in [Kind::Subscription, Kind::Service] {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        for origin in [Origin::Environment, Origin::Console, Origin::Simulator] {
            assert_eq!(Origin::parse(origin.as_str()), Some(origin));
        }
    }
}
