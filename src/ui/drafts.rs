//! `/a/:account/drafts` (the account's drafts: qunfa's, and those made in
//! the WeChat console, read-only), `/a/:account/drafts/:id` (the article
//! editor; `new` for a fresh draft) and `/a/:account/drafts/wechat/:media_id`
//! (a WeChat-made draft, to read).
//!
//! The editor is one plain form posted to `save_draft`, so without
//! JavaScript a text-only article saves (the server redirects back).
//! Hydrated, the form's values live in signals: the articles are tabs
//! (add, remove, reorder), the body's preview follows each keystroke
//! (one `preview_article` call at a time, the latest text sent when it
//! returns), changes are saved every few seconds and when the page is
//! left, and images dropped or pasted into the body are uploaded.

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use super::resource::{PageResource, page_resource};
use super::time::{StoredTime, UnixTime};
use super::{Page, account_href, lang};
use crate::article::{
    AUTHOR_MAX_CHARS, CONTENT_MAX_BYTES, CONTENT_MAX_CHARS, DIGEST_MAX_CHARS, MAX_ARTICLES,
    TITLE_MAX_CHARS, char_count,
};
use crate::drafts::api::{
    DeleteOutcome, delete_draft, draft_heartbeat, list_article_drafts, open_draft,
    open_wechat_draft, push_draft, save_draft,
};
use crate::drafts::{
    ArticleForm, DraftList, DraftView, HEARTBEAT_SECS, HTML, MARKDOWN, Presence, PushOutcome,
    SaveOutcome, WechatArticle, checkbox, crop_fractions, parse_crop,
};
use crate::error::AppError;
use crate::i18n::Lang;

/// How often changes are saved while one types.
const AUTOSAVE: Duration = Duration::from_secs(3);

fn untitled(lang: Lang) -> &'static str {
    lang.pick("（无标题）", "(untitled)")
}

/// The note before a send: WeChat deletes a sent draft; qunfa keeps its
/// own copies.
fn send_note(lang: Lang) -> &'static str {
    lang.pick(
        "注意：草稿群发之后，微信会把它从草稿箱中删除。群发会保存每篇文章发送时的副本，这里的草稿也会保留。",
        "Note: once a draft is sent, WeChat deletes it from its draft box. qunfa keeps its own copy of every article as sent, and this draft stays here.",
    )
}

/// `/a/<account>/compose?draft=<media_id>`: Compose with this draft chosen.
fn compose_with(account: &str, media_id: &str) -> String {
    format!(
        "{}?draft={}",
        account_href(account, "compose"),
        super::history::percent(media_id)
    )
}

// ---------------------------------------------------------------------------
// The list

#[component]
pub fn DraftsPage() -> impl IntoView {
    let account = super::account_slug();
    let list = page_resource(move || account.get(), list_article_drafts);
    view! {
        <Page title=|lang| lang.pick("草稿", "Drafts")>
            <DraftsBody list />
        </Page>
    }
}

