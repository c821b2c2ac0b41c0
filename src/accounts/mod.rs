//! The Official Accounts one console serves. Each has a slug, the name of
//! its pages (`/a/<slug>/…`) and of its callback URL
//! (`/wechat/callback/<slug>`); every send, callback and compose attempt
//! belongs to one; an editor uses the accounts granted to them, an admin all.
//!
//! The types here compile for the browser too; the table (`store`) and the
//! server functions' bodies are the server's.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

pub mod api;
#[cfg(feature = "ssr")]
pub mod form;
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

/// The account form of `/accounts` (and of `qunfa account add`), as
/// posted: every field text, a blank secret on an edit keeping the stored
/// one. Field names are the form's `form[...]` names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountForm {
    pub name: String,
    /// New accounts only: it never changes later.
    pub slug: String,
    pub appid: String,
    pub kind: String,
    /// A checkbox: present (any value) means overseas (海外主体).
    pub overseas: Option<String>,
    pub token_source: String,
    pub secret: String,
    pub token_url: String,
    pub fixed_token: String,
    pub callback_token: String,
    pub aes_key: String,
    pub message_mode: String,
    pub forward_url: String,
    /// Such as `4s` or `1500ms`; blank: the default.
    pub forward_timeout: String,
    /// A checkbox on the edit form: stop forwarding. Without it a blank
    /// forward URL keeps the stored one (whose query may hold a key, so
    /// the form never shows it whole).
    pub no_forward: Option<String>,
    /// A checkbox: present (any value) means the account's sends need a
    /// reviewer's approval before they go (群发需要审核).
    pub needs_approval: Option<String>,
    /// The IANA time zone schedules are entered and shown in (such as
    /// `Asia/Shanghai`); blank: keep it (China time for a new account).
    pub time_zone: String,
}

/// A field of the account form.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[strum(serialize_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum AccountField {
    Name,
    Slug,
    Appid,
    Kind,
    TokenSource,
    Secret,
    TokenUrl,
    FixedToken,
    CallbackToken,
    AesKey,
    MessageMode,
    ForwardUrl,
    ForwardTimeout,
    TimeZone,
}

impl AccountField {
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// What is wrong with one field of the account form, worded beside it.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum FieldProblem {
    NameMissing,
    NameTooLong,
    SlugInvalid,
    SlugTaken,
    AppidInvalid,
    AppidTaken,
    KindInvalid,
    TokenSourceInvalid,
    SecretMissing,
    TokenUrlMissing,
    TokenUrlInvalid,
    FixedTokenMissing,
    CallbackTokenInvalid,
    AesKeyInvalid,
    AesKeyMissing,
    MessageModeInvalid,
    ForwardUrlInvalid,
    ForwardTimeoutInvalid,
    ForwardTimeoutWithoutUrl,
    /// Row 1 is the configuration's: only its name is the console's.
    ConfiguredAccount,
    /// Not an IANA time zone name the tz database knows.
    TimeZoneInvalid,
}

/// The longest account name.
pub const NAME_MAX_CHARS: usize = 64;

