//! The `/a/<account>/settings` page's data: what an admin copies into the
//! WeChat console for that account, and whether its callbacks, their
//! forwarding and its access token work. Secrets stay on
//! the server: the EncodingAESKey, the AppSecret, the access token and an
//! external token URL's query are never in the answer. The callback Token is,
//! because the admin must type it into the WeChat console; only admins get
//! it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{error::AppError, i18n::Lang};

/// What `/settings` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    pub name: String,
    pub kind: crate::accounts::Kind,
    pub message_mode: crate::accounts::MessageMode,
    /// `QUNFA_PUBLIC_URL` + `/wechat/callback/<account>` (`/wechat/callback`
    /// for the configured account): the 服务器地址 (URL).
    pub callback_url: String,
    /// The 令牌 (Token) of the callback.
    pub callback_token: String,
    /// Whether an EncodingAESKey is configured; the key itself never leaves
    /// the server.
    pub aes_key_set: bool,
    /// True when the account is one of the built-in simulator's.
    pub simulator: bool,
    pub appid: String,
    pub health: HealthView,
    /// `None` when callbacks are not passed on to a backend.
    pub forwarding: Option<ForwardingView>,
    pub access_token: AccessTokenView,
    /// Its sends wait for a reviewer's approval before they go.
    pub needs_approval: bool,
    /// The account's time zone for schedules, in words.
    #[serde(default)]
    pub time_zone: String,
}

impl SettingsView {
    /// The 消息加解密方式 to choose in the WeChat console.
    pub fn message_mode(&self, lang: Lang) -> &'static str {
        if self.aes_key_set {
            lang.pick(
                "安全模式或兼容模式（已设置 EncodingAESKey；只接受加密的回调，明文回调会被拒绝）",
                "Safe mode or compatible mode (EncodingAESKey set; only encrypted callbacks are accepted, plaintext ones are refused)",
            )
        } else {
            lang.pick(
                "明文模式（未设置 EncodingAESKey）",
                "Plaintext mode (no EncodingAESKey)",
            )
        }
    }
}

impl SettingsView {
    /// What plaintext mode means, when it is the mode in use: WeChat signs
    /// the query string (Token, timestamp, nonce) but not the body.
    pub fn plaintext_warning(&self, lang: Lang) -> Option<&'static str> {
        if self.aes_key_set {
            return None;
        }
        Some(lang.pick(
            "明文模式：消息体没有签名。微信只对查询字符串（Token、timestamp、nonce）签名，截获一次回调查询字符串的人可在 5 分钟内提交任意内容。建议使用安全模式：在微信公众平台选择“安全模式”，并把 EncodingAESKey 设为 QUNFA_WECHAT_AES_KEY。",
            "Plaintext mode: the body is not signed. WeChat signs only the query string (Token, timestamp, nonce), so anyone who captures one callback's query string can post any body for five minutes. Safe mode (安全模式) is recommended: choose it in the WeChat console and set QUNFA_WECHAT_AES_KEY to the EncodingAESKey.",
        ))
    }
}

/// Callbacks since this server started (kept in memory only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthView {
    pub accepted: u64,
    pub refused: u64,
    /// Unix seconds.
    pub last_accepted: Option<i64>,
    pub last_refused: Option<RefusedView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedView {
    /// Unix seconds.
    pub at: i64,
    /// Why, in the language of the request.
    pub reason: String,
}

/// Callbacks passed on to the account's backend in the last hour (kept in
/// memory since this server started).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardingView {
    /// The forward URL without its query, fragment and user information,
    /// which may hold a key.
    pub url: String,
    pub timeout_ms: u64,
    /// The backend's answer went to WeChat.
    pub ok: u64,
    /// No answer within the timeout: WeChat got `success` from qunfa.
    pub timed_out: u64,
    /// Any other failure: WeChat got `success` from qunfa.
    pub failed: u64,
    /// How long the backend took to answer, of the forwards it answered.
    pub median_micros: Option<u64>,
    pub p99_micros: Option<u64>,
    pub last_failure: Option<ForwardFailureView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardFailureView {
    /// Unix seconds.
    pub at: i64,
    /// What happened, in the language of the request.
    pub words: String,
}

