//! `/users` (admins): list, add, disable or enable, change role, reset a
//! password, grant an editor the accounts they may use, one by one. Every
//! form is an `ActionForm`, so it also works without JavaScript: the server
//! then redirects back, with `?problem=` on failure.
//! Three roles: editor, reviewer (an editor who may also approve others'
//! sends) and admin. An admin is not offered what the server refuses them
//! for themself: disabling their own account, or giving up the admin role
//! while they are the only active admin.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::password::NewPassword;
use super::resource::{PageResource, page_resource};
use super::time::StoredTime;
use super::{Audience, Page, lang};
use crate::{
    accounts::AccountChoice,
    auth::{
        Role, UserSummary,
        api::SessionInfo,
        api::{
            AddUser, ResetUserPassword, SetUserAccount, SetUserDisabled, SetUserRole, list_users,
        },
    },
    error::AppError,
    i18n::Lang,
};

#[component]
pub fn UsersPage() -> impl IntoView {
    let add = ServerAction::<AddUser>::new();
    let disable = ServerAction::<SetUserDisabled>::new();
    let role = ServerAction::<SetUserRole>::new();
    let reset = ServerAction::<ResetUserPassword>::new();
    let grant = ServerAction::<SetUserAccount>::new();
    let users = page_resource(
        move || {
            (
                add.version().get(),
                disable.version().get(),
                role.version().get(),
                reset.version().get(),
                grant.version().get(),
            )
        },
        |_| list_users(),
    );
    // Made outside `Page`, whose children may run more than once (see `Page`).
    view! {
        <Page title=|lang| lang.pick("用户管理", "Users") audience=Audience::Admins>
            <UsersBody add disable role reset grant users />
        </Page>
    }
}

