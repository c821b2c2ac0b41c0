//! A send's timeline in words: who took each step (`send_events.source`)
//! and the note beside it (`send_events.detail`).
//!
//! Both are stored as codes and worded when the page is shown, in the
//! page's language. Rows stored before the codes hold English sentences;
//! those are read as the note they were, so old timelines are worded too.

use crate::i18n::Lang;
use crate::sends::SendState;
use crate::wechat::status::Status;

/// Who moved a send: the stored `send_events.source`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The editor confirmed: the send was written.
    Compose,
    /// The confirmation called `sendall`.
    Send,
    /// The worker asked WeChat again.
    Worker,
    /// WeChat's MASSSENDJOBFINISH push.
    Callback,
    /// A `mass/get` query.
    MassGet,
    /// A `mass/delete` call.
    MassDelete,
    /// A reviewer approved or declined it.
    Approval,
    /// Its schedule: released at its time, missed, rescheduled, edited or
    /// cancelled (`sends::schedule`).
    Schedule,
}

impl Step {
    /// The step of a stored source; `None` for one this version does not know.
    pub fn parse(stored: &str) -> Option<Step> {
        Some(match stored {
            "compose" => Step::Compose,
            "send" => Step::Send,
            "worker" => Step::Worker,
            "callback" => Step::Callback,
            "mass/get" => Step::MassGet,
            "mass/delete" => Step::MassDelete,
            "approval" => Step::Approval,
            "schedule" => Step::Schedule,
            _ => return None,
        })
    }

    pub fn words(self, lang: Lang) -> &'static str {
        match self {
            Step::Compose => lang.pick("已确认，等待发送", "Confirmed, waiting to go out"),
            Step::Send => lang.pick("调用群发接口", "Sent to WeChat"),
            Step::Worker => lang.pick("自动重试", "Asked again by qunfa"),
            Step::Callback => lang.pick("微信的结果推送", "WeChat's result push"),
            Step::MassGet => lang.pick("查询群发状态（mass/get）", "Status query (mass/get)"),
            Step::MassDelete => lang.pick("删除（mass/delete）", "Deletion (mass/delete)"),
            Step::Approval => lang.pick("审核", "Review"),
            Step::Schedule => lang.pick("定时", "Schedule"),
        }
    }
}

/// A source in words; one this version does not know, as stored.
pub fn step_words(lang: Lang, stored: &str) -> String {
    Step::parse(stored).map_or_else(|| stored.to_owned(), |s| s.words(lang).to_owned())
}

/// The note of a timeline entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// 45065 with a msg_id: WeChat had this clientmsgid already.
    AlreadySent,
    /// 45065 without a msg_id.
    AlreadySentNoMsgId,
    /// 45066: called with this clientmsgid within the minute.
    RetryTooFast,
    /// API 群发保护: the account's admin must confirm on their phone.
    AwaitingAdmin,
    /// No answer (a timeout, a cut connection): it may have gone out.
    NoAnswer,
    /// WeChat refused: nothing went out.
    Refused,
    /// Unanswered for 23 hours: not asked again.
    TooOldToRetry,
    /// The callback's `Status` is not one WeChat documents.
    UndocumentedStatus(String),
    /// Article N (or every article, `None`) was deleted.
    Deleted(Option<u32>),
    /// How the send ended: the status WeChat sent, as it sent it.
    Ended(String),
    /// Approved by this reviewer; `now`: its time had passed and the
    /// reviewer said to send it now.
    Approved { by: String, now: bool },
    /// Declined by this reviewer (the comment is on the send's page).
    Declined { by: String },
    /// A note this version does not know, as stored.
    Other(String),
    /// 42010 or 9500002: WeChat takes no more mass sends for a while;
    /// nothing went out, asked again in a few minutes.
    WechatBusy,
}

impl Note {
    /// What is stored in `send_events.detail`.
    pub fn code(&self) -> String {
        match self {
            Note::AlreadySent => "already_sent".to_owned(),
            Note::AlreadySentNoMsgId => "already_sent_no_msg_id".to_owned(),
            Note::RetryTooFast => "retry_too_fast".to_owned(),
            Note::AwaitingAdmin => "awaiting_admin".to_owned(),
            Note::NoAnswer => "no_answer".to_owned(),
            Note::Refused => "refused".to_owned(),
            Note::TooOldToRetry => "too_old_to_retry".to_owned(),
            Note::WechatBusy => "wechat_busy".to_owned(),
            Note::UndocumentedStatus(status) => format!("undocumented_status:{status}"),
            Note::Deleted(Some(n)) => format!("deleted:{n}"),
            Note::Deleted(None) => "deleted:all".to_owned(),
            Note::Approved { by, now: false } => format!("approved:{by}"),
            Note::Approved { by, now: true } => format!("approved_now:{by}"),
            Note::Declined { by } => format!("declined:{by}"),
            Note::Ended(status) | Note::Other(status) => status.clone(),
        }
    }