#[component]
fn DraftsBody(list: PageResource<Result<DraftList, AppError>>) -> impl IntoView {
    let lang = lang();
    let account = super::account_slug().get_untracked();
    let deleted = use_query_map().with_untracked(|q| q.get("deleted").is_some());
    let new_href = account_href(&account, "drafts/new");
    view! {
        {deleted
            .then(|| {
                view! { <p class="ok" role="status">{lang.pick("草稿已删除。", "The draft was deleted.")}</p> }
            })}
        <p>
            <a class="button primary" href=new_href>{lang.pick("新建草稿", "New draft")}</a>
        </p>
        <Suspense fallback=move || view! { <p>{lang.pick("加载中…", "Loading…")}</p> }>
            {move || {
                let account = account.clone();
                Suspend::new(async move {
                    match list.await {
                        Ok(list) => view! { <DraftTables lang account list /> }.into_any(),
                        Err(error) => super::error_view(lang, error),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn DraftTables(lang: Lang, account: String, list: DraftList) -> impl IntoView {
    let ours = if list.drafts.is_empty() {
        view! {
            <p>{lang.pick("还没有在群发中写的草稿。", "No draft has been written here yet.")}</p>
        }
        .into_any()
    } else {
        let rows = list
            .drafts
            .into_iter()
            .map(|d| {
                let href = account_href(&account, &format!("drafts/{}", d.id));
                let titles = d
                    .titles
                    .iter()
                    .map(|t| {
                        if t.trim().is_empty() {
                            untitled(lang).to_owned()
                        } else {
                            t.clone()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" / ");
                let wechat = match (&d.media_id, d.unpushed_changes) {
                    (None, _) => lang.pick("未保存到微信", "Not in WeChat yet"),
                    (Some(_), true) => {
                        lang.pick("有未保存到微信的修改", "Changes not in WeChat yet")
                    }
                    (Some(_), false) => lang.pick("已保存到微信", "In WeChat"),
                };
                view! {
                    <tr>
                        <td data-label=lang.pick("标题", "Titles")>
                            <a href=href>{titles}</a>
                        </td>
                        <td data-label=lang.pick("篇数", "Articles")>{d.titles.len()}</td>
                        <td data-label=lang.pick("最后保存", "Last saved")>
                            {d.updated_by.clone()} " · " <StoredTime at=d.updated_at.clone() />
                        </td>
                        <td data-label=lang.pick("微信草稿箱", "WeChat")>{wechat}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="drafts stacked">
                <thead>
                    <tr>
                        <th scope="col">{lang.pick("标题", "Titles")}</th>
                        <th scope="col">{lang.pick("篇数", "Articles")}</th>
                        <th scope="col">{lang.pick("最后保存", "Last saved")}</th>
                        <th scope="col">{lang.pick("微信草稿箱", "WeChat")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let wechat = match list.wechat {
        Err(words) => view! { <p class="error" role="alert">{words}</p> }.into_any(),
        Ok(drafts) if drafts.is_empty() => view! {
            <p class="muted">{lang.pick("微信草稿箱中没有其他草稿。", "WeChat's draft box has no other drafts.")}</p>
        }
        .into_any(),
        Ok(drafts) => {
            let rows = drafts
                .into_iter()
                .map(|d| {
                    let titles = d.titles.join(" / ");
                    let open = account_href(
                        &account,
                        &format!("drafts/wechat/{}", super::history::percent(&d.media_id)),
                    );
                    let compose = compose_with(&account, &d.media_id);
                    view! {
                        <tr>
                            <td data-label=lang.pick("标题", "Titles")>{titles}</td>
                            <td data-label=lang.pick("更新时间", "Updated")>
                                {d.updated.map(|secs| view! { <UnixTime secs /> })}
                            </td>
                            <td data-label=lang.pick("操作", "Actions")>
                                <span class="row-actions">
                                    <a href=open>{lang.pick("查看 HTML", "Open as HTML")}</a>
                                    <a href=compose.clone()>{lang.pick("在手机上预览", "Preview on my phone")}</a>
                                    <a href=compose>{lang.pick("发送…", "Send…")}</a>
                                </span>
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <table class="drafts stacked">
                    <thead>
                        <tr>
                            <th scope="col">{lang.pick("标题", "Titles")}</th>
                            <th scope="col">{lang.pick("更新时间", "Updated")}</th>
                            <th scope="col">{lang.pick("操作", "Actions")}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }
    };
    view! {
        <section aria-labelledby="drafts-ours">
            <h2 id="drafts-ours">{lang.pick("在群发中写的草稿", "Written here")}</h2>
            {ours}
        </section>
        <section aria-labelledby="drafts-wechat">
            <h2 id="drafts-wechat">{lang.pick("在微信公众平台中做的草稿", "Made in the WeChat console")}</h2>
            <p class="note">
                {lang.pick(
                    "这些草稿不是用 Markdown 写的，这里只能查看、预览和发送，不能编辑。",
                    "These were not written in Markdown: here they can be read, previewed and sent, not edited.",
                )}
            </p>
            {wechat}
        </section>
    }
}

// ---------------------------------------------------------------------------
// A WeChat-made draft

#[component]
pub fn WechatDraftPage() -> impl IntoView {
    let params = use_params_map();
    let account = super::account_slug();
    let draft = page_resource(
        move || {
            (
                account.get(),
                params.with(|p| p.get("media_id").unwrap_or_default()),
            )
        },
        |(account, media_id)| open_wechat_draft(account, media_id),
    );
    view! {
        <Page title=|lang| lang.pick("草稿", "Drafts")>
            <WechatDraftBody draft />
        </Page>
    }
}

#[component]
fn WechatDraftBody(
    draft: PageResource<Result<Result<Vec<WechatArticle>, String>, AppError>>,
) -> impl IntoView {
    let lang = lang();
    let account = super::account_slug().get_untracked();
    let media_id = use_params_map().with_untracked(|p| p.get("media_id").unwrap_or_default());
    let compose = compose_with(&account, &media_id);
    let back = account_href(&account, "drafts");
    let account_name = super::account_name(&account);
    view! {
        <p>
            <a href=back>{lang.pick("← 全部草稿", "← All drafts")}</a>
        </p>
        <p class="row-actions">
            <a href=compose.clone()>{lang.pick("在手机上预览", "Preview on my phone")}</a>
            <a href=compose>{lang.pick("发送…", "Send…")}</a>
        </p>
        <p class="note">{send_note(lang)}</p>
        <Suspense fallback=move || view! { <p>{lang.pick("加载中…", "Loading…")}</p> }>
            {move || {
                let account_name = account_name.clone();
                Suspend::new(async move {
                    match draft.await {
                        Ok(Ok(articles)) => {
                            articles
                                .into_iter()
                                .enumerate()
                                .map(|(i, a)| {
                                    view! {
                                        <section class="wechat-article">
                                            <h2>{format!("{}. {}", i + 1, a.title)}</h2>
                                            {(!a.author.is_empty())
                                                .then(|| view! { <p>{lang.pick("作者：", "Author: ")}{a.author.clone()}</p> })}
                                            {(!a.digest.is_empty())
                                                .then(|| view! { <p>{lang.pick("摘要：", "Digest: ")}{a.digest.clone()}</p> })}
                                            <div role="region" aria-label=lang.pick("预览", "Preview")>
                                                <crate::ui::article_preview::ArticlePreview
                                                    title=a.title.clone()
                                                    author=a.author.clone()
                                                    account_name=account_name.clone()
                                                    html=a.preview_html.clone()
                                                />
                                            </div>
                                            <details>
                                                <summary>{lang.pick("HTML 源码", "HTML source")}</summary>
                                                <pre>{a.html.clone()}</pre>
                                            </details>
                                        </section>
                                    }
                                })
                                .collect_view()
                                .into_any()
                        }
                        Ok(Err(words)) => view! { <p class="error" role="alert">{words}</p> }.into_any(),
                        Err(error) => super::error_view(lang, error),
                    }
                })
            }}
        </Suspense>
    }
}

// ---------------------------------------------------------------------------
// The editor

#[component]
pub fn DraftEditorPage() -> impl IntoView {
    let params = use_params_map();
    let account = super::account_slug();
    let draft = page_resource(
        move || {
            (
                account.get(),
                params.with(|p| p.get("id").unwrap_or_default()),
            )
        },
        |(account, id)| async move {
            if id == "new" {
                return Ok(None);
            }
            match id.parse::<i64>() {
                Ok(id) => open_draft(account, id).await.map(Some),
                Err(_) => Err(crate::error::Problem::DraftNotFound.into()),
            }
        },
    );
    view! {
        <Page title=|lang| lang.pick("编辑草稿", "Edit draft")>
            <EditorBody draft />
        </Page>
    }
}

#[component]
fn EditorBody(draft: PageResource<Result<Option<DraftView>, AppError>>) -> impl IntoView {
    let lang = lang();
    view! {
        <Suspense fallback=move || view! { <p>{lang.pick("加载中…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match draft.await {
                    Ok(draft) => view! { <Editor lang draft /> }.into_any(),
                    Err(AppError::Rejected(crate::error::Problem::DraftNotFound)) => {
                        #[cfg(feature = "ssr")]
                        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                            response.set_status(axum::http::StatusCode::NOT_FOUND);
                        }
                        let back = account_href(&super::account_slug().get_untracked(), "drafts");
                        view! {
                            <section class="notice">
                                <p role="alert">{crate::error::Problem::DraftNotFound.words(lang)}</p>
                                <p><a href=back>{lang.pick("全部草稿", "All drafts")}</a></p>
                            </section>
                        }
                            .into_any()
                    }
                    Err(error) => super::error_view(lang, error),
                }
            })}
        </Suspense>
    }
}

/// One article's fields, each a signal; `key` tells the tabs apart while
/// they move.
#[derive(Clone, Copy)]
struct ArticleState {
    key: u64,
    title: RwSignal<String>,
    author: RwSignal<String>,
    digest: RwSignal<String>,
    thumb_media_id: RwSignal<String>,
    pic_crop_235_1: RwSignal<String>,
    pic_crop_1_1: RwSignal<String>,
    content_source_url: RwSignal<String>,
    comments: RwSignal<bool>,
    fans_only: RwSignal<bool>,
    html_mode: RwSignal<bool>,
    source: RwSignal<String>,
}

/// The same article, by its key.
impl PartialEq for ArticleState {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl ArticleState {
    fn new(key: u64, a: ArticleForm) -> Self {
        ArticleState {
            key,
            comments: RwSignal::new(a.comments_open()),
            fans_only: RwSignal::new(a.fans_only()),
            html_mode: RwSignal::new(a.is_html()),
            title: RwSignal::new(a.title),
            author: RwSignal::new(a.author),
            digest: RwSignal::new(a.digest),
            thumb_media_id: RwSignal::new(a.thumb_media_id),
            pic_crop_235_1: RwSignal::new(a.pic_crop_235_1),
            pic_crop_1_1: RwSignal::new(a.pic_crop_1_1),
            content_source_url: RwSignal::new(a.content_source_url),
            source: RwSignal::new(a.source),
        }
    }

    fn form(&self) -> ArticleForm {
        ArticleForm {
            title: self.title.get_untracked(),
            author: self.author.get_untracked(),
            digest: self.digest.get_untracked(),
            thumb_media_id: self.thumb_media_id.get_untracked(),
            pic_crop_235_1: self.pic_crop_235_1.get_untracked(),
            pic_crop_1_1: self.pic_crop_1_1.get_untracked(),
            content_source_url: self.content_source_url.get_untracked(),
            need_open_comment: checkbox(self.comments.get_untracked()),
            only_fans_can_comment: checkbox(self.fans_only.get_untracked()),
            source_kind: if self.html_mode.get_untracked() {
                HTML
            } else {
                MARKDOWN
            }
            .to_owned(),
            source: self.source.get_untracked(),
        }
    }
}

/// Where the last save stands.
#[derive(Clone, Debug, PartialEq)]
enum SaveState {
    /// Nothing typed since the page opened (or since the last save).
    Idle,
    Saving,
    Saved(String),
    Conflict {
        by: String,
        at: String,
    },
    Failed(String),
}

/// What the editor shares with its parts.
#[derive(Clone, Copy)]
struct EditorState {
    account: StoredValue<String>,
    draft_id: RwSignal<Option<i64>>,
    version: RwSignal<i64>,
    articles: RwSignal<Vec<ArticleState>>,
    selected: RwSignal<u64>,
    next_key: StoredValue<u64>,
    /// Goes up with every change; `saved_change` is the value last saved.
    change: RwSignal<u64>,
    saved_change: RwSignal<u64>,
    state: RwSignal<SaveState>,
    also_open: RwSignal<Vec<Presence>>,
    media_id: RwSignal<Option<String>>,
    pushed_version: RwSignal<Option<i64>>,
}

impl EditorState {
    fn changed(&self) {
        self.change.update(|c| *c += 1);
    }

    fn dirty(&self) -> bool {
        self.change.get_untracked() != self.saved_change.get_untracked()
    }

    fn forms(&self) -> Vec<ArticleForm> {
        self.articles
            .get_untracked()
            .iter()
            .map(ArticleState::form)
            .collect()
    }

    fn id_text(&self) -> String {
        self.draft_id
            .get_untracked()
            .map_or_else(|| "new".to_owned(), |id| id.to_string())
    }

    fn add_article(&self) {
        if self.articles.with_untracked(Vec::len) >= MAX_ARTICLES {
            return;
        }
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        self.articles
            .update(|list| list.push(ArticleState::new(key, ArticleForm::new_markdown())));
        self.selected.set(key);
        self.changed();
    }

    fn remove_selected(&self) {
        let key = self.selected.get_untracked();
        let mut next = None;
        self.articles.update(|list| {
            if list.len() < 2 {
                return;
            }
            if let Some(at) = list.iter().position(|a| a.key == key) {
                list.remove(at);
                next = list.get(at.min(list.len() - 1)).map(|a| a.key);
            }
        });
        if let Some(next) = next {
            self.selected.set(next);
            self.changed();
        }
    }

    fn move_selected(&self, by: isize) {
        let key = self.selected.get_untracked();
        let mut moved = false;
        self.articles.update(|list| {
            if let Some(at) = list.iter().position(|a| a.key == key) {
                let to = at as isize + by;
                if (0..list.len() as isize).contains(&to) {
                    list.swap(at, to as usize);
                    moved = true;
                }
            }
        });
        if moved {
            self.changed();
        }
    }

    /// Saves now (as `new` when `as_copy`); calls `then` with the saved
    /// version once it is saved. While another save is on its way, this
    /// one waits for it (a second `new` would make a second draft, an old
    /// version a conflict).
    fn save(&self, as_copy: bool, then: Option<Box<dyn FnOnce(i64, i64) + 'static>>) {
        let me = *self;
        if me.state.get_untracked() == SaveState::Saving {
            if then.is_some() {
                set_timeout(
                    move || me.save(as_copy, then),
                    std::time::Duration::from_millis(200),
                );
            }
            return;
        }
        let change = me.change.get_untracked();
        let (id, version) = if as_copy {
            ("new".to_owned(), 0)
        } else {
            (me.id_text(), me.version.get_untracked())
        };
        let articles = me.forms();
        let account = me.account.get_value();
        me.state.set(SaveState::Saving);
        leptos::task::spawn_local(async move {
            match save_draft(account.clone(), id, version, articles).await {
                Ok(SaveOutcome::Saved {
                    id,
                    version,
                    saved_at,
                    also_open,
                }) => {
                    let was = me.draft_id.get_untracked();
                    me.draft_id.set(Some(id));
                    me.version.set(version);
                    me.saved_change.set(change);
                    me.also_open.set(also_open);
                    me.state.set(SaveState::Saved(saved_at));
                    if was != Some(id) {
                        me.media_id.set(None);
                        me.pushed_version.set(None);
                        browser::replace_address(&account_href(&account, &format!("drafts/{id}")));
                    }
                    if let Some(then) = then {
                        then(id, version);
                    }
                }
                Ok(SaveOutcome::Conflict {
                    updated_by,
                    updated_at,
                    ..
                }) => me.state.set(SaveState::Conflict {
                    by: updated_by,
                    at: updated_at,
                }),
                Err(error) => me
                    .state
                    .set(SaveState::Failed(error.words(lang()).to_owned())),
            }
        });
    }
}

#[component]
fn Editor(lang: Lang, draft: Option<DraftView>) -> impl IntoView {
    let account = super::account_slug().get_untracked();
    let query = use_query_map();
    let copy_of = query.with_untracked(|q| q.get("copy_of"));
    let saved_on_load = query.with_untracked(|q| q.get("saved").is_some());
    let problem = query.with_untracked(|q| q.get("problem").and_then(|c| AppError::from_code(&c)));

    let forms = draft
        .as_ref()
        .map(|d| d.articles.clone())
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| vec![ArticleForm::new_markdown()]);
    let states: Vec<ArticleState> = forms
        .into_iter()
        .enumerate()
        .map(|(i, a)| ArticleState::new(i as u64, a))
        .collect();
    let first_key = states[0].key;
    let next = states.len() as u64;
    let editor = EditorState {
        account: StoredValue::new(account.clone()),
        draft_id: RwSignal::new(draft.as_ref().map(|d| d.id)),
        version: RwSignal::new(draft.as_ref().map_or(0, |d| d.version)),
        articles: RwSignal::new(states),
        selected: RwSignal::new(first_key),
        next_key: StoredValue::new(next),
        change: RwSignal::new(0),
        saved_change: RwSignal::new(0),
        state: RwSignal::new(match (&draft, saved_on_load) {
            (Some(d), true) => SaveState::Saved(d.updated_at.clone()),
            _ => SaveState::Idle,
        }),
        also_open: RwSignal::new(
            draft
                .as_ref()
                .map(|d| d.also_open.clone())
                .unwrap_or_default(),
        ),
        media_id: RwSignal::new(draft.as_ref().and_then(|d| d.media_id.clone())),
        pushed_version: RwSignal::new(draft.as_ref().and_then(|d| d.pushed_version)),
    };
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    autosave(editor);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        editor.save(false, None);
    };
    let account_name = super::account_name(&account);
    let push_result = RwSignal::new(None::<PushOutcome>);
    let busy = RwSignal::new(false);

    view! {
        <p>
            <a href=account_href(&account, "drafts")>{lang.pick("← 全部草稿", "← All drafts")}</a>
        </p>
        {copy_of
            .map(|other| {
                view! {
                    <p class="error" role="alert">
                        {match lang {
                            Lang::Zh => format!("草稿 {other} 在您打开之后被别人保存过，您的修改没有覆盖它，而是另存为这篇新草稿。"),
                            Lang::En => format!("Someone saved draft {other} after you opened it: your changes did not overwrite theirs and were kept as this new draft."),
                        }}
                    </p>
                }
            })}
        {problem.map(|e| view! { <p class="error" role="alert">{e.words(lang)}</p> })}
        <Presences lang editor />
        <form
            class="editor"
            method="post"
            action="/api/save_draft"
            on:submit=on_submit
            aria-label=lang.pick("草稿", "Draft")
        >
            <input type="hidden" name="account" value=account.clone() />
            <input type="hidden" name="id" value=editor.id_text() prop:value=move || editor.draft_id.get().map_or_else(|| "new".to_owned(), |id| id.to_string()) />
            <input type="hidden" name="expected_version" value=editor.version.get_untracked().to_string() prop:value=move || editor.version.get().to_string() />
            <ArticleTabs lang editor hydrated />
            <div class="editor-grid">
                <div class="editor-fields">
                    <For each=move || editor.articles.get() key=|a| a.key let:article>
                        <ArticleFields lang editor article hydrated />
                    </For>
                </div>
                <Preview lang editor account_name />
            </div>
            <div class="editor-actions">
                <button type="submit" class="primary">{lang.pick("保存", "Save")}</button>
                <SaveStateText lang editor />
            </div>
        </form>
        <PushButtons lang editor push_result busy />
        <DeleteDraft lang editor />
    }
}

/// Saves every few seconds while something changed, and when the page is
/// left; says the editor is still open between saves.
fn autosave(editor: EditorState) {
    Effect::new(move |_| {
        let ticks = StoredValue::new(0u64);
        let handle = set_interval_with_handle(
            move || {
                ticks.update_value(|t| *t += 1);
                let conflict = matches!(editor.state.get_untracked(), SaveState::Conflict { .. });
                if editor.dirty() && !conflict {
                    editor.save(false, None);
                } else if let Some(id) = editor.draft_id.get_untracked()
                    && ticks
                        .get_value()
                        .is_multiple_of((HEARTBEAT_SECS / AUTOSAVE.as_secs()).max(1))
                {
                    let account = editor.account.get_value();
                    leptos::task::spawn_local(async move {
                        if let Ok(others) = draft_heartbeat(account, id).await {
                            editor.also_open.set(others);
                        }
                    });
                }
            },
            AUTOSAVE,
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
        let leave = move || {
            let (Some(dirty), Some(state)) = (
                editor
                    .change
                    .try_get_untracked()
                    .map(|c| Some(c) != editor.saved_change.try_get_untracked()),
                editor.state.try_get_untracked(),
            ) else {
                return;
            };
            if dirty && !matches!(state, SaveState::Conflict { .. }) {
                browser::save_on_leaving(
                    &editor.account.get_value(),
                    &editor.id_text(),
                    editor.version.get_untracked(),
                    &editor.forms(),
                );
            }
        };
        browser::on_page_hide(leave);
        on_cleanup(leave);
    });
}

#[component]
fn Presences(lang: Lang, editor: EditorState) -> impl IntoView {
    move || {
        let others = editor.also_open.get();
        (!others.is_empty()).then(|| {
            view! {
                <p class="presence" role="status">
                    {lang.pick("同时打开：", "Also open: ")}
                    {others
                        .into_iter()
                        .enumerate()
                        .map(|(i, p)| {
                            view! {
                                {(i > 0).then_some(lang.pick("，", ", "))}
                                <strong>{p.username}</strong>
                                {lang.pick("（自 ", " (since ")}
                                <StoredTime at=p.since />
                                {lang.pick(" 起）", ")")}
                            }
                        })
                        .collect_view()}
                </p>
            }
        })
    }
}

#[component]
fn SaveStateText(lang: Lang, editor: EditorState) -> impl IntoView {
    let reload = move |_| browser::reload();
    let copy = move |_| editor.save(true, None);
    move || {
        let dirty = editor.change.get() != editor.saved_change.get();
        match editor.state.get() {
            SaveState::Conflict { by, at } => view! {
                <div class="error conflict" role="alert">
                    <p>
                        {lang.pick("您打开之后，", "")}
                        <strong>{by}</strong>
                        {lang.pick(" 在 ", " saved this draft at ")}
                        <StoredTime at />
                        {lang.pick(
                            " 保存了这篇草稿。您的修改没有保存，也没有覆盖对方的内容。",
                            ", after you opened it. Your changes are not saved, and did not overwrite theirs.",
                        )}
                    </p>
                    <p class="row-actions">
                        <button type="button" on:click=reload>
                            {lang.pick("重新加载（放弃我的修改）", "Reload (drop my changes)")}
                        </button>
                        <button type="button" on:click=copy>
                            {lang.pick("把我的版本另存为副本", "Keep mine as a copy")}
                        </button>
                    </p>
                </div>
            }
            .into_any(),
            SaveState::Failed(words) => view! { <p class="error" role="alert">{words}</p> }.into_any(),
            SaveState::Saving => view! {
                <p class="save-state" role="status">{lang.pick("正在保存…", "Saving…")}</p>
            }
            .into_any(),
            SaveState::Saved(at) if !dirty => view! {
                <p class="save-state" role="status">
                    {lang.pick("已保存 ", "Saved ")}
                    <StoredTime at />
                </p>
            }
            .into_any(),
            _ if dirty => view! {
                <p class="save-state" role="status">{lang.pick("有未保存的修改", "Unsaved changes")}</p>
            }
            .into_any(),
            _ => view! { <p class="save-state" role="status"></p> }.into_any(),
        }
    }
}

#[component]
fn ArticleTabs(lang: Lang, editor: EditorState, hydrated: RwSignal<bool>) -> impl IntoView {
    let count = move || editor.articles.with(Vec::len);
    let position = move || {
        let key = editor.selected.get();
        editor
            .articles
            .with(|list| list.iter().position(|a| a.key == key).unwrap_or(0))
    };
    view! {
        <nav class="article-tabs" aria-label=lang.pick("文章", "Articles") hidden=move || !hydrated.get()>
            <ol>
                {move || {
                    editor
                        .articles
                        .get()
                        .into_iter()
                        .enumerate()
                        .map(|(i, a)| {
                            let key = a.key;
                            let name = move || {
                                let title = a.title.get();
                                let title = if title.trim().is_empty() { untitled(lang).to_owned() } else { title };
                                format!("{}. {title}", i + 1)
                            };
                            view! {
                                <li>
                                    <button
                                        type="button"
                                        aria-pressed=move || (editor.selected.get() == key).to_string()
                                        on:click=move |_| editor.selected.set(key)
                                    >
                                        {name}
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ol>
            <span class="row-actions">
                <button type="button" on:click=move |_| editor.add_article() disabled=move || { count() >= MAX_ARTICLES }>
                    {lang.pick("添加文章", "Add article")}
                </button>
                <button type="button" on:click=move |_| editor.move_selected(-1) disabled=move || position() == 0>
                    {lang.pick("前移", "Move up")}
                </button>
                <button type="button" on:click=move |_| editor.move_selected(1) disabled=move || { position() + 1 >= count() }>
                    {lang.pick("后移", "Move down")}
                </button>
                <button type="button" on:click=move |_| editor.remove_selected() disabled=move || { count() < 2 }>
                    {lang.pick("删除这篇文章", "Remove this article")}
                </button>
            </span>
            <span class="muted">
                {move || match lang {
                    Lang::Zh => format!("{} / {MAX_ARTICLES} 篇", count()),
                    Lang::En => format!("{} of at most {MAX_ARTICLES} articles", count()),
                }}
            </span>
        </nav>
    }
}

/// `n / max` beside a field, marked when over.
#[component]
fn Count(count: Signal<usize>, max: usize, id: String) -> impl IntoView {
    view! {
        <span class=move || { if count.get() > max { "count over" } else { "count" } } id=id>
            {move || format!("{} / {max}", count.get())}
        </span>
    }
}

#[component]
fn ArticleFields(
    lang: Lang,
    editor: EditorState,
    article: ArticleState,
    hydrated: RwSignal<bool>,
) -> impl IntoView {
    let key = article.key;
    let index = Memo::new(move |_| {
        editor
            .articles
            .with(|list| list.iter().position(|a| a.key == key).unwrap_or(0))
    });
    let name = move |field: &'static str| move || format!("articles[{}][{field}]", index.get());
    let id = move |field: &str| format!("a{key}-{field}");
    let hidden = move || hydrated.get() && editor.selected.get() != key;
    let text = move |signal: RwSignal<String>| {
        move |ev: leptos::ev::Event| {
            signal.set(event_target_value(&ev));
            editor.changed();
        }
    };
    let counted = |signal: RwSignal<String>| Signal::derive(move || signal.with(|s| char_count(s)));
    let legend = move || match lang {
        Lang::Zh => format!("第 {} 篇文章", index.get() + 1),
        Lang::En => format!("Article {}", index.get() + 1),
    };
    view! {
        <fieldset class="article" hidden=hidden>
            <legend>{legend}</legend>
            <label for=id("title")>{lang.pick("标题", "Title")}</label>
            <input
                id=id("title")
                name=name("title")
                prop:value=move || article.title.get()
                value=article.title.get_untracked()
                on:input=text(article.title)
                aria-describedby=id("title-count")
            />
            <Count count=counted(article.title) max=TITLE_MAX_CHARS id=id("title-count") />
            <label for=id("author")>{lang.pick("作者", "Author")}</label>
            <input
                id=id("author")
                name=name("author")
                prop:value=move || article.author.get()
                value=article.author.get_untracked()
                on:input=text(article.author)
                aria-describedby=id("author-count")
            />
            <Count count=counted(article.author) max=AUTHOR_MAX_CHARS id=id("author-count") />
            <label for=id("digest")>{lang.pick("摘要", "Digest")}</label>
            <textarea
                id=id("digest")
                name=name("digest")
                rows="2"
                prop:value=move || article.digest.get()
                on:input=text(article.digest)
                aria-describedby=id("digest-count")
            >
                {article.digest.get_untracked()}
            </textarea>
            <Count count=counted(article.digest) max=DIGEST_MAX_CHARS id=id("digest-count") />
            <CoverPicker lang editor article />
            <label for=id("source-url")>{lang.pick("阅读原文链接", "“Read the original” URL")}</label>
            <input
                id=id("source-url")
                type="url"
                name=name("content_source_url")
                prop:value=move || article.content_source_url.get()
                value=article.content_source_url.get_untracked()
                on:input=text(article.content_source_url)
            />
            <label class="check">
                <input
                    type="checkbox"
                    name=name("need_open_comment")
                    checked=article.comments.get_untracked()
                    prop:checked=move || article.comments.get()
                    on:change=move |ev| {
                        article.comments.set(event_target_checked(&ev));
                        editor.changed();
                    }
                />
                {lang.pick("打开留言", "Comments on")}
            </label>
            <label class="check">
                <input
                    type="checkbox"
                    name=name("only_fans_can_comment")
                    checked=article.fans_only.get_untracked()
                    prop:checked=move || article.fans_only.get()
                    on:change=move |ev| {
                        article.fans_only.set(event_target_checked(&ev));
                        editor.changed();
                    }
                />
                {lang.pick("仅粉丝可留言", "Only followers can comment")}
            </label>
            <fieldset class="source-kind">
                <legend>{lang.pick("正文格式", "Body written in")}</legend>
                <label class="check">
                    <input
                        type="radio"
                        name=name("source_kind")
                        value=MARKDOWN
                        checked=!article.html_mode.get_untracked()
                        prop:checked=move || !article.html_mode.get()
                        on:change=move |_| {
                            article.html_mode.set(false);
                            editor.changed();
                        }
                    />
                    "Markdown"
                </label>
                <label class="check">
                    <input
                        type="radio"
                        name=name("source_kind")
                        value=HTML
                        checked=article.html_mode.get_untracked()
                        prop:checked=move || article.html_mode.get()
                        on:change=move |_| {
                            article.html_mode.set(true);
                            editor.changed();
                        }
                    />
                    {lang.pick("粘贴的 HTML", "Pasted HTML")}
                </label>
            </fieldset>
            <BodyField lang editor article name=Signal::derive(name("source")) id=id("source") />
        </fieldset>
    }
}

/// An upload of an image dropped or pasted into the body.
#[derive(Clone, Debug, PartialEq)]
struct UploadState {
    id: u64,
    name: String,
    /// 0 to 100.
    percent: u32,
    problem: Option<String>,
}

#[component]
fn BodyField(
    lang: Lang,
    editor: EditorState,
    article: ArticleState,
    name: Signal<String>,
    id: String,
) -> impl IntoView {
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    let uploads = RwSignal::new(Vec::<UploadState>::new());
    let label = move || {
        if article.html_mode.get() {
            lang.pick("正文（HTML）", "Body (HTML)")
        } else {
            lang.pick("正文（Markdown）", "Body (Markdown)")
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        article.source.set(event_target_value(&ev));
        editor.changed();
    };
    let upload = move |files: Vec<browser::PickedFile>| {
        for file in files {
            browser::upload_image(
                &editor.account.get_value(),
                file,
                uploads,
                move |markdown: String| {
                    let Some(area) = textarea.get_untracked() else {
                        return;
                    };
                    let text = article.source.get_untracked();
                    let at = browser::caret(&area).min(text.len());
                    let at = (0..=at)
                        .rev()
                        .find(|i| text.is_char_boundary(*i))
                        .unwrap_or(0);
                    let mut next = text.clone();
                    next.insert_str(at, &markdown);
                    article.source.set(next);
                    editor.changed();
                },
                lang,
            );
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        let files = browser::dropped_images(&ev);
        if !files.is_empty() {
            ev.prevent_default();
            upload(files);
        }
    };
    let on_paste = move |ev: leptos::ev::ClipboardEvent| {
        let files = browser::pasted_images(&ev);
        if !files.is_empty() {
            ev.prevent_default();
            upload(files);
        }
    };
    view! {
        <label for=id.clone()>{label}</label>
        <p class="hint">
            {lang.pick(
                "可以把图片拖入或粘贴到正文中：图片会上传到微信，并插入 Markdown 图片链接。",
                "Drop or paste images into the body: each is uploaded to WeChat and a Markdown image inserted.",
            )}
        </p>
        <textarea
            id=id
            class="body-source"
            name=move || name.get()
            rows="18"
            node_ref=textarea
            prop:value=move || article.source.get()
            on:input=on_input
            on:drop=on_drop
            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
            on:paste=on_paste
        >
            {article.source.get_untracked()}
        </textarea>
        <ul class="uploads" aria-live="polite">
            {move || {
                uploads
                    .get()
                    .into_iter()
                    .map(|u| {
                        let label = match lang {
                            Lang::Zh => format!("上传 {}", u.name),
                            Lang::En => format!("Uploading {}", u.name),
                        };
                        view! {
                            <li>
                                {match u.problem {
                                    Some(problem) => view! {
                                        <span class="field-error">{format!("{}: {problem}", u.name)}</span>
                                    }
                                        .into_any(),
                                    None => view! {
                                        <label>
                                            {label.clone()}
                                            <progress max="100" value=u.percent.to_string() aria-label=label></progress>
                                        </label>
                                    }
                                        .into_any(),
                                }}
                            </li>
                        }
                    })
                    .collect_view()
            }}
        </ul>
    }
}

/// The cover: a permanent image of the library, and its two crops.
#[component]
fn CoverPicker(lang: Lang, editor: EditorState, article: ArticleState) -> impl IntoView {
    let open = RwSignal::new(false);
    let key = article.key;
    let images = LocalResource::new(move || {
        let account = editor.account.get_value();
        let open = open.get();
        async move {
            if !open {
                return None;
            }
            crate::media::api::list_media(account, "image".to_owned(), String::new(), 0)
                .await
                .ok()
        }
    });
    let aspect = RwSignal::new(None::<f64>);
    let thumb = move || {
        let id = article.thumb_media_id.get();
        (!id.trim().is_empty()).then(|| {
            account_href(
                &editor.account.get_value(),
                &format!("media/thumb/{}", super::history::percent(id.trim())),
            )
        })
    };
    let name = move |field: &'static str| {
        move || {
            let index = editor
                .articles
                .with(|list| list.iter().position(|a| a.key == key).unwrap_or(0));
            format!("articles[{index}][{field}]")
        }
    };
    let id = format!("a{key}-cover");
    view! {
        <fieldset class="cover">
            <legend>{lang.pick("封面", "Cover")}</legend>
            <label for=id.clone()>{lang.pick("封面图片素材 ID", "Cover image (material id)")}</label>
            <input
                id=id
                name=name("thumb_media_id")
                value=article.thumb_media_id.get_untracked()
                prop:value=move || article.thumb_media_id.get()
                on:input=move |ev| {
                    article.thumb_media_id.set(event_target_value(&ev));
                    editor.changed();
                }
            />
            <input type="hidden" name=name("pic_crop_235_1") value=article.pic_crop_235_1.get_untracked() prop:value=move || article.pic_crop_235_1.get() />
            <input type="hidden" name=name("pic_crop_1_1") value=article.pic_crop_1_1.get_untracked() prop:value=move || article.pic_crop_1_1.get() />
            <button type="button" on:click=move |_| open.update(|o| *o = !*o) aria-expanded=move || open.get().to_string()>
                {lang.pick("从素材库选择", "Choose from the library")}
            </button>
            {move || {
                open.get()
                    .then(|| {
                        view! {
                            <Suspense fallback=move || view! { <p>{lang.pick("加载中…", "Loading…")}</p> }>
                                {move || Suspend::new(async move {
                                    match images.await {
                                        Some(Ok(page)) if !page.items.is_empty() => view! {
                                            <ul class="cover-choices">
                                                {page
                                                    .items
                                                    .into_iter()
                                                    .map(|item| {
                                                        let media_id = item.media_id.clone();
                                                        let src = item.thumb_url.clone().unwrap_or_else(|| {
                                                            account_href(
                                                                &editor.account.get_value(),
                                                                &format!("media/thumb/{}", super::history::percent(&item.media_id)),
                                                            )
                                                        });
                                                        view! {
                                                            <li>
                                                                <button
                                                                    type="button"
                                                                    on:click=move |_| {
                                                                        article.thumb_media_id.set(media_id.clone());
                                                                        article.pic_crop_235_1.set(String::new());
                                                                        article.pic_crop_1_1.set(String::new());
                                                                        open.set(false);
                                                                        editor.changed();
                                                                    }
                                                                >
                                                                    <img src=src alt="" loading="lazy" />
                                                                    <span>{item.name.clone()}</span>
                                                                </button>
                                                            </li>
                                                        }
                                                    })
                                                    .collect_view()}
                                            </ul>
                                        }
                                            .into_any(),
                                        Some(Ok(_)) => view! {
                                            <p>{lang.pick("素材库中没有图片。", "The library has no images.")}</p>
                                        }
                                            .into_any(),
                                        Some(Err(words)) => view! { <p class="error">{words}</p> }.into_any(),
                                        None => ().into_any(),
                                    }
                                })}
                            </Suspense>
                        }
                    })
            }}
            {move || {
                thumb()
                    .map(|src| {
                        view! {
                            <div class="crops">
                                <CropChooser lang editor src=src.clone() ratio=2.35 crop=article.pic_crop_235_1 aspect label=lang.pick("2.35:1 裁剪位置", "2.35:1 crop position") />
                                <CropChooser lang editor src ratio=1.0 crop=article.pic_crop_1_1 aspect label=lang.pick("1:1 裁剪位置", "1:1 crop position") />
                            </div>
                        }
                    })
            }}
        </fieldset>
    }
}

/// The cover with a frame of `ratio` over it; a slider moves the frame
/// along the side that has room, and sets `crop` as WeChat takes it.
#[component]
fn CropChooser(
    lang: Lang,
    editor: EditorState,
    src: String,
    ratio: f64,
    crop: RwSignal<String>,
    aspect: RwSignal<Option<f64>>,
    label: &'static str,
) -> impl IntoView {
    let _ = lang;
    let position = RwSignal::new(
        parse_crop(&crop.get_untracked())
            .map(|(x1, y1, x2, y2)| {
                let (start, size) = if x2 - x1 < 1.0 {
                    (x1, x2 - x1)
                } else {
                    (y1, y2 - y1)
                };
                if size >= 1.0 {
                    0.5
                } else {
                    start / (1.0 - size)
                }
            })
            .unwrap_or(0.5),
    );
    // The frame is placed through the style object once the image's size
    // is known (in the browser only): the page's policy allows no `style`
    // attribute.
    let frame = move || {
        let aspect = aspect.get()?;
        let (x1, y1, x2, y2) = parse_crop(&crop_fractions(aspect, ratio, position.get()))
            .unwrap_or((0.0, 0.0, 1.0, 1.0));
        let pc = |v: f64| format!("{:.3}%", v * 100.0);
        Some(view! {
            <div
                class="crop-frame"
                style:left=pc(x1)
                style:top=pc(y1)
                style:width=pc(x2 - x1)
                style:height=pc(y2 - y1)
            ></div>
        })
    };
    let on_load = move |ev: leptos::ev::Event| {
        if let Some((w, h)) = browser::natural_size(&ev)
            && h > 0.0
        {
            aspect.set(Some(w / h));
        }
    };
    let on_slide = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev).parse::<f64>().unwrap_or(50.0) / 100.0;
        position.set(value);
        if let Some(aspect) = aspect.get_untracked() {
            crop.set(crop_fractions(aspect, ratio, value));
            editor.changed();
        }
    };
    view! {
        <div class="crop">
            <div class="crop-image">
                <img src=src alt="" on:load=on_load />
                {frame}
            </div>
            <label>
                {label}
                <input type="range" min="0" max="100" step="1" prop:value=move || (position.get() * 100.0).round().to_string() on:input=on_slide />
            </label>
        </div>
    }
}

/// The phone-sized preview of the selected article, with the body's
/// counts against WeChat's limits. One `preview_article` call is out at a
/// time; a change made while it is out is sent when it returns, so the
/// preview is never more than one answer behind the text.
#[component]
fn Preview(lang: Lang, editor: EditorState, account_name: String) -> impl IntoView {
    let html = RwSignal::new(String::new());
    let counts = RwSignal::new(None::<(usize, usize)>);
    let in_flight = StoredValue::new(false);
    let again = StoredValue::new(false);
    let selected = Memo::new(move |_| {
        let key = editor.selected.get();
        editor
            .articles
            .with(|list| list.iter().find(|a| a.key == key).copied())
    });
    let request = move || {
        if in_flight.get_value() {
            again.set_value(true);
            return;
        }
        in_flight.set_value(true);
        leptos::task::spawn_local(async move {
            loop {
                again.set_value(false);
                let Some(article) = selected.get_untracked() else {
                    break;
                };
                let source = article.source.get_untracked();
                let (markdown, pasted) = if article.html_mode.get_untracked() {
                    (String::new(), Some(source))
                } else {
                    (source, None)
                };
                if let Ok(preview) = crate::article::api::preview_article(
                    editor.account.get_value(),
                    markdown,
                    pasted,
                )
                .await
                {
                    counts.set(Some((preview.chars, preview.bytes)));
                    html.set(preview.html_for_display);
                }
                if !again.get_value() {
                    break;
                }
            }
            in_flight.set_value(false);
        });
    };
    Effect::new(move |_| {
        if let Some(article) = selected.get() {
            article.source.track();
            article.html_mode.track();
            request();
        }
    });
    let title = move || selected.get().map(|a| a.title.get()).unwrap_or_default();
    let author = move || selected.get().map(|a| a.author.get()).unwrap_or_default();
    view! {
        <aside class="editor-preview" role="region" aria-label=lang.pick("预览", "Preview")>
            <p class="body-counts" aria-live="polite">
                {move || match counts.get() {
                    None => String::new(),
                    Some((chars, bytes)) => match lang {
                        Lang::Zh => format!(
                            "正文 {chars} / {CONTENT_MAX_CHARS} 字，{} / {} KB",
                            bytes.div_ceil(1000),
                            CONTENT_MAX_BYTES / 1000
                        ),
                        Lang::En => format!(
                            "Body: {chars} of {CONTENT_MAX_CHARS} characters, {} of {} KB",
                            bytes.div_ceil(1000),
                            CONTENT_MAX_BYTES / 1000
                        ),
                    },
                }}
            </p>
            <crate::ui::article_preview::ArticlePreview
                title=Signal::derive(title)
                author=Signal::derive(author)
                account_name=account_name
                html=html
            />
        </aside>
    }
}

#[component]
fn PushButtons(
    lang: Lang,
    editor: EditorState,
    push_result: RwSignal<Option<PushOutcome>>,
    busy: RwSignal<bool>,
) -> impl IntoView {
    let navigate = use_navigate();
    // A save that ends in a conflict or a failure pushes nothing: the
    // buttons are free again, and the editor's state says why.
    Effect::new(move |_| {
        if matches!(
            editor.state.get(),
            SaveState::Conflict { .. } | SaveState::Failed(_)
        ) {
            busy.set(false);
        }
    });
    // Saves what changed, then pushes that version; `then` gets WeChat's
    // media_id.
    let push = move |then: Option<std::rc::Rc<dyn Fn(String)>>| {
        busy.set(true);
        push_result.set(None);
        let go = move |id: i64, version: i64| {
            let account = editor.account.get_value();
            let then = then.clone();
            leptos::task::spawn_local(async move {
                let outcome = match push_draft(account, id, version).await {
                    Ok(outcome) => outcome,
                    Err(error) => PushOutcome::Failed(error.words(lang).to_owned()),
                };
                busy.set(false);
                if let PushOutcome::Pushed { media_id, version } = &outcome {
                    editor.media_id.set(Some(media_id.clone()));
                    editor.pushed_version.set(Some(*version));
                    if let Some(then) = then {
                        then(media_id.clone());
                    }
                }
                push_result.set(Some(outcome));
            });
        };
        match editor.draft_id.get_untracked() {
            Some(id) if !editor.dirty() => go(id, editor.version.get_untracked()),
            _ => editor.save(false, Some(Box::new(go))),
        }
    };
    let to_compose = {
        let navigate = navigate.clone();
        std::rc::Rc::new(move |media_id: String| {
            navigate(
                &compose_with(&editor.account.get_value(), &media_id),
                Default::default(),
            );
        }) as std::rc::Rc<dyn Fn(String)>
    };
    let push_only = move |_| push(None);
    let preview = {
        let to_compose = to_compose.clone();
        move |_| push(Some(to_compose.clone()))
    };
    let send = move |_| push(Some(to_compose.clone()));
    view! {
        <section class="push" aria-label=lang.pick("微信", "WeChat")>
            <p class="row-actions">
                <button type="button" on:click=push_only disabled=move || busy.get()>
                    {lang.pick("保存到微信", "Save to WeChat")}
                </button>
                <button type="button" on:click=preview disabled=move || busy.get()>
                    {lang.pick("在手机上预览", "Preview on my phone")}
                </button>
                <button type="button" on:click=send disabled=move || busy.get()>
                    {lang.pick("发送…", "Send…")}
                </button>
            </p>
            <p class="note">{send_note(lang)}</p>
            <p class="muted">
                {move || match (editor.media_id.get(), editor.pushed_version.get()) {
                    (None, _) => lang.pick("还没有保存到微信草稿箱。", "Not in WeChat's draft box yet.").to_owned(),
                    (Some(_), Some(v)) if v == editor.version.get() && editor.change.get() == editor.saved_change.get() => {
                        lang.pick("微信草稿箱中是最新版本。", "WeChat's draft box has this version.").to_owned()
                    }
                    (Some(_), _) => lang
                        .pick("微信草稿箱中是较早的版本。", "WeChat's draft box has an earlier version.")
                        .to_owned(),
                }}
            </p>
            {move || {
                push_result
                    .get()
                    .map(|outcome| match outcome {
                        PushOutcome::Pushed { .. } => view! {
                            <p class="ok" role="status">{lang.pick("已保存到微信草稿箱。", "Saved to WeChat's draft box.")}</p>
                        }
                            .into_any(),
                        PushOutcome::Invalid(problems) => view! {
                            <div class="error" role="alert">
                                <p>{lang.pick("微信不会接受这篇草稿，没有发送给微信：", "WeChat would refuse this draft, so nothing was sent to it:")}</p>
                                <ul>
                                    {problems.into_iter().map(|p| view! { <li>{p.words(lang)}</li> }).collect_view()}
                                </ul>
                            </div>
                        }
                            .into_any(),
                        PushOutcome::Conflict { updated_by, .. } => view! {
                            <p class="error" role="alert">
                                {match lang {
                                    Lang::Zh => format!("{updated_by} 刚刚保存了这篇草稿，请先重新加载。"),
                                    Lang::En => format!("{updated_by} has just saved this draft: reload it first."),
                                }}
                            </p>
                        }
                            .into_any(),
                        PushOutcome::Failed(words) => view! { <p class="error" role="alert">{words}</p> }.into_any(),
                    })
            }}
        </section>
    }
}

#[component]
fn DeleteDraft(lang: Lang, editor: EditorState) -> impl IntoView {
    let navigate = use_navigate();
    let failed = RwSignal::new(None::<String>);
    let confirm = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(id) = editor.draft_id.get_untracked() else {
            return;
        };
        let account = editor.account.get_value();
        let navigate = navigate.clone();
        let yes = if confirm.get_untracked() { "yes" } else { "" }.to_owned();
        leptos::task::spawn_local(async move {
            match delete_draft(account.clone(), id, yes).await {
                Ok(DeleteOutcome::Deleted) => {
                    // Nothing left to save.
                    editor.saved_change.set(editor.change.get_untracked());
                    navigate(
                        &format!("{}?deleted=1", account_href(&account, "drafts")),
                        Default::default(),
                    );
                }
                Ok(DeleteOutcome::Failed(words)) => failed.set(Some(words)),
                Err(error) => failed.set(Some(error.words(lang).to_owned())),
            }
        });
    };
    move || {
        editor.draft_id.get().map(|id| {
            let on_submit = on_submit.clone();
            view! {
                <details class="delete-draft">
                    <summary>{lang.pick("删除草稿…", "Delete draft…")}</summary>
                    <form method="post" action="/api/delete_draft" on:submit=on_submit>
                        <input type="hidden" name="account" value=editor.account.get_value() />
                        <input type="hidden" name="id" value=id.to_string() />
                        <p>
                            {lang.pick(
                                "这会删除群发中的这篇草稿，以及微信草稿箱中的副本，无法恢复。",
                                "This deletes this draft here and its copy in WeChat's draft box, for good.",
                            )}
                        </p>
                        <label class="check">
                            <input type="checkbox" name="confirm" value="yes" on:change=move |ev| confirm.set(event_target_checked(&ev)) />
                            {lang.pick("确认删除", "Yes, delete it")}
                        </label>
                        <button type="submit">{lang.pick("删除草稿", "Delete draft")}</button>
                        {move || failed.get().map(|w| view! { <p class="error" role="alert">{w}</p> })}
                    </form>
                </details>
            }
        })
    }
}

// ---------------------------------------------------------------------------
// What only a browser does

mod browser {
    use leptos::prelude::*;

    use super::UploadState;
    use crate::drafts::ArticleForm;
    use crate::i18n::Lang;

    /// A file the editor was given.
    #[cfg(feature = "hydrate")]
    pub struct PickedFile(leptos::web_sys::File);
    #[cfg(not(feature = "hydrate"))]
    pub struct PickedFile;

    #[cfg(feature = "hydrate")]
    fn images_of(list: Option<leptos::web_sys::FileList>) -> Vec<PickedFile> {
        let Some(list) = list else { return Vec::new() };
        (0..list.length())
            .filter_map(|i| list.get(i))
            .filter(|f| f.type_().starts_with("image/"))
            .map(PickedFile)
            .collect()
    }

    #[cfg(feature = "hydrate")]
    pub fn dropped_images(ev: &leptos::ev::DragEvent) -> Vec<PickedFile> {
        images_of(ev.data_transfer().and_then(|d| d.files()))
    }

    #[cfg(feature = "hydrate")]
    pub fn pasted_images(ev: &leptos::ev::ClipboardEvent) -> Vec<PickedFile> {
        images_of(ev.clipboard_data().and_then(|d| d.files()))
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn dropped_images(_: &leptos::ev::DragEvent) -> Vec<PickedFile> {
        Vec::new()
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn pasted_images(_: &leptos::ev::ClipboardEvent) -> Vec<PickedFile> {
        Vec::new()
    }

    /// Where the caret is in `area`, in bytes of its value.
    #[cfg(feature = "hydrate")]
    pub fn caret(area: &leptos::web_sys::HtmlTextAreaElement) -> usize {
        let value = area.value();
        let units = area.selection_start().ok().flatten().unwrap_or(0) as usize;
        // The browser counts UTF-16 units.
        let mut seen = 0;
        for (at, c) in value.char_indices() {
            if seen >= units {
                return at;
            }
            seen += c.len_utf16();
        }
        value.len()
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn caret<T>(_: &T) -> usize {
        0
    }

    /// The natural size of the image that fired `ev`.
    #[cfg(feature = "hydrate")]
    pub fn natural_size(ev: &leptos::ev::Event) -> Option<(f64, f64)> {
        use leptos::wasm_bindgen::JsCast;
        let img = ev
            .target()?
            .dyn_into::<leptos::web_sys::HtmlImageElement>()
            .ok()?;
        Some((img.natural_width() as f64, img.natural_height() as f64))
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn natural_size(_: &leptos::ev::Event) -> Option<(f64, f64)> {
        None
    }

    /// Uploads `file` with `POST /a/<account>/media/uploadimg`, its
    /// progress in `uploads`; `insert` gets `![name](url)` once WeChat
    /// gave the URL.
    #[cfg(feature = "hydrate")]
    pub fn upload_image(
        account: &str,
        file: PickedFile,
        uploads: RwSignal<Vec<UploadState>>,
        insert: impl Fn(String) + 'static,
        lang: Lang,
    ) {
        use leptos::wasm_bindgen::{JsCast, closure::Closure};
        use leptos::web_sys::{FormData, ProgressEvent, XmlHttpRequest};
        let PickedFile(file) = file;
        let name = file.name();
        let id = js_sys_now();
        uploads.update(|list| {
            list.push(UploadState {
                id,
                name: name.clone(),
                percent: 0,
                problem: None,
            })
        });
        let set = move |percent: Option<u32>, problem: Option<String>| {
            uploads.update(|list| {
                if let Some(u) = list.iter_mut().find(|u| u.id == id) {
                    if let Some(p) = percent {
                        u.percent = p;
                    }
                    u.problem = problem;
                }
            })
        };
        let fail = move |words: String| set(None, Some(words));
        let Ok(request) = XmlHttpRequest::new() else {
            return;
        };
        let Ok(form) = FormData::new() else { return };
        if form
            .append_with_blob_and_filename("file", &file, &name)
            .is_err()
            || request
                .open("POST", &super::account_href(account, "media/uploadimg"))
                .is_err()
        {
            return;
        }
        let _ = request.set_request_header("Accept", "application/json");
        let progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |ev: ProgressEvent| {
            if ev.length_computable() && ev.total() > 0.0 {
                set(Some((ev.loaded() / ev.total() * 100.0) as u32), None);
            }
        });
        if let Ok(upload) = request.upload() {
            upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
        }
        progress.forget();
        let done_request = request.clone();
        let alt = name
            .rsplit_once('.')
            .map_or(name.as_str(), |(stem, _)| stem)
            .replace(['[', ']'], "");
        let done = Closure::<dyn FnMut()>::new(move || {
            let text = done_request
                .response_text()
                .ok()
                .flatten()
                .unwrap_or_default();
            let answer: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let status = done_request.status().unwrap_or(0);
            match answer.get("url").and_then(|u| u.as_str()) {
                Some(url) if status == 200 => {
                    insert(format!("![{alt}]({url})"));
                    uploads.update(|list| list.retain(|u| u.id != id));
                }
                _ => fail(
                    answer
                        .get("problem")
                        .and_then(|p| p.as_str())
                        .map(str::to_owned)
                        .unwrap_or_else(|| {
                            lang.pick("上传失败，请重试。", "The upload failed; try again.")
                                .to_owned()
                        }),
                ),
            }
        });
        request.set_onloadend(Some(done.as_ref().unchecked_ref()));
        done.forget();
        if request.send_with_opt_form_data(Some(&form)).is_err() {
            fail(
                lang.pick("上传失败，请重试。", "The upload failed; try again.")
                    .to_owned(),
            );
        }
    }

    #[cfg(feature = "hydrate")]
    fn js_sys_now() -> u64 {
        leptos::web_sys::js_sys::Math::random().to_bits()
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn upload_image(
        _: &str,
        _: PickedFile,
        _: RwSignal<Vec<UploadState>>,
        _: impl Fn(String) + 'static,
        _: Lang,
    ) {
    }

    /// Sends the unsaved articles as the page goes away (a beacon outlives
    /// the page).
    #[cfg(feature = "hydrate")]
    pub fn save_on_leaving(account: &str, id: &str, version: i64, articles: &[ArticleForm]) {
        use leptos::web_sys::UrlSearchParams;
        let Ok(params) = UrlSearchParams::new() else {
            return;
        };
        params.append("account", account);
        params.append("id", id);
        params.append("expected_version", &version.to_string());
        for (i, a) in articles.iter().enumerate() {
            let field = |name: &str, value: &str| {
                params.append(&format!("articles[{i}][{name}]"), value);
            };
            field("title", &a.title);
            field("author", &a.author);
            field("digest", &a.digest);
            field("thumb_media_id", &a.thumb_media_id);
            field("pic_crop_235_1", &a.pic_crop_235_1);
            field("pic_crop_1_1", &a.pic_crop_1_1);
            field("content_source_url", &a.content_source_url);
            if let Some(v) = &a.need_open_comment {
                field("need_open_comment", v);
            }
            if let Some(v) = &a.only_fans_can_comment {
                field("only_fans_can_comment", v);
            }
            field("source_kind", &a.source_kind);
            field("source", &a.source);
        }
        let _ = window()
            .navigator()
            .send_beacon_with_opt_url_search_params("/api/save_draft", Some(&params));
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn save_on_leaving(_: &str, _: &str, _: i64, _: &[ArticleForm]) {}

    /// Runs `leave` when the page is hidden or closed.
    #[cfg(feature = "hydrate")]
    pub fn on_page_hide(leave: impl Fn() + Clone + 'static) {
        let handle = window_event_listener(leptos::ev::pagehide, move |_| leave());
        on_cleanup(move || handle.remove());
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn on_page_hide(_: impl Fn() + Clone + 'static) {}

    /// Changes the address without leaving the page (a new draft got its
    /// id).
    #[cfg(feature = "hydrate")]
    pub fn replace_address(path: &str) {
        if let Ok(history) = window().history() {
            let _ = history.replace_state_with_url(
                &leptos::wasm_bindgen::JsValue::NULL,
                "",
                Some(path),
            );
        }
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn replace_address(_: &str) {}

    #[cfg(feature = "hydrate")]
    pub fn reload() {
        let _ = window().location().reload();
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn reload() {}
}
