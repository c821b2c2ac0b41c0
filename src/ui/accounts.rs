//! `/accounts` (admins): every Official Account, at work or disabled, with
//! what to paste into the WeChat console; add one, change one
//! (`/accounts?edit=<slug>`), disable or enable it, add a simulated one
//! while the console runs the built-in simulator. Secrets are write-only:
//! the page says "set", and a blank field keeps the stored value. Every
//! form works without JavaScript: the server then redirects back with the
//! problems (and the fields that are not secret) in the address.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::resource::{PageResource, page_resource};
use super::{Audience, Page, account_href, lang};
use crate::{
    accounts::{
        AccountField, AccountForm, AccountSummary, AccountsView, CheckView, FieldProblem, Kind,
        MessageMode, SaveOutcome, SecretsSet, TokenSource,
        api::{
            AddAccount, AddSimulatedAccount, CheckAccount, EditAccount, SetAccountDisabled,
            check_account, list_accounts,
        },
    },
    error::AppError,
    i18n::Lang,
};

#[component]
pub fn AccountsPage() -> impl IntoView {
    let add = ServerAction::<AddAccount>::new();
    let edit = ServerAction::<EditAccount>::new();
    let disable = ServerAction::<SetAccountDisabled>::new();
    let simulate = ServerAction::<AddSimulatedAccount>::new();
    let check = ServerAction::<CheckAccount>::new();
    // Without JavaScript "Check" comes back as `?check=<slug>`, checked here.
    let query = use_query_map();
    let checked = page_resource(
        move || query.with(|q| q.get("check")),
        |slug| async move {
            match slug {
                Some(slug) => Some(check_account(slug).await),
                None => None,
            }
        },
    );
    let accounts = page_resource(
        move || {
            (
                add.version().get(),
                edit.version().get(),
                disable.version().get(),
                simulate.version().get(),
            )
        },
        |_| list_accounts(),
    );
    // Made outside `Page`, whose children may run more than once (see `Page`).
    view! {
        <Page title=|lang| lang.pick("公众号", "Accounts") audience=Audience::Admins>
            <AccountsBody add edit disable simulate check checked accounts />
        </Page>
    }
}

/// The outcome of the last form, from the action (with JavaScript) or the
/// address (without).
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Saved {
        slug: String,
        not_started: Option<String>,
    },
    Problems(Vec<FieldProblem>),
    Failed(AppError),
}

impl Outcome {
    fn of(result: Result<SaveOutcome, AppError>) -> Outcome {
        match result {
            Ok(outcome) if !outcome.problems.is_empty() => Outcome::Problems(outcome.problems),
            Ok(outcome) => Outcome::Saved {
                slug: outcome.saved.unwrap_or_default(),
                not_started: outcome.not_started,
            },
            Err(error) => Outcome::Failed(error),
        }
    }
}

