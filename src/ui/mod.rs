//! The pages. They reach the server only through server functions.

use leptos::{lazy, prelude::*};
use leptos_meta::{Html, Title, provide_meta_context};
use leptos_router::{
    Lazy, LazyRoute, SsrMode,
    components::{A, Route, Router, Routes},
    hooks::use_location,
    path,
};

use crate::{
    accounts::AccountChoice,
    auth::api::{SessionInfo, load_session},
    i18n::Lang,
};
use resource::{PageResource, page_resource};

mod account;
mod accounts;
mod approvals;
pub mod article_preview;
mod audit;
mod campaign;
mod compose;
mod content;
mod drafts;
mod history;
mod login;
mod media;
mod password;
mod resource;
mod settings;
mod setup;
mod stats;
mod stats_chart;
pub mod time;
mod users;

/// The HTML document around the app. Server only: the browser hydrates the
/// body it produced. The assets are linked under the build's id so browsers
/// may cache them until the next build.
#[cfg(feature = "ssr")]
pub fn shell(options: leptos::config::LeptosOptions, asset_id: &str) -> impl IntoView + use<> {
    use leptos_meta::MetaTags;
    // The nonce the response's Content-Security-Policy names
    // (`shell::headers`), for every script Leptos writes into the page.
    if let Some(nonce) = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<leptos::nonce::Nonce>().cloned())
    {
        provide_context(nonce);
    }
    let pkg = format!("/{}/{asset_id}", options.site_pkg_dir);
    let css = format!("{pkg}/{}.css", options.output_name);
    // The scripts are linked as `<root>/<site_pkg_dir>/<file>`, and the
    // split pages' manifest is read from `<site_root>/<site_pkg_dir>`: with
    // the build's id in `root` and `site_pkg_dir` "." both are right (the
    // browser reads `/pkg/<id>/./qunfa.js` as `/pkg/<id>/qunfa.js`).
    let mut scripts = options.clone();
    scripts.site_root = format!("{}/{}", options.site_root, options.site_pkg_dir).into();
    scripts.site_pkg_dir = ".".into();
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="stylesheet" href=css />
                <link rel="icon" href="/favicon.ico" />
                <AutoReload options />
                <HydrationScripts options=scripts root=pkg />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Set once the page's own code has run in the browser: `#app`'s
/// `data-hydrated`, which the browser tests wait for.
#[derive(Clone, Copy)]
struct Hydrated(RwSignal<bool>);

/// Sets `data-hydrated` once the page's own code has run.
fn mark_hydrated() {
    let hydrated = expect_context::<Hydrated>().0;
    Effect::new(move |_| hydrated.set(true));
}

/// The first pages a visitor sees, in the main WebAssembly file.
#[component]
fn LoginScreen() -> impl IntoView {
    mark_hydrated();
    view! { <login::LoginPage /> }
}

#[component]
fn SetupScreen() -> impl IntoView {
    mark_hydrated();
    view! { <setup::SetupPage /> }
}

#[component]
fn NoAccountScreen() -> impl IntoView {
    mark_hydrated();
    view! { <NoAccountPage /> }
}

// The other pages, in four groups, each its own piece of WebAssembly
// (`cargo leptos --split`): loaded with the page (the server names its
// files for the browser to preload) or on the first visit to the group.
// Four groups, not a piece per page: pages share much of their code, and a
// piece per page gives Compose 215 small files to fetch.

/// Sending: Compose and its pickers.
#[derive(Clone, Copy)]
#[repr(u8)]
enum Sending {
    Compose,
    Pick,
}

#[lazy]
fn sending_pages(page: Sending) -> AnyView {
    match page {
        Sending::Compose => compose::ComposePage().into_any(),
        Sending::Pick => compose::PickPage().into_any(),
    }
}

/// Writing: the drafts and the article editor.
#[derive(Clone, Copy)]
#[repr(u8)]
enum Writing {
    Drafts,
    DraftEditor,
    WechatDraft,
}

#[lazy]
fn writing_pages(page: Writing) -> AnyView {
    match page {
        Writing::Drafts => drafts::DraftsPage().into_any(),
        Writing::DraftEditor => drafts::DraftEditorPage().into_any(),
        Writing::WechatDraft => drafts::WechatDraftPage().into_any(),
    }
}

