//! Sends: the compose rules, the life of a send, and what the pages show of
//! them. The types here cross to the browser; `store`, `life` and the
//! worker are server only.

pub mod api;
pub mod approval;
pub mod history;
#[cfg(feature = "ssr")]
pub mod life;
pub mod lists;
pub mod quota;
pub mod rules;
pub mod schedule;
#[cfg(feature = "ssr")]
pub mod store;
pub mod timeline;

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// The compose form as typed. Every message type has its own fields, so
/// switching type keeps what was typed; only the chosen type's are read.
/// Names are the form's `name`s (`form[text_content]`, …).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ComposeForm {
    /// Fixed when the compose page is opened; names this compose attempt.
    pub clientmsgid: String,
    pub msgtype: String,
    /// `all` or `tag`.
    pub audience: String,
    pub tag_id: String,
    pub text_content: String,
    pub mpnews_media_id: String,
    /// `1`: go on when an article is judged a reprint its author allows.
    pub send_ignore_reprint: String,
    pub voice_media_id: String,
    /// One media id per line, in order.
    pub image_media_ids: String,
    pub image_recommend: String,
    pub image_title: String,
    /// A checkbox: `1` when ticked, absent otherwise.
    pub image_need_open_comment: Option<String>,
    pub image_only_fans_can_comment: Option<String>,
    pub mpvideo_media_id: String,
    /// The title of the video material the picker turned into
    /// `mpvideo_media_id` (empty when the id was typed): WeChat cannot say
    /// it later, and the confirmation names the video by it.
    pub mpvideo_title: String,
    pub card_id: String,
    /// For `audience` `list`: the OpenIDs pasted or uploaded (one a line,
    /// or a CSV; `lists::parse_openids` reads it).
    pub openids: String,
    /// For `audience` `list`: the id of a saved list, which then stands
    /// for `openids`; empty for the pasted list.
    pub openid_list: String,
    /// For `audience` `list`: save the pasted list under this name when
    /// it is checked (empty: not saved).
    pub openid_list_save: String,
    /// When it goes: `now` (or empty) or `at` (at `send_at`).
    pub send_when: String,
    /// "At…": a `datetime-local` value in the account's time zone.
    pub send_at: String,
    /// "Also send to": the other accounts ticked, by slug (`1` when
    /// ticked; `form[campaign_accounts][<slug>]`).
    pub campaign_accounts: std::collections::BTreeMap<String, String>,
    /// Each other account's audience, by slug: `all`, or one of that
    /// account's tag ids (`form[campaign_audience][<slug>]`).
    pub campaign_audience: std::collections::BTreeMap<String, String>,
}

impl ComposeForm {
    /// The slugs ticked under "Also send to", in order.
    pub fn campaign_slugs(&self) -> Vec<&str> {
        self.campaign_accounts
            .iter()
            .filter(|(_, ticked)| !ticked.is_empty() && ticked.as_str() != "0")
            .map(|(slug, _)| slug.as_str())
            .collect()
    }
}

/// A field of the compose form, for saying which one a problem is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Field {
    MsgType,
    Audience,
    Tag,
    TextContent,
    MpNewsMedia,
    SendIgnoreReprint,
    VoiceMedia,
    ImageMedia,
    ImageRecommend,
    ImageTitle,
    ImageFlags,
    MpVideoMedia,
    CardId,
    PreviewTo,
    ClientMsgId,
    /// "Also send to" (the other accounts of a campaign).
    Campaign,
    SendAt,
    OpenIds,
    OpenIdList,
}

impl Field {
    /// The `id` of the field's error paragraph (its input's
    /// `aria-describedby`).
    pub fn error_id(self) -> &'static str {
        match self {
            Field::MsgType => "msgtype-error",
            Field::Audience => "audience-error",
            Field::Tag => "tag-error",
            Field::TextContent => "text-content-error",
            Field::MpNewsMedia => "mpnews-media-error",
            Field::SendIgnoreReprint => "reprint-error",
            Field::VoiceMedia => "voice-media-error",
            Field::ImageMedia => "image-media-error",
            Field::ImageRecommend => "image-recommend-error",
            Field::ImageTitle => "image-title-error",
            Field::ImageFlags => "image-flags-error",
            Field::MpVideoMedia => "mpvideo-media-error",
            Field::CardId => "card-id-error",
            Field::PreviewTo => "preview-to-error",
            Field::ClientMsgId => "clientmsgid-error",
            Field::Campaign => "campaign-error",
            Field::SendAt => "send-at-error",
            Field::OpenIds => "openids-error",
            Field::OpenIdList => "openid-list-error",
        }
    }
}

