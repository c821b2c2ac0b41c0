//! What checking an account's access-token source found, in words.
//!
//! An admin who adds or edits an account presses "Check": qunfa asks WeChat
//! once ([`token::check_source`](super::token::check_source), server only)
//! and says here whether the AppID and AppSecret (or the token URL, or the
//! fixed token) work, and what to do when they do not. Plain data with words
//! in both languages, so a server function can hand it to the browser.
//!
//! 40164's `errmsg` is the one place qunfa reads WeChat's text: it names the
//! address WeChat saw (`invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not
//! in whitelist rid: …`), which is exactly what the admin must whitelist.
//! The code, not the text, still decides what happened.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

use super::errcode::{ApiError, ErrCode};

/// What a check asked, which is what its outcome is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Checked {
    /// The AppID and AppSecret, by one `stable_token` request in normal
    /// mode (for a classic-token account too: a `/cgi-bin/token` fetch
    /// would revoke the token the console is using).
    Credentials,
    /// The token URL itself, which gave no usable token.
    TokenUrl,
    /// The token the token URL handed out, on one `tags/get` call.
    TokenFromUrl,
    /// The fixed token, on one `tags/get` call.
    FixedToken,
}

impl Checked {
    /// The request that was made, as the start of the sentence.
    fn subject(self, lang: Lang) -> &'static str {
        match self {
            Checked::Credentials => lang.pick(
                "AppID 和 AppSecret 检查（一次 stable_token 请求）",
                "Check of the AppID and AppSecret (one stable_token request)",
            ),
            Checked::TokenUrl => lang.pick(
                "令牌地址检查（向令牌地址取一次 access_token）",
                "Check of the token URL (one access_token request to it)",
            ),
            Checked::TokenFromUrl => lang.pick(
                "令牌地址检查（取一次 access_token，再用它调用一次 tags/get）",
                "Check of the token URL (one access_token from it, then one tags/get call with it)",
            ),
            Checked::FixedToken => lang.pick(
                "固定 access_token 检查（用它调用一次 tags/get）",
                "Check of the fixed access_token (one tags/get call with it)",
            ),
        }
    }

    /// Whether the request that failed went to the token URL rather than
    /// to WeChat.
    fn asked_the_token_url(self) -> bool {
        self == Checked::TokenUrl
    }
}

/// What a check found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckOutcome {
    /// WeChat accepted: it handed out a token valid for `expires_in`
    /// seconds, or (a fixed token, whose lifetime WeChat does not say:
    /// `None`) answered a call made with it.
    Works { expires_in: Option<u64> },
    /// 40125, or 40001 from a token endpoint: the AppSecret is not this
    /// AppID's.
    WrongSecret { code: ErrCode },
    /// 40013: WeChat knows no such AppID.
    WrongAppId,
    /// 41002: no AppID was given.
    MissingAppId,
    /// 41004: no AppSecret was given.
    MissingSecret,
    /// 40164: the caller's address is not on the account's IP whitelist;
    /// `ip` is the address WeChat's errmsg names, when it names one.
    IpNotWhitelisted { ip: Option<IpAddr> },
    /// 40001, 40014 or 42001 on the call made with a token from the URL
    /// or a fixed token: WeChat refused that token.
    TokenRefused { code: ErrCode },
    /// 45009 or 45011: a quota, which says nothing about the credentials.
    RateLimited { code: ErrCode },
    /// Any other errcode, worded by [`ApiError`] (WeChat's errmsg, cut of
    /// secrets, for a code qunfa does not know).
    Refused { error: ApiError },
    /// No answer in time.
    Timeout,
    /// The request could not be sent or its answer not received.
    Unreachable { detail: String },
    /// An HTTP status other than 2xx.
    Http { status: u16 },
    /// A 2xx answer that is not the expected JSON.
    Unreadable { detail: String },
}

