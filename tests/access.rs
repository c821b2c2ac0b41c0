//! Who may call what: every server function is classified here as open to
//! strangers, for every signed-in user, or for admins only, and each is
//! called by someone without the right. A server function missing from the
//! table fails the first test, so a new one cannot be left unchecked.
//! Also: where a post may come from (`guard::same_origin`).

use crate::common;

use common::{TestApp, signed_in};
use qunfa::error::AppError;
use reqwest::StatusCode;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Anyone,
    SignedIn,
    Admin,
}

/// Whether a function is about one account (it takes the account's slug
/// as `account` and answers only a caller who may use it) or about the
/// console as a whole.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scope {
    App,
    Account,
}

/// A form's fields, as names and values.
type Arguments = &'static [(&'static str, &'static str)];

/// Every server function, who may call it, and arguments that parse.
const FUNCTIONS: &[(&str, Who, Scope, Arguments)] = &[
    ("load_session", Who::Anyone, Scope::App, &[]),
    ("list_users", Who::Admin, Scope::App, &[]),
    (
        "add_user",
        Who::Admin,
        Scope::App,
        &[
            ("username", "intruder"),
            ("password", "intruder-pass-1"),
            ("role", "admin"),
        ],
    ),
    (
        "set_user_disabled",
        Who::Admin,
        Scope::App,
        &[("id", "1"), ("disabled", "true")],
    ),
    (
        "set_user_role",
        Who::Admin,
        Scope::App,
        &[("id", "1"), ("role", "editor")],
    ),
    (
        "reset_user_password",
        Who::Admin,
        Scope::App,
        &[("id", "1"), ("password", "taken-over-1")],
    ),
    (
        "change_own_password",
        Who::SignedIn,
        Scope::App,
        &[("current", "not-known"), ("password", "taken-over-1")],
    ),
    (
        "set_user_account",
        Who::Admin,
        Scope::App,
        &[("id", "1"), ("account", "main"), ("granted", "false")],
    ),
    ("list_audit", Who::Admin, Scope::App, &[]),
    ("load_settings", Who::Admin, Scope::Account, &[]),
    ("list_accounts", Who::Admin, Scope::App, &[]),
    (
        "add_account",
        Who::Admin,
        Scope::App,
        &[
            ("form[name]", "intruder"),
            ("form[slug]", "intruder"),
            ("form[appid]", "wx00000000000000aa"),
            ("form[kind]", "service"),
            ("form[token_source]", "fixed"),
            ("form[fixed_token]", "intruder-token"),
            ("form[message_mode]", "plaintext"),
        ],
    ),
    (
        "edit_account",
        Who::Admin,
        Scope::Account,
        &[("form[name]", "taken over")],
    ),
    (
        "set_account_disabled",
        Who::Admin,
        Scope::Account,
        &[("disabled", "false")],
    ),
    (
        "add_simulated_account",
        Who::Admin,
        Scope::App,
        &[("name", "intruder"), ("kind", "service")],
    ),
    ("check_account", Who::Admin, Scope::Account, &[]),
    ("load_compose", Who::SignedIn, Scope::Account, &[]),
    ("list_tags", Who::SignedIn, Scope::Account, &[]),
    (
        "prepare_send",
        Who::SignedIn,
        Scope::Account,
        &[
            ("form[clientmsgid]", "qf-access"),
            ("form[msgtype]", "text"),
            ("form[audience]", "tag"),
            ("form[tag_id]", "100"),
            ("form[text_content]", "x"),
        ],
    ),
    (
        "confirm_send",
        Who::SignedIn,
        Scope::Account,
        &[("clientmsgid", "qf-access")],
    ),
    (
        "preview_send",
        Who::SignedIn,
        Scope::Account,
        &[
            ("form[clientmsgid]", "qf-access"),
            ("form[msgtype]", "text"),
            ("form[text_content]", "x"),
            ("preview_kind", "wxname"),
            ("preview_to", "someone"),
        ],
    ),
    (
        "list_drafts",
        Who::SignedIn,
        Scope::Account,
        &[("offset", "0")],
    ),
    (
        "list_materials",
        Who::SignedIn,
        Scope::Account,
        &[("kind", "image"), ("offset", "0")],
    ),
    (
        "convert_video",
        Who::SignedIn,
        Scope::Account,
        &[("media_id", "m"), ("title", "t")],
    ),
    (
        "open_picker",
        Who::SignedIn,
        Scope::Account,
        &[("form[clientmsgid]", "qf-access"), ("pick", "drafts")],
    ),
    (
        "pick_media",
        Who::SignedIn,
        Scope::Account,
        &[
            ("attempt", "qf-access"),
            ("source", "voice"),
            ("media_id", "m"),
            ("title", "t"),
        ],
    ),
    ("history_choices", Who::SignedIn, Scope::Account, &[]),
    ("list_sends", Who::SignedIn, Scope::Account, &[]),
    (
        "account_stats",
        Who::SignedIn,
        Scope::Account,
        &[("days", "30")],
    ),
    (
        "load_send_detail",
        Who::SignedIn,
        Scope::Account,
        &[("id", "1")],
    ),
    (
        "refresh_send",
        Who::SignedIn,
        Scope::Account,
        &[("id", "1")],
    ),
    ("delete_send", Who::SignedIn, Scope::Account, &[("id", "1")]),
    ("send_stats", Who::SignedIn, Scope::Account, &[("id", "1")]),
    ("list_article_drafts", Who::SignedIn, Scope::Account, &[]),
    ("open_draft", Who::SignedIn, Scope::Account, &[("id", "1")]),
    (
        "save_draft",
        Who::SignedIn,
        Scope::Account,
        &[
            ("id", "new"),
            ("expected_version", "0"),
            ("articles[0][title]", "intruder"),
            ("articles[0][source]", "x"),
        ],
    ),
    (
        "push_draft",
        Who::SignedIn,
        Scope::Account,
        &[("id", "1"), ("expected_version", "1")],
    ),
    (
        "delete_draft",
        Who::SignedIn,
        Scope::Account,
        &[("id", "1"), ("confirm", "yes")],
    ),
    (
        "draft_heartbeat",
        Who::SignedIn,
        Scope::Account,
        &[("id", "1")],
    ),
    (
        "open_wechat_draft",
        Who::SignedIn,
        Scope::Account,
        &[("media_id", "m")],
    ),
    (
        "list_media",
        Who::SignedIn,
        Scope::Account,
        &[("kind", "image"), ("search", ""), ("offset", "0")],
    ),
    (
        "media_usage",
        Who::SignedIn,
        Scope::Account,
        &[("media_id", "aaa")],
    ),
    (
        "delete_media",
        Who::SignedIn,
        Scope::Account,
        &[("media_id", "aaa"), ("kind", "image")],
    ),
    (
        "preview_article",
        Who::SignedIn,
        Scope::Account,
        &[("markdown", "# Title")],
    ),
    // Open to every user of the account; an editor who is not a reviewer
    // is refused in words (`Problem::ReviewersOnly`).
    (
        "approve_send",
        Who::SignedIn,
        Scope::Account,
        &[("id", "1"), ("comment", "ok"), ("send_now", "yes")],
    ),
    (
        "decline_send",
        Who::SignedIn,
        Scope::Account,
        &[("id", "1"), ("comment", "no")],
    ),
    ("approval_queue", Who::SignedIn, Scope::Account, &[]),
    ("attention_count", Who::SignedIn, Scope::Account, &[]),
    (
        "account_quota",
        Who::SignedIn,
        Scope::Account,
        &[("to_all", "true")],
    ),
    ("campaign_targets", Who::SignedIn, Scope::Account, &[]),
    ("campaign_detail", Who::SignedIn, Scope::App, &[("id", "1")]),
    (
        "reschedule_send",
        Who::SignedIn,
        Scope::Account,
        &[("id", "1"), ("send_at", "2030-01-01T10:00")],
    ),
    (
        "cancel_send",
        Who::SignedIn,
        Scope::Account,
        &[("id", "1"), ("confirm", "yes")],
    ),
    (
        "check_openids",
        Who::SignedIn,
        Scope::Account,
        &[("openids", "oSIM000000000000000000000001")],
    ),
    ("list_openid_lists", Who::SignedIn, Scope::Account, &[]),
    (
        "save_openid_list",
        Who::SignedIn,
        Scope::Account,
        &[
            ("name", "VIP"),
            (
                "openids",
                "oSIM000000000000000000000001\noSIM000000000000000000000002",
            ),
        ],
    ),
    (
        "delete_openid_list",
        Who::SignedIn,
        Scope::Account,
        &[("id", "1")],
    ),
];