/// What is wrong with a field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldProblem {
    Required,
    /// Longer than `max` characters.
    TooLong {
        max: usize,
    },
    /// Not a WeChat id: visible ASCII without spaces, at most 256 bytes.
    BadId {
        line: Option<usize>,
    },
    TooManyImages {
        max: usize,
    },
    /// Not one of the six message types of the seed.
    UnknownType,
    /// Overseas accounts mass-send articles only (the seed, section 4).
    OverseasArticlesOnly,
    UnknownAudience,
    /// No such tag on the account (any more).
    UnknownTag,
    /// The tag has no followers: WeChat would spend a send on nobody.
    EmptyTag,
    NotZeroOne,
    /// A preview goes to an OpenID or a WeChat ID.
    BadRecipient,
    /// The page is too old or was altered: open Compose again.
    BadClientMsgId,
    /// A video or a card cannot go to other accounts (`msg_type`).
    CampaignTypeRefused {
        msg_type: String,
    },
    /// An article for other accounts must be a draft written in qunfa.
    CampaignDraftNotQunfa,
    /// This other account cannot take part, in words (`zh`, `en`).
    CampaignAccount {
        account: String,
        zh: String,
        en: String,
    },
    /// "At…" is not a date and time.
    NotALocalTime,
    /// The clocks skip this time in the account's zone (daylight saving
    /// starts).
    TimeSkipped {
        zone: String,
    },
    /// In the past or less than a minute ahead.
    TimeTooSoon,
    /// Further ahead than a schedule may be.
    TimeTooFar {
        days: u32,
    },
    /// Lines of a list of followers that are not OpenIDs.
    NotOpenIds(lists::OpenIdCount),
    /// A list of one follower, or none: WeChat needs two.
    TooFewOpenIds,
    /// More than `lists::MAX_OPENIDS`.
    TooManyOpenIds,
    /// The saved list is not there (deleted, or another account's).
    UnknownOpenIdList,
    /// The name to save the list under is empty or too long.
    BadListName,
}

/// A problem with one field, in words beside that field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: Field,
    pub problem: FieldProblem,
}

impl FieldError {
    pub fn new(field: Field, problem: FieldProblem) -> Self {
        FieldError { field, problem }
    }