impl CheckOutcome {
    /// What WeChat's refusal `error` of the request `checked` means. The
    /// codes of the AppID and AppSecret count only for a token request;
    /// the invalid-token codes only for a call made with a token.
    pub fn refused(checked: Checked, error: ApiError) -> CheckOutcome {
        let credentials = checked == Checked::Credentials;
        let with_token = matches!(checked, Checked::TokenFromUrl | Checked::FixedToken);
        match error.code {
            ErrCode::IpNotWhitelisted => CheckOutcome::IpNotWhitelisted {
                ip: ip_in_errmsg(&error.errmsg),
            },
            code @ (ErrCode::ApiDailyQuotaExceeded | ErrCode::ApiMinuteQuotaExceeded) => {
                CheckOutcome::RateLimited { code }
            }
            code @ (ErrCode::InvalidAppSecret | ErrCode::InvalidCredential) if credentials => {
                CheckOutcome::WrongSecret { code }
            }
            ErrCode::InvalidAppId if credentials => CheckOutcome::WrongAppId,
            ErrCode::MissingAppId if credentials => CheckOutcome::MissingAppId,
            ErrCode::MissingSecret if credentials => CheckOutcome::MissingSecret,
            code if with_token && code.is_token_invalid() => CheckOutcome::TokenRefused { code },
            _ => CheckOutcome::Refused { error },
        }
    }

    /// A short stable name, for logs and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            CheckOutcome::Works { .. } => "works",
            CheckOutcome::WrongSecret { .. } => "wrong_secret",
            CheckOutcome::WrongAppId => "wrong_app_id",
            CheckOutcome::MissingAppId => "missing_app_id",
            CheckOutcome::MissingSecret => "missing_secret",
            CheckOutcome::IpNotWhitelisted { .. } => "ip_not_whitelisted",
            CheckOutcome::TokenRefused { .. } => "token_refused",
            CheckOutcome::RateLimited { .. } => "rate_limited",
            CheckOutcome::Refused { .. } => "refused",
            CheckOutcome::Timeout => "timeout",
            CheckOutcome::Unreachable { .. } => "unreachable",
            CheckOutcome::Http { .. } => "http",
            CheckOutcome::Unreadable { .. } => "unreadable",
        }
    }
}

/// The outcome of one check of an account's access-token source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialCheck {
    /// What was asked.
    pub checked: Checked,
    pub outcome: CheckOutcome,
}

impl CredentialCheck {
    /// WeChat accepted the credentials or the token.
    pub fn works(&self) -> bool {
        matches!(self.outcome, CheckOutcome::Works { .. })
    }

    /// WeChat's errcode, when the check ended with one.
    pub fn code(&self) -> Option<ErrCode> {
        match &self.outcome {
            CheckOutcome::WrongSecret { code }
            | CheckOutcome::TokenRefused { code }
            | CheckOutcome::RateLimited { code } => Some(*code),
            CheckOutcome::WrongAppId => Some(ErrCode::InvalidAppId),
            CheckOutcome::MissingAppId => Some(ErrCode::MissingAppId),
            CheckOutcome::MissingSecret => Some(ErrCode::MissingSecret),
            CheckOutcome::IpNotWhitelisted { .. } => Some(ErrCode::IpNotWhitelisted),
            CheckOutcome::Refused { error } => Some(error.code),
            CheckOutcome::Works { .. }
            | CheckOutcome::Timeout
            | CheckOutcome::Unreachable { .. }
            | CheckOutcome::Http { .. }
            | CheckOutcome::Unreadable { .. } => None,
        }
    }

    /// The whole finding: what was asked, what came back, what to do.
    pub fn words(&self, lang: Lang) -> String {
        match self.remedy(lang) {
            Some(remedy) => format!("{}{}{remedy}", self.summary(lang), space(lang)),
            None => self.summary(lang),
        }
    }

    /// What was asked and what came back, without the remedy.
    pub fn summary(&self, lang: Lang) -> String {
        let subject = self.checked.subject(lang);
        let (colon, found) = (lang.pick("：", ": "), self.found(lang));
        format!("{subject}{colon}{found}")
    }

