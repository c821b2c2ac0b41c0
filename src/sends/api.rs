//! Server functions of the compose page.
//!
//! Each takes the account it is about (its slug) and starts with
//! `edge::on_account`. A form sent without JavaScript is answered with a
//! redirect to `/a/<account>/compose?attempt=<clientmsgid>` (the form
//! again, with its problems or its confirmation) or
//! `/a/<account>/compose?sent=<send id>` (the result), so every step works
//! before hydration too.

use leptos::prelude::*;

use super::{ComposeForm, ComposeSetup, MediaPage, PrepareOutcome, SendResult, TagChoice};
use crate::error::AppError;

/// A WeChat failure said in words, for pages that still work without the
/// listing (a media id can be pasted, a tag list refreshed).
pub type Listing<T> = Result<T, String>;

#[server(endpoint = "load_compose")]
pub async fn load_compose(
    account: String,
    attempt: Option<String>,
    sent: Option<i64>,
) -> Result<ComposeSetup, AppError> {
    use ssr::*;
    let call = crate::edge::on_account(&account).await?;
    let tags = tags(&call.app, false).await.map_err(|e| e.words(call.lang));
    let attempt = match attempt {
        Some(id) => attempt_view(&call.app, call.user.id, &id, call.lang).await?,
        None => None,
    };
    let sent = match sent {
        Some(id) => Some(send_result(&call.app, id, call.lang).await?),
        None => None,
    };
    // Loaded with the page: a resource of its own would be loaded again
    // each time the page's `Suspense` runs on the server.
    let to_all = attempt.as_ref().is_some_and(|a| a.form.audience == "all");
    let now = call.app.account.sends.now();
    let quota = crate::sends::quota::quota_for(
        &call.app.db,
        call.app.account.id,
        call.app.account.kind,
        to_all,
        &now,
    )
    .await?;
    let openid_lists = super::lists::store::lists(&call.app.db, call.app.account.id).await?;
    Ok(ComposeSetup {
        clientmsgid: new_clientmsgid(),
        overseas: call.app.account.overseas,
        tags,
        attempt,
        sent,
        quota: Some(quota),
        campaign_targets: crate::campaigns::plan::targets(&call.app, &call.user, call.lang).await?,
        time_zone: crate::sends::schedule::zone_words(&call.app.account.time_zone, call.lang),
        openid_lists,
    })
}

#[server(endpoint = "list_tags")]
pub async fn list_tags(account: String) -> Result<Listing<Vec<TagChoice>>, AppError> {
    let call = crate::edge::on_account(&account).await?;
    Ok(ssr::tags(&call.app, true)
        .await
        .map_err(|e| e.words(call.lang)))
}

/// "Send": checks the form and keeps it as this compose attempt; when it
/// passes, the answer is what the confirmation asks.
#[server(endpoint = "prepare_send")]
pub async fn prepare_send(account: String, form: ComposeForm) -> Result<PrepareOutcome, AppError> {
    use crate::edge::redirect_plain_form;
    use ssr::*;
    let call = crate::edge::on_account(&account).await?;
    let outcome = prepare(&call.app, &call.user, &form, call.lang).await;
    match &outcome {
        Ok(_) => redirect_plain_form(&compose_url(&account, &[("attempt", &form.clientmsgid)])),
        Err(error) => redirect_plain_form(&compose_url(&account, &[("problem", error.code())])),
    }
    outcome
}

/// "Confirm": the send is stored `pending`, then WeChat is called.
#[server(endpoint = "confirm_send")]
pub async fn confirm_send(
    account: String,
    clientmsgid: String,
    confirm_all: Option<String>,
    /// `yes`: the editor saw that the same message went to the same
    /// audience within a day, and sends it again.
    confirm_repeat: Option<String>,
) -> Result<SendResult, AppError> {
    use crate::edge::redirect_plain_form;
    use ssr::*;
    let call = crate::edge::on_account(&account).await?;
    let said = Said {
        all_followers: confirm_all.as_deref() == Some("yes"),
        send_again: confirm_repeat.as_deref() == Some("yes"),
    };
    match confirm(&call.app, &call.user, &clientmsgid, said).await {
        Ok(id) => {
            redirect_plain_form(&compose_url(&account, &[("sent", &id.to_string())]));
            send_result(&call.app, id, call.lang).await
        }
        Err(error) => {
            redirect_plain_form(&compose_url(
                &account,
                &[("attempt", &clientmsgid), ("problem", error.code())],
            ));
            Err(error)
        }
    }
}

/// What a preview did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PreviewOutcome {
    Invalid(Vec<super::FieldError>),
    Sent,
    /// WeChat refused or did not answer; in words.
    Failed(String),
}

/// "Preview": the composed message to one follower's phone.
#[server(endpoint = "preview_send")]
pub async fn preview_send(
    account: String,
    form: ComposeForm,
    preview_kind: String,
    preview_to: String,
) -> Result<PreviewOutcome, AppError> {
    use ssr::*;
    let call = crate::edge::on_account(&account).await?;
    let outcome = preview(&call, &form, &preview_kind, &preview_to).await?;
    let flag = match &outcome {
        PreviewOutcome::Sent => "sent",
        PreviewOutcome::Invalid(_) => "invalid",
        PreviewOutcome::Failed(_) => "failed",
    };
    crate::edge::redirect_plain_form(&compose_url(
        &account,
        &[("attempt", &form.clientmsgid), ("preview", flag)],
    ));
    Ok(outcome)
}