/// `0.8 ms`, `12 ms`, `1.2 s`: an answer time as the settings page shows it.
pub fn answer_time(micros: u64) -> String {
    match micros {
        0..10_000 => format!("{:.1} ms", micros as f64 / 1000.0),
        10_000..1_000_000 => format!("{} ms", micros / 1000),
        _ => format!("{:.1} s", micros as f64 / 1_000_000.0),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenView {
    pub source: TokenSourceView,
    /// When the token held in memory expires (Unix seconds); `None` until
    /// one has been fetched (or loaded from the cache) since the start.
    pub expires_at: Option<i64>,
}

/// Where the access token comes from, without any secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenSourceView {
    /// `cgi-bin/stable_token` with the AppSecret.
    Stable,
    /// The classic `cgi-bin/token` with the AppSecret.
    Classic,
    /// Fetched from this URL, shown without its query, fragment and user
    /// information, which may hold a key.
    External { url: String },
    /// A fixed token, never refreshed.
    Fixed,
}

impl TokenSourceView {
    pub fn words(&self, lang: Lang) -> &'static str {
        match self {
            TokenSourceView::Stable => lang.pick(
                "stable_token 接口（AppID 和 AppSecret）",
                "the stable_token call (AppID and AppSecret)",
            ),
            TokenSourceView::Classic => lang.pick(
                "普通 token 接口（AppID 和 AppSecret；每次获取都会使旧 token 失效）",
                "the classic token call (AppID and AppSecret; each fetch revokes the previous token)",
            ),
            TokenSourceView::External { .. } => lang.pick(
                "从外部地址获取",
                "fetched from an external URL",
            ),
            TokenSourceView::Fixed => lang.pick(
                "固定的 access_token（不会刷新）",
                "a fixed access token (never refreshed)",
            ),
        }
    }
}

#[server(endpoint = "load_settings")]
pub async fn load_settings(account: String) -> Result<SettingsView, AppError> {
    let call = crate::edge::admin_on_account(&account).await?;
    Ok(ssr::view(&call.app, call.lang))
}

#[cfg(feature = "ssr")]
mod ssr {
    use std::time::{SystemTime, UNIX_EPOCH};

    use super::*;
    use secrecy::ExposeSecret;

    use crate::{
        callbacks::endpoint::Refusal, shell::state::AccountState, wechat::token::TokenSource,
    };

    pub fn view(app: &AccountState, lang: Lang) -> SettingsView {
        let account = &app.account;
        let health = account.callbacks.health.snapshot();
        let tokens = account.wechat.tokens();
        let keys = &account.callbacks.keys;
        SettingsView {
            name: account.name.clone(),
            kind: account.kind,
            message_mode: account.message_mode,
            callback_url: app.app.settings.callback_url(account.id, &account.slug),
            callback_token: keys.token.expose_secret().to_owned(),
            aes_key_set: keys.crypto.is_some(),
            simulator: account.is_simulated(),
            appid: account.appid.clone(),
            health: HealthView {
                accepted: health.accepted,
                refused: health.refused,
                last_accepted: health.last_accepted.map(unix),
                last_refused: health.last_refused.map(|(at, reason)| RefusedView {
                    at: unix(at),
                    reason: refusal_words(&reason, lang),
                }),
            },
            forwarding: account.callbacks.forward.as_deref().map(|forwarder| {
                let hour = forwarder.last_hour();
                let micros =
                    |d: std::time::Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
                ForwardingView {
                    url: without_secrets(forwarder.url()),
                    timeout_ms: u64::try_from(forwarder.timeout().as_millis()).unwrap_or(u64::MAX),
                    ok: hour.ok,
                    timed_out: hour.timed_out,
                    failed: hour.failed,
                    median_micros: hour.median.map(micros),
                    p99_micros: hour.p99.map(micros),
                    last_failure: hour.last_failure.map(|(at, failure)| ForwardFailureView {
                        at: unix(at),
                        words: failure.words(lang),
                    }),
                }
            }),
            access_token: AccessTokenView {
                source: match tokens.source() {
                    TokenSource::Stable { .. } => TokenSourceView::Stable,
                    TokenSource::Classic { .. } => TokenSourceView::Classic,
                    TokenSource::External { url } => TokenSourceView::External {
                        url: without_secrets(url),
                    },
                    TokenSource::Fixed(_) => TokenSourceView::Fixed,
                },
                expires_at: tokens.expires_at(),
            },
            needs_approval: account.needs_approval,
            time_zone: crate::sends::schedule::zone_words(&account.time_zone, lang),
        }
    }