fn path(name: &str) -> String {
    format!("/api/{name}")
}

#[test]
fn every_server_function_is_in_the_table() {
    for (registered, _) in qunfa::shell::arguments::CHECKS {
        assert!(
            FUNCTIONS
                .iter()
                .any(|(name, _, _, _)| path(name) == *registered),
            "{registered}: say in tests/access.rs who may call it"
        );
    }
    assert_eq!(FUNCTIONS.len(), qunfa::shell::arguments::CHECKS.len());
}

/// An editor "ed", added by the admin and granted the configured account
/// (`main`), signed in on a client of its own.
async fn an_editor(app: &TestApp, admin: &reqwest::Client) -> reqwest::Client {
    let added = app
        .call(
            admin,
            "add_user",
            &[
                ("username", "ed"),
                ("password", "editor-password-1"),
                ("role", "editor"),
            ],
        )
        .await;
    assert!(added.status().is_success());
    common::grant(app, admin, "ed", "main", true).await;
    let editor = app.client();
    app.log_in(&editor, "ed", "editor-password-1").await;
    editor
}

#[tokio::test]
async fn every_function_that_reads_an_account_is_marked_so_in_the_table() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    for (name, who, scope, arguments) in FUNCTIONS {
        if *who == Who::Anyone {
            continue;
        }
        // Posted as is: `TestApp::call` would add the account.
        let answer = admin
            .post(app.url(&path(name)))
            .header("Accept", "application/json")
            .form(arguments)
            .send()
            .await
            .unwrap();
        let status = answer.status();
        let asks_for_account = status == StatusCode::BAD_REQUEST
            && matches!(
                answer.json::<AppError>().await,
                Ok(AppError::BadArgument(detail)) if detail.contains("account")
            );
        assert_eq!(
            asks_for_account,
            *scope == Scope::Account,
            "{name} ({status}): say in tests/access.rs whether it is about one account"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn an_editor_gets_nothing_of_an_account_not_granted_to_them() {
    use qunfa::error::Problem;
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let on_main = common::send(
        &app,
        &admin,
        &common::form("qf-main-1", "text", &[("text_content", "main only")]),
    )
    .await;
    let editor = an_editor(&app, &admin).await;
    common::grant(&app, &admin, "ed", "main", false).await;
    common::grant(&app, &admin, "ed", "sim-2", true).await;

    let not_found = AppError::Rejected(Problem::AccountNotFound);
    for (name, _, _, arguments) in FUNCTIONS
        .iter()
        .filter(|(_, _, scope, _)| *scope == Scope::Account)
    {
        for account in ["main", "no-such-account"] {
            let mut form = arguments.to_vec();
            form.push(("account", account));
            let answer = app.call(&editor, name, &form).await;
            assert_eq!(
                answer.status(),
                StatusCode::NOT_FOUND,
                "{name} on {account}"
            );
            let error: AppError = answer.json().await.unwrap();
            assert_eq!(
                error, not_found,
                "{name} on {account}: the same answer either way"
            );
        }
    }
    // Its own account does not reach the other's sends and attempts by id.
    let main_send = on_main.id.to_string();
    for name in [
        "load_send_detail",
        "refresh_send",
        "delete_send",
        "send_stats",
    ] {
        let answer = app
            .call(
                &editor,
                name,
                &[("account", "sim-2"), ("id", main_send.as_str())],
            )
            .await;
        let error: AppError = answer.json().await.unwrap();
        assert_eq!(error, AppError::Rejected(Problem::SendNotFound), "{name}");
    }
    let history = app
        .call(&editor, "list_sends", &[("account", "sim-2")])
        .await
        .text()
        .await
        .unwrap();
    assert!(!history.contains("main only"), "{history}");
    // The admin's attempt on main cannot be confirmed through sim-2, not
    // even by the admin.
    let prepared = common::post(
        &app,
        &admin,
        "prepare_send",
        &common::form("qf-main-2", "text", &[("text_content", "main again")]),
    )
    .await;
    assert!(prepared.status().is_success());
    let confirmed = app
        .call(
            &admin,
            "confirm_send",
            &[("account", "sim-2"), ("clientmsgid", "qf-main-2")],
        )
        .await;
    let error: AppError = confirmed.json().await.unwrap();
    assert_eq!(error, AppError::Rejected(Problem::AttemptNotFound));
    assert_eq!(
        app.state.simulator.as_ref().unwrap().sends().len(),
        1,
        "only the first send reached WeChat"
    );
    app.stop().await;
}

/// A reviewer is granted accounts as an editor is: another account's
/// functions, approving and declining included, are the same 404.
#[tokio::test]
async fn a_reviewer_gets_nothing_of_an_account_not_granted_to_them() {
    use qunfa::error::Problem;
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let added = app
        .call(
            &admin,
            "add_user",
            &[
                ("username", "rita"),
                ("password", "reviewer-password-1"),
                ("role", "reviewer"),
            ],
        )
        .await;
    assert!(added.status().is_success());
    common::grant(&app, &admin, "rita", "sim-2", true).await;
    let reviewer = app.client();
    app.log_in(&reviewer, "rita", "reviewer-password-1").await;
    let not_found = AppError::Rejected(Problem::AccountNotFound);
    for (name, _, _, arguments) in FUNCTIONS
        .iter()
        .filter(|(_, _, scope, _)| *scope == Scope::Account)
    {
        let mut form = arguments.to_vec();
        form.push(("account", "main"));
        let answer = app.call(&reviewer, name, &form).await;
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{name}");
        assert_eq!(
            answer.json::<AppError>().await.unwrap(),
            not_found,
            "{name}"
        );
    }
    // Its own account works for it, the reviewer's functions too.
    for name in ["approval_queue", "attention_count", "list_sends"] {
        let answer = app.call(&reviewer, name, &[("account", "sim-2")]).await;
        assert!(answer.status().is_success(), "{name}: {}", answer.status());
    }
    app.stop().await;
}

#[tokio::test]
async fn nobody_calls_a_server_function_without_the_right() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let editor = an_editor(&app, &admin).await;
    let stranger = app.client();
    let users_before = app
        .call(&admin, "list_users", &[])
        .await
        .text()
        .await
        .unwrap();

    for (name, who, _, arguments) in FUNCTIONS {
        let as_stranger = app.call(&stranger, name, arguments).await;
        if *who == Who::Anyone {
            assert!(
                as_stranger.status().is_success(),
                "{name}: {}",
                as_stranger.status()
            );
            continue;
        }
        assert_eq!(as_stranger.status(), StatusCode::UNAUTHORIZED, "{name}");
        let error: AppError = as_stranger.json().await.unwrap();
        assert_eq!(error, AppError::NotSignedIn, "{name}");

        let as_editor = app.call(&editor, name, arguments).await;
        if *who == Who::Admin {
            assert_eq!(as_editor.status(), StatusCode::FORBIDDEN, "{name}");
            let error: AppError = as_editor.json().await.unwrap();
            assert_eq!(error, AppError::Forbidden, "{name}");
        } else {
            assert_ne!(as_editor.status(), StatusCode::FORBIDDEN, "{name}");
            assert_ne!(as_editor.status(), StatusCode::UNAUTHORIZED, "{name}");
        }
    }
    let users_after = app
        .call(&admin, "list_users", &[])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(users_before, users_after, "no user was added or changed");
    let relogin = app.client();
    let answer = app
        .log_in(&relogin, common::ADMIN, common::ADMIN_PASSWORD)
        .await;
    assert_eq!(
        common::location(&answer),
        "/",
        "the admin's password is unchanged"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_refused_form_without_javascript_goes_back_to_its_page_with_the_problem() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let editor = an_editor(&app, &admin).await;
    for (name, _, scope, arguments) in FUNCTIONS.iter().filter(|(_, who, _, _)| *who == Who::Admin)
    {
        let mut arguments = arguments.to_vec();
        if *scope == Scope::Account {
            arguments.push(("account", "main"));
        }
        let response = editor
            .post(app.url(&path(name)))
            .header("Accept", "text/html")
            .header("Referer", app.url("/users?page=2"))
            .form(&arguments)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND, "{name}");
        assert_eq!(
            common::location(&response),
            "/users?problem=forbidden",
            "{name}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn a_post_passes_from_the_consoles_own_host_or_referer_and_nowhere_else() {
    let app = TestApp::spawn().await;
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = |origin: Option<&'static str>, referer: Option<&'static str>| {
        let mut request = bare
            .post(app.url("/login"))
            .header("Host", "console.example:8080")
            .form(&[
                ("username", "nobody"),
                ("password", "wrong-password"),
                ("next", ""),
            ]);
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        if let Some(referer) = referer {
            request = request.header("Referer", referer);
        }
        async move { request.send().await.unwrap().status() }
    };
    // The address the browser used (its Host) is the console's own.
    assert_eq!(
        login(Some("http://console.example:8080"), None).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        login(None, Some("http://console.example:8080/login?next=%2F")).await,
        StatusCode::SEE_OTHER,
        "a Referer stands in for a missing Origin"
    );
    assert_eq!(
        login(Some("http://evil.example"), None).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        login(None, Some("http://evil.example/page")).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        login(Some("http://console.example:9999"), None).await,
        StatusCode::FORBIDDEN,
        "another port is another site"
    );
    assert_eq!(login(Some("null"), None).await, StatusCode::FORBIDDEN);
    app.stop().await;
}