/// Following: History, a send, the statistics, approvals and campaigns.
#[derive(Clone, Copy)]
#[repr(u8)]
enum Following {
    History,
    SendDetail,
    Stats,
    Approvals,
    Campaign,
}

#[lazy]
fn following_pages(page: Following) -> AnyView {
    match page {
        Following::History => history::HistoryPage().into_any(),
        Following::SendDetail => history::SendDetailPage().into_any(),
        Following::Stats => stats::StatsPage().into_any(),
        Following::Approvals => approvals::ApprovalsPage().into_any(),
        Following::Campaign => campaign::CampaignPage().into_any(),
    }
}

/// Running the console: accounts, users, audit, settings, media, one's own
/// password.
#[derive(Clone, Copy)]
#[repr(u8)]
enum Running {
    Accounts,
    Users,
    Audit,
    Settings,
    Media,
    Account,
}

#[lazy]
fn running_pages(page: Running) -> AnyView {
    match page {
        Running::Accounts => accounts::AccountsPage().into_any(),
        Running::Users => users::UsersPage().into_any(),
        Running::Audit => audit::AuditPage().into_any(),
        Running::Settings => settings::SettingsPage().into_any(),
        Running::Media => media::MediaPage().into_any(),
        Running::Account => account::AccountPage().into_any(),
    }
}

/// A route whose page is in a group's piece of WebAssembly. `preload` is
/// the group's loader that `#[lazy]` writes (`__preload_<group>`): the router
/// awaits it before it hydrates or shows the page, so `view` finds the code
/// there and the page hydrates the server's HTML in place (awaited in `view`
/// instead, the page would render a second time beside the server's).
macro_rules! lazy_page {
    ($route:ident, $group:ident, $preload:ident, $page:expr) => {
        struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_this: Self) -> AnyView {
                let page = $group($page).await;
                #[cfg(feature = "ssr")]
                name_group_files(stringify!($group));
                mark_hydrated();
                page
            }

            async fn preload() {
                #[cfg(feature = "hydrate")]
                $preload().await;
            }
        }
    };
}

/// Names the files of a page's group (`__wasm_split_manifest.json`) in the
/// page's head, for the browser to fetch beside the main file rather than
/// after it. Leptos would name them once a `#[lazy]` function has run, but
/// it looks for the manifest in whatever reactive owner the thread last
/// had, so some pages (15 in 100, and more under a browser's parallel
/// requests) came without them and Compose hydrated 0.2 s later; the
/// function's name it noted is taken back, so the files are named once.
#[cfg(feature = "ssr")]
fn name_group_files(group: &str) {
    use leptos_meta::Link;

    if let Some(noted) = use_context::<leptos::PrefetchLazyFn>()
        && let Some(mut noted) = noted.0.try_write_value()
    {
        noted.clear();
    }
    let Some(manifest) = use_context::<leptos::WasmSplitManifest>() else {
        return;
    };
    let Some(manifest) = manifest.0.try_read_value() else {
        return;
    };
    let (pkg_path, groups, split_js) = &*manifest;
    // A key is the group's name and a hash of where `#[lazy]` stands.
    let files = groups.iter().find_map(|(key, files)| {
        let hash = key.strip_prefix(group)?.strip_prefix('_')?;
        hash.bytes().all(|b| b.is_ascii_digit()).then_some(files)
    });
    let Some(files) = files else {
        return;
    };
    let nonce = use_nonce().map(|n| n.to_string()).unwrap_or_default();
    // As Leptos does: `to_html` on a `leptos_meta` element registers it
    // with the page's head and writes nothing here.
    for file in files {
        let _ = view! {
            <Link
                rel="preload"
                href=format!("{pkg_path}/{file}.wasm")
                as_="fetch"
                type_="application/wasm"
                crossorigin=nonce.clone()
            />
        }
        .to_html();
    }
    let _ = view! { <Link rel="modulepreload" href=format!("{pkg_path}/{split_js}") crossorigin=nonce /> }
        .to_html();
}