    fn unix(at: SystemTime) -> i64 {
        at.duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    }

    use crate::shell::config::url_without_secrets as without_secrets;

    const REFUSALS: [Refusal; 13] = [
        Refusal::MissingSignature,
        Refusal::BadSignature,
        Refusal::StaleTimestamp,
        Refusal::NotEncryptedAsExpected,
        Refusal::PlaintextWithAesKey,
        Refusal::NoAesKey,
        Refusal::WrongAppId,
        Refusal::CannotDecrypt,
        Refusal::NotXml,
        Refusal::DoctypeOrEntity,
        Refusal::TooLarge,
        Refusal::Replayed,
        Refusal::TooManyToCheck,
    ];

    /// The health note keeps the endpoint's English reason; Chinese pages get
    /// it translated (an unknown reason stays in English).
    fn refusal_words(reason: &str, lang: Lang) -> String {
        if lang == Lang::En {
            return reason.to_owned();
        }
        REFUSALS
            .into_iter()
            .find(|refusal| refusal.reason() == reason)
            .map_or_else(|| reason.to_owned(), |refusal| zh(refusal).to_owned())
    }

    fn zh(refusal: Refusal) -> &'static str {
        match refusal {
            Refusal::MissingSignature => "缺少 signature、timestamp 或 nonce",
            Refusal::BadSignature => "签名与 Token 不符",
            Refusal::StaleTimestamp => "时间戳与当前时间相差超过 5 分钟",
            Refusal::NotEncryptedAsExpected => "声明为安全模式，但消息体中没有 Encrypt",
            Refusal::PlaintextWithAesKey => {
                "已配置 EncodingAESKey，只接受加密的回调（encrypt_type=aes 并带 msg_signature）"
            }
            Refusal::NoAesKey => "回调已加密，但未配置 EncodingAESKey",
            Refusal::WrongAppId => "消息属于另一个 AppID",
            Refusal::CannotDecrypt => "无法用 EncodingAESKey 解密消息",
            Refusal::NotXml => "消息体不是格式正确的 XML",
            Refusal::DoctypeOrEntity => "消息体声明了 DTD 或实体",
            Refusal::TooLarge => "消息体超过 64 KiB",
            Refusal::Replayed => "5 分钟内已收到过同一 timestamp 和 nonce 的另一消息体",
            Refusal::TooManyToCheck => "5 分钟内的回调过多，无法检查是否重放；请稍后重试",
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn every_refusal_has_chinese_words() {
            for refusal in REFUSALS {
                assert_eq!(refusal_words(refusal.reason(), Lang::En), refusal.reason());
                let chinese = refusal_words(refusal.reason(), Lang::Zh);
                assert_ne!(chinese, refusal.reason(), "{refusal:?} has Chinese words");
                assert!(!chinese.is_ascii(), "{refusal:?}: {chinese}");
            }
            assert_eq!(
                refusal_words(Refusal::BadSignature.reason(), Lang::Zh),
                "签名与 Token 不符"
            );
            assert_eq!(
                refusal_words("the timestamp is more than 5 minutes from now", Lang::Zh),
                "时间戳与当前时间相差超过 5 分钟"
            );
            assert_eq!(refusal_words("something new", Lang::Zh), "something new");
        }

        #[test]
        fn answer_times_are_shown_in_the_unit_that_reads_best() {
            assert_eq!(answer_time(840), "0.8 ms");
            assert_eq!(answer_time(2_450), "2.5 ms");
            assert_eq!(answer_time(12_900), "12 ms");
            assert_eq!(answer_time(1_234_000), "1.2 s");
        }

        #[test]
        fn a_token_url_is_shown_without_its_key() {
            let url = url::Url::parse("https://user:pw@tokens.example.com/authorizer?key=s3cret#x")
                .unwrap();
            assert_eq!(
                without_secrets(&url),
                "https://tokens.example.com/authorizer"
            );
        }
    }
}
