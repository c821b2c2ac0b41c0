//! The outcome of a mass send as the `MASSSENDJOBFINISH` callback reports it.
//!
//! These are plain data with words in both languages, so the browser build
//! can render them; `callback` (server only) reads them from XML. Every
//! numeric field is lenient: a number the seed does not list is kept as
//! `Other(n)` rather than refused, because the callback has changed before
//! (`ArticleUrlResult` arrived in 2020) and a lost callback cannot be asked
//! for again.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

use super::types::MsgId;

/// Defines an enum over the numbers of one callback field: a variant per
/// documented number with its words, and `Other(n)` for the rest.
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal => ($zh:literal, $en:literal), )*
        }
        $(#[$ometa:meta])*
        other => ($ozh:literal, $oen:literal)
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(from = "i64", into = "i64")]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            $(#[$ometa])*
            Other(i64),
        }

        impl $name {
            pub fn from_code(code: i64) -> Self {
                match code {
                    $( $code => $name::$variant, )*
                    other => $name::Other(other),
                }
            }

            pub fn code(self) -> i64 {
                match self {
                    $( $name::$variant => $code, )*
                    $name::Other(code) => code,
                }
            }

            /// The meaning in words, for the send detail page.
            pub fn label(self, lang: Lang) -> &'static str {
                match self {
                    $( $name::$variant => lang.pick($zh, $en), )*
                    $name::Other(_) => lang.pick($ozh, $oen),
                }
            }
        }

        impl From<i64> for $name {
            fn from(code: i64) -> Self {
                $name::from_code(code)
            }
        }

        impl From<$name> for i64 {
            fn from(v: $name) -> i64 {
                v.code()
            }
        }
    };
}

coded_enum! {
    /// The `n` of `err(n)`: why WeChat stopped a send, from the seed's list.
    ///
    /// Not to be confused with API errcodes: `err(40001)` here means the
    /// admin refused the send, not an invalid token.
    FailureReason {
        Advertising = 10001 => ("涉嫌广告", "Suspected advertising"),
        Politics = 20001 => ("涉嫌政治", "Suspected political content"),
        Society = 20004 => ("涉嫌社会", "Suspected social-issue content"),
        Pornography = 20002 => ("涉嫌色情", "Suspected pornography"),
        Crime = 20006 => ("涉嫌违法犯罪", "Suspected illegal or criminal content"),
        Fraud = 20008 => ("涉嫌欺诈", "Suspected fraud"),
        Copyright = 20013 => ("涉嫌版权", "Suspected copyright infringement"),
        MutualPromotion = 22000 => ("涉嫌互推（互相宣传）", "Suspected mutual promotion"),
        OtherViolation = 21000 => ("涉嫌其他", "Suspected other violation"),
        MapMisuse = 93115 => ("公开地图使用不规范", "Improper use of a public map"),
        OriginalityCheckSystemError = 30001 => (
            "原创校验出现系统错误，且选择了被判为转载就不群发",
            "The originality check hit a system error, and the send was set to stop if judged a reprint"
        ),
        OriginalityCheckRefused = 30002 => ("原创校验判定不能群发", "The originality check ruled that it cannot be sent"),
        JudgedReprint = 30003 => (
            "原创校验判定为转载文，且选择了被判为转载就不群发",
            "The originality check judged it a reprint, and the send was set to stop if judged a reprint"
        ),
        AdminRejected = 40001 => ("管理员拒绝了这次群发", "An admin refused the send"),
        AdminTimeout = 40002 => ("管理员 30 分钟内没有确认，已超时", "No admin confirmed the send within 30 minutes"),
    }
    /// A reason the seed does not list.
    other => ("未公开的原因", "A reason WeChat does not document")
}