lazy_page!(
    ComposeRoute,
    sending_pages,
    __preload_sending_pages,
    Sending::Compose
);
lazy_page!(
    PickRoute,
    sending_pages,
    __preload_sending_pages,
    Sending::Pick
);
lazy_page!(
    DraftsRoute,
    writing_pages,
    __preload_writing_pages,
    Writing::Drafts
);
lazy_page!(
    DraftEditorRoute,
    writing_pages,
    __preload_writing_pages,
    Writing::DraftEditor
);
lazy_page!(
    WechatDraftRoute,
    writing_pages,
    __preload_writing_pages,
    Writing::WechatDraft
);
lazy_page!(
    HistoryRoute,
    following_pages,
    __preload_following_pages,
    Following::History
);
lazy_page!(
    SendDetailRoute,
    following_pages,
    __preload_following_pages,
    Following::SendDetail
);
lazy_page!(
    StatsRoute,
    following_pages,
    __preload_following_pages,
    Following::Stats
);
lazy_page!(
    ApprovalsRoute,
    following_pages,
    __preload_following_pages,
    Following::Approvals
);
lazy_page!(
    CampaignRoute,
    following_pages,
    __preload_following_pages,
    Following::Campaign
);
lazy_page!(
    AccountsRoute,
    running_pages,
    __preload_running_pages,
    Running::Accounts
);
lazy_page!(
    UsersRoute,
    running_pages,
    __preload_running_pages,
    Running::Users
);
lazy_page!(
    AuditRoute,
    running_pages,
    __preload_running_pages,
    Running::Audit
);
lazy_page!(
    SettingsRoute,
    running_pages,
    __preload_running_pages,
    Running::Settings
);
lazy_page!(
    MediaRoute,
    running_pages,
    __preload_running_pages,
    Running::Media
);
lazy_page!(
    AccountRoute,
    running_pages,
    __preload_running_pages,
    Running::Account
);

/// The session as every page sees it: loaded once with the page, on the
/// server, and handed to the browser with the HTML.
#[derive(Clone, Copy)]
pub struct SessionResource(pub PageResource<Result<SessionInfo, crate::error::AppError>>);

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Blocking: the page's language and header come from it.
    let session = PageResource::new_with_options(|| (), |_| load_session(), true);
    provide_context(SessionResource(session));
    // Tests wait for this before they use the page as a hydrated app: the
    // page's own code is loaded with it (`lazy_page!`), so it is set there.
    let hydrated = RwSignal::new(false);
    provide_context(Hydrated(hydrated));

    view! {
        <Router>
            <AttentionScope>
            <div id="app" data-hydrated=move || hydrated.get().to_string()>
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/login") view=LoginScreen ssr=SsrMode::Async />
                    <Route path=path!("/setup") view=SetupScreen ssr=SsrMode::Async />
                    <Route path=path!("/a/:account/compose") view={Lazy::<ComposeRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/a/:account/compose/pick/:source") view={Lazy::<PickRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/a/:account/drafts") view={Lazy::<DraftsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/a/:account/drafts/:id") view={Lazy::<DraftEditorRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/a/:account/drafts/wechat/:media_id") view={Lazy::<WechatDraftRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/a/:account/sends") view={Lazy::<HistoryRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/a/:account/sends/:id") view={Lazy::<SendDetailRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/a/:account/stats") view={Lazy::<StatsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/a/:account/media") view={Lazy::<MediaRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/a/:account/settings") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/audit") view={Lazy::<AuditRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/users") view={Lazy::<UsersRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/accounts") view={Lazy::<AccountsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/no-account") view=NoAccountScreen ssr=SsrMode::Async />
                    <Route path=path!("/a/:account/approvals") view={Lazy::<ApprovalsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/campaigns/:id") view={Lazy::<CampaignRoute>::new()} ssr=SsrMode::Async />
                </Routes>
            </div>
            </AttentionScope>
        </Router>
    }
}

/// The navigation's "needs your attention" count on the page's account
/// (`sends::approval::attention_count`); `None` on a page about no account.
/// Made once per page, outside `Page`, and refetched where a decision is
/// made.
#[derive(Clone, Copy)]
pub struct AttentionResource(pub PageResource<Option<crate::sends::approval::Attention>>);

#[component]
fn AttentionScope(children: Children) -> impl IntoView {
    let account = account_slug();
    let attention = page_resource(
        move || account.get(),
        |slug| async move {
            if slug.is_empty() {
                return None;
            }
            crate::sends::approval::attention_count(slug).await.ok()
        },
    );
    provide_context(AttentionResource(attention));
    children()
}

/// One link with the number of things needing the user on the account:
/// others' sends awaiting their approval, decisions on their own sends
/// they have not seen. Shown only when there is something.
#[component]
fn AttentionLink(lang: Lang, slug: String) -> impl IntoView {
    let attention = use_context::<AttentionResource>();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let slug = slug.clone();
                Suspend::new(async move {
                    let attention = match attention {
                        Some(resource) => resource.0.await,
                        None => None,
                    }?;
                    let total = attention.total();
                    (total > 0).then(|| {
                        let label = attention_label(lang, attention);
                        view! {
                            <a href=account_href(&slug, "approvals") class="attention" aria-label=label>
                                {lang.pick("需要处理", "Needs attention")}
                                " "
                                <span class="attention-count">{total.to_string()}</span>
                            </a>
                        }
                    })
                })
            }}
        </Suspense>
    }
}