#[component]
fn UsersBody(
    add: ServerAction<AddUser>,
    disable: ServerAction<SetUserDisabled>,
    role: ServerAction<SetUserRole>,
    reset: ServerAction<ResetUserPassword>,
    grant: ServerAction<SetUserAccount>,
    users: PageResource<Result<Vec<UserSummary>, AppError>>,
) -> impl IntoView {
    let lang = lang();
    let session = use_context::<SessionInfo>().unwrap_or_default();
    let me = session.user.map(|user| user.id);
    // An admin's session lists every account at work: the ones to grant.
    let accounts = StoredValue::new(session.accounts);

    // The outcome of the last form sent, said once at the top of the page.
    let outcome = RwSignal::new(None::<Result<(), AppError>>);
    Effect::new(move |_| {
        if let Some(result) = add.value().get() {
            outcome.set(Some(result));
        }
    });
    Effect::new(move |_| {
        if let Some(result) = disable.value().get() {
            outcome.set(Some(result));
        }
    });
    Effect::new(move |_| {
        if let Some(result) = role.value().get() {
            outcome.set(Some(result));
        }
    });
    Effect::new(move |_| {
        if let Some(result) = reset.value().get() {
            outcome.set(Some(result));
        }
    });
    Effect::new(move |_| {
        if let Some(result) = grant.value().get() {
            outcome.set(Some(result));
        }
    });
    // Without JavaScript the failure comes back in the address.
    let query = use_query_map();
    let message = move || match outcome.get() {
        Some(Ok(())) => Some((false, lang.pick("已保存。", "Saved."))),
        Some(Err(error)) => Some((true, error.words(lang))),
        None => query
            .with(|q| q.get("problem"))
            .and_then(|code| AppError::from_code(&code))
            .map(|error| (true, error.words(lang))),
    };

    view! {
        {move || {
            message()
                .map(|(is_error, words)| {
                    if is_error {
                        view! { <p class="error" role="alert">{words}</p> }.into_any()
                    } else {
                        view! { <p class="ok" role="status">{words}</p> }.into_any()
                    }
                })
        }}
        <Transition fallback=move || view! { <p>{lang.pick("加载中…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(list) => {
                        let active_admins = list
                            .iter()
                            .filter(|u| u.role == Role::Admin && !u.disabled)
                            .count();
                        view! {
                            <table class="users stacked">
                                <thead>
                                    <tr>
                                        <th scope="col">{lang.pick("用户名", "Username")}</th>
                                        <th scope="col">{lang.pick("角色", "Role")}</th>
                                        <th scope="col">{lang.pick("状态", "Status")}</th>
                                        <th scope="col">{lang.pick("创建时间", "Created")}</th>
                                        <th scope="col">{lang.pick("公众号", "Accounts")}</th>
                                        <th scope="col">{lang.pick("操作", "Actions")}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list
                                        .into_iter()
                                        .map(|user| {
                                            let name = user.username.clone();
                                            let id = user.id.to_string();
                                            let myself = Some(user.id) == me;
                                            // What the server would refuse is not offered.
                                            let may_toggle = !myself;
                                            let may_change_role = !(myself
                                                && user.role == Role::Admin
                                                && active_admins <= 1);
                                            let role_label = role_name(lang, user.role);
                                            let change_role = lang.pick("修改角色", "Change role");
                                            let (status_label, toggle_to, toggle_label) = if user.disabled {
                                                (lang.pick("已停用", "Disabled"), "false", lang.pick("启用", "Enable"))
                                            } else {
                                                (lang.pick("正常", "Active"), "true", lang.pick("停用", "Disable"))
                                            };
                                            let reset_label = lang.pick("重置密码", "Reset password");
                                            let password_id = format!("new-password-{}", user.id);
                                            let toggle_aria = format!("{toggle_label} {name}");
                                            let role_aria = format!("{change_role} {name}");
                                            let role_id = format!("role-{}", user.id);
                                            let role_select_label = match lang {
                                                Lang::Zh => format!("{name} 的角色"),
                                                Lang::En => format!("Role of {name}"),
                                            };
                                            let current_role = user.role;
                                            let reset_aria = format!("{reset_label} {name}");
                                            let password_label = format!("{} ({name})", lang.pick("新密码", "New password"));
                                            let grants = view! {
                                                <Grants lang grant user=user.clone() accounts=accounts.get_value() />
                                            };
                                            let (id1, id2, id3) = (id.clone(), id.clone(), id);
                                            view! {
                                                <tr>
                                                    <th scope="row">{name}</th>
                                                    <td data-label=lang.pick("角色", "Role")>{role_label}</td>
                                                    <td data-label=lang.pick("状态", "Status")>{status_label}</td>
                                                    <td data-label=lang.pick("创建时间", "Created")><StoredTime at=user.created_at.clone() /></td>
                                                    <td class="grants-cell" data-label=lang.pick("公众号", "Accounts")>{grants}</td>
                                                    <td class="row-actions">
                                                        {myself
                                                            .then(|| {
                                                                view! {
                                                                    <p class="note">
                                                                        {lang.pick(
                                                                            "这是你自己的账号：不能停用自己；只剩你一位管理员时也不能改为编辑。",
                                                                            "This is your own account: you cannot disable yourself, nor make yourself an editor while you are the only admin.",
                                                                        )}
                                                                        " "
                                                                        <a href="/account">{lang.pick("修改我的密码", "Change my password")}</a>
                                                                    </p>
                                                                }
                                                            })}
                                                        {may_toggle
                                                            .then(|| {
                                                                view! {
                                                                    <ActionForm action=disable>
                                                                        <input type="hidden" name="id" value=id1 />
                                                                        <input type="hidden" name="disabled" value=toggle_to />
                                                                        <button type="submit" aria-label=toggle_aria>
                                                                            {toggle_label}
                                                                        </button>
                                                                    </ActionForm>
                                                                }
                                                            })}
                                                        {may_change_role
                                                            .then(|| {
                                                                view! {
                                                                    <ActionForm action=role attr:class="role-form">
                                                                        <input type="hidden" name="id" value=id2 />
                                                                        <label for=role_id.clone() class="visually-hidden">{role_select_label}</label>
                                                                        <select id=role_id name="role">
                                                                            <RoleOptions lang selected=current_role />
                                                                        </select>
                                                                        <button type="submit" aria-label=role_aria>
                                                                            {change_role}
                                                                        </button>
                                                                    </ActionForm>
                                                                }
                                                            })}
                                                        <ActionForm action=reset>
                                                            <input type="hidden" name="id" value=id3 />
                                                            <label for=password_id.clone()>{password_label}</label>
                                                            <NewPassword lang id=password_id />
                                                            <button type="submit" aria-label=reset_aria>
                                                                {reset_label}
                                                            </button>
                                                        </ActionForm>
                                                    </td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <p class="error" role="alert">{error.words(lang)}</p> }.into_any(),
                }
            })}
        </Transition>
        <section class="add-user">
            <h2>{lang.pick("添加用户", "Add a user")}</h2>
            <ActionForm action=add attr:class="stack">
                <label for="new-username">{lang.pick("用户名", "Username")}</label>
                <input id="new-username" name="username" type="text" autocomplete="off" required />
                <label for="new-user-password">{lang.pick("密码", "Password")}</label>
                <NewPassword lang id="new-user-password".to_owned() />
                <label for="new-user-role">{lang.pick("角色", "Role")}</label>
                <select id="new-user-role" name="role" aria-describedby="new-user-role-note">
                    <RoleOptions lang selected=Role::Editor />
                </select>
                <p class="note" id="new-user-role-note">{roles_note(lang)}</p>
                <button type="submit" class="primary">{lang.pick("添加", "Add")}</button>
            </ActionForm>
        </section>
    }
}

/// The accounts an editor may use, each granted or taken back by its own
/// form; an admin uses every account, so theirs says so.
#[component]
fn Grants(
    lang: Lang,
    grant: ServerAction<SetUserAccount>,
    user: UserSummary,
    accounts: Vec<AccountChoice>,
) -> impl IntoView {
    if user.role == Role::Admin {
        return view! {
            <p class="grants-note">{lang.pick("管理员可以使用所有公众号。", "Admins use every account.")}</p>
        }
        .into_any();
    }
    let none_yet = !accounts.iter().any(|a| user.accounts.contains(&a.slug));
    let name = user.username.clone();
    let id = user.id.to_string();
    view! {
        {none_yet
            .then(|| {
                view! {
                    <p class="grants-note">
                        {lang.pick("还不能使用任何公众号。", "Can use no account yet.")}
                    </p>
                }
            })}
        <ul class="grants">
            {accounts
                .into_iter()
                .map(|account| {
                    let granted = user.accounts.contains(&account.slug);
                    let (id, slug) = (id.clone(), account.slug.clone());
                    let (state, button, aria, to) = if granted {
                        (
                            lang.pick("可以使用", "Can use"),
                            lang.pick("取消授权", "Revoke"),
                            match lang {
                                Lang::Zh => format!("取消授权：{name} 使用{}", account.name),
                                Lang::En => format!("Revoke {} from {name}", account.name),
                            },
                            "false",
                        )
                    } else {
                        (
                            lang.pick("不能使用", "Cannot use"),
                            lang.pick("授权", "Grant"),
                            match lang {
                                Lang::Zh => format!("授权 {name} 使用{}", account.name),
                                Lang::En => format!("Grant {} to {name}", account.name),
                            },
                            "true",
                        )
                    };
                    view! {
                        <li class=if granted { "granted" } else { "not-granted" }>
                            <span class="grant-account">{account.name.clone()}</span>
                            <span class="grant-state">{state}</span>
                            <ActionForm action=grant>
                                <input type="hidden" name="id" value=id />
                                <input type="hidden" name="account" value=slug />
                                <input type="hidden" name="granted" value=to />
                                <button type="submit" aria-label=aria>
                                    {button}
                                </button>
                            </ActionForm>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// The three roles, `selected` chosen.
#[component]
fn RoleOptions(lang: Lang, selected: Role) -> impl IntoView {
    [Role::Editor, Role::Reviewer, Role::Admin]
        .into_iter()
        .map(|role| {
            view! { <option value=role.as_str() selected=role == selected>{role_name(lang, role)}</option> }
        })
        .collect_view()
}

/// What each role may do.
fn roles_note(lang: Lang) -> &'static str {
    lang.pick(
        "编辑：撰写和群发授权给他的公众号。审核员：同编辑，另外可以批准或拒绝别人提交的群发（需要审核的公众号）。管理员：所有公众号和设置，也可以审核。",
        "Editor: composes and sends on the accounts granted to them. Reviewer: an editor who may also approve or decline other people's sends (on accounts whose sends need approval). Admin: every account and setting; may review too.",
    )
}

fn role_name(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::Admin => lang.pick("管理员", "Admin"),
        Role::Reviewer => lang.pick("审核员", "Reviewer"),
        Role::Editor => lang.pick("编辑", "Editor"),
    }
}
