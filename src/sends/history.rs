//! The history and the detail of an account's sends: what
//! `/a/:account/sends` and `/a/:account/sends/:id` show, and the detail page's actions (refresh with `mass/get`, delete
//! with `mass/delete`). The answers are data (states, WeChat's statuses
//! and codes); `ui::history` says them in words.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Content, SendState, SentArticle};
use crate::error::AppError;
use crate::wechat::api::MassStatus;
use crate::wechat::status::{
    AuditState, CanReprint, CheckState, NeedReplaceContent, NeedShowReprintSource,
    OriginalArticleType, Status, UserDeclareState,
};

/// Rows per page of the history.
pub const HISTORY_PAGE: i64 = 50;

/// The history's filters, as in the address (`/a/main/sends?state=failed&…`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HistoryFilter {
    pub state: String,
    pub msg_type: String,
    pub tag: String,
    pub editor: String,
    /// `YYYY-MM-DD`, inclusive, UTC.
    pub from: String,
    pub to: String,
    /// Words in the summary.
    pub q: String,
    /// Keyset paging: rows with a smaller id than this; sorted by reads,
    /// `<reads>-<id>` of the last row seen.
    pub before: String,
    /// `reads`: most read first (then newest), only sends with figures;
    /// anything else: newest first.
    pub sort: String,
}

impl HistoryFilter {
    pub fn by_reads(&self) -> bool {
        self.sort.trim() == "reads"
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub id: i64,
    pub created_at: String,
    pub editor: String,
    pub msg_type: String,
    /// The tag's name at send time; empty for all followers.
    pub audience: String,
    pub summary: String,
    pub state: SendState,
    pub sent_count: Option<i64>,
    pub error_count: Option<i64>,
    pub total_count: Option<i64>,
    /// WeChat's Status, for ended sends.
    pub result: Option<Status>,
    /// The campaign the send is a part of (`/campaigns/<id>`).
    #[serde(default)]
    pub campaign: Option<i64>,
    /// A held send's time in the account's zone, short ("12-01 14:00").
    #[serde(default)]
    pub when: Option<String>,
    /// A send to a list of followers: each `mass/send` call (the row is
    /// its first, the counts are the calls' sums); empty otherwise.
    #[serde(default)]
    pub calls: Vec<ListCall>,
    /// An article send's readers so far (the latest total over its
    /// articles and days); `None` before its first figures.
    #[serde(default)]
    pub reads: Option<i64>,
}

/// One `mass/send` call of a send to a list of followers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListCall {
    pub id: i64,
    /// 1-based.
    pub part: i64,
    pub state: SendState,
    /// OpenIDs in the call.
    pub size: Option<i64>,
    pub sent_count: Option<i64>,
    pub error_count: Option<i64>,
    pub total_count: Option<i64>,
    pub errcode: Option<i64>,
    /// What went wrong, in words (for the send's page).
    pub problem: Option<String>,
}