/// The attention link's name: the count, then what it counts.
fn attention_label(lang: Lang, attention: crate::sends::approval::Attention) -> String {
    let (awaiting, decided) = (attention.awaiting, attention.decided);
    let mut parts = Vec::new();
    match (lang, awaiting) {
        (_, 0) => {}
        (Lang::Zh, n) => parts.push(format!("{n} 条群发等你审核")),
        (Lang::En, 1) => parts.push("1 send awaits your approval".to_owned()),
        (Lang::En, n) => parts.push(format!("{n} sends await your approval")),
    }
    match (lang, decided) {
        (_, 0) => {}
        (Lang::Zh, n) => parts.push(format!("{n} 条你的群发有了审核结果")),
        (Lang::En, 1) => parts.push("a decision on your send".to_owned()),
        (Lang::En, n) => parts.push(format!("decisions on {n} of your sends")),
    }
    let total = attention.total();
    match lang {
        Lang::Zh => format!("需要处理：{total}（{}）", parts.join("，")),
        Lang::En => format!("Needs attention: {total} ({})", parts.join(", ")),
    }
}

/// A msgtype of the seed in words.
pub fn type_label(lang: Lang, msg_type: &str) -> &'static str {
    match msg_type {
        "mpnews" => lang.pick("图文", "Article"),
        "text" => lang.pick("文本", "Text"),
        "voice" => lang.pick("语音", "Voice"),
        "image" => lang.pick("图片", "Image"),
        "mpvideo" => lang.pick("视频", "Video"),
        "wxcard" => lang.pick("卡券", "Card"),
        _ => "?",
    }
}

/// The slug of the account the page is about (`/a/:account/…`); empty on
/// a page about no account. Read from the address, so the header of a page
/// outside the routes (not found) may ask too.
pub fn account_slug() -> Memo<String> {
    let location = use_location();
    Memo::new(move |_| {
        location.pathname.with(|path| {
            path.strip_prefix("/a/")
                .and_then(|rest| rest.split('/').next())
                .unwrap_or_default()
                .to_owned()
        })
    })
}

/// `/a/<account>/<rest>`: a page of an account.
pub fn account_href(account: &str, rest: &str) -> String {
    format!("/a/{account}/{rest}")
}

/// The language this page is shown in.
pub fn lang() -> Lang {
    use_context::<SessionInfo>().unwrap_or_default().lang
}

/// The console's name, in the title of every page.
pub fn app_name(lang: Lang) -> &'static str {
    lang.pick("群发", "qunfa")
}

/// Who may see a page.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    SignedIn,
    Admins,
}

/// The app shell around every page but the login: navigation, the signed-in
/// user, logout, the language switch and the simulator banner.
///
/// Its `Suspense` runs `children` up to three times on the server, so a page
/// makes its resources (and the actions they follow) before `Page` and hands
/// them to its body: made inside, each would load, and be written into the
/// HTML, once per run.
#[component]
pub fn Page(
    title: fn(Lang) -> &'static str,
    #[prop(default = Audience::SignedIn)] audience: Audience,
    children: ChildrenFn,
) -> impl IntoView {
    let session = expect_context::<SessionResource>().0;
    let children = StoredValue::new(children);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let info = session.await.unwrap_or_default();
                provide_context(info.clone());
                let lang = info.lang;
                let body = match (&info.user, audience) {
                    (None, _) => view! { <SignInNeeded /> }.into_any(),
                    (Some(user), Audience::Admins) if !user.is_admin() => {
                        view! { <Forbidden /> }.into_any()
                    }
                    _ => children.with_value(|c| c()).into_any(),
                };
                view! {
                    <Html attr:lang=info.lang.code() />
                    <Title text=format!("{} · {}", title(lang), app_name(lang)) />
                    <Header info=info.clone() />
                    <main>
                        <h1>{title(lang)}</h1>
                        {body}
                    </main>
                }
            })}
        </Suspense>
    }
}