    /// What to do about it; `None` when nothing needs doing.
    pub fn remedy(&self, lang: Lang) -> Option<String> {
        let token_url = self.checked.asked_the_token_url();
        let text = match &self.outcome {
            CheckOutcome::Works { .. } => return None,
            CheckOutcome::WrongSecret { .. } => lang
                .pick(
                    "请在公众平台“设置与开发 → 基本配置”中重置并复制开发者密码（AppSecret），填到这里后再检查。",
                    "Reset and copy the AppSecret in the WeChat console under 设置与开发 → 基本配置, enter it here and check again.",
                )
                .to_owned(),
            CheckOutcome::WrongAppId => lang
                .pick(
                    "请核对它与公众平台“设置与开发 → 基本配置”中的开发者ID（AppID）完全一致（以 wx 开头），注意大小写和多余空格。",
                    "Check that it equals the AppID shown in the WeChat console under 设置与开发 → 基本配置 (it starts with wx), including case and without stray spaces.",
                )
                .to_owned(),
            CheckOutcome::MissingAppId => lang
                .pick(
                    "请填写公众号的 AppID（公众平台“设置与开发 → 基本配置”中的开发者ID）。",
                    "Enter the account's AppID (开发者ID in the WeChat console under 设置与开发 → 基本配置).",
                )
                .to_owned(),
            CheckOutcome::MissingSecret => lang
                .pick(
                    "请填写公众号的 AppSecret（公众平台“设置与开发 → 基本配置”中的开发者密码）。",
                    "Enter the account's AppSecret (开发者密码 in the WeChat console under 设置与开发 → 基本配置).",
                )
                .to_owned(),
            CheckOutcome::IpNotWhitelisted { ip: Some(ip) } => match lang {
                Lang::Zh => format!(
                    "请在公众平台“设置与开发 → 基本配置 → IP白名单”中加入 {ip}，保存后等几分钟再检查。"
                ),
                Lang::En => format!(
                    "Add {ip} to the IP whitelist (IP白名单) in the WeChat console under 设置与开发 → 基本配置, save, and check again in a few minutes."
                ),
            },
            CheckOutcome::IpNotWhitelisted { ip: None } => lang
                .pick(
                    "请查明本服务器访问微信接口时的出口 IP，在公众平台“设置与开发 → 基本配置 → IP白名单”中加入它，保存后等几分钟再检查。",
                    "Find this server's outgoing IP address towards WeChat, add it to the IP whitelist (IP白名单) in the WeChat console under 设置与开发 → 基本配置, save, and check again in a few minutes.",
                )
                .to_owned(),
            CheckOutcome::TokenRefused { .. } if self.checked == Checked::FixedToken => lang
                .pick(
                    "请提供新的 access_token，或改为填写 AppID 和 AppSecret，由 qunfa 自行获取令牌。",
                    "Supply a new access_token, or enter the AppID and AppSecret so that qunfa fetches tokens itself.",
                )
                .to_owned(),
            CheckOutcome::TokenRefused { .. } => lang
                .pick(
                    "请确认令牌地址发放的是这个公众号当前的 access_token（第三方平台：这个公众号的 authorizer_access_token，且已刷新）。",
                    "Make sure the token URL hands out this account's current access_token (for a third-party platform: this account's authorizer_access_token, refreshed).",
                )
                .to_owned(),
            CheckOutcome::RateLimited {
                code: ErrCode::ApiMinuteQuotaExceeded,
            } => lang.pick("请一分钟后再检查。", "Check again in a minute.").to_owned(),
            CheckOutcome::RateLimited {
                code: ErrCode::ApiDailyQuotaExceeded,
            } => lang
                .pick(
                    "请在明天额度恢复后再检查；紧急时管理员可在公众平台使用“接口调用次数清零”（每月次数有限）。",
                    "Check again tomorrow, when the quota resets; in an emergency an admin can reset the API quota in the WeChat console (a few times a month).",
                )
                .to_owned(),
            CheckOutcome::RateLimited { code } => code.remedy(lang).to_owned(),
            CheckOutcome::Refused { error } => error.remedy(lang).to_owned(),
            CheckOutcome::Timeout | CheckOutcome::Unreachable { .. } if token_url => lang
                .pick(
                    "请确认令牌地址写得正确、令牌服务在运行并且本服务器能访问它，然后再检查。",
                    "Make sure the token URL is right and its service is running and reachable from this server, then check again.",
                )
                .to_owned(),
            CheckOutcome::Timeout | CheckOutcome::Unreachable { .. } => lang
                .pick(
                    "请检查本服务器到微信接口（api.weixin.qq.com）的网络、DNS 和代理设置，然后再检查。",
                    "Check the network, DNS and proxy settings between this server and WeChat's API (api.weixin.qq.com), then check again.",
                )
                .to_owned(),
            CheckOutcome::Http { .. } | CheckOutcome::Unreadable { .. } if token_url => lang
                .pick(
                    "请确认令牌地址指向正确的令牌服务，它应答 {\"access_token\": \"…\", \"expires_in\": 秒数}。",
                    "Make sure the token URL points to the right token service, which answers {\"access_token\": \"…\", \"expires_in\": seconds}.",
                )
                .to_owned(),
            CheckOutcome::Http { .. } | CheckOutcome::Unreadable { .. } => lang
                .pick(
                    "请稍后再检查；若持续出现，请确认接口地址指向微信（api.weixin.qq.com）。",
                    "Check again later; if it persists, make sure the API address points to WeChat (api.weixin.qq.com).",
                )
                .to_owned(),
        };
        Some(text)
    }

