//! The article statistics of the `datacube` API (CONTENT.md §6): one
//! China-time day per call, `end_date` at most yesterday, figures from
//! 08:00 the next day, `is_delay` while WeChat has not finished counting.
//!
//! qunfa reads the current endpoints, each once a day for all articles of
//! the account: `getarticleread` (readers that day, and where they came
//! from) and `getarticleshare` (sharers that day). The old ones
//! (`getarticlesummary`, `getarticletotal`) are 停止维护 and hold no data
//! qunfa needs that these do not.
//!
//! Only `read_user`, `read_user_source`, `share_user` and `is_delay` are
//! named by the documentation qunfa has; `read_count` (reads) and
//! `add_to_fav_user` (favourites) are read when an answer carries them and
//! are `None` otherwise, so a missing field is never a zero.

use serde::{Deserialize, Deserializer, Serialize};

use super::types::MsgDataId;

/// The body of every datacube call: one day, `begin_date` = `end_date`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRequest {
    /// YYYY-MM-DD.
    pub begin_date: String,
    /// YYYY-MM-DD, the same day.
    pub end_date: String,
}

impl DayRequest {
    /// The request for one day, `YYYY-MM-DD`.
    pub fn day(date: &str) -> DayRequest {
        DayRequest {
            begin_date: date.to_owned(),
            end_date: date.to_owned(),
        }
    }
}

/// An article's statistics key, `msgid` on the wire: the send's
/// `msg_data_id`, an underscore and the article's 1-based index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatMsgId {
    pub msg_data_id: MsgDataId,
    /// 1-based.
    pub index: u32,
}

impl StatMsgId {
    pub fn parse(text: &str) -> Option<StatMsgId> {
        let (data, index) = text.split_once('_')?;
        let msg_data_id = MsgDataId::new(data.parse().ok()?);
        let index: u32 = index.parse().ok()?;
        (index >= 1).then_some(StatMsgId { msg_data_id, index })
    }
}

impl std::fmt::Display for StatMsgId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}_{}", self.msg_data_id.get(), self.index)
    }
}

impl Serialize for StatMsgId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for StatMsgId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        StatMsgId::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not a datacube msgid: {text:?}")))
    }
}

/// Where a day's readers came from, as WeChat codes it (`user_source`):
/// 0 the message (会话), 1 a friend's share (好友转发), 2 Moments (朋友圈),
/// 4 the account's history (历史消息页); every other code (5 其他, 6 看一看,
/// 7 搜一搜, codes added later) is `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReadSource {
    Message,
    History,
    Shares,
    Other,
}

impl ReadSource {
    pub fn from_code(code: i64) -> ReadSource {
        match code {
            0 => ReadSource::Message,
            1 | 2 => ReadSource::Shares,
            4 => ReadSource::History,
            _ => ReadSource::Other,
        }
    }
}

/// One line of `read_user_source`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCount {
    /// A number, or a number in a string; anything else reads as "other".
    #[serde(deserialize_with = "lenient_code")]
    pub user_source: i64,
    #[serde(default)]
    pub read_user: u64,
}

impl SourceCount {
    pub fn source(&self) -> ReadSource {
        ReadSource::from_code(self.user_source)
    }
}

/// `getarticleread`'s figures of one article on one day.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadDetail {
    #[serde(default)]
    pub read_user: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_to_fav_user: Option<u64>,
    #[serde(default)]
    pub read_user_source: Vec<SourceCount>,
}

/// One article's row of `getarticleread`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleRead {
    pub ref_date: String,
    /// `None` when WeChat's `msgid` is not `<msg_data_id>_<index>` (an
    /// odd row is skipped, never the whole answer refused).
    #[serde(default, deserialize_with = "lenient_msgid")]
    pub msgid: Option<StatMsgId>,
    #[serde(default)]
    pub detail: ReadDetail,
}

/// `getarticleread`'s answer: the articles read on the day asked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleReadResponse {
    #[serde(default)]
    pub list: Vec<ArticleRead>,
    /// WeChat has not finished counting the day: ask again later. 0 or 1
    /// on the wire, as WeChat writes it.
    #[serde(default, deserialize_with = "flag", serialize_with = "flag_number")]
    pub is_delay: bool,
}

/// `getarticleshare`'s figures of one article on one day.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareDetail {
    #[serde(default)]
    pub share_user: u64,
}

/// One article's row of `getarticleshare`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleShare {
    pub ref_date: String,
    /// `None` when WeChat's `msgid` is not `<msg_data_id>_<index>` (an
    /// odd row is skipped, never the whole answer refused).
    #[serde(default, deserialize_with = "lenient_msgid")]
    pub msgid: Option<StatMsgId>,
    #[serde(default)]
    pub detail: ShareDetail,
}