#[component]
fn Header(info: SessionInfo) -> impl IntoView {
    let lang = info.lang;
    let is_admin = info.user.as_ref().is_some_and(|u| u.is_admin());
    let may_review = info.user.as_ref().is_some_and(|u| u.may_review());
    let username = info
        .user
        .as_ref()
        .map(|u| u.username.clone())
        .unwrap_or_default();
    // The page's account, else the first the user may use: the account
    // links of a page about no account (users, audit) go there.
    let in_address = account_slug().get_untracked();
    let current = info
        .accounts
        .iter()
        .find(|a| a.slug == in_address)
        .or_else(|| info.accounts.first())
        .cloned();
    let simulated = current.as_ref().is_some_and(|a| a.simulated);
    let links = current.as_ref().map(|account| {
        let slug = account.slug.clone();
        view! {
            <A href=account_href(&slug, "compose")>{lang.pick("撰写", "Compose")}</A>
            <A href=account_href(&slug, "drafts")>{lang.pick("草稿", "Drafts")}</A>
            <A href=account_href(&slug, "sends")>{lang.pick("历史", "History")}</A>
            <A href=account_href(&slug, "stats")>{lang.pick("数据", "Statistics")}</A>
            <A href=account_href(&slug, "media")>{lang.pick("素材", "Media")}</A>
            {may_review
                .then(|| {
                    view! { <A href=account_href(&slug, "approvals")>{lang.pick("审核", "Approvals")}</A> }
                })}
            {is_admin
                .then(|| {
                    view! { <A href=account_href(&slug, "settings")>{lang.pick("设置", "Settings")}</A> }
                })}
        }
    });
    view! {
        <header class="topbar">
            <span class="brand">{app_name(lang)}</span>
            {current
                .clone()
                .map(|current| {
                    view! { <AccountSwitch lang current accounts=info.accounts.clone() /> }
                })}
            <nav aria-label=lang.pick("主导航", "Main")>
                {links}
                {current.as_ref().map(|account| view! { <AttentionLink lang slug=account.slug.clone() /> })}
                {is_admin
                    .then(|| {
                        view! {
                            <A href="/users">{lang.pick("用户", "Users")}</A>
                            <A href="/accounts">{lang.pick("公众号", "Accounts")}</A>
                            <A href="/audit">{lang.pick("审计日志", "Audit log")}</A>
                        }
                    })}
            </nav>
            <div class="account">
                {info
                    .user
                    .is_some()
                    .then(|| {
                        view! {
                            <span class="who">
                                <span class="who-label">{lang.pick("当前用户", "Signed in as")} " "</span>
                                <strong>{username}</strong>
                            </span>
                            <A href="/account">{lang.pick("我的密码", "My password")}</A>
                            <form method="post" action="/logout">
                                <button type="submit">{lang.pick("退出登录", "Log out")}</button>
                            </form>
                        }
                    })}
                <LanguageSwitch lang=info.lang />
            </div>
        </header>
        {simulated
            .then(|| {
                view! {
                    <p class="banner" role="status">
                        {lang.pick(
                            "这是内置微信模拟器中的公众号，消息不会真正发出。",
                            "This account lives in the built-in WeChat simulator: nothing is really sent.",
                        )}
                    </p>
                }
            })}
    }
}