    /// What came back, as the rest of the summary's sentence.
    fn found(&self, lang: Lang) -> String {
        let token_url = self.checked.asked_the_token_url();
        match (&self.outcome, lang) {
            (CheckOutcome::Works { expires_in: Some(secs) }, Lang::Zh) => {
                match self.checked {
                    Checked::TokenFromUrl => format!("通过。令牌地址发放了有效期 {secs} 秒的 access_token，微信接受了它。"),
                    _ => format!("通过。微信发放了有效期 {secs} 秒的 access_token。"),
                }
            }
            (CheckOutcome::Works { expires_in: Some(secs) }, Lang::En) => {
                match self.checked {
                    Checked::TokenFromUrl => format!("passed. The token URL handed out an access_token valid for {secs} s, and WeChat accepted it."),
                    _ => format!("passed. WeChat handed out an access_token valid for {secs} s."),
                }
            }
            (CheckOutcome::Works { expires_in: None }, _) => lang
                .pick(
                    "通过。微信接受了这个 access_token（它何时过期，只有发放它的一方知道）。",
                    "passed. WeChat accepted the access_token (when it expires only whoever issued it knows).",
                )
                .to_owned(),
            (CheckOutcome::WrongSecret { code }, Lang::Zh) => {
                format!("微信拒绝了 AppSecret（错误码 {code}）：它不是这个 AppID 的开发者密码，或已被重置。")
            }
            (CheckOutcome::WrongSecret { code }, Lang::En) => {
                format!("WeChat refused the AppSecret (errcode {code}): it is not this AppID's AppSecret, or it was reset.")
            }
            (CheckOutcome::WrongAppId, _) => lang
                .pick(
                    "微信不认识这个 AppID（错误码 40013）。",
                    "WeChat does not know this AppID (errcode 40013).",
                )
                .to_owned(),
            (CheckOutcome::MissingAppId, _) => lang
                .pick(
                    "请求中没有 AppID（错误码 41002）。",
                    "the request carried no AppID (errcode 41002).",
                )
                .to_owned(),
            (CheckOutcome::MissingSecret, _) => lang
                .pick(
                    "请求中没有 AppSecret（错误码 41004）。",
                    "the request carried no AppSecret (errcode 41004).",
                )
                .to_owned(),
            (CheckOutcome::IpNotWhitelisted { ip: Some(ip) }, Lang::Zh) => {
                format!("微信拒绝了来自 {ip} 的调用：这个 IP 不在公众号的 IP 白名单中（错误码 40164）。")
            }
            (CheckOutcome::IpNotWhitelisted { ip: Some(ip) }, Lang::En) => {
                format!("WeChat refused the call from {ip}: that address is not on the account's IP whitelist (errcode 40164).")
            }
            (CheckOutcome::IpNotWhitelisted { ip: None }, _) => lang
                .pick(
                    "微信拒绝了这次调用：调用方的 IP 不在公众号的 IP 白名单中（错误码 40164），微信的应答没有说是哪个 IP。",
                    "WeChat refused the call: the caller's IP address is not on the account's IP whitelist (errcode 40164), and WeChat's answer does not say which address it saw.",
                )
                .to_owned(),
            (CheckOutcome::TokenRefused { code }, Lang::Zh) => format!(
                "微信拒绝了这个 access_token：{message}（错误码 {code}）。",
                message = code.message(lang)
            ),
            (CheckOutcome::TokenRefused { code }, Lang::En) => format!(
                "WeChat refused the access_token: {message} (errcode {code}).",
                message = code.message(lang)
            ),
            (CheckOutcome::RateLimited { code }, Lang::Zh) => format!(
                "微信暂时不受理更多调用：{message}（错误码 {code}）。这次检查没有结论。",
                message = code.message(lang)
            ),
            (CheckOutcome::RateLimited { code }, Lang::En) => format!(
                "WeChat is taking no more calls for now: {message} (errcode {code}). The check is inconclusive.",
                message = code.message(lang)
            ),
            (CheckOutcome::Refused { error }, Lang::Zh) => format!(
                "{who}拒绝了请求：{message}（错误码 {code}）。",
                who = if token_url { "令牌地址" } else { "微信" },
                message = error.message(lang),
                code = error.code,
            ),
            (CheckOutcome::Refused { error }, Lang::En) => format!(
                "{who} refused the request: {message} (errcode {code}).",
                who = if token_url { "the token URL" } else { "WeChat" },
                message = error.message(lang),
                code = error.code,
            ),
            (CheckOutcome::Timeout, _) if token_url => lang
                .pick("令牌地址没有及时应答。", "the token URL did not answer in time.")
                .to_owned(),
            (CheckOutcome::Timeout, _) => lang
                .pick(
                    "微信接口没有及时应答，还不知道结果。",
                    "WeChat's API did not answer in time, so nothing is known yet.",
                )
                .to_owned(),
            (CheckOutcome::Unreachable { detail }, Lang::Zh) => format!(
                "无法连接{who}：{detail}。",
                who = if token_url { "令牌地址" } else { "微信接口" }
            ),
            (CheckOutcome::Unreachable { detail }, Lang::En) => format!(
                "could not reach {who}: {detail}.",
                who = if token_url { "the token URL" } else { "WeChat's API" }
            ),
            (CheckOutcome::Http { status }, Lang::Zh) => format!(
                "{who}返回了 HTTP {status}。",
                who = if token_url { "令牌地址" } else { "微信接口（或中间的代理）" }
            ),
            (CheckOutcome::Http { status }, Lang::En) => format!(
                "{who} answered HTTP {status}.",
                who = if token_url { "the token URL" } else { "WeChat's API (or a proxy in between)" }
            ),
            (CheckOutcome::Unreadable { detail }, Lang::Zh) => format!(
                "{who}的应答无法识别（{detail}）。",
                who = if token_url { "令牌地址" } else { "微信接口" }
            ),
            (CheckOutcome::Unreadable { detail }, Lang::En) => format!(
                "{who} sent an answer qunfa cannot read ({detail}).",
                who = if token_url { "the token URL" } else { "WeChat's API" }
            ),
        }
    }
}