/// A page of drafts, for the article picker.
#[server(endpoint = "list_drafts")]
pub async fn list_drafts(account: String, offset: u32) -> Result<Listing<MediaPage>, AppError> {
    let call = crate::edge::on_account(&account).await?;
    Ok(ssr::drafts(&call.app, offset)
        .await
        .map_err(|e| e.words(call.lang)))
}

/// A page of materials (`image`, `voice` or `video`), for the pickers.
#[server(endpoint = "list_materials")]
pub async fn list_materials(
    account: String,
    kind: String,
    offset: u32,
) -> Result<Listing<MediaPage>, AppError> {
    use crate::wechat::api::MaterialType;
    let call = crate::edge::on_account(&account).await?;
    let kind = match kind.as_str() {
        "image" => MaterialType::Image,
        "voice" => MaterialType::Voice,
        "video" => MaterialType::Video,
        _ => return Err(crate::error::Problem::InvalidChoice.into()),
    };
    Ok(ssr::materials(&call.app, kind, offset)
        .await
        .map_err(|e| e.words(call.lang)))
}

/// A picker's button without JavaScript: keeps the form as this compose
/// attempt and goes to the list page of `pick` (`drafts`, `image`,
/// `voice`, `video`), which comes back with the field filled.
#[server(endpoint = "open_picker")]
pub async fn open_picker(account: String, form: ComposeForm, pick: String) -> Result<(), AppError> {
    use crate::error::Problem;
    let call = crate::edge::on_account(&account).await?;
    let source = ssr::picker_source(&pick).ok_or(Problem::InvalidChoice)?;
    ssr::keep_form(&call.app, call.user.id, &form).await?;
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("attempt", &form.clientmsgid);
    crate::edge::redirect_plain_form(&format!(
        "/a/{account}/compose/pick/{source}?{}",
        query.finish()
    ));
    Ok(())
}

/// "Use" on a picker's list page: the media id goes into the kept form
/// (a video material is turned into an `mpvideo` media id first), and the
/// editor is back on the form.
#[server(endpoint = "pick_media")]
pub async fn pick_media(
    account: String,
    attempt: String,
    source: String,
    media_id: String,
    #[server(default)] title: String,
) -> Result<(), AppError> {
    let call = crate::edge::on_account(&account).await?;
    let back = ssr::pick(&call, &attempt, &source, &media_id, &title).await?;
    crate::edge::redirect_plain_form(&back);
    Ok(())
}