impl FailureReason {
    /// What the editor can do next.
    pub fn remedy(self, lang: Lang) -> &'static str {
        use FailureReason::*;
        match self {
            JudgedReprint => lang.pick(
                "若原作者允许转载，可选择“被判为转载时继续群发”（send_ignore_reprint=1）后重新群发；否则请先取得原作者授权。",
                "If the original author allows reprints, send again with “continue if judged a reprint” (send_ignore_reprint=1); otherwise get the author's permission first.",
            ),
            OriginalityCheckSystemError => lang.pick(
                "稍后重新群发；也可选择“被判为转载时继续群发”。",
                "Send again later, or choose “continue if judged a reprint”.",
            ),
            OriginalityCheckRefused => lang.pick(
                "原作者禁止转载：请与原创公众号联系取得授权，或改用自己的内容。",
                "The original author forbids reprints: get permission from that account, or use your own content.",
            ),
            AdminRejected => lang.pick(
                "与管理员确认后重新群发；如不需要 API 群发保护，可在“设置 → 安全中心 → 风险操作保护”中关闭。",
                "Agree with the admin, then send again; the protection can be turned off under 设置 → 安全中心 → 风险操作保护.",
            ),
            AdminTimeout => lang.pick(
                "重新群发，并提醒管理员在 30 分钟内于手机微信上确认。",
                "Send again and ask an admin to confirm in WeChat on their phone within 30 minutes.",
            ),
            Other(_) => lang.pick(
                "在公众平台的群发记录或通知中心查看原因。",
                "Look for the reason in the WeChat console's send history or notification centre.",
            ),
            _ => lang.pick(
                "内容未通过审核：修改相关内容后重新群发；如有异议可在公众平台申诉。",
                "The content failed review: change it and send again, or appeal in the WeChat console.",
            ),
        }
    }
}

/// The callback's `Status`: `send success`, `send fail` or `err(n)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Status {
    /// Submitted to everyone; a few users may still have missed it.
    SendSuccess,
    SendFail,
    /// Stopped by review, the originality check or the admin.
    Err(FailureReason),
    /// A status in a form the seed does not describe, kept verbatim.
    Unknown(String),
}

impl Status {
    /// Reads the wire form. Never fails: an unexpected form is kept.
    ///
    /// Only the seed's exact spellings are read: a send is failed for good
    /// on `send fail` or `err(n)` alone, so any other spacing, case or word
    /// is `Unknown`, and the send's end is asked of `mass/get` instead.
    pub fn parse(raw: &str) -> Status {
        match raw {
            "send success" => return Status::SendSuccess,
            "send fail" => return Status::SendFail,
            _ => {}
        }
        let code = raw
            .strip_prefix("err(")
            .and_then(|rest| rest.strip_suffix(')'))
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse::<i64>().ok());
        match code {
            Some(n) => Status::Err(FailureReason::from_code(n)),
            None => Status::Unknown(raw.to_owned()),
        }
    }

    /// The wire form, as WeChat writes it.
    pub fn to_wire(&self) -> String {
        match self {
            Status::SendSuccess => "send success".to_owned(),
            Status::SendFail => "send fail".to_owned(),
            Status::Err(reason) => format!("err({})", reason.code()),
            Status::Unknown(raw) => raw.clone(),
        }
    }

    pub fn is_success(&self) -> bool {
        matches!(self, Status::SendSuccess)
    }

    /// `send fail` or any `err(n)`. An unknown status is neither success
    /// nor failure: the send's state is refreshed with `mass/get` instead.
    pub fn is_failure(&self) -> bool {
        matches!(self, Status::SendFail | Status::Err(_))
    }

    /// The status in words; an unknown one is shown as WeChat sent it.
    pub fn label(&self, lang: Lang) -> &str {
        match self {
            Status::SendSuccess => lang.pick("发送成功", "Sent"),
            Status::SendFail => lang.pick("发送失败", "Sending failed"),
            Status::Err(reason) => reason.label(lang),
            Status::Unknown(raw) => raw,
        }
    }
}

impl From<String> for Status {
    fn from(raw: String) -> Self {
        Status::parse(&raw)
    }
}

impl From<Status> for String {
    fn from(s: Status) -> String {
        s.to_wire()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_wire())
    }
}

coded_enum! {
    /// `CheckState`: the overall originality-check verdict of the send.
    CheckState {
        /// Seen in real payloads though the docs list only 1–3; treated as
        /// "no verdict reported".
        NoVerdict = 0 => ("未给出整体校验结果", "No overall verdict reported"),
        NotReprint = 1 => ("未被判为转载，可以群发", "Not judged a reprint; can be sent"),
        ReprintAllowed = 2 => ("被判为转载，可以群发", "Judged a reprint; can be sent"),
        ReprintRefused = 3 => ("被判为转载，不能群发", "Judged a reprint; cannot be sent"),
    }
    other => ("未知的校验结果", "Unknown verdict")
}

coded_enum! {
    /// `UserDeclareState`: what the author declared for the article.
    UserDeclareState {
        NotDeclared = 0 => ("未声明原创", "Not declared original"),
        DeclaredOriginal = 1 => ("声明原创", "Declared original"),
        DeclaredReprint = 2 => ("声明转载", "Declared a reprint"),
    }
    other => ("未知的声明状态", "Unknown declaration")
}