    pub fn words(&self, lang: Lang) -> String {
        use FieldProblem::*;
        match &self.problem {
            Required if self.field == Field::ImageMedia => lang
                .pick(
                    "请至少填写一个图片的 media_id（每行一个）。",
                    "Give at least one image media_id (one per line).",
                )
                .to_owned(),
            Required if self.field == Field::Tag => lang
                .pick(
                    "请选择一个标签，或改为发给全部粉丝。",
                    "Choose a tag, or send to all followers instead.",
                )
                .to_owned(),
            Required => lang.pick("此项必填。", "This is required.").to_owned(),
            TooLong { max } => match lang {
                Lang::Zh => format!("最多 {max} 个字符。"),
                Lang::En => format!("At most {max} characters."),
            },
            BadId { line } => {
                let at = match (line, lang) {
                    (Some(n), Lang::Zh) => format!("第 {n} 行："),
                    (Some(n), Lang::En) => format!("Line {n}: "),
                    (None, _) => String::new(),
                };
                match lang {
                    Lang::Zh => format!(
                        "{at}这不像微信的 ID：只能是可见的英文字母、数字和符号，不能有空格或中文，最多 256 个字符。"
                    ),
                    Lang::En => format!(
                        "{at}This is not a WeChat id: visible ASCII letters, digits and signs only, no spaces, at most 256 characters."
                    ),
                }
            }
            TooManyImages { max } => match lang {
                Lang::Zh => format!("一次最多群发 {max} 张图片。"),
                Lang::En => format!("At most {max} images in one send."),
            },
            UnknownType => lang
                .pick(
                    "请选择一种消息类型：图文、文本、语音、图片、视频或卡券。",
                    "Choose a message type: article, text, voice, image, video or card.",
                )
                .to_owned(),
            OverseasArticlesOnly => lang
                .pick(
                    "海外公众号只能群发图文消息（微信接口文档：海外微信公众号仅支持发送图文 mpnews 消息）。",
                    "An overseas account can mass-send articles only (WeChat's reference: overseas Official Accounts support mpnews only).",
                )
                .to_owned(),
            UnknownAudience => lang
                .pick(
                    "请选择发给全部粉丝，或发给一个标签。",
                    "Choose all followers or one tag.",
                )
                .to_owned(),
            UnknownTag => lang
                .pick(
                    "公众号没有这个标签（可能刚被删除）。请刷新标签列表后重新选择。",
                    "The account has no such tag (it may just have been deleted). Refresh the tag list and choose again.",
                )
                .to_owned(),
            EmptyTag => lang
                .pick(
                    "这个标签下没有粉丝：发给它不会送达任何人。请换一个标签。",
                    "This tag has no followers: a send to it would reach nobody. Choose another tag.",
                )
                .to_owned(),
            NotZeroOne => lang
                .pick("只能是“是”或“否”。", "This can only be yes or no.")
                .to_owned(),
            BadRecipient => lang
                .pick(
                    "请填写一个粉丝的 OpenID，或一个微信号。",
                    "Give a follower's OpenID or a WeChat ID.",
                )
                .to_owned(),
            BadClientMsgId => lang
                .pick(
                    "这个编辑页面已过期或被改动。请重新打开“群发”页面。",
                    "This compose page is out of date or was altered. Open Compose again.",
                )
                .to_owned(),
            CampaignTypeRefused { msg_type } if msg_type == "wxcard" => lang
                .pick(
                    "卡券只能由创建它的公众号群发：卡券属于一个公众号，不能同时发给其他公众号。",
                    "A card can only be sent by the account that made it: a card belongs to one account, so it cannot go to other accounts too.",
                )
                .to_owned(),
            CampaignTypeRefused { .. } => lang
                .pick(
                    "视频不能同时发给其他公众号：qunfa 不保存视频文件，而微信的视频素材只给出一个临时下载地址，qunfa 无法可靠地把它上传到另一个公众号。请在每个公众号里分别上传视频后各自群发。",
                    "A video cannot go to other accounts too: qunfa keeps no copy of the video file, and WeChat gives a video material only as a temporary download address, which qunfa cannot reliably upload to another account. Upload the video in each account and send from each.",
                )
                .to_owned(),
            CampaignDraftNotQunfa => lang
                .pick(
                    "这篇草稿是在微信后台写的，qunfa 没有它的原文，无法在其他公众号里重新生成。要同时发给其他公众号，请在 qunfa 的“草稿”里写这篇文章并保存到微信。",
                    "This draft was made in the WeChat console: qunfa does not have its source, so it cannot make it again in other accounts. To send it to other accounts too, write it in qunfa's Drafts and save it to WeChat.",
                )
                .to_owned(),
            CampaignAccount { account, zh, en } => match lang {
                Lang::Zh => format!("“{account}”：{zh}"),
                Lang::En => format!("{account}: {en}"),
            },
            NotALocalTime => lang
                .pick(
                    "请填写发送的日期和时间，例如 2026-12-01 14:00。",
                    "Give the date and time it goes out, such as 2026-12-01 14:00.",
                )
                .to_owned(),
            TimeSkipped { zone } => match lang {
                Lang::Zh => format!(
                    "{zone} 在这一天调整夏令时，时钟跳过了这个时间，它并不存在。请选择晚一小时的时间。"
                ),
                Lang::En => format!(
                    "In {zone} the clocks skip this time on that day (daylight saving starts): it does not exist. Choose a time an hour later."
                ),
            },
            TimeTooSoon => lang
                .pick(
                    "定时必须至少在 1 分钟之后。要立即发送，请选择“现在”。",
                    "The time must be at least a minute from now. To send at once, choose Now.",
                )
                .to_owned(),
            TimeTooFar { days } => match lang {
                Lang::Zh => format!("定时最多只能设在 {days} 天之内。"),
                Lang::En => format!("A send can be scheduled at most {days} days ahead."),
            },
            NotOpenIds(found) => found.bad_words(lang),
            TooFewOpenIds => lists::too_few_words(lang).to_owned(),
            TooManyOpenIds => lists::too_many_words(lang),
            UnknownOpenIdList => lang
                .pick(
                    "没有这个已保存的名单（可能已被删除）。请重新选择，或粘贴 OpenID。",
                    "There is no such saved list (it may have been deleted). Choose again, or paste the OpenIDs.",
                )
                .to_owned(),
            BadListName => match lang {
                Lang::Zh => format!("名单名称最多 {} 个字符。", lists::NAME_MAX_CHARS),
                Lang::En => format!("A list's name has at most {} characters.", lists::NAME_MAX_CHARS),
            },
        }
    }
}