    /// Reads a stored note: a code, or the English sentence stored before
    /// codes. An entry that ended the send (`finished`, `failed`) holds the
    /// status WeChat sent.
    pub fn parse(stored: &str, state: SendState) -> Note {
        let known = [
            Note::AlreadySent,
            Note::AlreadySentNoMsgId,
            Note::RetryTooFast,
            Note::AwaitingAdmin,
            Note::NoAnswer,
            Note::Refused,
            Note::TooOldToRetry,
            Note::WechatBusy,
        ];
        if let Some(note) = known.iter().find(|n| n.code() == stored) {
            return note.clone();
        }
        // A username has no colon (`auth::Username`).
        if let Some(by) = stored.strip_prefix("approved:") {
            return Note::Approved {
                by: by.to_owned(),
                now: false,
            };
        }
        if let Some(by) = stored.strip_prefix("approved_now:") {
            return Note::Approved {
                by: by.to_owned(),
                now: true,
            };
        }
        if let Some(by) = stored.strip_prefix("declined:") {
            return Note::Declined { by: by.to_owned() };
        }
        if let Some(status) = stored.strip_prefix("undocumented_status:") {
            return Note::UndocumentedStatus(status.to_owned());
        }
        match stored.strip_prefix("deleted:") {
            Some("all") => return Note::Deleted(None),
            Some(n) => {
                if let Ok(n) = n.parse() {
                    return Note::Deleted(Some(n));
                }
            }
            None => {}
        }
        if let Some(note) = Note::from_sentence(stored) {
            return note;
        }
        if matches!(state, SendState::Finished | SendState::Failed) {
            return Note::Ended(stored.to_owned());
        }
        Note::Other(stored.to_owned())
    }

    /// The English sentences stored before the codes.
    fn from_sentence(stored: &str) -> Option<Note> {
        Some(match stored {
            "45065: WeChat already had this clientmsgid; this is its msg_id" => Note::AlreadySent,
            "45065 without a msg_id: sent before, but WeChat did not say which job" => {
                Note::AlreadySentNoMsgId
            }
            "45066: a call with this clientmsgid was made within the minute; asking again in a minute" => {
                Note::RetryTooFast
            }
            "API 群发保护: waiting for the account's admin" => Note::AwaitingAdmin,
            "no answer: it may have been sent; asking again with the same clientmsgid" => {
                Note::NoAnswer
            }
            "refused: nothing was sent" => Note::Refused,
            "no answer within 23 hours: not retried, as WeChat forgets the clientmsgid after 24 hours" => {
                Note::TooOldToRetry
            }
            "all articles deleted" => Note::Deleted(None),
            _ => {
                if let Some(n) = stored
                    .strip_prefix("article ")
                    .and_then(|rest| rest.strip_suffix(" deleted"))
                    .and_then(|n| n.parse().ok())
                {
                    return Some(Note::Deleted(Some(n)));
                }
                let status = stored
                    .strip_prefix("the callback's Status ")?
                    .strip_suffix(" is not one WeChat documents: asking mass/get")?;
                // Stored with Rust's `{:?}`: in double quotes.
                let status = status.strip_prefix('"')?.strip_suffix('"')?;
                Note::UndocumentedStatus(status.to_owned())
            }
        })
    }