/// The account the page is about and, for a user with more than one, the
/// others to switch to: a `details` list of links (so it opens and works
/// before hydration, and from the keyboard) to the same kind of page of the
/// other account. Its summary is named by its text: "Account: <name>
/// <kind>". A switch loads the other account's page afresh (`rel=external`):
/// every part of a page is about one account. Once hydrated, Escape and a
/// click elsewhere close the list.
#[component]
fn AccountSwitch(
    lang: Lang,
    current: AccountChoice,
    accounts: Vec<AccountChoice>,
) -> impl IntoView {
    let location = use_location();
    let label = lang.pick("公众号：", "Account: ");
    let kind = current.kind.words(lang);
    let name = view! {
        <span class="visually-hidden">{label}</span>
        <strong class="account-name">{current.name.clone()}</strong>
        " "
        <span class="account-kind">{kind}</span>
    };
    if accounts.len() < 2 {
        return view! { <p class="current-account">{name}</p> }.into_any();
    }
    // The same page of another account: its history for a send's detail
    // (the send is this account's), its form for a picker's list.
    let page = move || {
        let path = location.pathname.get();
        let rest = path.splitn(4, '/').nth(3).unwrap_or_default().to_owned();
        match rest.split('/').next().unwrap_or_default() {
            "sends" => "sends",
            "media" => "media",
            "settings" => "settings",
            "drafts" => "drafts",
            "approvals" => "approvals",
            "stats" => "stats",
            _ => "compose",
        }
    };
    let others: Vec<AccountChoice> = accounts
        .into_iter()
        .filter(|a| a.slug != current.slug)
        .collect();
    let details = NodeRef::<leptos::html::Details>::new();
    let summary = NodeRef::<leptos::html::Summary>::new();
    close_when_left(details);
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape"
            && let Some(open) = details.get_untracked()
            && open.has_attribute("open")
        {
            ev.prevent_default();
            let _ = open.remove_attribute("open");
            if let Some(summary) = summary.get_untracked() {
                let _ = summary.focus();
            }
        }
    };
    view! {
        <details class="account-switch" node_ref=details on:keydown=on_keydown>
            <summary node_ref=summary>{name}</summary>
            <nav aria-label=lang.pick("切换公众号", "Switch account")>
                <ul>
                    {others
                        .into_iter()
                        .map(|other| {
                            let slug = other.slug.clone();
                            let kind = other.kind.words(lang);
                            view! {
                                <li>
                                    <a href=move || account_href(&slug, page()) rel="external">
                                        <span class="account-name">{other.name.clone()}</span>
                                        " "
                                        <span class="account-kind">{kind}</span>
                                    </a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </nav>
        </details>
    }
    .into_any()
}

/// Closes the open account list when a click lands outside it, as a menu
/// does (before hydration it stays open until its summary is clicked).
fn close_when_left(details: NodeRef<leptos::html::Details>) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let handle = window_event_listener(leptos::ev::click, move |ev| {
            let Some(open) = details.get_untracked() else {
                return;
            };
            let inside = ev
                .target()
                .and_then(|t| t.dyn_into::<leptos::web_sys::Node>().ok())
                .is_some_and(|t| open.contains(Some(&t)));
            if !inside {
                let _ = open.remove_attribute("open");
            }
        });
        on_cleanup(move || handle.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = details;
}

/// A server function's error on a page: an account that is not there or
/// not the user's is a 404 in words, with the way home; any other error in
/// its words.
pub fn error_view(lang: Lang, error: crate::error::AppError) -> AnyView {
    use crate::error::{AppError, Problem};
    if !matches!(
        error,
        AppError::Rejected(Problem::AccountNotFound | Problem::CampaignNotFound)
    ) {
        return view! { <p class="error" role="alert">{error.words(lang)}</p> }.into_any();
    }
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    mark_hydrated();
    view! {
        <section class="notice">
            <p role="alert">{error.words(lang)}</p>
            <p>
                <a href="/">{lang.pick("返回首页", "Back to the start")}</a>
            </p>
        </section>
    }
    .into_any()
}

/// For a user who may use no account yet.
#[component]
fn NoAccountPage() -> impl IntoView {
    view! {
        <Page title=|lang| lang.pick("还没有可用的公众号", "No account yet")>
            <p>
                {move || {
                    lang()
                        .pick(
                            "还没有为您开通任何公众号。请联系管理员在“用户”页为您授权。",
                            "No account has been granted to you yet. Ask an admin to grant you one on the Users page.",
                        )
                }}
            </p>
        </Page>
    }
}

/// A plain form: it works before hydration, and the choice is kept in a
/// cookie by the server.
#[component]
pub fn LanguageSwitch(lang: Lang) -> impl IntoView {
    let location = use_location();
    let back = move || format!("{}{}", location.pathname.get(), location.search.get());
    view! {
        <form method="post" action="/lang" class="language" aria-label=lang.pick("语言", "Language")>
            <input type="hidden" name="back" value=back />
            <button type="submit" name="lang" value="zh-CN" aria-pressed=(lang == Lang::Zh).to_string()>
                "简体中文"
            </button>
            <button type="submit" name="lang" value="en" aria-pressed=(lang == Lang::En).to_string()>
                "English"
            </button>
        </form>
    }
}

#[component]
fn SignInNeeded() -> impl IntoView {
    let lang = lang();
    view! {
        <p>
            {lang.pick("请先登录。", "Please log in first.")} " "
            <a href="/login">{lang.pick("登录", "Log in")}</a>
        </p>
    }
}

#[component]
fn Forbidden() -> impl IntoView {
    let lang = lang();
    view! {
        <section class="notice" role="alert">
            <h2>{lang.pick("没有权限", "Not allowed")}</h2>
            <p>
                {lang.pick(
                    "只有管理员可以打开这个页面。如需访问，请联系管理员。",
                    "Only an admin can open this page. Ask an admin if you need it.",
                )}
            </p>
            <p>
                <a href="/">{lang.pick("返回撰写", "Back to Compose")}</a>
            </p>
        </section>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    mark_hydrated();
    view! {
        <Page title=|lang| lang.pick("页面不存在", "Page not found")>
            <p>
                {move || {
                    lang()
                        .pick(
                            "找不到这个地址。请检查链接，或从导航进入。",
                            "Nothing lives at this address. Check the link, or use the navigation.",
                        )
                }}
            </p>
        </Page>
    }
}

/// Whether `url` may be an `href`: only `http:` and `https:` addresses. A
/// URL from WeChat or a user could be `javascript:`, `data:` or anything
/// else a browser would act on; those are shown as text. The prefix is
/// checked on the raw text, so no leading space or control character (which
/// browsers skip) can hide another scheme.
pub fn is_web_url(url: &str) -> bool {
    let starts = |prefix: &str| {
        url.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    starts("http://") || starts("https://")
}

/// `label` as a link to `url` when it is a web address; otherwise the label
/// with the address beside it as text.
/// The name of the user's account `slug`, as the navigation knows it
/// (empty for an account not theirs).
pub fn account_name(slug: &str) -> String {
    use_context::<crate::auth::api::SessionInfo>()
        .and_then(|info| info.accounts.into_iter().find(|a| a.slug == slug))
        .map(|a| a.name)
        .unwrap_or_default()
}

#[component]
pub fn DataLink(url: String, label: String) -> impl IntoView {
    if is_web_url(&url) {
        view! { <a href=url>{label}</a> }.into_any()
    } else {
        view! { <span>{label}</span> " " <code>{url}</code> }.into_any()
    }
}

#[cfg(test)]
mod tests {
    use super::{attention_label, is_web_url};
    use crate::i18n::Lang;
    use crate::sends::approval::Attention;

    #[test]
    fn the_attention_link_says_what_it_counts() {
        let one = Attention {
            awaiting: 1,
            decided: 0,
        };
        assert_eq!(
            attention_label(Lang::En, one),
            "Needs attention: 1 (1 send awaits your approval)"
        );
        let both = Attention {
            awaiting: 2,
            decided: 1,
        };
        assert_eq!(
            attention_label(Lang::En, both),
            "Needs attention: 3 (2 sends await your approval, a decision on your send)"
        );
        assert_eq!(
            attention_label(Lang::Zh, both),
            "需要处理：3（2 条群发等你审核，1 条你的群发有了审核结果）"
        );
    }

    #[test]
    fn only_http_and_https_addresses_are_links() {
        for web in [
            "https://mp.weixin.qq.com/s?__biz=MzA",
            "http://example.com",
            "HTTPS://EXAMPLE.COM/",
            "Http://example.com",
        ] {
            assert!(is_web_url(web), "{web}");
        }
        for other in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "\u{1}https://example.com",
            " https://example.com",
            "java\tscript:alert(1)",
            "ht\ttps://example.com",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            "//evil.example.com",
            "/sends/1",
            "Url_1",
            "https:example.com",
            "http:/example.com",
            "",
            "https",
            "é",
        ] {
            assert!(!is_web_url(other), "{other:?}");
        }
    }
}