/// Where a send stands (DESIGN: the life of a send).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::VariantArray)]
pub enum SendState {
    /// Waits for its time (`scheduled_at`); nothing goes to WeChat before.
    Scheduled,
    /// Waits for a reviewer (the account's sends need approval).
    AwaitingApproval,
    /// A reviewer said no; nothing was sent.
    Declined,
    /// Cancelled before it went; nothing was sent.
    Cancelled,
    /// qunfa was down at its time and came back beyond the grace; nothing
    /// was sent.
    Missed,
    /// Stored, WeChat not yet answered.
    Pending,
    /// WeChat took the job (`msg_id`).
    Submitted,
    /// API 群发保护: waiting for the account's admin (89503/89504/89505).
    AwaitingConfirmation,
    /// WeChat refused it (errcode); nothing was sent.
    Rejected,
    /// No answer: it may have been sent. Settled by a retry with the same
    /// clientmsgid.
    Unknown,
    /// The MASSSENDJOBFINISH said `send success`.
    Finished,
    /// The MASSSENDJOBFINISH said `send fail` or `err(n)`.
    Failed,
}

impl SendState {
    /// Every state, in the order above (the history's filter offers them
    /// so).
    pub const ALL: &[SendState] = <SendState as strum::VariantArray>::VARIANTS;

    pub fn as_str(self) -> &'static str {
        match self {
            SendState::Scheduled => "scheduled",
            SendState::AwaitingApproval => "awaiting_approval",
            SendState::Declined => "declined",
            SendState::Cancelled => "cancelled",
            SendState::Missed => "missed",
            SendState::Pending => "pending",
            SendState::Submitted => "submitted",
            SendState::AwaitingConfirmation => "awaiting_confirmation",
            SendState::Rejected => "rejected",
            SendState::Unknown => "unknown",
            SendState::Finished => "finished",
            SendState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<SendState> {
        SendState::ALL.iter().copied().find(|s| s.as_str() == text)
    }

    /// Not yet handed to WeChat, and may still be: it can be edited,
    /// rescheduled or cancelled.
    pub fn is_held(self) -> bool {
        matches!(self, SendState::Scheduled | SendState::AwaitingApproval)
    }

    /// Ended before WeChat saw it: nothing was sent.
    pub fn never_sent(self) -> bool {
        matches!(
            self,
            SendState::Declined | SendState::Cancelled | SendState::Missed
        )
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            SendState::Scheduled => lang.pick("定时", "Scheduled"),
            SendState::AwaitingApproval => lang.pick("待审核", "Awaiting approval"),
            SendState::Declined => lang.pick("审核未通过", "Declined"),
            SendState::Cancelled => lang.pick("已取消", "Cancelled"),
            SendState::Missed => lang.pick("已错过", "Missed"),
            SendState::Pending => lang.pick("发送中", "Pending"),
            SendState::Submitted => lang.pick("已提交", "Submitted"),
            SendState::AwaitingConfirmation => lang.pick("待管理员确认", "Awaiting confirmation"),
            SendState::Rejected => lang.pick("被拒绝", "Rejected"),
            SendState::Unknown => lang.pick("结果未知", "Unknown"),
            SendState::Finished => lang.pick("已完成", "Finished"),
            SendState::Failed => lang.pick("失败", "Failed"),
        }
    }
}