impl FieldProblem {
    pub fn code(self) -> &'static str {
        self.into()
    }

    pub fn from_code(code: &str) -> Option<FieldProblem> {
        code.parse().ok()
    }

    /// The field it is shown beside.
    pub fn field(self) -> AccountField {
        use FieldProblem::*;
        match self {
            NameMissing | NameTooLong => AccountField::Name,
            SlugInvalid | SlugTaken => AccountField::Slug,
            AppidInvalid | AppidTaken | ConfiguredAccount => AccountField::Appid,
            KindInvalid => AccountField::Kind,
            TokenSourceInvalid => AccountField::TokenSource,
            SecretMissing => AccountField::Secret,
            TokenUrlMissing | TokenUrlInvalid => AccountField::TokenUrl,
            FixedTokenMissing => AccountField::FixedToken,
            CallbackTokenInvalid => AccountField::CallbackToken,
            AesKeyInvalid | AesKeyMissing => AccountField::AesKey,
            MessageModeInvalid => AccountField::MessageMode,
            ForwardUrlInvalid => AccountField::ForwardUrl,
            ForwardTimeoutInvalid | ForwardTimeoutWithoutUrl => AccountField::ForwardTimeout,
            TimeZoneInvalid => AccountField::TimeZone,
        }
    }

    pub fn words(self, lang: Lang) -> &'static str {
        use FieldProblem::*;
        match self {
            NameMissing => lang.pick("请填写名称。", "Give the account a name."),
            NameTooLong => lang.pick("名称最多 64 个字符。", "A name has at most 64 characters."),
            SlugInvalid => lang.pick(
                "短名须为 1–32 个小写字母、数字或 -，不能以 - 开头。",
                "The short name is 1–32 lowercase letters, digits or -, not starting with -.",
            ),
            SlugTaken => lang.pick(
                "已有公众号使用这个短名（包括已停用的）。",
                "Another account (perhaps a disabled one) has this short name.",
            ),
            AppidInvalid => lang.pick(
                "AppID 是以 wx 开头的 18 个字母和数字（微信公众平台 → 设置与开发 → 基本配置）。",
                "An AppID is 18 letters and digits starting with wx (WeChat console → 设置与开发 → 基本配置).",
            ),
            AppidTaken => lang.pick(
                "已有公众号使用这个 AppID（包括已停用的）。",
                "Another account (perhaps a disabled one) has this AppID.",
            ),
            KindInvalid => lang.pick("请选择订阅号或服务号。", "Choose subscription or service account."),
            TokenSourceInvalid => lang.pick("请选择 access_token 的来源。", "Choose where the access token comes from."),
            SecretMissing => lang.pick(
                "这种来源需要 AppSecret。",
                "This token source needs the AppSecret.",
            ),
            TokenUrlMissing => lang.pick(
                "这种来源需要获取 access_token 的网址。",
                "This token source needs the URL that hands out the token.",
            ),
            TokenUrlInvalid => lang.pick(
                "网址须以 http:// 或 https:// 开头并含主机名。",
                "The URL must be http:// or https:// with a host.",
            ),
            FixedTokenMissing => lang.pick(
                "这种来源需要 access_token。",
                "This token source needs the access token.",
            ),
            CallbackTokenInvalid => lang.pick(
                "Token 须为 3–32 个字母和数字，与微信公众平台中填写的一致。",
                "The Token is 3–32 letters and digits, as in the WeChat console.",
            ),
            AesKeyInvalid => lang.pick(
                "EncodingAESKey 是微信公众平台给出的 43 个字符（字母、数字、+ 和 /）。",
                "The EncodingAESKey is the 43 characters from the WeChat console (letters, digits, + and /).",
            ),
            AesKeyMissing => lang.pick(
                "兼容模式和安全模式需要 EncodingAESKey。",
                "Compatible and safe mode need the EncodingAESKey.",
            ),
            MessageModeInvalid => lang.pick("请选择消息加解密方式。", "Choose the message mode."),
            ForwardUrlInvalid => lang.pick(
                "转发网址须以 http:// 或 https:// 开头并含主机名。",
                "The forward URL must be http:// or https:// with a host.",
            ),
            ForwardTimeoutInvalid => lang.pick(
                "超时须在 100ms 到 5s 之间，例如 4s 或 1500ms。",
                "The timeout is between 100ms and 5s, e.g. 4s or 1500ms.",
            ),
            ForwardTimeoutWithoutUrl => lang.pick(
                "没有转发网址时超时无效。",
                "A timeout has no effect without a forward URL.",
            ),
            ConfiguredAccount => lang.pick(
                "这是配置文件（QUNFA_WECHAT_*）定义的公众号：除名称外，请在配置中修改；它也不能停用，从配置中移除即可。",
                "This account is the one the configuration (QUNFA_WECHAT_*) defines: change anything but its name there; it cannot be disabled here either, only removed from the configuration.",
            ),
            TimeZoneInvalid => lang.pick(
                "请填写 IANA 时区名，例如 Asia/Shanghai（北京时间）、Asia/Hong_Kong 或 Europe/Berlin。",
                "Give an IANA time zone name, such as Asia/Shanghai (China time), Asia/Hong_Kong or Europe/Berlin.",
            ),
        }
    }
}

/// Which of an account's secrets are stored: the page says "set", never
/// the value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretsSet {
    pub secret: bool,
    pub token_url: bool,
    pub fixed_token: bool,
    pub callback_token: bool,
    pub aes_key: bool,
}

/// An account as `/accounts` lists it: no secret, only whether it is set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub appid: String,
    pub kind: Kind,
    pub overseas: bool,
    pub origin: Origin,
    pub token_source: TokenSource,
    pub message_mode: MessageMode,
    /// What to paste into the WeChat console as 服务器地址 (URL).
    pub callback_url: String,
    /// Without its query and user information, which may hold a key.
    pub forward_url: Option<String>,
    pub forward_timeout_ms: Option<i64>,
    /// The IANA zone its schedules are entered and shown in.
    #[serde(default)]
    pub time_zone: String,
    pub disabled: bool,
    /// Enabled but not at work: why (in English, as the start said it).
    pub not_started: Option<String>,
    pub secrets: SecretsSet,
    /// Its sends wait for a reviewer's approval before they go.
    pub needs_approval: bool,
}

impl AccountSummary {
    /// Row 1: the configuration's account.
    pub fn is_configured(&self) -> bool {
        self.id == 1
    }
}

/// What "Check" found: whether WeChat accepted the account's AppID and
/// secret (or its token), in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckView {
    pub slug: String,
    pub works: bool,
    pub words: String,
}

/// What `/accounts` shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountsView {
    pub accounts: Vec<AccountSummary>,
    /// The console runs the built-in simulator: simulated accounts may be
    /// added.
    pub simulator: bool,
}

/// The answer to adding or changing an account: the problems of its
/// fields (nothing saved), or the account saved.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveOutcome {
    pub problems: Vec<FieldProblem>,
    /// The slug of the account saved.
    pub saved: Option<String>,
    /// Saved, but it could not be put to work: why.
    pub not_started: Option<String>,
}

impl Origin {
    pub fn words(self, lang: Lang) -> &'static str {
        match self {
            Origin::Environment => {
                lang.pick("配置（QUNFA_WECHAT_*）", "Configuration (QUNFA_WECHAT_*)")
            }
            Origin::Console => lang.pick(
                "在控制台或命令行添加",
                "Added in the console or the command line",
            ),
            Origin::Simulator => lang.pick("内置模拟器", "Built-in simulator"),
        }
    }
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
        for problem in <FieldProblem as strum::VariantArray>::VARIANTS {
            assert_eq!(FieldProblem::from_code(problem.code()), Some(*problem));
        }
    }
}