    pub fn words(&self, lang: Lang) -> String {
        let text = match self {
            Note::AlreadySent => lang.pick(
                "45065：微信已经收到过这个 clientmsgid，这是那次群发的 msg_id。",
                "45065: WeChat already had this clientmsgid; this is its msg_id.",
            ),
            Note::AlreadySentNoMsgId => lang.pick(
                "45065 但没有 msg_id：之前已经发出，但微信没有说是哪一次群发。",
                "45065 without a msg_id: sent before, but WeChat did not say which job.",
            ),
            Note::RetryTooFast => lang.pick(
                "45066：一分钟内已经用这个 clientmsgid 调用过，一分钟后再问。",
                "45066: a call with this clientmsgid was made within the minute; asking again in a minute.",
            ),
            Note::AwaitingAdmin => lang.pick(
                "API 群发保护：等待公众号管理员在手机上确认。",
                "API 群发保护 (mass-send protection): waiting for the account's admin to confirm on their phone.",
            ),
            Note::NoAnswer => lang.pick(
                "没有收到答复：可能已经发出，将用同一个 clientmsgid 再问。",
                "No answer: it may have been sent; asking again with the same clientmsgid.",
            ),
            Note::Refused => lang.pick(
                "被微信拒绝：什么也没有发出。",
                "Refused by WeChat: nothing was sent.",
            ),
            Note::TooOldToRetry => lang.pick(
                "23 小时内没有答复：不再重试，因为微信 24 小时后就不认这个 clientmsgid 了。",
                "No answer within 23 hours: not asked again, as WeChat forgets the clientmsgid after 24 hours.",
            ),
            Note::WechatBusy => lang.pick(
                "微信暂时不再接受群发（42010 群发过快，或 9500002 进行中的群发任务过多）：什么也没有发出，几分钟后用同一个 clientmsgid 再试。",
                "WeChat takes no more mass sends for now (42010 too fast, or 9500002 too many running): nothing was sent; trying again in a few minutes with the same clientmsgid.",
            ),
            Note::UndocumentedStatus(status) => {
                return match lang {
                    Lang::Zh => format!("推送的 Status “{status}”不在微信的文档里：改用 mass/get 查询。"),
                    Lang::En => format!(
                        "The callback's Status “{status}” is not one WeChat documents: asking mass/get."
                    ),
                };
            }
            Note::Deleted(Some(n)) => {
                return match lang {
                    Lang::Zh => format!("已删除第 {n} 篇文章。"),
                    Lang::En => format!("Article {n} deleted."),
                };
            }
            Note::Deleted(None) => lang.pick("已删除全部文章。", "Every article deleted."),
            Note::Approved { by, now } => {
                return match (lang, now) {
                    (Lang::Zh, false) => format!("{by} 批准了这条群发。"),
                    (Lang::En, false) => format!("Approved by {by}."),
                    (Lang::Zh, true) => format!("{by} 批准了这条群发：定时已过，现在发送。"),
                    (Lang::En, true) => {
                        format!("Approved by {by}: its time had passed, so it goes now.")
                    }
                };
            }
            Note::Declined { by } => {
                return match lang {
                    Lang::Zh => format!("{by} 拒绝了这条群发，消息没有发出。"),
                    Lang::En => format!("Declined by {by}: nothing was sent."),
                };
            }
            Note::Ended(status) => {
                let label = Status::parse(status).label(lang).to_owned();
                return match lang {
                    Lang::Zh => format!("{label}（微信的 Status：“{status}”）"),
                    Lang::En => format!("{label} (WeChat's Status: “{status}”)"),
                };
            }
            Note::Other(stored) => stored,
        };
        text.to_owned()
    }
}

/// A stored note in words.
pub fn note_words(lang: Lang, stored: &str, state: SendState) -> String {
    if let Some(words) = schedule_note_words(lang, stored) {
        return words;
    }
    Note::parse(stored, state).words(lang)
}