/// A tag in the audience picker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagChoice {
    pub id: u64,
    pub name: String,
    pub count: u64,
}

/// What the compose page needs before it renders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComposeSetup {
    /// A fresh clientmsgid for this compose attempt.
    pub clientmsgid: String,
    /// Only articles can be sent (an overseas account).
    pub overseas: bool,
    /// The account's tags, or why they could not be listed (in words).
    pub tags: Result<Vec<TagChoice>, String>,
    /// An earlier attempt of this editor to show again (a form sent without
    /// JavaScript comes back through the address).
    pub attempt: Option<AttemptView>,
    /// The send a form without JavaScript just made, to show its result.
    pub sent: Option<SendResult>,
    /// What is left of the account's mass-send quota for the audience the
    /// form has (the page asks `quota::account_quota` when it changes).
    #[serde(default)]
    pub quota: Option<quota::Quota>,
    /// The other accounts the user may also send to (a campaign).
    #[serde(default)]
    pub campaign_targets: Vec<CampaignTarget>,
    /// The account's time zone in words, for "At…".
    #[serde(default)]
    pub time_zone: String,
    /// The account's saved lists of followers, for the list audience.
    #[serde(default)]
    pub openid_lists: Vec<lists::SavedList>,
}

/// A compose attempt after its check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptView {
    pub form: ComposeForm,
    pub outcome: PrepareOutcome,
}

/// The answer to "Send": the problems, or what the confirmation asks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
// One answer per press of Send, moved once: boxing the confirmation would
// save nothing worth its noise in every match.
#[allow(clippy::large_enum_variant)]
pub enum PrepareOutcome {
    Invalid(Vec<FieldError>),
    /// Boxed: far larger than the problems.
    Ready(Box<Confirmation>),
}

/// What the editor confirms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    pub clientmsgid: String,
    pub to_all: bool,
    /// The same message to the same audience within the last day, which
    /// Confirm then needs ticked again.
    #[serde(default)]
    pub repeat: Option<Repeat>,
    /// The tag's name, for a tag send.
    pub tag_name: Option<String>,
    /// Followers reached, when WeChat told us.
    pub audience_size: Option<u64>,
    pub msg_type: String,
    /// What goes out, by name.
    pub content: Option<Content>,
    /// A send to a list of followers.
    #[serde(default)]
    pub list: Option<Box<lists::ListConfirmation>>,
    /// When a scheduled send goes out, in the account's zone (the zone
    /// named); `None`: now.
    #[serde(default)]
    pub send_at: Option<String>,
    /// This send would exceed what is left of the account's mass-send
    /// quota, as qunfa counts it: warned before Confirm, which still sends.
    /// Boxed: a confirmation without one stays small.
    #[serde(default)]
    pub quota: Option<Box<quota::QuotaWarning>>,
    /// The other accounts of a campaign, each with its audience.
    #[serde(default)]
    pub campaign: Vec<CampaignLine>,
}

/// Another account the user may also send to, for Compose's "Also send
/// to".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignTarget {
    pub slug: String,
    pub name: String,
    /// Its tags, or why they could not be listed (in words).
    pub tags: Result<Vec<TagChoice>, String>,
}

/// One other account of a campaign, as the confirmation lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignLine {
    pub account_id: i64,
    pub slug: String,
    pub name: String,
    /// `None`: all followers.
    pub tag_id: Option<u64>,
    pub tag_name: Option<String>,
    /// Followers reached, when WeChat told us.
    pub audience_size: Option<u64>,
    /// This account's send would exceed what is left of its own quota, as
    /// qunfa counts it: warned in the confirmation, as the first account's.
    #[serde(default)]
    pub quota: Option<Box<quota::QuotaWarning>>,
}