coded_enum! {
    /// `AuditState`: the system's originality check of the article. The
    /// seed defines 0, 1 and 11 and says every other value means "failed",
    /// so `Other(n)` reads as failed.
    AuditState {
        NotChecked = 0 => ("尚未校验原创", "Originality not checked yet"),
        Checking = 1 => ("原创校验中", "Originality check in progress"),
        Passed = 11 => ("原创校验通过", "Originality check passed"),
    }
    /// Any other value: the check did not pass.
    other => ("原创校验未通过", "Originality check not passed")
}

coded_enum! {
    /// `OriginalArticleType`: what kind of article this one resembles.
    OriginalArticleType {
        /// Not in the seed's list (1–4): an article that resembles none,
        /// with an empty `OriginalArticleUrl`, as the simulator sends it.
        NoSimilarOriginal = 0 => ("无相似原创文", "No similar original"),
        Original = 1 => ("原创文", "An original article"),
        HistoricalNonOriginal = 2 => ("历史非原创文", "An earlier non-original article"),
        News = 3 => ("新闻类", "A news article"),
        Blacklisted = 4 => ("黑文类", "A blacklisted article"),
    }
    other => ("未知类型", "Unknown type")
}

coded_enum! {
    /// `CanReprint`: whether the similar original may be reprinted.
    CanReprint {
        No = 0 => ("不能转载", "Cannot be reprinted"),
        Yes = 1 => ("可以转载", "Can be reprinted"),
    }
    other => ("未知", "Unknown")
}

coded_enum! {
    /// `NeedReplaceContent`: whether the article is replaced by the original.
    NeedReplaceContent {
        No = 0 => ("无需替换为原创文内容", "No need to replace with the original"),
        Yes = 1 => ("需要替换为原创文内容", "Will be replaced with the original's content"),
    }
    other => ("未知", "Unknown")
}

coded_enum! {
    /// `NeedShowReprintSource`: whether the reprint source is shown.
    NeedShowReprintSource {
        No = 0 => ("无需注明转载来源", "No need to show the reprint source"),
        Yes = 1 => ("需要注明转载来源", "The reprint source will be shown"),
    }
    other => ("未知", "Unknown")
}

/// One article's originality-check result (`ResultList/item`).
/// Each field is optional: a missing or unreadable one is `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleCheck {
    /// 1-based position of the article in the send.
    pub article_idx: Option<u32>,
    pub user_declare_state: Option<UserDeclareState>,
    pub audit_state: Option<AuditState>,
    /// URL of the similar original article.
    pub original_article_url: Option<String>,
    pub original_article_type: Option<OriginalArticleType>,
    pub can_reprint: Option<CanReprint>,
    pub need_replace_content: Option<NeedReplaceContent>,
    pub need_show_reprint_source: Option<NeedShowReprintSource>,
}

/// `CopyrightCheckResult`: the originality check of an `mpnews` send.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyrightCheckResult {
    /// WeChat's `Count`, kept as sent even if it disagrees with `items`.
    pub count: Option<u64>,
    pub items: Vec<ArticleCheck>,
    pub check_state: Option<CheckState>,
}

/// One sent article's URL (`ArticleUrlResult/ResultList/item`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleUrl {
    pub article_idx: Option<u32>,
    pub url: Option<String>,
}

/// `ArticleUrlResult`: the URLs of the sent articles.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleUrlResult {
    pub count: Option<u64>,
    pub items: Vec<ArticleUrl>,
}