impl HistoryRow {
    /// "3 calls: 2 finished, 1 unknown", for a list send.
    pub fn calls_words(&self, lang: crate::i18n::Lang) -> Option<String> {
        use crate::i18n::Lang;
        if self.calls.is_empty() {
            return None;
        }
        let mut by_state: Vec<(SendState, usize)> = Vec::new();
        for call in &self.calls {
            match by_state.iter_mut().find(|(s, _)| *s == call.state) {
                Some((_, n)) => *n += 1,
                None => by_state.push((call.state, 1)),
            }
        }
        let parts: Vec<String> = by_state
            .iter()
            .map(|(state, n)| match lang {
                Lang::Zh => format!("{n} 次{}", state.label(lang)),
                Lang::En => format!("{n} {}", state.label(lang)),
            })
            .collect();
        let n = self.calls.len();
        Some(match lang {
            Lang::Zh => format!("{n} 次调用：{}", parts.join("，")),
            Lang::En => format!(
                "{n} {}: {}",
                if n == 1 { "call" } else { "calls" },
                parts.join(", ")
            ),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub rows: Vec<HistoryRow>,
    /// The `before` of the next page (older, or read less), if there is one.
    pub older: Option<String>,
}

/// What the filter form offers: the editors and the account's tags.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterChoices {
    pub editors: Vec<(i64, String)>,
    pub tags: Vec<(u64, String)>,
}

#[server(endpoint = "history_choices")]
pub async fn history_choices(account: String) -> Result<FilterChoices, AppError> {
    let call = crate::edge::on_account(&account).await?;
    ssr::choices(&call.app).await
}

#[server(endpoint = "list_sends")]
pub async fn list_sends(
    account: String,
    #[server(default)] filter: HistoryFilter,
) -> Result<HistoryPage, AppError> {
    let call = crate::edge::on_account(&account).await?;
    ssr::history(&call.app, &filter, call.lang).await
}

/// One entry of a send's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: String,
    pub state: SendState,
    pub source: String,
    pub detail: Option<String>,
}

/// One article's originality check; `None` where WeChat said nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleCheckView {
    pub index: Option<u32>,
    pub title: Option<String>,
    pub user_declare_state: Option<UserDeclareState>,
    pub audit_state: Option<AuditState>,
    pub original_article_type: Option<OriginalArticleType>,
    pub can_reprint: Option<CanReprint>,
    pub need_replace_content: Option<NeedReplaceContent>,
    pub need_show_reprint_source: Option<NeedShowReprintSource>,
    pub original_url: Option<String>,
    pub url: Option<String>,
}

/// Everything about one send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendDetail {
    pub row: HistoryRow,
    pub clientmsgid: String,
    /// The exact sendall body, pretty-printed.
    pub request: String,
    pub msg_id: Option<u64>,
    pub msg_data_id: Option<u64>,
    pub audience_size: Option<i64>,
    pub filter_count: Option<i64>,
    /// WeChat's refusal in words, for a rejected or waiting send (the
    /// protocol layer's words for its errcode).
    pub problem: Option<String>,
    /// Where the end came from: `callback` or `mass/get`.
    pub status_source: Option<String>,
    pub timeline: Vec<TimelineEntry>,
    pub articles: Vec<String>,
    /// What went out, by name; `None` for a send made before it was kept.
    pub content: Option<Content>,
    /// The articles of an mpnews send as they went out (qunfa's copy:
    /// WeChat deletes the draft); empty for other sends and older ones.
    pub articles_as_sent: Vec<SentArticleView>,
    /// The originality check as a whole (`CheckState` of the push).
    pub check_state: Option<CheckState>,
    pub checks: Vec<ArticleCheckView>,
    /// Article URLs from `ArticleUrlResult` with no check entry.
    pub urls: Vec<(Option<u32>, String)>,
    /// The decrypted callback as WeChat sent it.
    pub callback_xml: Option<String>,
    pub callback_at: Option<String>,
    /// WeChat deletes sent articles and videos only; not when every
    /// article is deleted already.
    pub can_delete: bool,
    /// The articles `mass/delete` removed: 1-based, 0 for every article.
    pub deleted_articles: Vec<u32>,
    /// Its approval (`sends::approval`), for a send that needed one.
    #[serde(default)]
    pub review: Option<super::approval::ReviewView>,
    /// A held send's time and what the caller may do with it.
    #[serde(default)]
    pub held: Option<super::schedule::HeldView>,
}

/// An article as it went out, ready to show: its `content` sanitised, the
/// account's uploaded images shown from qunfa's copies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentArticleView {
    pub article: SentArticle,
    /// Images left out of the view: WeChat's image server refuses other
    /// sites' pages, and qunfa has no copy of them.
    pub images_not_shown: usize,
}

/// Whether article `n` (1-based) is among those `mass/delete` removed
/// (0 stands for every article).
pub fn article_deleted(deleted: &[u32], n: u32) -> bool {
    deleted.contains(&0) || deleted.contains(&n)
}