impl CampaignLine {
    /// "服务号：标签“VIP”的 1,120 位粉丝" / "服务号: 1,120 followers of VIP".
    pub fn words(&self, lang: Lang) -> String {
        let name = &self.name;
        match lang {
            Lang::Zh => format!("{name}：{}", self.audience_words(lang)),
            Lang::En => format!("{name}: {}", self.audience_words(lang)),
        }
    }

    /// "标签“VIP”的 1,120 位粉丝" / "1,120 followers of VIP".
    pub fn audience_words(&self, lang: Lang) -> String {
        let size = self.audience_size.map(group_digits);
        match (lang, &self.tag_name, size) {
            (Lang::Zh, Some(tag), Some(n)) => format!("标签“{tag}”的 {n} 位粉丝"),
            (Lang::Zh, Some(tag), None) => format!("标签“{tag}”的粉丝"),
            (Lang::Zh, None, Some(n)) => format!("全部 {n} 位粉丝"),
            (Lang::Zh, None, None) => "全部粉丝".to_owned(),
            (Lang::En, Some(tag), Some(n)) => format!("{n} followers of {tag}"),
            (Lang::En, Some(tag), None) => format!("the followers of {tag}"),
            (Lang::En, None, Some(n)) => format!("all {n} followers"),
            (Lang::En, None, None) => "all followers".to_owned(),
        }
    }
}

impl Confirmation {
    /// "Send to 1,234 followers of VIP会员?"
    pub fn question(&self, lang: Lang) -> String {
        if let Some(list) = &self.list {
            return list.question(lang);
        }
        let size = self.audience_size.map(group_digits);
        match (lang, &self.tag_name, size) {
            (Lang::Zh, Some(tag), Some(n)) => format!("确认发送给标签“{tag}”的 {n} 位粉丝？"),
            (Lang::Zh, Some(tag), None) => format!("确认发送给标签“{tag}”的粉丝？"),
            (Lang::Zh, None, Some(n)) => format!("确认发送给全部 {n} 位粉丝？"),
            (Lang::Zh, None, None) => "确认发送给全部粉丝？".to_owned(),
            (Lang::En, Some(tag), Some(n)) => format!("Send to {n} followers of {tag}?"),
            (Lang::En, Some(tag), None) => format!("Send to the followers of {tag}?"),
            (Lang::En, None, Some(n)) => format!("Send to all {n} followers?"),
            (Lang::En, None, None) => "Send to all followers?".to_owned(),
        }
    }
}

/// An earlier send of the same message to the same audience.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repeat {
    pub send_id: i64,
    /// The tag's name, or `None` for all followers.
    pub tag_name: Option<String>,
    pub minutes_ago: u64,
}

impl Repeat {
    /// "You sent this to 内测用户 12 minutes ago. Send it again?"
    pub fn question(&self, lang: Lang) -> String {
        let to = match (lang, &self.tag_name) {
            (Lang::Zh, Some(tag)) => format!("“{tag}”"),
            (Lang::Zh, None) => "全部粉丝".to_owned(),
            (Lang::En, Some(tag)) => tag.clone(),
            (Lang::En, None) => "all followers".to_owned(),
        };
        let (minutes, hours) = (self.minutes_ago, self.minutes_ago / 60);
        match lang {
            Lang::Zh => {
                let ago = match minutes {
                    0 => "不到 1 分钟前".to_owned(),
                    1..60 => format!("{minutes} 分钟前"),
                    _ => format!("{hours} 小时前"),
                };
                format!("{ago}，你已把这条消息发给{to}。要再发一次吗？")
            }
            Lang::En => {
                let ago = match (minutes, hours) {
                    (0, _) => "less than a minute ago".to_owned(),
                    (1, _) => "1 minute ago".to_owned(),
                    (2..60, _) => format!("{minutes} minutes ago"),
                    (_, 1) => "1 hour ago".to_owned(),
                    _ => format!("{hours} hours ago"),
                };
                format!("You sent this to {to} {ago}. Send it again?")
            }
        }
    }
}