/// `getarticleshare`'s answer: the articles shared on the day asked (empty
/// when nothing changed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleShareResponse {
    #[serde(default)]
    pub list: Vec<ArticleShare>,
    #[serde(default, deserialize_with = "flag", serialize_with = "flag_number")]
    pub is_delay: bool,
}

/// A row's `msgid`, `None` when it is not one (index 0, not a number, an
/// extra `_`, not a string).
fn lenient_msgid<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<StatMsgId>, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(text) => StatMsgId::parse(&text),
        _ => None,
    })
}

/// `is_delay` as 0/1, a boolean, or absent.
fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Bool(b) => b,
        serde_json::Value::Number(n) => n.as_i64().is_some_and(|n| n != 0),
        serde_json::Value::String(s) => !matches!(s.trim(), "" | "0" | "false"),
        _ => false,
    })
}

/// `is_delay` written as WeChat writes it: 0 or 1.
fn flag_number<S: serde::Serializer>(flag: &bool, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u8(u8::from(*flag))
}

fn lenient_code<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Number(n) => n.as_i64().unwrap_or(-1),
        serde_json::Value::String(s) => s.trim().parse().unwrap_or(-1),
        _ => -1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_msgid_is_the_data_id_and_the_one_based_index() {
        let id = StatMsgId::parse("2247483651_2").unwrap();
        assert_eq!(id.msg_data_id, MsgDataId::new(2_247_483_651));
        assert_eq!(id.index, 2);
        assert_eq!(id.to_string(), "2247483651_2");
        for bad in ["2247483651", "2247483651_0", "x_1", "_1", "1_", "1_2_3"] {
            assert_eq!(StatMsgId::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_odd_msgid_spoils_its_row_only() {
        let answer: ArticleReadResponse = serde_json::from_value(json!({
            "list": [
                {"ref_date": "2026-12-01", "msgid": "2247483651_0", "detail": {"read_user": 1}},
                {"ref_date": "2026-12-01", "msgid": "x_1", "detail": {"read_user": 2}},
                {"ref_date": "2026-12-01", "msgid": "1_2_3", "detail": {"read_user": 3}},
                {"ref_date": "2026-12-01", "msgid": 7, "detail": {"read_user": 4}},
                {"ref_date": "2026-12-01", "msgid": "2247483651_1", "detail": {"read_user": 5}}
            ],
            "is_delay": 0
        }))
        .unwrap();
        let ids: Vec<_> = answer.list.iter().map(|row| row.msgid).collect();
        assert_eq!(
            ids,
            [None, None, None, None, StatMsgId::parse("2247483651_1")]
        );
        let shares: ArticleShareResponse = serde_json::from_value(json!({
            "list": [{"ref_date": "2026-12-01", "msgid": "abc", "detail": {"share_user": 1}}]
        }))
        .unwrap();
        assert_eq!(shares.list[0].msgid, None);
    }

    #[test]
    fn an_answer_is_written_as_wechat_writes_it_and_reads_back() {
        let answer = ArticleShareResponse {
            list: vec![ArticleShare {
                ref_date: "2026-12-01".into(),
                msgid: StatMsgId::parse("2247483651_2"),
                detail: ShareDetail { share_user: 4 },
            }],
            is_delay: true,
        };
        let written = serde_json::to_value(&answer).unwrap();
        assert_eq!(
            written,
            json!({
                "list": [{"ref_date": "2026-12-01", "msgid": "2247483651_2", "detail": {"share_user": 4}}],
                "is_delay": 1
            })
        );
        assert_eq!(
            serde_json::from_value::<ArticleShareResponse>(written).unwrap(),
            answer
        );
        let read = serde_json::to_value(ArticleReadResponse::default()).unwrap();
        assert_eq!(read, json!({"list": [], "is_delay": 0}));
    }

    #[test]
    fn an_answer_reads_with_its_delay_and_sources_and_without_optional_figures() {
        let answer: ArticleReadResponse = serde_json::from_value(json!({
            "list": [{
                "ref_date": "2026-12-01",
                "msgid": "2247483651_1",
                "detail": {
                    "read_user": 120,
                    "read_user_source": [
                        {"user_source": 0, "read_user": 80},
                        {"user_source": "4", "read_user": 10},
                        {"user_source": 2, "read_user": 20},
                        {"user_source": 7, "read_user": 10}
                    ]
                }
            }],
            "is_delay": 1
        }))
        .unwrap();
        assert!(answer.is_delay);
        let detail = &answer.list[0].detail;
        assert_eq!(detail.read_user, 120);
        assert_eq!(detail.read_count, None, "absent is not zero");
        let sources: Vec<ReadSource> = detail.read_user_source.iter().map(|s| s.source()).collect();
        assert_eq!(
            sources,
            [
                ReadSource::Message,
                ReadSource::History,
                ReadSource::Shares,
                ReadSource::Other
            ]
        );
        let none: ArticleShareResponse = serde_json::from_value(json!({"list": []})).unwrap();
        assert!(!none.is_delay && none.list.is_empty());
    }
}