#[server(endpoint = "load_send_detail")]
pub async fn load_send_detail(account: String, id: i64) -> Result<SendDetail, AppError> {
    let call = crate::edge::on_account(&account).await?;
    let mut detail = ssr::detail(&call.app, id, call.lang).await?;
    detail.review = super::approval::ssr::review(&call, id).await?;
    if detail.row.state.is_held()
        && let Some(send) = crate::sends::store::load_send(&call.app.db, id).await?
    {
        let held = super::schedule::ssr::held_view(
            &call,
            send.user_id,
            send.scheduled_at.as_deref(),
            !detail.row.calls.is_empty() || detail.row.campaign.is_some(),
        );
        detail.held = Some(held);
    }
    Ok(detail)
}

/// What WeChat answered to an action of the detail page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SendAction {
    /// `mass/get`'s status now.
    Refreshed(MassStatus),
    /// `mass/delete` of one article (1-based), or of all when `None`.
    Deleted(Option<u32>),
    /// WeChat refused or did not answer, in words.
    Failed(String),
}

/// "Refresh status": asks `mass/get` now.
#[server(endpoint = "refresh_send")]
pub async fn refresh_send(account: String, id: i64) -> Result<SendAction, AppError> {
    let call = crate::edge::on_account(&account).await?;
    let outcome = ssr::refresh(&call, id).await?;
    crate::edge::redirect_plain_form(&format!("/a/{account}/sends/{id}"));
    Ok(outcome)
}