/// 12580 → "12,580".
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A send as the compose page shows its result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendResult {
    pub id: i64,
    pub state: SendState,
    pub msg_type: String,
    pub msg_id: Option<u64>,
    pub msg_data_id: Option<u64>,
    /// WeChat's refusal (or the missing answer) in words, with the remedy.
    pub problem: Option<String>,
    /// Titles of the articles of an `mpnews` send.
    pub articles: Vec<String>,
    /// A clientmsgid for the next compose attempt on the same page.
    pub fresh_clientmsgid: String,
    /// The campaign this send is a part of (`/campaigns/<id>`).
    #[serde(default)]
    pub campaign: Option<i64>,
    /// When a scheduled send goes out, in the account's zone.
    #[serde(default)]
    pub scheduled_for: Option<String>,
}

/// What a send carries, named as the editor knows it: article titles,
/// material names, a text's first lines. Worked out when "Send" is checked
/// (WeChat's names as they were then) and kept with the attempt and the
/// send, so the confirmation, the history and the send page name it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Content {
    /// A draft's articles; empty when the draft was not found.
    Articles {
        media_id: String,
        articles: Vec<ArticleName>,
    },
    /// The text's first lines; `more` when there is more of it.
    Text {
        lines: Vec<String>,
        more: bool,
    },
    Voice(MediaName),
    Images {
        title: Option<String>,
        images: Vec<MediaName>,
    },
    /// The title is known when the video was picked from the materials.
    Video {
        media_id: String,
        title: Option<String>,
    },
    Card {
        card_id: String,
    },
}

/// An article of a draft: its title and its cover's address at WeChat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleName {
    pub title: String,
    pub cover_url: Option<String>,
}

/// An article of an mpnews send as it went out: qunfa's own copy, since
/// WeChat deletes a draft once it is sent. On the send's page `content` is
/// the sanitised HTML with the images qunfa keeps shown from its copies.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentArticle {
    pub title: String,
    pub author: Option<String>,
    pub digest: Option<String>,
    pub content: String,
    pub content_source_url: Option<String>,
    pub thumb_media_id: Option<String>,
    pub cover_url: Option<String>,
}

/// A material by its id, with its name and address when WeChat listed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaName {
    pub media_id: String,
    pub name: Option<String>,
    pub url: Option<String>,
}

/// Lines of a text the confirmation shows, and how long each may be.
pub const CONTENT_LINES: usize = 3;
pub const CONTENT_LINE_CHARS: usize = 80;

impl Content {
    /// The first lines of a text, each cut to a length a dialog shows.
    pub fn text(content: &str) -> Content {
        let all: Vec<&str> = content.lines().filter(|l| !l.trim().is_empty()).collect();
        let mut more = all.len() > CONTENT_LINES;
        let lines = all
            .iter()
            .take(CONTENT_LINES)
            .map(|line| {
                let line = line.trim();
                if line.chars().count() > CONTENT_LINE_CHARS {
                    more = true;
                    line.chars()
                        .take(CONTENT_LINE_CHARS - 1)
                        .collect::<String>()
                        + "…"
                } else {
                    line.to_owned()
                }
            })
            .collect();
        Content::Text { lines, more }
    }

    /// The ids WeChat knows this content by (none for a text).
    pub fn ids(&self) -> Vec<String> {
        match self {
            Content::Articles { media_id, .. } | Content::Video { media_id, .. } => {
                vec![media_id.clone()]
            }
            Content::Text { .. } => Vec::new(),
            Content::Voice(m) => vec![m.media_id.clone()],
            Content::Images { images, .. } => images.iter().map(|m| m.media_id.clone()).collect(),
            Content::Card { card_id } => vec![card_id.clone()],
        }
    }
}

impl MediaName {
    /// Its name, or its id when WeChat did not list it.
    pub fn shown(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.media_id)
    }
}

/// A draft or material in a picker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaChoice {
    pub media_id: String,
    /// Article titles of a draft, or the material's name.
    pub title: String,
    /// The first article's cover, or the image itself, at WeChat.
    pub cover_url: Option<String>,
    /// Unix seconds of the last change, when WeChat gave it.
    pub updated: Option<i64>,
}