/// A timeline note of a schedule in words (its times already in the
/// account's zone, `schedule::ssr::local_note`); `None` for any other note.
pub fn schedule_note_words(lang: Lang, stored: &str) -> Option<String> {
    let times = |rest: &str| -> Option<(String, String, String)> {
        let mut parts = rest.splitn(3, '|');
        Some((
            parts.next()?.to_owned(),
            parts.next()?.to_owned(),
            parts.next()?.to_owned(),
        ))
    };
    if let Some((due, back, grace)) = stored.strip_prefix("missed:").and_then(times) {
        return Some(match lang {
            Lang::Zh => format!(
                "没有发送：它的时间是 {due}，那时 qunfa 没有在运行；qunfa 在 {back} 才回来，已超过宽限时间 {grace}（QUNFA_SCHEDULE_GRACE），所以不再发送，免得在意外的时间发出。需要的话请重新群发。"
            ),
            Lang::En => format!(
                "Not sent: its time was {due} and qunfa was not running then; it came back at {back}, later than the grace of {grace} (QUNFA_SCHEDULE_GRACE), so it was not sent at a time nobody chose. Send it again if it is still wanted."
            ),
        });
    }
    if let Some((due, back, grace)) = stored.strip_prefix("missed_draft:").and_then(times) {
        return Some(match lang {
            Lang::Zh => format!(
                "没有发送：它的时间是 {due}，但直到 {back} 都无法从微信读取这篇草稿（qunfa 发送前要保存文章副本），已超过宽限时间 {grace}（QUNFA_SCHEDULE_GRACE）。"
            ),
            Lang::En => format!(
                "Not sent: its time was {due}, but WeChat could not be asked for the draft until {back} (qunfa keeps a copy of the articles before sending), later than the grace of {grace} (QUNFA_SCHEDULE_GRACE)."
            ),
        });
    }
    if let Some(at) = stored.strip_prefix("rescheduled:") {
        return Some(match lang {
            Lang::Zh => format!("改为 {at} 发送。"),
            Lang::En => format!("Rescheduled to {at}."),
        });
    }
    Some(
        match stored {
            "cancelled" => lang.pick("已取消：不会发送。", "Cancelled: it will not be sent."),
            "edited" => lang.pick("内容、发送对象或时间已修改。", "Its message, audience or time was changed."),
            "draft_unreadable" => lang.pick(
                "到了时间，但暂时无法从微信读取这篇草稿（qunfa 发送前要保存文章副本）：在宽限时间内会继续尝试。",
                "Its time came, but WeChat could not be asked for the draft (qunfa keeps a copy of the articles before sending): it is tried again within the grace.",
            ),
            _ => return None,
        }
        .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_note_is_read_back_from_its_code() {
        for note in [
            Note::AlreadySent,
            Note::AlreadySentNoMsgId,
            Note::RetryTooFast,
            Note::AwaitingAdmin,
            Note::NoAnswer,
            Note::Refused,
            Note::TooOldToRetry,
            Note::WechatBusy,
            Note::UndocumentedStatus("sent maybe".into()),
            Note::Deleted(Some(2)),
            Note::Deleted(None),
            Note::Approved {
                by: "王小明".into(),
                now: false,
            },
            Note::Approved {
                by: "rev.one".into(),
                now: true,
            },
            Note::Declined { by: "rev@x".into() },
        ] {
            assert_eq!(Note::parse(&note.code(), SendState::Unknown), note);
        }
        assert_eq!(
            Note::parse("send success", SendState::Finished),
            Note::Ended("send success".into())
        );
        assert_eq!(
            Note::parse("something new", SendState::Submitted),
            Note::Other("something new".into())
        );
    }

    #[test]
    fn notes_stored_as_english_sentences_are_still_worded() {
        let cases = [
            (
                "45065: WeChat already had this clientmsgid; this is its msg_id",
                Note::AlreadySent,
            ),
            ("refused: nothing was sent", Note::Refused),
            (
                "API 群发保护: waiting for the account's admin",
                Note::AwaitingAdmin,
            ),
            ("article 2 deleted", Note::Deleted(Some(2))),
            ("all articles deleted", Note::Deleted(None)),
            (
                "the callback's Status \"sent maybe\" is not one WeChat documents: asking mass/get",
                Note::UndocumentedStatus("sent maybe".into()),
            ),
            (
                "no answer within 23 hours: not retried, as WeChat forgets the clientmsgid after 24 hours",
                Note::TooOldToRetry,
            ),
        ];
        for (stored, note) in cases {
            assert_eq!(Note::parse(stored, SendState::Submitted), note, "{stored}");
        }
    }

    #[test]
    fn chinese_notes_and_steps_have_no_english_words_but_identifiers() {
        let allowed = [
            "clientmsgid",
            "msg_id",
            "mass/get",
            "mass/delete",
            "Status",
            "API",
        ];
        let mut texts: Vec<String> = [
            "compose",
            "send",
            "worker",
            "callback",
            "mass/get",
            "mass/delete",
            "approval",
        ]
        .iter()
        .map(|s| step_words(Lang::Zh, s))
        .collect();
        for stored in [
            "already_sent",
            "already_sent_no_msg_id",
            "retry_too_fast",
            "awaiting_admin",
            "no_answer",
            "refused",
            "too_old_to_retry",
            "deleted:1",
            "deleted:all",
            "approved:王小明",
            "approved_now:王小明",
            "declined:王小明",
        ] {
            texts.push(note_words(Lang::Zh, stored, SendState::Unknown));
        }
        for text in texts {
            let mut rest = text.clone();
            for id in allowed {
                rest = rest.replace(id, "");
            }
            assert!(
                !rest.chars().any(|c| c.is_ascii_alphabetic()),
                "English left in {text:?}"
            );
        }
        assert_eq!(
            note_words(Lang::Zh, "send success", SendState::Finished),
            "发送成功（微信的 Status：“send success”）"
        );
    }
}