/// The separator between two sentences.
fn space(lang: Lang) -> &'static str {
    lang.pick("", " ")
}

/// The address a 40164 errmsg names: its first IPv4 address, else its
/// first IPv6 address (an IPv4-mapped one as IPv4); `None` when it names
/// none. WeChat writes `invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7,
/// not in whitelist rid: …`.
pub fn ip_in_errmsg(errmsg: &str) -> Option<IpAddr> {
    let addresses: Vec<IpAddr> = errmsg
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .map(|word| word.trim_matches(|c: char| !(c.is_ascii_hexdigit() || c == ':' || c == '.')))
        .filter_map(|word| word.parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
        .filter(|ip| !ip.is_unspecified())
        .collect();
    addresses
        .iter()
        .find(|ip| ip.is_ipv4())
        .or_else(|| addresses.first())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn check(checked: Checked, outcome: CheckOutcome) -> CredentialCheck {
        CredentialCheck { checked, outcome }
    }

    #[test]
    fn the_ipv4_address_is_read_from_wechats_40164_errmsg() {
        assert_eq!(
            ip_in_errmsg(
                "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 6571e2b0-4c0fe0b2-1c5b0a4e"
            ),
            Some(ip("203.0.113.7"))
        );
        // Older answers: no IPv6 part, a hint instead of a rid.
        assert_eq!(
            ip_in_errmsg("invalid ip 198.51.100.23, not in whitelist hint: [Yf2a0a0831e561]"),
            Some(ip("198.51.100.23"))
        );
    }

    #[test]
    fn an_ipv6_address_is_read_when_there_is_no_ipv4_one() {
        assert_eq!(
            ip_in_errmsg("invalid ip  ipv6 2001:db8::7, not in whitelist rid: 6571e2b0-4c0f"),
            Some(ip("2001:db8::7"))
        );
        // A mapped IPv4 address is the IPv4 address to whitelist.
        assert_eq!(
            ip_in_errmsg("invalid ip ipv6 ::ffff:203.0.113.9, not in whitelist"),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn an_errmsg_without_an_address_gives_none() {
        for errmsg in [
            "",
            "invalid ip, not in whitelist rid: 6571e2b0-4c0fe0b2-1c5b0a4e",
            "invalid ip 999.1.2.3 ipv6 ::ffff:999.1.2.3, not in whitelist",
            "invalid ip 203.0.113 ipv6 fe80:::1, not in whitelist",
            "无效的IP 白名单 rid: abcd:ef01",
            "ipv6 ::: :: ... 1.2.3.4.5",
        ] {
            assert_eq!(ip_in_errmsg(errmsg), None, "{errmsg:?}");
        }
    }

    #[test]
    fn refusals_are_classified_by_code_and_by_what_was_asked() {
        let refused =
            |checked, code| CheckOutcome::refused(checked, ApiError::new(code, "x rid: 1"));
        assert_eq!(
            refused(Checked::Credentials, 40125),
            CheckOutcome::WrongSecret {
                code: ErrCode::InvalidAppSecret
            }
        );
        assert_eq!(
            refused(Checked::Credentials, 40001),
            CheckOutcome::WrongSecret {
                code: ErrCode::InvalidCredential
            }
        );
        assert_eq!(
            refused(Checked::Credentials, 40013),
            CheckOutcome::WrongAppId
        );
        assert_eq!(
            refused(Checked::Credentials, 41002),
            CheckOutcome::MissingAppId
        );
        assert_eq!(
            refused(Checked::Credentials, 41004),
            CheckOutcome::MissingSecret
        );
        assert_eq!(
            refused(Checked::FixedToken, 42001),
            CheckOutcome::TokenRefused {
                code: ErrCode::AccessTokenExpired
            }
        );
        assert_eq!(
            refused(Checked::TokenFromUrl, 40014),
            CheckOutcome::TokenRefused {
                code: ErrCode::InvalidAccessToken
            }
        );
        assert_eq!(
            refused(Checked::Credentials, 45011),
            CheckOutcome::RateLimited {
                code: ErrCode::ApiMinuteQuotaExceeded
            }
        );
        assert_eq!(
            refused(Checked::FixedToken, 45009),
            CheckOutcome::RateLimited {
                code: ErrCode::ApiDailyQuotaExceeded
            }
        );
        assert_eq!(
            CheckOutcome::refused(
                Checked::FixedToken,
                ApiError::new(
                    40164,
                    "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist"
                )
            ),
            CheckOutcome::IpNotWhitelisted {
                ip: Some(ip("203.0.113.7"))
            }
        );
        // A token code from a token request, a secret code from a call: as WeChat said it.
        assert!(matches!(
            refused(Checked::FixedToken, 40125),
            CheckOutcome::Refused { .. }
        ));
        assert!(matches!(
            refused(Checked::TokenUrl, 40001),
            CheckOutcome::Refused { .. }
        ));
    }

    #[test]
    fn the_whitelist_remedy_names_the_address_in_both_languages() {
        let found = check(
            Checked::Credentials,
            CheckOutcome::IpNotWhitelisted {
                ip: Some(ip("203.0.113.7")),
            },
        );
        let zh = found.words(Lang::Zh);
        assert!(zh.contains("加入 203.0.113.7"), "{zh}");
        assert!(zh.contains("设置与开发 → 基本配置 → IP白名单"), "{zh}");
        let en = found.words(Lang::En);
        assert!(
            en.contains("Add 203.0.113.7 to the IP whitelist (IP白名单) in the WeChat console under 设置与开发 → 基本配置"),
            "{en}"
        );
        assert_eq!(found.code(), Some(ErrCode::IpNotWhitelisted));

        let unnamed = check(
            Checked::Credentials,
            CheckOutcome::IpNotWhitelisted { ip: None },
        );
        for lang in [Lang::Zh, Lang::En] {
            let words = unnamed.words(lang);
            assert!(
                words.contains("40164") && words.contains("IP白名单"),
                "{words}"
            );
            assert!(!words.contains("None"), "{words}");
        }
    }

    #[test]
    fn a_working_source_says_how_long_its_token_lasts_and_needs_no_remedy() {
        let works = check(
            Checked::Credentials,
            CheckOutcome::Works {
                expires_in: Some(7200),
            },
        );
        assert!(works.works());
        assert_eq!(works.remedy(Lang::En), None);
        assert_eq!(
            works.words(Lang::En),
            "Check of the AppID and AppSecret (one stable_token request): passed. WeChat handed out an access_token valid for 7200 s."
        );
        assert_eq!(
            works.words(Lang::Zh),
            "AppID 和 AppSecret 检查（一次 stable_token 请求）：通过。微信发放了有效期 7200 秒的 access_token。"
        );
        let fixed = check(
            Checked::FixedToken,
            CheckOutcome::Works { expires_in: None },
        );
        assert!(fixed.words(Lang::En).contains("tags/get"));
    }

    #[test]
    fn every_outcome_has_words_and_all_but_success_a_remedy_in_both_languages() {
        let outcomes = [
            CheckOutcome::Works {
                expires_in: Some(7200),
            },
            CheckOutcome::Works { expires_in: None },
            CheckOutcome::WrongSecret {
                code: ErrCode::InvalidAppSecret,
            },
            CheckOutcome::WrongAppId,
            CheckOutcome::MissingAppId,
            CheckOutcome::MissingSecret,
            CheckOutcome::IpNotWhitelisted {
                ip: Some(ip("2001:db8::7")),
            },
            CheckOutcome::IpNotWhitelisted { ip: None },
            CheckOutcome::TokenRefused {
                code: ErrCode::AccessTokenExpired,
            },
            CheckOutcome::RateLimited {
                code: ErrCode::ApiDailyQuotaExceeded,
            },
            CheckOutcome::RateLimited {
                code: ErrCode::ApiMinuteQuotaExceeded,
            },
            CheckOutcome::Refused {
                error: ApiError::new(48001, "api unauthorized"),
            },
            CheckOutcome::Refused {
                error: ApiError::new(987_654, "something new rid: 1"),
            },
            CheckOutcome::Timeout,
            CheckOutcome::Unreachable {
                detail: "connection refused".to_owned(),
            },
            CheckOutcome::Http { status: 502 },
            CheckOutcome::Unreadable {
                detail: "expected value at line 1".to_owned(),
            },
        ];
        for checked in [
            Checked::Credentials,
            Checked::TokenUrl,
            Checked::TokenFromUrl,
            Checked::FixedToken,
        ] {
            for outcome in &outcomes {
                let found = check(checked, outcome.clone());
                let (zh, en) = (found.words(Lang::Zh), found.words(Lang::En));
                assert_ne!(zh, en);
                assert!(zh.starts_with(checked.subject(Lang::Zh)), "{zh}");
                assert!(en.starts_with(checked.subject(Lang::En)), "{en}");
                assert_eq!(found.remedy(Lang::Zh).is_none(), found.works(), "{zh}");
                assert_eq!(found.remedy(Lang::En).is_none(), found.works(), "{en}");
                if let Some(code) = found.code() {
                    assert!(
                        zh.contains(&code.to_string()) && en.contains(&code.to_string()),
                        "{en}"
                    );
                }
                // Plain data: what a server function hands to the browser.
                let json = serde_json::to_string(&found).unwrap();
                assert_eq!(
                    serde_json::from_str::<CredentialCheck>(&json).unwrap(),
                    found
                );
            }
        }
    }

    #[test]
    fn an_unknown_code_is_explained_by_wechats_errmsg() {
        let found = check(
            Checked::Credentials,
            CheckOutcome::Refused {
                error: ApiError::new(987_654, "something new rid: 1"),
            },
        );
        assert!(found.words(Lang::En).contains("something new"));
        let known = check(
            Checked::Credentials,
            CheckOutcome::Refused {
                error: ApiError::new(48001, "api unauthorized"),
            },
        );
        assert!(
            known
                .words(Lang::Zh)
                .contains(ErrCode::ApiUnauthorized.remedy(Lang::Zh))
        );
    }
}