/// One page of a picker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaPage {
    pub items: Vec<MediaChoice>,
    pub offset: u32,
    pub total: u64,
}

/// Picker page size (WeChat allows 1–20).
pub const PICKER_PAGE: u32 = 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_grouped_by_thousands() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1_234), "1,234");
        assert_eq!(group_digits(12_580), "12,580");
        assert_eq!(group_digits(1_000_000), "1,000,000");
    }

    #[test]
    fn states_read_back_and_have_words() {
        for &state in SendState::ALL {
            assert_eq!(SendState::parse(state.as_str()), Some(state));
            assert!(!state.label(Lang::Zh).is_empty());
            assert!(!state.label(Lang::En).is_empty());
        }
    }

    #[test]
    fn a_text_is_shown_by_its_first_lines() {
        assert_eq!(
            Content::text("one\n\n two \nthree"),
            Content::Text {
                lines: vec!["one".into(), "two".into(), "three".into()],
                more: false
            }
        );
        let Content::Text { lines, more } = Content::text("a\nb\nc\nd") else {
            unreachable!()
        };
        assert_eq!((lines.len(), more), (3, true));
        let long = "长".repeat(CONTENT_LINE_CHARS + 5);
        let Content::Text { lines, more } = Content::text(&long) else {
            unreachable!()
        };
        assert_eq!(lines[0].chars().count(), CONTENT_LINE_CHARS);
        assert!(lines[0].ends_with('…') && more);
    }

    #[test]
    fn a_campaign_line_names_the_account_and_its_audience() {
        let line = CampaignLine {
            account_id: 2,
            slug: "sim-2".into(),
            name: "模拟服务号".into(),
            tag_id: Some(120),
            tag_name: Some("金卡会员".into()),
            audience_size: Some(1_842),
            quota: None,
        };
        assert_eq!(
            line.words(Lang::En),
            "模拟服务号: 1,842 followers of 金卡会员"
        );
        assert_eq!(
            line.words(Lang::Zh),
            "模拟服务号：标签“金卡会员”的 1,842 位粉丝"
        );
        let all = CampaignLine {
            tag_id: None,
            tag_name: None,
            audience_size: None,
            ..line
        };
        assert_eq!(all.audience_words(Lang::En), "all followers");
        assert_eq!(all.audience_words(Lang::Zh), "全部粉丝");
    }

    #[test]
    fn the_confirmation_names_audience_and_size() {
        let confirmation = Confirmation {
            clientmsgid: "x".into(),
            to_all: false,
            repeat: None,
            tag_name: Some("VIP会员".into()),
            audience_size: Some(1_286),
            msg_type: "text".into(),
            content: None,
            quota: None,
            campaign: Vec::new(),
            send_at: None,
            list: None,
        };
        assert_eq!(
            confirmation.question(Lang::En),
            "Send to 1,286 followers of VIP会员?"
        );
        assert_eq!(
            confirmation.question(Lang::Zh),
            "确认发送给标签“VIP会员”的 1,286 位粉丝？"
        );
    }

    #[test]
    fn a_repeat_names_the_audience_and_how_long_ago() {
        let repeat = |tag_name: Option<&str>, minutes_ago| Repeat {
            send_id: 1,
            tag_name: tag_name.map(str::to_owned),
            minutes_ago,
        };
        assert_eq!(
            repeat(Some("内测用户"), 12).question(Lang::En),
            "You sent this to 内测用户 12 minutes ago. Send it again?"
        );
        assert_eq!(
            repeat(Some("内测用户"), 12).question(Lang::Zh),
            "12 分钟前，你已把这条消息发给“内测用户”。要再发一次吗？"
        );
        assert_eq!(
            repeat(None, 0).question(Lang::En),
            "You sent this to all followers less than a minute ago. Send it again?"
        );
        assert_eq!(
            repeat(None, 150).question(Lang::Zh),
            "2 小时前，你已把这条消息发给全部粉丝。要再发一次吗？"
        );
        assert_eq!(
            repeat(Some("VIP"), 60).question(Lang::En),
            "You sent this to VIP 1 hour ago. Send it again?"
        );
    }
}