/// Everything `MASSSENDJOBFINISH` says about one send.
///
/// The counts are WeChat's, pushed "near the end" of the job and therefore
/// approximate; `None` means the field was missing or not a number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MassSendResult {
    pub msg_id: MsgId,
    pub status: Status,
    /// Followers in the tag (or in `touser`).
    pub total_count: Option<u64>,
    /// Followers left after filtering (region, refusals, the 4-a-month cap).
    pub filter_count: Option<u64>,
    pub sent_count: Option<u64>,
    pub error_count: Option<u64>,
    /// Absent for non-article sends and sometimes empty.
    pub copyright_check: Option<CopyrightCheckResult>,
    pub article_urls: Option<ArticleUrlResult>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_reads_the_three_wire_forms() {
        assert_eq!(Status::parse("send success"), Status::SendSuccess);
        assert_eq!(Status::parse("send fail"), Status::SendFail);
        assert_eq!(
            Status::parse("err(30003)"),
            Status::Err(FailureReason::JudgedReprint)
        );
    }

    #[test]
    fn other_spellings_are_neither_success_nor_failure() {
        for odd in [
            " Send Success ",
            "SEND SUCCESS ",
            "send  success",
            " send fail",
            "Send Fail",
            "SEND FAIL",
            "err( 10001 )",
            "ERR(10001)",
            "err(-1)",
            "err(+1)",
            "err()",
            "sent maybe",
        ] {
            let status = Status::parse(odd);
            assert_eq!(status, Status::Unknown(odd.to_owned()), "{odd:?}");
            assert!(!status.is_failure() && !status.is_success(), "{odd:?}");
            assert_eq!(status.to_wire(), odd);
        }
    }

    #[test]
    fn every_err_number_of_the_seed_has_words() {
        let seed = [
            10001, 20001, 20004, 20002, 20006, 20008, 20013, 22000, 21000, 93115, 30001, 30002,
            30003, 40001, 40002,
        ];
        for n in seed {
            let status = Status::parse(&format!("err({n})"));
            let Status::Err(reason) = status.clone() else {
                panic!("err({n}) not read");
            };
            assert!(!matches!(reason, FailureReason::Other(_)), "err({n})");
            assert_eq!(reason.code(), n);
            assert!(status.is_failure());
            assert_ne!(status.label(Lang::Zh), status.label(Lang::En));
            assert!(!reason.remedy(Lang::Zh).is_empty());
            assert_eq!(status.to_wire(), format!("err({n})"));
        }
        assert_eq!(
            FailureReason::MapMisuse.label(Lang::Zh),
            "公开地图使用不规范"
        );
        assert_eq!(
            FailureReason::AdminRejected.label(Lang::Zh),
            "管理员拒绝了这次群发"
        );
    }

    #[test]
    fn unknown_statuses_are_kept_verbatim() {
        assert_eq!(
            Status::parse("err(99999)"),
            Status::Err(FailureReason::Other(99999))
        );
        assert_eq!(Status::parse("err(99999)").to_wire(), "err(99999)");
        let odd = Status::parse("send partially");
        assert_eq!(odd, Status::Unknown("send partially".into()));
        assert_eq!(odd.label(Lang::Zh), "send partially");
        assert!(!odd.is_failure() && !odd.is_success());
        assert_eq!(Status::parse("err(abc)").to_wire(), "err(abc)");
        assert_eq!(Status::parse(""), Status::Unknown(String::new()));
    }

    #[test]
    fn status_serialises_as_its_wire_form() {
        let s = Status::Err(FailureReason::AdminTimeout);
        assert_eq!(serde_json::to_value(&s).unwrap(), json!("err(40002)"));
        assert_eq!(
            serde_json::from_value::<Status>(json!("send success")).unwrap(),
            Status::SendSuccess
        );
    }

    #[test]
    fn check_state_knows_zero_to_three_and_keeps_others() {
        assert_eq!(CheckState::from_code(0), CheckState::NoVerdict);
        assert_eq!(CheckState::from_code(2), CheckState::ReprintAllowed);
        assert_eq!(
            CheckState::from_code(3).label(Lang::Zh),
            "被判为转载，不能群发"
        );
        assert_eq!(CheckState::from_code(7), CheckState::Other(7));
        assert_eq!(CheckState::Other(7).code(), 7);
    }

    #[test]
    fn audit_state_reads_undocumented_values_as_not_passed() {
        assert_eq!(AuditState::from_code(11), AuditState::Passed);
        assert_eq!(AuditState::from_code(2), AuditState::Other(2));
        assert_eq!(AuditState::from_code(2).label(Lang::Zh), "原创校验未通过");
        assert_eq!(
            AuditState::from_code(1).label(Lang::En),
            "Originality check in progress"
        );
    }

    #[test]
    fn the_copyright_enums_have_words_in_both_languages() {
        assert_eq!(UserDeclareState::from_code(1).label(Lang::Zh), "声明原创");
        assert_eq!(OriginalArticleType::from_code(4).label(Lang::Zh), "黑文类");
        assert_eq!(
            OriginalArticleType::from_code(0),
            OriginalArticleType::NoSimilarOriginal
        );
        assert_eq!(CanReprint::from_code(1), CanReprint::Yes);
        assert_eq!(NeedReplaceContent::from_code(0), NeedReplaceContent::No);
        assert_eq!(
            NeedShowReprintSource::from_code(5),
            NeedShowReprintSource::Other(5)
        );
        assert_eq!(
            serde_json::to_value(CheckState::NotReprint).unwrap(),
            json!(1)
        );
        assert_eq!(
            serde_json::from_value::<AuditState>(json!(11)).unwrap(),
            AuditState::Passed
        );
    }
}