/// "Delete": `mass/delete` of the whole send (`article` empty or 0) or of
/// one article (1-based).
#[server(endpoint = "delete_send")]
pub async fn delete_send(
    account: String,
    id: i64,
    article: Option<u32>,
) -> Result<SendAction, AppError> {
    let call = crate::edge::on_account(&account).await?;
    let outcome = ssr::delete(&call, id, article.filter(|a| *a > 0)).await?;
    crate::edge::redirect_plain_form(&format!("/a/{account}/sends/{id}"));
    Ok(outcome)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::audit::{self, Action};
    use crate::edge::{AccountCall, Call};
    use crate::error::Problem;
    use crate::i18n::Lang;
    use crate::sends::life;
    use crate::sends::store;
    use crate::shell::state::AccountState;
    use crate::wechat::api::MassDeleteRequest;
    use crate::wechat::callback::Callback;
    use crate::wechat::types::MsgId;

    /// The stored end of a send: mass/get's SEND_SUCCESS / SEND_FAIL, or the
    /// callback's Status.
    fn result_status(stored: &str) -> Status {
        match stored {
            "SEND_SUCCESS" => Status::SendSuccess,
            "SEND_FAIL" => Status::SendFail,
            other => Status::parse(other),
        }
    }

    /// A day of the calendar written `YYYY-MM-DD`, or `None` (a filter
    /// that is not a day is left out, as a malformed one always was).
    fn date(text: &str) -> Option<&str> {
        let text = text.trim();
        let format = time::macros::format_description!("[year]-[month]-[day]");
        time::Date::parse(text, &format).ok().map(|_| text)
    }

    /// The filters of the address as values; one that does not parse is
    /// left out.
    fn query_of(account: i64, filter: &HistoryFilter) -> store::HistoryQuery {
        let text = |value: &str| Some(value.trim().to_owned()).filter(|v| !v.is_empty());
        let by_reads = filter.by_reads();
        let (before_reads, before) = if by_reads {
            // `<reads>-<id>`; a cursor that does not parse starts over.
            match filter.before.trim().split_once('-') {
                Some((reads, id)) => match (reads.parse().ok(), id.parse().ok()) {
                    (Some(reads), Some(id)) => (Some(reads), Some(id)),
                    _ => (None, None),
                },
                None => (None, None),
            }
        } else {
            (None, filter.before.trim().parse().ok())
        };
        store::HistoryQuery {
            account,
            before,
            before_reads,
            by_reads,
            state: SendState::parse(filter.state.trim()),
            msg_type: text(&filter.msg_type),
            audience: match filter.tag.trim() {
                "all" => Some(store::AudienceFilter::AllFollowers),
                tag => tag.parse().ok().map(store::AudienceFilter::Tag),
            },
            editor: filter.editor.trim().parse().ok(),
            from: date(&filter.from).map(str::to_owned),
            to: date(&filter.to).map(str::to_owned),
            words: text(&filter.q),
            // One more than a page says whether there is an older one.
            limit: HISTORY_PAGE + 1,
        }
    }

    fn history_row(app: &AccountState, entry: store::HistoryEntry) -> HistoryRow {
        HistoryRow {
            when: entry
                .scheduled_at
                .as_deref()
                .filter(|_| entry.state.is_held())
                .map(|at| crate::sends::schedule::ssr::short_text(&app.account.time_zone, at)),
            id: entry.id,
            created_at: entry.created_at,
            editor: entry.username,
            msg_type: entry.msg_type,
            audience: entry.audience,
            summary: entry.summary,
            state: entry.state,
            sent_count: entry.sent_count,
            error_count: entry.error_count,
            total_count: entry.total_count,
            result: entry.result_status.as_deref().map(result_status),
            campaign: entry.campaign,
            calls: Vec::new(),
            reads: entry.read_users,
        }
    }

    /// The calls of list send `id` (any of them), each with its problem in
    /// words; empty for a send that is no list.
    async fn calls_of(app: &AccountState, id: i64, lang: Lang) -> Result<Vec<ListCall>, AppError> {
        Ok(store::list_calls(&app.db, id)
            .await?
            .into_iter()
            .map(|c| ListCall {
                problem: crate::sends::api::ssr::problem_words(
                    c.state,
                    None,
                    c.errcode,
                    c.errmsg.as_deref(),
                    lang,
                ),
                id: c.id,
                part: c.part,
                state: c.state,
                size: c.size,
                sent_count: c.sent_count,
                error_count: c.error_count,
                total_count: c.total_count,
                errcode: c.errcode,
            })
            .collect())
    }

    /// A list send's row: its calls, and their counts summed.
    fn with_calls(mut row: HistoryRow, calls: Vec<ListCall>) -> HistoryRow {
        if calls.is_empty() {
            return row;
        }
        let sum = |get: fn(&ListCall) -> Option<i64>| -> Option<i64> {
            let known: Vec<i64> = calls.iter().filter_map(get).collect();
            (!known.is_empty()).then(|| known.iter().sum())
        };
        row.sent_count = sum(|c| c.sent_count);
        row.error_count = sum(|c| c.error_count);
        row.total_count = sum(|c| c.total_count);
        // The row shows the call that still needs attention, if any.
        if let Some(open) = calls.iter().find(|c| c.state != SendState::Finished) {
            row.state = open.state;
        }
        row.calls = calls;
        row
    }

    pub async fn history(
        app: &AccountState,
        filter: &HistoryFilter,
        lang: Lang,
    ) -> Result<HistoryPage, AppError> {
        let query = query_of(app.account.id, filter);
        let mut rows = Vec::new();
        for entry in store::history(&app.db, &query).await? {
            let is_list = entry.is_list;
            let row = history_row(app, entry);
            rows.push(if is_list {
                let calls = calls_of(app, row.id, lang).await?;
                with_calls(row, calls)
            } else {
                row
            });
        }
        let by_reads = filter.by_reads();
        let older = (rows.len() as i64 > HISTORY_PAGE).then(|| {
            rows.truncate(HISTORY_PAGE as usize);
            rows.last().map(|r| match (by_reads, r.reads) {
                (true, Some(reads)) => format!("{reads}-{}", r.id),
                _ => r.id.to_string(),
            })
        });
        Ok(HistoryPage {
            rows,
            older: older.flatten(),
        })
    }

    pub async fn choices(app: &AccountState) -> Result<FilterChoices, AppError> {
        let mut db = app.db.acquire().await?;
        let editors = crate::auth::store::names(&mut db).await?;
        let tags = crate::sends::api::ssr::tags(app, false)
            .await
            .map(|tags| tags.into_iter().map(|t| (t.id, t.name)).collect())
            .unwrap_or_default();
        Ok(FilterChoices { editors, tags })
    }

    pub async fn detail(app: &AccountState, id: i64, lang: Lang) -> Result<SendDetail, AppError> {
        let send = store::send_view(&app.db, id)
            .await?
            .filter(|send| send.account_id == app.account.id)
            .ok_or(Problem::SendNotFound)?;
        let request = serde_json::from_str::<serde_json::Value>(&send.request)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or_else(|_| send.request.clone());
        let timeline = store::timeline(&app.db, id)
            .await?
            .into_iter()
            .map(|e| TimelineEntry {
                at: e.at,
                state: e.state,
                source: e.source,
                detail: e.detail.map(|d| {
                    crate::sends::schedule::ssr::local_note(&app.account.time_zone, &d, lang)
                }),
            })
            .collect();
        let problem = crate::sends::api::ssr::problem_words(
            send.entry.state,
            crate::wechat::types::MsgType::parse(&send.entry.msg_type).ok(),
            send.errcode,
            send.errmsg.as_deref(),
            lang,
        );
        let problem = crate::sends::api::ssr::with_quota(app, send.entry.id, problem, lang).await?;
        let callback = match send.callback_id {
            Some(callback_id) => store::ending_callback(&app.db, callback_id).await?,
            None => None,
        };
        let mut check_state = None;
        let mut checks = Vec::new();
        let mut urls = Vec::new();
        if let Some(Ok(Callback::MassSendJobFinish(finish))) = callback
            .as_ref()
            .map(|c| serde_json::from_str::<Callback>(&c.parsed))
        {
            let result = finish.result;
            let url_of = |idx: Option<u32>| {
                result.article_urls.as_ref().and_then(|list| {
                    list.items
                        .iter()
                        .find(|u| u.article_idx == idx)
                        .and_then(|u| u.url.clone())
                })
            };
            if let Some(copyright) = &result.copyright_check {
                check_state = copyright.check_state;
                for item in &copyright.items {
                    let title = item
                        .article_idx
                        .and_then(|i| send.articles.get((i as usize).checked_sub(1)?).cloned());
                    checks.push(ArticleCheckView {
                        index: item.article_idx,
                        title,
                        user_declare_state: item.user_declare_state,
                        audit_state: item.audit_state,
                        original_article_type: item.original_article_type,
                        can_reprint: item.can_reprint,
                        need_replace_content: item.need_replace_content,
                        need_show_reprint_source: item.need_show_reprint_source,
                        original_url: item.original_article_url.clone().filter(|u| !u.is_empty()),
                        url: url_of(item.article_idx),
                    });
                }
            }
            if let Some(list) = &result.article_urls {
                for item in &list.items {
                    let covered = checks.iter().any(|c| c.index == item.article_idx);
                    if let (false, Some(url)) = (covered, &item.url) {
                        urls.push((item.article_idx, url.clone()));
                    }
                }
            }
        }
        let mut articles_as_sent = Vec::new();
        for mut article in store::articles_as_sent(&app.db, send.entry.id).await? {
            let (shown, images_not_shown) =
                crate::article::api::for_display(app, std::mem::take(&mut article.content)).await?;
            article.content = shown;
            articles_as_sent.push(SentArticleView {
                article,
                images_not_shown,
            });
        }
        let deleted_articles = send.deleted_articles.clone();
        let article_count = send.articles.len().max(checks.len()).max(1) as u32;
        let all_deleted = (1..=article_count).all(|n| super::article_deleted(&deleted_articles, n));
        let can_delete = matches!(send.entry.msg_type.as_str(), "mpnews" | "mpvideo")
            && send.entry.state == SendState::Finished
            && send.msg_id.is_some()
            && !all_deleted;
        let calls = calls_of(app, id, lang).await?;
        Ok(SendDetail {
            held: None,
            row: with_calls(history_row(app, send.entry), calls),
            clientmsgid: send.clientmsgid,
            request,
            msg_id: send.msg_id.map(|v| v as u64),
            msg_data_id: send.msg_data_id.map(|v| v as u64),
            audience_size: send.audience_size,
            filter_count: send.filter_count,
            problem,
            status_source: send.status_source,
            timeline,
            articles: send.articles,
            content: send.content,
            articles_as_sent,
            check_state,
            checks,
            urls,
            callback_at: callback.as_ref().map(|c| c.received_at.clone()),
            callback_xml: callback.map(|c| c.xml),
            can_delete,
            deleted_articles,
            review: None,
        })
    }

    fn msg_id_of(record: &store::SendRecord) -> Result<u64, AppError> {
        record.msg_id.ok_or_else(|| Problem::SendNotFound.into())
    }

    /// Send `id` of the call's account.
    async fn send_of(app: &AccountState, id: i64) -> Result<store::SendRecord, AppError> {
        Ok(store::load_send(&app.db, id)
            .await?
            .filter(|send| send.account_id == app.account.id)
            .ok_or(Problem::SendNotFound)?)
    }

    pub async fn refresh(call: &AccountCall, id: i64) -> Result<SendAction, AppError> {
        let app = &call.app;
        let record = send_of(app, id).await?;
        let msg_id = msg_id_of(&record)?;
        let account = &app.account;
        let answer =
            life::refresh_status(&app.db, &account.wechat, &account.sends.now(), id, msg_id)
                .await?;
        Ok(match answer {
            Ok(status) => SendAction::Refreshed(status),
            Err(error) => SendAction::Failed(error.words(call.lang)),
        })
    }

    pub async fn delete(
        call: &AccountCall,
        id: i64,
        article: Option<u32>,
    ) -> Result<SendAction, AppError> {
        let Call { app, user, lang } = call;
        let record = send_of(app, id).await?;
        if record.user_id != user.id && !user.is_admin() {
            return Err(Problem::NotYourSend.into());
        }
        let msg_id = msg_id_of(&record)?;
        let request = MassDeleteRequest::ByMsgId {
            msg_id: MsgId::new(msg_id),
            article_idx: article,
        };
        let answer = app.account.wechat.mass_delete(&request).await;
        let facts = audit::Facts::Delete {
            send_id: id,
            msg_id,
            article,
            title: article.and_then(|n| record.articles.get((n as usize).checked_sub(1)?).cloned()),
            refused: answer
                .as_ref()
                .err()
                .map(|error| audit::BothWords::of(|lang| error.words(lang))),
        };
        audit::store::record_or_log(
            &app.db,
            Some(app.account.id),
            Some(user.id),
            &user.username,
            Action::Delete,
            &facts,
        )
        .await;
        if answer.is_ok() {
            store::add_deleted_article(&app.db, id, article.unwrap_or(0)).await?;
            let note = crate::sends::timeline::Note::Deleted(article);
            store::note(&app.db, id, "mass/delete", &note.code()).await?;
        }
        Ok(match answer {
            Ok(_) => SendAction::Deleted(article),
            Err(error) => SendAction::Failed(error.words(*lang)),
        })
    }

    #[cfg(test)]
    mod tests {
        use super::date;

        #[test]
        fn only_days_of_the_calendar_are_dates() {
            assert_eq!(date(" 2024-02-29 "), Some("2024-02-29"));
            assert_eq!(date("2024-12-31"), Some("2024-12-31"));
            for not_a_day in [
                "2024-13-45",
                "2023-02-29",
                "2024-04-31",
                "2024-00-10",
                "24-1-1",
                "abc",
                "",
            ] {
                assert_eq!(date(not_a_day), None, "{not_a_day}");
            }
        }
    }
}