#[component]
fn AccountsBody(
    add: ServerAction<AddAccount>,
    edit: ServerAction<EditAccount>,
    disable: ServerAction<SetAccountDisabled>,
    simulate: ServerAction<AddSimulatedAccount>,
    check: ServerAction<CheckAccount>,
    checked: PageResource<Option<Result<CheckView, AppError>>>,
    accounts: PageResource<Result<AccountsView, AppError>>,
) -> impl IntoView {
    let lang = lang();
    let check_result = move || {
        let result = check.value().get()?;
        Some(check_words(lang, result))
    };
    let query = use_query_map();
    let outcome = RwSignal::new(None::<Outcome>);
    Effect::new(move |_| {
        if let Some(result) = add.value().get() {
            outcome.set(Some(Outcome::of(result)));
        }
    });
    Effect::new(move |_| {
        if let Some(result) = edit.value().get() {
            outcome.set(Some(Outcome::of(result)));
        }
    });
    Effect::new(move |_| {
        if let Some(result) = simulate.value().get() {
            outcome.set(Some(Outcome::of(result)));
        }
    });
    Effect::new(move |_| {
        if let Some(result) = disable.value().get() {
            outcome.set(Some(match result {
                Ok(()) => Outcome::Saved {
                    slug: String::new(),
                    not_started: None,
                },
                Err(error) => Outcome::Failed(error),
            }));
        }
    });
    let current = Memo::new(move |_| {
        outcome.get().or_else(|| {
            query.with(|q| {
                if let Some(slug) = q.get("saved") {
                    return Some(Outcome::Saved {
                        slug,
                        not_started: None,
                    });
                }
                if let Some(codes) = q.get("problems") {
                    return Some(Outcome::Problems(
                        codes
                            .split(',')
                            .filter_map(FieldProblem::from_code)
                            .collect(),
                    ));
                }
                q.get("problem")
                    .and_then(|code| AppError::from_code(&code))
                    .map(Outcome::Failed)
            })
        })
    });
    let problems = Signal::derive(move || match current.get() {
        Some(Outcome::Problems(problems)) => problems,
        _ => Vec::new(),
    });
    let message = move || match current.get() {
        Some(Outcome::Saved { slug, not_started }) => {
            let saved = if slug.is_empty() {
                lang.pick("已保存。", "Saved.").to_owned()
            } else {
                match lang {
                    Lang::Zh => format!("已保存公众号 {slug}，已生效。"),
                    Lang::En => format!("Account {slug} saved and at work."),
                }
            };
            Some(match not_started {
                None if !slug.is_empty() => {
                    let check_words = lang.pick("检查 AppID 和密钥", "Check AppID and secret");
                    view! {
                        <div class="ok" role="status">
                            <p>{saved}</p>
                            <ActionForm action=check>
                                <input type="hidden" name="account" value=slug />
                                <button type="submit">{check_words}</button>
                            </ActionForm>
                        </div>
                    }
                    .into_any()
                }
                None => view! { <p class="ok" role="status">{saved}</p> }.into_any(),
                Some(why) => {
                    let words = match lang {
                        Lang::Zh => format!("已保存，但未能启用：{why}"),
                        Lang::En => format!("Saved, but it could not be put to work: {why}"),
                    };
                    view! { <p class="error" role="alert">{words}</p> }.into_any()
                }
            })
        }
        Some(Outcome::Problems(_)) => Some(
            view! {
                <p class="error" role="alert">
                    {lang.pick(
                        "未保存：请修改标出的字段。",
                        "Not saved: correct the fields marked below.",
                    )}
                </p>
            }
            .into_any(),
        ),
        Some(Outcome::Failed(error)) => {
            Some(view! { <p class="error" role="alert">{error.words(lang)}</p> }.into_any())
        }
        None => None,
    };

    view! {
        {message}
        {check_result}
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                // Only without JavaScript: with it, the action's answer is shown.
                checked.await.filter(|_| check.value().get_untracked().is_none()).map(|result| check_words(lang, result))
            })}
        </Suspense>
        <Transition fallback=move || view! { <p>{lang.pick("加载中…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match accounts.await {
                    Ok(view) => {
                        let editing = query.with(|q| q.get("edit"));
                        let editing = editing
                            .and_then(|slug| view.accounts.iter().find(|a| a.slug == slug).cloned());
                        let simulator = view.simulator;
                        view! {
                            <AccountsTable lang accounts=view.accounts disable check />
                            {match editing {
                                Some(account) => view! { <EditForm lang account edit problems /> }.into_any(),
                                None => view! { <AddForm lang add problems /> }.into_any(),
                            }}
                            {simulator.then(|| view! { <SimulatedForm lang simulate /> })}
                        }
                            .into_any()
                    }
                    Err(error) => view! { <p class="error" role="alert">{error.words(lang)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AccountsTable(
    lang: Lang,
    accounts: Vec<AccountSummary>,
    disable: ServerAction<SetAccountDisabled>,
    check: ServerAction<CheckAccount>,
) -> impl IntoView {
    let label = move |zh: &'static str, en: &'static str| lang.pick(zh, en);
    view! {
        <table class="accounts stacked">
            <thead>
                <tr>
                    <th scope="col">{label("名称", "Name")}</th>
                    <th scope="col">"AppID"</th>
                    <th scope="col">{label("类型", "Kind")}</th>
                    <th scope="col">{label("接口与消息", "Token and messages")}</th>
                    <th scope="col">{label("服务器地址（URL）", "Callback URL")}</th>
                    <th scope="col">{label("状态", "Status")}</th>
                    <th scope="col">{label("操作", "Actions")}</th>
                </tr>
            </thead>
            <tbody>
                {accounts
                    .into_iter()
                    .map(|account| view! { <AccountRow lang account disable check /> })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn AccountRow(
    lang: Lang,
    account: AccountSummary,
    disable: ServerAction<SetAccountDisabled>,
    check: ServerAction<CheckAccount>,
) -> impl IntoView {
    let kind = if account.overseas {
        match lang {
            Lang::Zh => format!("{}（海外主体）", account.kind.words(lang)),
            Lang::En => format!("{} (overseas)", account.kind.words(lang)),
        }
    } else {
        account.kind.words(lang).to_owned()
    };
    let status = if account.disabled {
        view! { <span>{lang.pick("已停用", "Disabled")}</span> }.into_any()
    } else if let Some(why) = &account.not_started {
        let words = match lang {
            Lang::Zh => format!("未能启用：{why}"),
            Lang::En => format!("Not at work: {why}"),
        };
        view! { <span class="error-text">{words}</span> }.into_any()
    } else {
        view! { <span>{lang.pick("使用中", "At work")}</span> }.into_any()
    };
    let forward = account.forward_url.clone().map(|url| {
        let timeout = account.forward_timeout_ms.unwrap_or_default();
        match lang {
            Lang::Zh => format!("回调转发至 {url}（超时 {timeout} ms）"),
            Lang::En => format!("Callbacks forwarded to {url} (timeout {timeout} ms)"),
        }
    });
    let name = account.name.clone();
    let slug = account.slug.clone();
    let at_work = !account.disabled && account.not_started.is_none();
    let edit_label = lang.pick("修改", "Edit");
    let edit_aria = format!("{edit_label} {name}");
    let toggle = (!account.is_configured()).then(|| {
        let (to, words) = if account.disabled {
            ("false", lang.pick("启用", "Enable"))
        } else {
            ("true", lang.pick("停用", "Disable"))
        };
        let aria = format!("{words} {name}");
        let slug = slug.clone();
        view! {
            <ActionForm action=disable>
                <input type="hidden" name="account" value=slug />
                <input type="hidden" name="disabled" value=to />
                <button type="submit" aria-label=aria>{words}</button>
            </ActionForm>
        }
    });
    let configured_note = account.is_configured().then(|| {
        view! {
            <p class="note">
                {lang.pick(
                    "由配置定义：这里只能改名称，不能停用。",
                    "Defined by the configuration: only its name changes here, and it cannot be disabled.",
                )}
            </p>
        }
    });
    view! {
        <tr>
            <th scope="row">
                {name.clone()}
                <br />
                <code class="slug" aria-label=lang.pick("短名", "Short name")>{slug.clone()}</code>
            </th>
            <td data-label="AppID"><code>{account.appid.clone()}</code></td>
            <td data-label=lang.pick("类型", "Kind")>
                {kind}
                <br />
                <span class="note">{account.origin.words(lang)}</span>
            </td>
            <td data-label=lang.pick("接口与消息", "Token and messages")>
                {account.token_source.words(lang)}
                <br />
                {account.message_mode.words(lang)}
                {forward.map(|f| view! { <br /> <span class="note">{f}</span> })}
            </td>
            <td data-label=lang.pick("服务器地址（URL）", "Callback URL") class="url">
                <code>{account.callback_url.clone()}</code>
            </td>
            <td data-label=lang.pick("状态", "Status")>{status}</td>
            <td class="row-actions">
                <a href=format!("/accounts?edit={slug}") aria-label=edit_aria>{edit_label}</a>
                {at_work
                    .then(|| {
                        let check_words = lang.pick("检查 AppID 和密钥", "Check AppID and secret");
                        let check_aria = format!("{check_words} {name}");
                        let hidden_slug = slug.clone();
                        view! {
                            <ActionForm action=check>
                                <input type="hidden" name="account" value=hidden_slug />
                                <button type="submit" aria-label=check_aria>{check_words}</button>
                            </ActionForm>
                            <a href=account_href(&slug, "settings")>{lang.pick("设置", "Settings")}</a>
                            <a href=account_href(&slug, "compose")>{lang.pick("撰写", "Compose")}</a>
                        }
                    })}
                {toggle}
                {configured_note}
            </td>
        </tr>
    }
}

/// What a check found, at the top of the page.
fn check_words(lang: Lang, result: Result<CheckView, AppError>) -> AnyView {
    match result {
        Ok(found) => {
            let words = match lang {
                Lang::Zh => format!("公众号 {}：{}", found.slug, found.words),
                Lang::En => format!("Account {}: {}", found.slug, found.words),
            };
            let class = if found.works { "ok" } else { "error" };
            view! { <p class=class role="status">{words}</p> }.into_any()
        }
        Err(error) => view! { <p class="error" role="alert">{error.words(lang)}</p> }.into_any(),
    }
}

/// The words beside a field, when it has a problem.
fn field_problem(
    lang: Lang,
    field: AccountField,
    problems: Signal<Vec<FieldProblem>>,
) -> impl IntoView {
    let id = format!("account-{}-problem", field.name());
    move || {
        let words: Vec<&'static str> = problems
            .get()
            .into_iter()
            .filter(|p| p.field() == field)
            .map(|p| p.words(lang))
            .collect();
        (!words.is_empty()).then(|| {
            view! {
                <p class="field-problem error" id=id.clone()>{words.join(" ")}</p>
            }
        })
    }
}

/// The form's starting values: what the address carries back after a
/// refusal without JavaScript, else `stored`.
fn initial(stored: AccountForm) -> AccountForm {
    let query = use_query_map();
    query.with_untracked(|q| {
        let or = |key: &str, value: String| q.get(key).unwrap_or(value);
        AccountForm {
            name: or("name", stored.name),
            slug: or("slug", stored.slug),
            appid: or("appid", stored.appid),
            kind: or("kind", stored.kind),
            overseas: q.get("overseas").or(stored.overseas),
            token_source: or("token_source", stored.token_source),
            message_mode: or("message_mode", stored.message_mode),
            forward_url: stored.forward_url,
            forward_timeout: or("forward_timeout", stored.forward_timeout),
            needs_approval: q.get("needs_approval").or(stored.needs_approval),
            time_zone: or("time_zone", stored.time_zone),
            ..AccountForm::default()
        }
    })
}

/// The fields of the add and edit forms, named `form[...]`.
#[component]
fn AccountFields(
    lang: Lang,
    initial: AccountForm,
    /// Editing: which secrets are stored (a blank field keeps them).
    set: Option<SecretsSet>,
    /// Editing: the stored forward URL as shown (without its query).
    forwarding: Option<String>,
    problems: Signal<Vec<FieldProblem>>,
) -> impl IntoView {
    let editing = set.is_some();
    let set = set.unwrap_or_default();
    let described = move |field: AccountField| format!("account-{}-problem", field.name());
    let secret_hint = move |is_set: bool| {
        if is_set {
            lang.pick("已设置；留空则保留。", "Set; leave blank to keep it.")
        } else {
            lang.pick("未设置。", "Not set.")
        }
    };
    let source = TokenSource::parse(&initial.token_source).unwrap_or_default();
    let mode = MessageMode::parse(&initial.message_mode).unwrap_or_default();
    let kind = Kind::parse(&initial.kind).unwrap_or_default();
    view! {
        <label for="account-name">{lang.pick("名称", "Name")}</label>
        <input id="account-name" name="form[name]" type="text" value=initial.name.clone()
            aria-describedby=described(AccountField::Name) maxlength="64" />
        {field_problem(lang, AccountField::Name, problems)}
        {(!editing)
            .then(|| {
                view! {
                    <label for="account-slug">{lang.pick("短名（用于网址，之后不能修改）", "Short name (in its URLs; it never changes later)")}</label>
                    <input id="account-slug" name="form[slug]" type="text" value=initial.slug.clone()
                        aria-describedby=described(AccountField::Slug) maxlength="32" autocomplete="off" />
                    <p class="note">{lang.pick("1–32 个小写字母、数字或 -，例如 brand-a。", "1–32 lowercase letters, digits or -, e.g. brand-a.")}</p>
                    {field_problem(lang, AccountField::Slug, problems)}
                }
            })}
        <label for="account-appid">"AppID"</label>
        <input id="account-appid" name="form[appid]" type="text" value=initial.appid.clone()
            aria-describedby=described(AccountField::Appid) autocomplete="off" />
        {field_problem(lang, AccountField::Appid, problems)}
        <label for="account-kind">{lang.pick("类型", "Kind")}</label>
        <select id="account-kind" name="form[kind]" aria-describedby=described(AccountField::Kind)>
            {[Kind::Subscription, Kind::Service]
                .into_iter()
                .map(|k| view! { <option value=k.as_str() selected=k == kind>{k.words(lang)}</option> })
                .collect_view()}
        </select>
        {field_problem(lang, AccountField::Kind, problems)}
        <label class="check">
            <input type="checkbox" name="form[overseas]" value="1" checked=initial.overseas.is_some() />
            " "
            {lang.pick("海外主体（只能群发图文）", "Overseas account (海外主体: articles only)")}
        </label>
        <label for="account-token-source">{lang.pick("access_token 来源", "Token source")}</label>
        <select id="account-token-source" name="form[token_source]" aria-describedby=described(AccountField::TokenSource)>
            {TokenSource::ALL
                .into_iter()
                .map(|s| view! { <option value=s.as_str() selected=s == source>{s.words(lang)}</option> })
                .collect_view()}
        </select>
        {field_problem(lang, AccountField::TokenSource, problems)}
        <label for="account-secret">{lang.pick("AppSecret（稳定版或普通 access_token）", "AppSecret (stable or classic token)")}</label>
        <input id="account-secret" name="form[secret]" type="password" autocomplete="new-password"
            aria-describedby=described(AccountField::Secret) />
        {editing.then(|| view! { <p class="note">{secret_hint(set.secret)}</p> })}
        {field_problem(lang, AccountField::Secret, problems)}
        <label for="account-token-url">{lang.pick("获取 access_token 的网址", "URL that hands out the token")}</label>
        <input id="account-token-url" name="form[token_url]" type="password" autocomplete="off"
            aria-describedby=described(AccountField::TokenUrl) />
        {editing.then(|| view! { <p class="note">{secret_hint(set.token_url)}</p> })}
        {field_problem(lang, AccountField::TokenUrl, problems)}
        <label for="account-fixed-token">{lang.pick("固定的 access_token", "Fixed access token")}</label>
        <input id="account-fixed-token" name="form[fixed_token]" type="password" autocomplete="off"
            aria-describedby=described(AccountField::FixedToken) />
        {editing.then(|| view! { <p class="note">{secret_hint(set.fixed_token)}</p> })}
        {field_problem(lang, AccountField::FixedToken, problems)}
        <label for="account-callback-token">{lang.pick("令牌（Token）", "Callback Token")}</label>
        <input id="account-callback-token" name="form[callback_token]" type="password" autocomplete="off"
            aria-describedby=described(AccountField::CallbackToken) />
        <p class="note">
            {if editing {
                secret_hint(set.callback_token)
            } else {
                lang.pick(
                    "留空则随机生成；保存后在该公众号的设置页查看，并填入微信公众平台。",
                    "Leave blank for a random one; it is shown on the account's Settings page to enter in the WeChat console.",
                )
            }}
        </p>
        {field_problem(lang, AccountField::CallbackToken, problems)}
        <label for="account-message-mode">{lang.pick("消息加解密方式", "Message mode")}</label>
        <select id="account-message-mode" name="form[message_mode]" aria-describedby=described(AccountField::MessageMode)>
            {MessageMode::ALL
                .into_iter()
                .map(|m| view! { <option value=m.as_str() selected=m == mode>{m.words(lang)}</option> })
                .collect_view()}
        </select>
        {field_problem(lang, AccountField::MessageMode, problems)}
        <label for="account-aes-key">"EncodingAESKey"</label>
        <input id="account-aes-key" name="form[aes_key]" type="password" autocomplete="off"
            aria-describedby=described(AccountField::AesKey) />
        <p class="note">
            {if editing {
                secret_hint(set.aes_key)
            } else {
                lang.pick("兼容模式和安全模式需要（43 个字符）。", "Needed for compatible and safe mode (43 characters).")
            }}
        </p>
        {field_problem(lang, AccountField::AesKey, problems)}
        <label for="account-forward-url">{lang.pick("回调转发网址（可选）", "Forward callbacks to (optional)")}</label>
        <input id="account-forward-url" name="form[forward_url]" type="url"
            aria-describedby=described(AccountField::ForwardUrl) />
        {forwarding
            .map(|shown| {
                let words = match lang {
                    Lang::Zh => format!("已设置：{shown}（不显示查询参数）；留空则保留。"),
                    Lang::En => format!("Set: {shown} (its query not shown); leave blank to keep it."),
                };
                view! {
                    <p class="note">{words}</p>
                    <label class="check">
                        <input type="checkbox" name="form[no_forward]" value="1" />
                        " "
                        {lang.pick("不再转发回调", "Stop forwarding callbacks")}
                    </label>
                }
            })}
        {field_problem(lang, AccountField::ForwardUrl, problems)}
        <label for="account-forward-timeout">{lang.pick("转发超时（默认 4s，100ms–5s）", "Forward timeout (default 4s, 100ms–5s)")}</label>
        <input id="account-forward-timeout" name="form[forward_timeout]" type="text" value=initial.forward_timeout.clone()
            aria-describedby=described(AccountField::ForwardTimeout) />
        {field_problem(lang, AccountField::ForwardTimeout, problems)}
        <TimeZoneField lang initial=initial.time_zone.clone() problems />
    }
}

/// The account's time zone: scheduled sends are entered and shown in it.
#[component]
fn TimeZoneField(
    lang: Lang,
    initial: String,
    problems: Signal<Vec<FieldProblem>>,
) -> impl IntoView {
    view! {
        <label for="account-time-zone">{lang.pick("时区（IANA 名称，默认 Asia/Shanghai 北京时间）", "Time zone (an IANA name; default Asia/Shanghai, China time)")}</label>
        <input id="account-time-zone" name="form[time_zone]" type="text" value=initial
            placeholder="Asia/Shanghai" autocomplete="off" spellcheck="false"
            aria-describedby="account-time-zone-problem account-time-zone-hint" />
        <p class="hint" id="account-time-zone-hint">{lang.pick("定时群发按这个时区填写和显示。", "Scheduled sends are entered and shown in this zone.")}</p>
        {field_problem(lang, AccountField::TimeZone, problems)}
    }
}

#[component]
fn AddForm(
    lang: Lang,
    add: ServerAction<AddAccount>,
    problems: Signal<Vec<FieldProblem>>,
) -> impl IntoView {
    let initial = initial(AccountForm::default());
    let approval = initial.needs_approval.is_some();
    view! {
        <section class="add-account" aria-labelledby="add-account">
            <h2 id="add-account">{lang.pick("添加公众号", "Add an account")}</h2>
            <ActionForm action=add attr:class="stack">
                <AccountFields lang initial set=None forwarding=None problems />
                <ApprovalField lang checked=approval />
                <button type="submit" class="primary">{lang.pick("添加", "Add")}</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn EditForm(
    lang: Lang,
    account: AccountSummary,
    edit: ServerAction<EditAccount>,
    problems: Signal<Vec<FieldProblem>>,
) -> impl IntoView {
    let title = match lang {
        Lang::Zh => format!("修改公众号 {}", account.slug),
        Lang::En => format!("Edit account {}", account.slug),
    };
    let stored = AccountForm {
        name: account.name.clone(),
        slug: account.slug.clone(),
        appid: account.appid.clone(),
        kind: account.kind.as_str().to_owned(),
        overseas: account.overseas.then(String::new),
        token_source: account.token_source.as_str().to_owned(),
        message_mode: account.message_mode.as_str().to_owned(),
        forward_timeout: account
            .forward_timeout_ms
            .map(|ms| format!("{ms}ms"))
            .unwrap_or_default(),
        needs_approval: account.needs_approval.then(String::new),
        time_zone: account.time_zone.clone(),
        ..AccountForm::default()
    };
    let initial = initial(stored);
    let approval = initial.needs_approval.is_some();
    let fields = if account.is_configured() {
        view! {
            <label for="account-name">{lang.pick("名称", "Name")}</label>
            <input id="account-name" name="form[name]" type="text" value=initial.name.clone()
                aria-describedby="account-name-problem" maxlength="64" />
            {field_problem(lang, AccountField::Name, problems)}
            <TimeZoneField lang initial=initial.time_zone.clone() problems />
            <p class="note">{FieldProblem::ConfiguredAccount.words(lang)}</p>
        }
        .into_any()
    } else {
        let forwarding = account.forward_url.clone();
        view! { <AccountFields lang initial set=Some(account.secrets.clone()) forwarding problems /> }
            .into_any()
    };
    view! {
        <section class="edit-account" aria-labelledby="edit-account">
            <h2 id="edit-account">{title}</h2>
            <ActionForm action=edit attr:class="stack">
                <input type="hidden" name="account" value=account.slug.clone() />
                {fields}
                <ApprovalField lang checked=approval />
                <button type="submit" class="primary">{lang.pick("保存", "Save")}</button>
                <a href="/accounts">{lang.pick("取消", "Cancel")}</a>
            </ActionForm>
        </section>
    }
}

/// "Sends need approval": every send of the account then waits for an admin
/// or reviewer other than its author (`sends::approval`).
#[component]
fn ApprovalField(lang: Lang, checked: bool) -> impl IntoView {
    view! {
        <label class="check">
            <input type="checkbox" name="form[needs_approval]" value="1" checked=checked />
            " "
            {lang.pick("群发需要审核", "Sends need approval")}
        </label>
        <p class="note">
            {lang.pick(
                "开启后，每次群发（立即或定时）都要由发送人以外的管理员或审核员批准后才会发出。",
                "Every send (now or scheduled) then waits until an admin or reviewer other than its author approves it.",
            )}
        </p>
    }
}

#[component]
fn SimulatedForm(lang: Lang, simulate: ServerAction<AddSimulatedAccount>) -> impl IntoView {
    view! {
        <section class="add-simulated" aria-labelledby="add-simulated">
            <h2 id="add-simulated">{lang.pick("添加模拟公众号", "Add a simulated account")}</h2>
            <p class="note">
                {lang.pick(
                    "在内置微信模拟器中新建一个公众号（自动生成 AppID、AppSecret 和 Token），立即可以群发。",
                    "Makes a new account in the built-in WeChat simulator (AppID, AppSecret and Token made for it); it can be sent from at once.",
                )}
            </p>
            <ActionForm action=simulate attr:class="stack">
                <label for="simulated-name">{lang.pick("名称", "Name")}</label>
                <input id="simulated-name" name="name" type="text" maxlength="64" />
                <label for="simulated-kind">{lang.pick("类型", "Kind")}</label>
                <select id="simulated-kind" name="kind">
                    <option value="subscription">{Kind::Subscription.words(lang)}</option>
                    <option value="service" selected>{Kind::Service.words(lang)}</option>
                </select>
                <button type="submit">{lang.pick("添加模拟公众号", "Add a simulated account")}</button>
            </ActionForm>
        </section>
    }
}