/// A video material becomes an `mpvideo` media id (`media/uploadvideo`).
#[server(endpoint = "convert_video")]
pub async fn convert_video(
    account: String,
    media_id: String,
    title: String,
) -> Result<Listing<String>, AppError> {
    use crate::wechat::types::MediaId;
    let call = crate::edge::on_account(&account).await?;
    let media_id =
        MediaId::parse(media_id.trim()).map_err(|_| crate::error::Problem::InvalidChoice)?;
    Ok(ssr::upload_video(&call.app, media_id, &title)
        .await
        .map_err(|e| e.words(call.lang)))
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use std::time::Duration;

    use super::PreviewOutcome;
    use crate::audit::{self, Action};
    use crate::auth::CurrentUser;
    use crate::edge::{AccountCall, Call};
    use crate::error::{AppError, Problem};
    use crate::i18n::Lang;
    use crate::sends::rules;
    use crate::sends::schedule::ssr as schedule;
    use crate::sends::store::{self, Created, Plan};
    use crate::sends::{
        ArticleName, AttemptView, ComposeForm, Confirmation, Content, Field, FieldError,
        FieldProblem, MediaChoice, MediaName, MediaPage, PICKER_PAGE, PrepareOutcome, SendResult,
        SendState, SentArticle, TagChoice, life,
    };
    use crate::shell::state::AccountState;
    use crate::wechat::api::{
        DraftBatchGetRequest, MassMessage, MaterialBatchGetRequest, MaterialType, PageSize,
        PreviewMessage, PreviewRecipient, PreviewRequest,
    };
    use crate::wechat::client::CallError;
    use crate::wechat::errcode::ApiError;
    use crate::wechat::types::{ClientMsgId, MediaId, MsgType};

    /// Pages of drafts or materials searched for a send's names (20 per
    /// page).
    const PAGES_SEARCHED: u32 = 5;

    /// 24 random letters and digits after `qf-`: 27 bytes, within the
    /// seed's 32, and never the same for two compose attempts.
    pub fn new_clientmsgid() -> String {
        const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
        let mut id = String::from("qf-");
        for _ in 0..24 {
            id.push(ALPHABET[rand::random_range(0..ALPHABET.len())] as char);
        }
        id
    }

    /// `/a/<account>/compose` with `pairs` as its query, each value
    /// percent-encoded (a clientmsgid is what the browser sent, whatever it
    /// holds).
    pub fn compose_url(account: &str, pairs: &[(&str, &str)]) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(pairs);
        format!("/a/{account}/compose?{}", query.finish())
    }

    pub async fn tags(app: &AccountState, refresh: bool) -> Result<Vec<TagChoice>, CallError> {
        if !refresh && let Some(tags) = app.account.sends.cached_tags() {
            return Ok(tags);
        }
        let tags: Vec<TagChoice> = app
            .account
            .wechat
            .tags()
            .await?
            .tags
            .into_iter()
            .map(|t| TagChoice {
                id: t.id.get(),
                name: t.name,
                count: t.count,
            })
            .collect();
        app.account.sends.cache_tags(tags.clone());
        Ok(tags)
    }

    pub async fn attempt_view(
        app: &AccountState,
        user_id: i64,
        clientmsgid: &str,
        lang: Lang,
    ) -> Result<Option<AttemptView>, AppError> {
        let mut db = app.db.acquire().await?;
        let Some(mut attempt) =
            store::load_attempt(&mut db, app.account.id, user_id, clientmsgid).await?
        else {
            return Ok(None);
        };
        // A held send opened to edit shows its time as it is now (it may
        // have been rescheduled since).
        if let Some(at) = schedule::held_time(&mut db, app.account.id, clientmsgid).await? {
            attempt.form.send_when = "at".into();
            attempt.form.send_at = schedule::input_value(&app.account.time_zone, &at);
        }
        drop(db);
        let outcome = match &attempt.plan {
            Some(plan) => {
                PrepareOutcome::Ready(Box::new(confirmation(app, clientmsgid, plan, lang).await?))
            }
            // Checked again for its problems; nothing is called.
            None => PrepareOutcome::Invalid(problems_of(app, &attempt.form)),
        };
        Ok(Some(AttemptView {
            form: attempt.form,
            outcome,
        }))
    }

    /// The form's problems without asking WeChat: its rules and its time.
    fn problems_of(app: &AccountState, form: &ComposeForm) -> Vec<FieldError> {
        let mut problems = rules::check(form, app.account.overseas)
            .err()
            .unwrap_or_default();
        if let Err(problem) = send_at(app, form) {
            problems.push(problem);
        }
        problems
    }

    /// "When": `None` for now, else the time in UTC, checked.
    fn send_at(app: &AccountState, form: &ComposeForm) -> Result<Option<String>, FieldError> {
        match form.send_when.trim() {
            "" | "now" => Ok(None),
            "at" => schedule::check_send_at(
                &app.account.time_zone,
                &form.send_at,
                &app.account.sends.now(),
            )
            .map(Some)
            .map_err(|problem| FieldError::new(Field::SendAt, problem)),
            _ => Err(FieldError::new(Field::SendAt, FieldProblem::NotALocalTime)),
        }
    }

    /// What the editor confirms, with a warning when the send would exceed
    /// what is left of the account's quota in the period it goes in.
    async fn confirmation(
        app: &AccountState,
        clientmsgid: &str,
        plan: &Plan,
        lang: Lang,
    ) -> Result<Confirmation, AppError> {
        let now = app.account.sends.now();
        let to_all = plan.tag_id.is_none();
        let at = plan.scheduled_at.as_deref().unwrap_or(&now);
        // A list send (`mass/send`) takes nothing of the account's quota.
        let quota = match plan.list {
            Some(_) => None,
            None => crate::sends::quota::would_exceed(
                &app.db,
                app.account.id,
                app.account.kind,
                to_all,
                at,
                &now,
                None,
            )
            .await?
            .map(Box::new),
        };
        Ok(Confirmation {
            send_at: plan
                .scheduled_at
                .as_deref()
                .map(|at| schedule::local_text(&app.account.time_zone, at, lang)),
            clientmsgid: clientmsgid.to_owned(),
            to_all: plan.tag_id.is_none() && plan.list.is_none(),
            repeat: plan.repeat.clone(),
            tag_name: plan.tag_name.clone(),
            audience_size: plan.audience_size,
            msg_type: plan.request.message.msg_type().as_str().to_owned(),
            content: plan.content.clone(),
            quota,
            campaign: plan.campaign.clone(),
            list: plan.list.as_ref().map(|l| {
                Box::new(crate::sends::lists::ListConfirmation {
                    size: l.openids.len() as u64,
                    name: l.name.clone(),
                    calls: crate::sends::lists::call_sizes(l.openids.len()).len(),
                    duplicates: l.duplicates,
                })
            }),
        })
    }

    pub async fn prepare(
        app: &AccountState,
        user: &CurrentUser,
        form: &ComposeForm,
        lang: Lang,
    ) -> Result<PrepareOutcome, AppError> {
        if rules::too_large_to_keep(form) {
            return Err(Problem::FormTooLarge.into());
        }
        let mut db = app.db.acquire().await?;
        if store::send_of_attempt(&mut db, app.account.id, &form.clientmsgid)
            .await?
            .is_some()
            // A held send may still be edited under its own attempt.
            && !schedule::is_held_attempt(&mut db, app.account.id, &form.clientmsgid).await?
        {
            // This compose attempt was sent already; a new one starts fresh.
            return Err(Problem::AlreadySent.into());
        }
        drop(db);
        let when = send_at(app, form);
        let mut plan = match (rules::check(form, app.account.overseas), when) {
            (Err(mut problems), when) => {
                problems.extend(when.err());
                Err(problems)
            }
            (Ok(_), Err(problem)) => Err(vec![problem]),
            (Ok(checked), Ok(at)) => plan(app, user.id, checked, form).await?.map(|mut plan| {
                plan.scheduled_at = at;
                plan
            }),
        };
        if let Ok(checked) = &mut plan {
            match crate::campaigns::plan::check(app, user, form, &checked.request.message).await? {
                Ok(lines) => checked.campaign = lines,
                Err(problems) => plan = Err(problems),
            }
        }
        let mut db = app.db.acquire().await?;
        let saved =
            store::save_attempt(&mut db, app.account.id, user.id, form, plan.as_ref().ok()).await?;
        if !saved {
            return Err(Problem::AttemptNotFound.into());
        }
        Ok(match plan {
            Ok(plan) => PrepareOutcome::Ready(Box::new(
                confirmation(app, &form.clientmsgid, &plan, lang).await?,
            )),
            Err(problems) => PrepareOutcome::Invalid(problems),
        })
    }

    /// The audience checked against the account, the content by name and
    /// the summary.
    async fn plan(
        app: &AccountState,
        user_id: i64,
        checked: rules::Checked,
        form: &ComposeForm,
    ) -> Result<Result<Plan, Vec<FieldError>>, AppError> {
        let (tag_name, audience_size) = match checked.tag {
            Some(tag) => {
                let known = tags(app, false).await.map_err(wechat_problem)?;
                let found = match known.iter().find(|t| t.id == tag.get()) {
                    Some(found) => Some(found.clone()),
                    // The cached list may be older than the tag.
                    None => tags(app, true)
                        .await
                        .map_err(wechat_problem)?
                        .into_iter()
                        .find(|t| t.id == tag.get()),
                };
                match found {
                    // WeChat would spend a send of the month on nobody.
                    Some(t) if t.count == 0 => {
                        return Ok(Err(vec![FieldError::new(
                            Field::Tag,
                            FieldProblem::EmptyTag,
                        )]));
                    }
                    Some(t) => (Some(t.name), Some(t.count)),
                    None => {
                        return Ok(Err(vec![FieldError::new(
                            Field::Tag,
                            FieldProblem::UnknownTag,
                        )]));
                    }
                }
            }
            None if checked.list.is_some() => (None, None),
            None => (None, followers(app).await),
        };
        let list = match list_plan(app, user_id, checked.list.clone(), form).await? {
            Ok(list) => list,
            Err(problem) => return Ok(Err(vec![problem])),
        };
        let audience_size = list
            .as_ref()
            .map(|l| l.openids.len() as u64)
            .or(audience_size);
        let content = content(app, &checked.request.message, form).await;
        let articles = match &content {
            Content::Articles { articles, .. } => {
                articles.iter().map(|a| a.title.clone()).collect()
            }
            _ => Vec::new(),
        };
        let summary = summary(&checked.request.message, &content);
        let tag_id = checked.tag.map(|t| t.get());
        let mut db = app.db.acquire().await?;
        let repeat = match &list {
            Some(list) => {
                store::recent_list_repeat(
                    &mut db,
                    app.account.id,
                    &store::ListPlan::message_body(&checked.request)
                        .map_err(AppError::unexpected)?,
                    &list.digest,
                    &app.account.sends.now(),
                )
                .await?
            }
            None => {
                store::recent_repeat(
                    &mut db,
                    app.account.id,
                    &checked.request,
                    tag_id,
                    &app.account.sends.now(),
                )
                .await?
            }
        };
        Ok(Ok(Plan {
            request: checked.request,
            tag_id,
            tag_name,
            audience_size,
            summary,
            articles,
            content: Some(content),
            repeat,
            campaign: Vec::new(),
            scheduled_at: None,
            list,
        }))
    }

    /// The list of a list send: the pasted one (saved under the name the
    /// editor gave, if any) or the saved one chosen, read again. `Err`: the
    /// problem of the list's field.
    async fn list_plan(
        app: &AccountState,
        user_id: i64,
        choice: Option<rules::ListChoice>,
        form: &ComposeForm,
    ) -> Result<Result<Option<store::ListPlan>, FieldError>, AppError> {
        use crate::sends::lists;
        let (name, parsed) = match choice {
            None => return Ok(Ok(None)),
            Some(rules::ListChoice::Pasted(parsed)) => {
                let save_as = form.openid_list_save.trim();
                let name = if save_as.is_empty() {
                    None
                } else {
                    lists::store::save(&app.db, app.account.id, user_id, save_as, &parsed.openids)
                        .await?;
                    Some(save_as.to_owned())
                };
                (name, parsed)
            }
            Some(rules::ListChoice::Saved(id)) => {
                match lists::store::load(&app.db, app.account.id, id).await? {
                    Some((name, openids)) => (Some(name), lists::parse_openids(&openids)),
                    None => {
                        return Ok(Err(FieldError::new(
                            Field::OpenIdList,
                            FieldProblem::UnknownOpenIdList,
                        )));
                    }
                }
            }
        };
        if parsed.openids.len() < lists::MIN_OPENIDS {
            return Ok(Err(FieldError::new(
                Field::OpenIds,
                FieldProblem::TooFewOpenIds,
            )));
        }
        Ok(Ok(Some(store::ListPlan::new(
            name,
            parsed.openids,
            parsed.found.duplicates,
        ))))
    }

    /// What `message` carries, by name: the draft's titles and covers, the
    /// materials' names, the text's first lines, the picked video's title.
    /// A name WeChat cannot give is left out; the id stands in for it.
    async fn content(app: &AccountState, message: &MassMessage, form: &ComposeForm) -> Content {
        match message {
            MassMessage::MpNews { media_id } => Content::Articles {
                media_id: media_id.as_str().to_owned(),
                articles: draft_articles(app, media_id.as_str()).await,
            },
            MassMessage::Text { content } => Content::text(content),
            MassMessage::Voice { media_id } => {
                let ids = [media_id.as_str().to_owned()];
                let mut named = material_names(app, MaterialType::Voice, &ids).await;
                Content::Voice(named.remove(0))
            }
            MassMessage::Image(images) => {
                let ids: Vec<String> = images
                    .media_ids
                    .iter()
                    .map(|m| m.as_str().to_owned())
                    .collect();
                Content::Images {
                    title: images.title.clone(),
                    images: material_names(app, MaterialType::Image, &ids).await,
                }
            }
            MassMessage::MpVideo { media_id } => Content::Video {
                media_id: media_id.as_str().to_owned(),
                title: Some(form.mpvideo_title.trim().to_owned()).filter(|t| !t.is_empty()),
            },
            MassMessage::WxCard { card_id } => Content::Card {
                card_id: card_id.as_str().to_owned(),
            },
        }
    }

    /// `ids` with their names and addresses, looked up in the first pages
    /// of the materials of `kind`; in the order given.
    async fn material_names(
        app: &AccountState,
        kind: MaterialType,
        ids: &[String],
    ) -> Vec<MediaName> {
        let mut named: Vec<MediaName> = ids
            .iter()
            .map(|id| MediaName {
                media_id: id.clone(),
                name: None,
                url: None,
            })
            .collect();
        let mut offset = 0;
        for _ in 0..PAGES_SEARCHED {
            let request = MaterialBatchGetRequest {
                material_type: kind,
                offset,
                count: PageSize::new(20).unwrap_or(PageSize::MAX),
            };
            let Ok(page) = app.account.wechat.material_batchget(&request).await else {
                break;
            };
            for item in &page.item {
                for m in named
                    .iter_mut()
                    .filter(|m| m.media_id == item.media_id.as_str())
                {
                    m.name = item.name.clone().filter(|n| !n.is_empty());
                    m.url = item.url.clone();
                }
            }
            offset += page.item.len() as u32;
            let all_named = named.iter().all(|m| m.name.is_some());
            if all_named || page.item.is_empty() || u64::from(offset) >= page.total_count {
                break;
            }
        }
        named
    }

    /// The follower count for "all followers"; the confirmation does
    /// without it when WeChat cannot say.
    async fn followers(app: &AccountState) -> Option<u64> {
        if let Some(total) = app.account.sends.cached_followers() {
            return Some(total);
        }
        match app.account.wechat.followers().await {
            Ok(answer) => {
                app.account.sends.cache_followers(answer.total);
                Some(answer.total)
            }
            Err(error) => {
                tracing::warn!(%error, "could not count the followers");
                None
            }
        }
    }

    /// The articles of the draft `media_id`, looked up in the first pages
    /// of the draft box (kept with the send: WeChat deletes a sent draft).
    async fn draft_articles(app: &AccountState, media_id: &str) -> Vec<ArticleName> {
        let mut offset = 0;
        for _ in 0..PAGES_SEARCHED {
            let request = DraftBatchGetRequest {
                offset,
                count: PageSize::new(20).unwrap_or(PageSize::MAX),
                no_content: Some(true),
            };
            let Ok(page) = app.account.wechat.draft_batchget(&request).await else {
                return Vec::new();
            };
            if let Some(item) = page.item.iter().find(|d| d.media_id.as_str() == media_id) {
                return item
                    .content
                    .news_item
                    .iter()
                    .map(|a| ArticleName {
                        title: a.title.clone(),
                        cover_url: a.thumb_url.clone().filter(|u| !u.is_empty()),
                    })
                    .collect();
            }
            offset += page.item.len() as u32;
            if page.item.is_empty() || u64::from(offset) >= page.total_count {
                break;
            }
        }
        Vec::new()
    }

    /// The history's line for a send: the text, or the content by name
    /// (an id only where WeChat gave no name).
    fn summary(message: &MassMessage, content: &Content) -> String {
        let mut text = match (message, content) {
            (MassMessage::Text { content }, _) => content.replace('\n', " "),
            (_, Content::Articles { media_id, articles }) if articles.is_empty() => {
                format!("mpnews {media_id}")
            }
            (_, Content::Articles { articles, .. }) => articles
                .iter()
                .map(|a| a.title.as_str())
                .collect::<Vec<_>>()
                .join(" / "),
            (_, Content::Voice(voice)) if voice.name.is_none() => {
                format!("voice {}", voice.media_id)
            }
            (_, Content::Voice(voice)) => voice.shown().to_owned(),
            (_, Content::Images { title, images }) => {
                let names: Vec<&str> = images.iter().map(MediaName::shown).collect();
                match title {
                    Some(title) => format!("{title}: {}", names.join(", ")),
                    None => names.join(", "),
                }
            }
            (
                _,
                Content::Video {
                    title: Some(title), ..
                },
            ) => title.clone(),
            (_, Content::Video { media_id, .. }) => format!("mpvideo {media_id}"),
            (_, Content::Card { card_id }) => format!("wxcard {card_id}"),
            (_, Content::Text { lines, .. }) => lines.join(" "),
        };
        if text.chars().count() > 120 {
            text = text.chars().take(119).collect::<String>() + "…";
        }
        text
    }

    /// A WeChat failure met while checking a form (the tag list).
    fn wechat_problem(error: CallError) -> AppError {
        tracing::warn!(%error, "WeChat call failed while checking a send");
        Problem::WechatUnavailable.into()
    }

    /// What the editor said yes to in the confirmation, beside Confirm.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct Said {
        /// "Yes, send to all followers".
        pub all_followers: bool,
        /// "Yes, send it again" (the same message within a day).
        pub send_again: bool,
    }

    pub async fn confirm(
        app: &AccountState,
        user: &CurrentUser,
        clientmsgid: &str,
        said: Said,
    ) -> Result<i64, AppError> {
        let mut db = app.db.acquire().await?;
        let attempt = store::load_attempt(&mut db, app.account.id, user.id, clientmsgid).await?;
        drop(db);
        let plan = attempt
            .and_then(|a| a.plan)
            .ok_or(Problem::AttemptNotFound)?;
        let to_all = (plan.tag_id.is_none() && plan.list.is_none())
            || plan.campaign.iter().any(|l| l.tag_id.is_none());
        if to_all && !said.all_followers {
            return Err(Problem::ConfirmAllFollowers.into());
        }
        let now = app.account.sends.now();
        if plan
            .scheduled_at
            .as_deref()
            .is_some_and(|at| schedule::is_past(at, &now))
        {
            return Err(Problem::ScheduleTimePassed.into());
        }
        let release = store::Release {
            scheduled_at: plan.scheduled_at.clone(),
            needs_approval: app.account.needs_approval,
        };
        // A held send opened in Compose and confirmed again: the same row,
        // changed, if it is still held.
        if let Some((id, goes_now)) =
            schedule::edit_held(app, user, clientmsgid, &plan, &now).await?
        {
            if goes_now {
                life::settle(&app.db, &app.account.wechat, &app.account.sends, id, "send").await?;
            }
            return Ok(id);
        }
        // A held send takes its copy of the draft when it is released.
        let goes_now = release.first_state() == SendState::Pending;
        let articles_as_sent = match &plan.request.message {
            MassMessage::MpNews { media_id } if goes_now => articles_as_sent(app, media_id).await?,
            _ => None,
        };
        let send = store::NewSend {
            account: app.account.id,
            user_id: user.id,
            username: &user.username,
            clientmsgid,
            send_again: said.send_again,
            now: &now,
            articles_as_sent: articles_as_sent.as_deref(),
            release,
        };
        // A campaign's group and accounts are written before its first send.
        let campaign = match plan.campaign.is_empty() {
            true => None,
            false => Some(crate::campaigns::fanout::open(app, user, clientmsgid, &plan).await?),
        };
        let created = store::create_send(&app.db, &send).await?;
        if let (Some(group), Created::New(id) | Created::Existing(id)) = (campaign, &created) {
            if goes_now && matches!(created, Created::New(_)) {
                life::settle(
                    &app.db,
                    &app.account.wechat,
                    &app.account.sends,
                    *id,
                    "send",
                )
                .await?;
            }
            crate::campaigns::fanout::complete(&app.app, user, group, said.send_again).await?;
        }
        match created {
            Created::New(id) if campaign.is_some() => Ok(id),
            Created::New(id) if goes_now => {
                // Each call of a list on its own: one that fails or goes
                // unanswered is left to the worker, the others go on.
                for part in store::parts_of(&app.db, id).await? {
                    life::settle(
                        &app.db,
                        &app.account.wechat,
                        &app.account.sends,
                        part,
                        "send",
                    )
                    .await?;
                }
                Ok(id)
            }
            Created::New(id) => Ok(id),
            Created::Existing(id) => {
                // A second click or another tab: wait for the first one's
                // answer rather than calling again.
                for _ in 0..100 {
                    let send = store::load_send(&app.db, id).await?;
                    if send.is_none_or(|s| s.state != SendState::Pending) {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Ok(id)
            }
            Created::NoAttempt => Err(Problem::AttemptNotFound.into()),
            Created::Repeat(_) => Err(Problem::ConfirmRepeat.into()),
        }
    }

    /// The draft's articles as they are about to go out (`draft/get`):
    /// WeChat deletes the draft once it is sent, so the send keeps this
    /// copy. A draft WeChat does not know is not refused here: `sendall`
    /// refuses it and the send records why. Any other failure stops the
    /// send before anything is written, since the copy could not be kept.
    pub async fn articles_as_sent(
        app: &AccountState,
        media_id: &MediaId,
    ) -> Result<Option<Vec<SentArticle>>, AppError> {
        match schedule::copy_of_draft(&app.account.wechat, media_id).await {
            Ok(copy) => Ok(copy),
            Err(error) => {
                tracing::warn!(%error, "draft/get before a send failed; nothing sent");
                Err(Problem::DraftUnreadable.into())
            }
        }
    }

    pub async fn send_result(
        app: &AccountState,
        id: i64,
        lang: Lang,
    ) -> Result<SendResult, AppError> {
        let send = store::load_send(&app.db, id)
            .await?
            .filter(|send| send.account_id == app.account.id)
            .ok_or(Problem::SendNotFound)?;
        let problem = problem_words(
            send.state,
            MsgType::parse(&send.msg_type).ok(),
            send.errcode,
            send.errmsg.as_deref(),
            lang,
        );
        let problem = with_quota(app, send.id, problem, lang).await?;
        Ok(SendResult {
            id: send.id,
            state: send.state,
            msg_type: send.msg_type,
            msg_id: send.msg_id,
            msg_data_id: send.msg_data_id,
            problem,
            articles: send.articles,
            fresh_clientmsgid: new_clientmsgid(),
            campaign: crate::campaigns::store::campaign_of_send(&app.db, id)
                .await
                .map_err(AppError::unexpected)?,
            scheduled_for: send
                .scheduled_at
                .as_deref()
                .filter(|_| send.state.is_held())
                .map(|at| schedule::local_text(&app.account.time_zone, at, lang)),
        })
    }

    /// What went wrong with a send of `msg_type`, in words with the remedy
    /// for that type: WeChat's errcode, or the missing answer. `None` when
    /// nothing did.
    pub fn problem_words(
        state: SendState,
        msg_type: Option<MsgType>,
        errcode: Option<i64>,
        errmsg: Option<&str>,
        lang: Lang,
    ) -> Option<String> {
        let errmsg = errmsg.unwrap_or_default();
        let retried = lang.pick(
            "qunfa 会带着同一个 clientmsgid 自动重试——请不要再发一次。",
            "qunfa retries by itself with the same clientmsgid — do not send again.",
        );
        match (state, errcode) {
            (SendState::Unknown, Some(code)) => Some(sentences(
                lang,
                &ApiError::new(code, errmsg).words(msg_type, lang),
                retried,
            )),
            (SendState::Rejected | SendState::AwaitingConfirmation, Some(code)) => {
                Some(ApiError::new(code, errmsg).words(msg_type, lang))
            }
            (SendState::Unknown, None) => Some(sentences(
                lang,
                lang.pick(
                    "微信没有及时应答，这次群发可能已经到达微信。",
                    "WeChat did not answer in time; the send may have reached it.",
                ),
                retried,
            )),
            (SendState::Rejected, None) => Some(match lang {
                Lang::Zh => format!("没有发送成功：{errmsg}。请稍后重试。"),
                Lang::En => format!("Not sent: {errmsg}. Try again later."),
            }),
            _ => None,
        }
    }

    /// A problem of send `id` with, for 45028, the account's rule and what
    /// qunfa counted (the send's page and the result panel).
    pub async fn with_quota(
        app: &AccountState,
        id: i64,
        problem: Option<String>,
        lang: Lang,
    ) -> Result<Option<String>, AppError> {
        let now = app.account.sends.now();
        with_quota_of(&app.db, app.account.kind, &now, id, problem, lang).await
    }

    /// `with_quota` for send `id` of an account of `kind`, at `now`.
    pub async fn with_quota_of(
        db: &sqlx::SqlitePool,
        kind: crate::accounts::Kind,
        now: &str,
        id: i64,
        problem: Option<String>,
        lang: Lang,
    ) -> Result<Option<String>, AppError> {
        let quota = crate::sends::quota::refusal(db, id, kind, now, lang).await?;
        Ok(match (problem, quota) {
            (Some(problem), Some(quota)) => Some(sentences(lang, &problem, &quota)),
            (problem, quota) => problem.or(quota),
        })
    }

    /// Two sentences: Chinese runs them together, English needs a space.
    fn sentences(lang: Lang, first: &str, second: &str) -> String {
        match lang {
            Lang::Zh => format!("{first}{second}"),
            Lang::En => format!("{first} {second}"),
        }
    }

    pub async fn preview(
        call: &AccountCall,
        form: &ComposeForm,
        kind: &str,
        to: &str,
    ) -> Result<PreviewOutcome, AppError> {
        let Call { app, user, lang } = call;
        let mut problems = Vec::new();
        let message = rules::message(form, app.account.overseas)
            .map_err(|mut e| problems.append(&mut e))
            .ok();
        let recipient = rules::recipient(kind, to)
            .map_err(|e| problems.push(e))
            .ok();
        // Keep what was typed, so a page without JavaScript shows it again.
        let mut db = app.db.acquire().await?;
        // An attempt is only kept under a well-formed clientmsgid.
        if ClientMsgId::parse(form.clientmsgid.as_str()).is_ok() {
            store::save_attempt(&mut db, app.account.id, user.id, form, None).await?;
        }
        let (Some(message), Some(to)) = (message, recipient) else {
            return Ok(PreviewOutcome::Invalid(problems));
        };
        let Some(message) = PreviewMessage::from_mass(&message) else {
            return Ok(PreviewOutcome::Invalid(vec![FieldError::new(
                crate::sends::Field::ImageMedia,
                FieldProblem::Required,
            )]));
        };
        let msg_type = message.msg_type();
        let (recipient, by_wechat_id) = match &to {
            PreviewRecipient::OpenId(id) => (id.to_string(), false),
            PreviewRecipient::WxName(name) => (name.to_string(), true),
        };
        let answer = app
            .account
            .wechat
            .preview(&PreviewRequest { to, message })
            .await;
        let (outcome, failed) = match answer {
            Ok(_) => (PreviewOutcome::Sent, None),
            Err(error) => {
                let words = |lang| match &error {
                    CallError::Api(e) => e.words(Some(msg_type), lang),
                    other => other.words(lang),
                };
                (
                    PreviewOutcome::Failed(words(*lang)),
                    Some(audit::BothWords::of(words)),
                )
            }
        };
        let facts = audit::Facts::Preview {
            msg_type: msg_type.as_str().to_owned(),
            to: recipient,
            by_wechat_id,
            failed,
        };
        audit::store::record(
            &mut db,
            Some(app.account.id),
            Some(user.id),
            &user.username,
            Action::Preview,
            &facts,
        )
        .await?;
        Ok(outcome)
    }

    pub async fn drafts(app: &AccountState, offset: u32) -> Result<MediaPage, CallError> {
        let request = DraftBatchGetRequest {
            offset,
            count: PageSize::new(PICKER_PAGE as u8).unwrap_or(PageSize::MAX),
            no_content: Some(true),
        };
        let page = app.account.wechat.draft_batchget(&request).await?;
        Ok(MediaPage {
            items: page
                .item
                .into_iter()
                .map(|d| MediaChoice {
                    title: d
                        .content
                        .news_item
                        .iter()
                        .map(|a| a.title.as_str())
                        .collect::<Vec<_>>()
                        .join(" / "),
                    cover_url: d
                        .content
                        .news_item
                        .first()
                        .and_then(|a| a.thumb_url.clone())
                        .filter(|u| !u.is_empty()),
                    media_id: d.media_id.into_string(),
                    updated: d.update_time.or(d.content.update_time),
                })
                .collect(),
            offset,
            total: page.total_count,
        })
    }

    pub async fn materials(
        app: &AccountState,
        kind: MaterialType,
        offset: u32,
    ) -> Result<MediaPage, CallError> {
        let request = MaterialBatchGetRequest {
            material_type: kind,
            offset,
            count: PageSize::new(PICKER_PAGE as u8).unwrap_or(PageSize::MAX),
        };
        let page = app.account.wechat.material_batchget(&request).await?;
        Ok(MediaPage {
            items: page
                .item
                .into_iter()
                .map(|m| MediaChoice {
                    title: m.name.unwrap_or_default(),
                    cover_url: m.url.filter(|u| !u.is_empty()),
                    media_id: m.media_id.into_string(),
                    updated: m.update_time,
                })
                .collect(),
            offset,
            total: page.total_count,
        })
    }

    /// A video material turned into an `mpvideo` media id
    /// (`media/uploadvideo`), with its title (WeChat takes 64 characters).
    pub async fn upload_video(
        app: &AccountState,
        media_id: crate::wechat::types::MediaId,
        title: &str,
    ) -> Result<String, CallError> {
        let request = crate::wechat::api::UploadVideoRequest {
            media_id,
            title: title.trim().chars().take(64).collect(),
            description: String::new(),
        };
        let answer = app.account.wechat.upload_video(&request).await?;
        Ok(answer.media_id.into_string())
    }

    /// The pickers' sources, as the list page's address names them.
    pub fn picker_source(pick: &str) -> Option<&'static str> {
        ["drafts", "image", "voice", "video"]
            .into_iter()
            .find(|source| *source == pick)
    }

    /// Keeps the form as typed under its clientmsgid, unchecked (a page
    /// without JavaScript shows it again from `/compose?attempt=…`).
    pub async fn keep_form(
        app: &AccountState,
        user_id: i64,
        form: &ComposeForm,
    ) -> Result<(), AppError> {
        if rules::too_large_to_keep(form) {
            return Err(Problem::FormTooLarge.into());
        }
        if ClientMsgId::parse(form.clientmsgid.as_str()).is_err() {
            return Err(Problem::AttemptNotFound.into());
        }
        let mut db = app.db.acquire().await?;
        if !store::save_attempt(&mut db, app.account.id, user_id, form, None).await? {
            return Err(Problem::AttemptNotFound.into());
        }
        Ok(())
    }

    /// Puts the picked `media_id` into the kept attempt's form and answers
    /// where the editor goes next: the form, saying what was picked.
    pub async fn pick(
        call: &AccountCall,
        clientmsgid: &str,
        source: &str,
        media_id: &str,
        title: &str,
    ) -> Result<String, AppError> {
        use crate::wechat::types::MediaId;
        let Call { app, user, .. } = call;
        let source = picker_source(source).ok_or(Problem::InvalidChoice)?;
        let media = MediaId::parse(media_id.trim()).map_err(|_| Problem::InvalidChoice)?;
        let mut db = app.db.acquire().await?;
        let mut form = store::load_attempt(&mut db, app.account.id, user.id, clientmsgid)
            .await?
            .ok_or(Problem::AttemptNotFound)?
            .form;
        drop(db);
        let title = title.trim();
        match source {
            "drafts" => {
                form.msgtype = "mpnews".into();
                form.mpnews_media_id = media.into_string();
            }
            "image" => {
                form.msgtype = "image".into();
                let ids = form.image_media_ids.trim_end();
                form.image_media_ids = if ids.is_empty() {
                    media.into_string()
                } else {
                    format!("{ids}\n{media}")
                };
            }
            "voice" => {
                form.msgtype = "voice".into();
                form.voice_media_id = media.into_string();
            }
            _ => {
                form.mpvideo_media_id = upload_video(app, media, title)
                    .await
                    .map_err(wechat_problem)?;
                form.msgtype = "mpvideo".into();
                form.mpvideo_title = title.to_owned();
            }
        }
        keep_form(app, user.id, &form).await?;
        Ok(compose_url(
            &app.account.slug,
            &[
                ("attempt", clientmsgid),
                ("edit", "1"),
                ("picked_from", source),
                ("picked", title),
            ],
        ))
    }
}
