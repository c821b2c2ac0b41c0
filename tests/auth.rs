//! Logging in, sessions and who may see what, against the real server.

use crate::common;

use common::{ADMIN, ADMIN_PASSWORD, TestApp, location};
use reqwest::StatusCode;

#[tokio::test]
async fn the_right_password_logs_in_and_goes_where_the_user_was_going() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let page = client
        .get(app.url("/sends?status=failed"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&page), "/login?next=%2Fsends%3Fstatus%3Dfailed");

    let login = client
        .post(app.url("/login"))
        .form(&[
            ("username", ADMIN),
            ("password", ADMIN_PASSWORD),
            ("next", "/sends?status=failed"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&login), "/sends?status=failed");
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("qunfa_session="))
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP here: {cookie}");

    let page = client.get(app.url("/a/main/compose")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains(ADMIN), "the page names the signed-in user");
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_user_or_password_gets_the_same_message() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let wrong_password = app.log_in(&client, ADMIN, "not-the-password").await;
    let wrong_user = app.log_in(&client, "nobody", ADMIN_PASSWORD).await;
    assert_eq!(location(&wrong_password), "/login?error=failed");
    assert_eq!(location(&wrong_user), "/login?error=failed");
    let page = client.get(app.url("/a/main/compose")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER, "still not signed in");

    let login_page = client
        .get(app.url("/login?error=failed"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(login_page.contains("The username or the password is wrong."));
    app.stop().await;
}

#[tokio::test]
async fn five_failures_in_a_minute_lock_the_user_even_with_the_right_password() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for _ in 0..4 {
        let response = app.log_in(&client, ADMIN, "guess").await;
        assert_eq!(location(&response), "/login?error=failed");
    }
    let fifth = app.log_in(&client, ADMIN, "guess").await;
    assert_eq!(location(&fifth), "/login?error=throttled&minutes=5");
    let right = app.log_in(&client, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(location(&right), "/login?error=throttled&minutes=5");
    let page = client
        .get(app.url("/login?error=throttled&minutes=5"))
        .header("Accept-Language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("登录失败次数过多"));
    assert!(
        page.contains("请 5 分钟后再试"),
        "the lockout says how long it lasts"
    );
    app.stop().await;
}

#[tokio::test]
async fn pages_and_server_functions_are_closed_to_strangers() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for path in [
        "/",
        "/compose",
        "/sends",
        "/users",
        "/settings",
        "/no-such-page",
    ] {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(location(&response).starts_with("/login"), "{path}");
    }
    let call = app.call(&client, "list_users", &[]).await;
    assert_eq!(call.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(call.text().await.unwrap(), "\"NotSignedIn\"");

    for open in ["/login", "/healthz", "/favicon.ico"] {
        let response = client.get(app.url(open)).send().await.unwrap();
        assert_ne!(response.status(), StatusCode::SEE_OTHER, "{open}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_request_from_another_site_is_refused() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let login = client
        .post(app.url("/login"))
        .header("Origin", "https://evil.example")
        .header("Accept-Language", "en-GB,en;q=0.9")
        .form(&[("username", ADMIN), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::FORBIDDEN);
    assert!(login.text().await.unwrap().contains("another site"));

    app.log_in(&client, ADMIN, ADMIN_PASSWORD).await;
    let forged = client
        .post(app.url("/api/add_user"))
        .header("Origin", "https://evil.example")
        .form(&[
            ("username", "mallory"),
            ("password", "mallory-pass"),
            ("role", "admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let own = client
        .post(app.url("/api/add_user"))
        .header("Origin", &app.address)
        .header("Accept", "application/json")
        .form(&[
            ("username", "ed"),
            ("password", "ed-password"),
            ("role", "editor"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        own.status(),
        StatusCode::OK,
        "the console's own origin passes"
    );
    let users = app
        .call(&client, "list_users", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(!users.contains("mallory"));
    app.stop().await;
}

#[tokio::test]
async fn an_editor_is_refused_the_admin_pages_and_functions() {
    let app = TestApp::spawn().await;
    let admin = app.client();
    app.log_in(&admin, ADMIN, ADMIN_PASSWORD).await;
    let added = app
        .call(
            &admin,
            "add_user",
            &[
                ("username", "ed"),
                ("password", "ed-password"),
                ("role", "editor"),
            ],
        )
        .await;
    common::grant(&app, &admin, "ed", "main", true).await;
    assert_eq!(added.status(), StatusCode::OK);

    let editor = app.client();
    let login = app.log_in(&editor, "ed", "ed-password").await;
    assert_eq!(location(&login), "/");
    for path in ["/users", "/a/main/settings"] {
        let response = editor
            .get(app.url(path))
            .header("Accept-Language", "en")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("Only an admin can open this page.")
        );
    }
    let compose = editor.get(app.url("/a/main/compose")).send().await.unwrap();
    assert_eq!(compose.status(), StatusCode::OK);
    let call = app.call(&editor, "list_users", &[]).await;
    assert_eq!(call.text().await.unwrap(), "\"Forbidden\"");
    let call = app
        .call(&editor, "set_user_role", &[("id", "2"), ("role", "admin")])
        .await;
    assert_eq!(call.text().await.unwrap(), "\"Forbidden\"");
    app.stop().await;
}

#[tokio::test]
async fn a_session_survives_a_restart() {
    let app = TestApp::spawn().await;
    let client = app.client();
    app.log_in(&client, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(
        client
            .get(app.url("/a/main/compose"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let data = app.stop().await;

    let app = TestApp::spawn_on(data).await;
    // The same browser: cookies belong to the host, not the port, so the
    // jar sends the old session cookie to the restarted server.
    let page = client.get(app.url("/a/main/compose")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn a_disabled_user_is_logged_out_and_cannot_log_in() {
    let app = TestApp::spawn().await;
    let admin = app.client();
    app.log_in(&admin, ADMIN, ADMIN_PASSWORD).await;
    app.call(
        &admin,
        "add_user",
        &[
            ("username", "ed"),
            ("password", "ed-password"),
            ("role", "editor"),
        ],
    )
    .await;
    common::grant(&app, &admin, "ed", "main", true).await;
    let editor = app.client();
    app.log_in(&editor, "ed", "ed-password").await;
    assert_eq!(
        editor
            .get(app.url("/a/main/compose"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    let users = app
        .call(&admin, "list_users", &[])
        .await
        .text()
        .await
        .unwrap();
    let users: serde_json::Value = serde_json::from_str(&users).unwrap();
    let ed_id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "ed")
        .unwrap()["id"]
        .to_string();
    let disabled = app
        .call(
            &admin,
            "set_user_disabled",
            &[("id", &ed_id), ("disabled", "true")],
        )
        .await;
    assert_eq!(disabled.status(), StatusCode::OK);

    let page = editor.get(app.url("/a/main/compose")).send().await.unwrap();
    assert_eq!(
        page.status(),
        StatusCode::SEE_OTHER,
        "the open session ended"
    );
    let again = app.log_in(&editor, "ed", "ed-password").await;
    assert_eq!(location(&again), "/login?error=failed");
    app.stop().await;
}

#[tokio::test]
async fn the_last_admin_cannot_be_removed() {
    let app = TestApp::spawn().await;
    let admin = app.client();
    app.log_in(&admin, ADMIN, ADMIN_PASSWORD).await;
    let demoted = app
        .call(&admin, "set_user_role", &[("id", "1"), ("role", "editor")])
        .await;
    assert_eq!(demoted.text().await.unwrap(), r#"{"Rejected":"LastAdmin"}"#);
    let disabled = app
        .call(
            &admin,
            "set_user_disabled",
            &[("id", "1"), ("disabled", "true")],
        )
        .await;
    assert_eq!(
        disabled.text().await.unwrap(),
        r#"{"Rejected":"NotYourself"}"#
    );
    app.stop().await;
}

#[tokio::test]
async fn a_form_sent_without_javascript_comes_back_with_the_problem_in_words() {
    let app = TestApp::spawn().await;
    let admin = app.client();
    app.log_in(&admin, ADMIN, ADMIN_PASSWORD).await;
    let response = admin
        .post(app.url("/api/add_user"))
        .header("Accept", "text/html")
        .header("Referer", app.url("/users"))
        .form(&[("username", "x"), ("password", "short"), ("role", "editor")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location(&response), "/users?problem=username_invalid");
    let page = admin
        .get(app.url("/users?problem=username_invalid"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("A username is 2–32 characters"));
    app.stop().await;
}

#[tokio::test]
async fn health_names_the_version_and_the_database() {
    let app = TestApp::spawn().await;
    let body: serde_json::Value = reqwest::get(app.url("/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["database"], true);
    app.stop().await;
}

/// A login as a browser behind the console's reverse proxy sends it: the
/// proxy (on loopback, as the test client is) names the client's address in
/// `X-Forwarded-For`.
async fn log_in_from(
    app: &TestApp,
    client: &reqwest::Client,
    address: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.url("/login"))
        .header("Origin", &app.address)
        .header("X-Forwarded-For", address)
        .form(&[("username", username), ("password", password), ("next", "")])
        .send()
        .await
        .unwrap()
}

/// Five failures lock a user at an address (`auth::throttle`).
const ALLOWED_FAILURES: u64 = 5;

#[tokio::test]
async fn a_burst_of_wrong_logins_gets_no_more_guesses_than_a_sequence() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let checked_before = app.state.passwords.verified();
    let mut burst = tokio::task::JoinSet::new();
    for i in 0..20 {
        let app = app.clone();
        burst.spawn(async move {
            let client = app.client();
            let answer =
                log_in_from(&app, &client, "203.0.113.7", ADMIN, &format!("guess-{i}")).await;
            location(&answer)
        });
    }
    let answers = burst.join_all().await;
    let checked = app.state.passwords.verified() - checked_before;
    assert!(
        checked <= ALLOWED_FAILURES,
        "{checked} of 20 concurrent guesses were checked against the password; a sequence gets {ALLOWED_FAILURES}"
    );
    let failed = answers
        .iter()
        .filter(|a| *a == "/login?error=failed")
        .count();
    assert!(failed as u64 <= ALLOWED_FAILURES, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|a| a == "/login?error=failed" || a == "/login?error=throttled&minutes=5"),
        "{answers:?}"
    );
    let right = log_in_from(&app, &app.client(), "203.0.113.7", ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(
        location(&right),
        "/login?error=throttled&minutes=5",
        "the lockout applies"
    );
    let app = std::sync::Arc::into_inner(app).expect("every login has ended");
    app.stop().await;
}

#[tokio::test]
async fn only_a_few_passwords_are_checked_at_once() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let mut burst = tokio::task::JoinSet::new();
    // Different people at different addresses: the throttle holds none of
    // them back, only the limit on concurrent checks does.
    for i in 0..40 {
        let app = app.clone();
        burst.spawn(async move {
            let client = app.client();
            let address = format!("198.51.100.{}", i + 1);
            let answer = log_in_from(&app, &client, &address, &format!("user{i}"), "guess").await;
            location(&answer)
        });
    }
    let answers = burst.join_all().await;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let peak = app.state.passwords.peak();
    assert!(
        peak <= cores,
        "{peak} argon2 checks ran at once on {cores} cores"
    );
    assert!(
        answers
            .iter()
            .all(|a| a == "/login?error=failed" || a == "/login?error=busy"),
        "{answers:?}"
    );
    // A login refused because the checks were busy is told so in words.
    let client = app.client();
    for (lang, words) in [
        (
            "en",
            "Too many logins are being checked right now. Try again shortly.",
        ),
        ("zh-CN", "同时登录的人太多，暂时无法核对密码。请稍后再试。"),
    ] {
        let page = client
            .get(app.url("/login?error=busy"))
            .header("Accept-Language", lang)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains(words), "{lang}");
    }
    let app = std::sync::Arc::into_inner(app).expect("every login has ended");
    app.stop().await;
}

#[tokio::test]
async fn a_lockout_at_one_address_does_not_stop_the_user_at_another() {
    let app = TestApp::spawn().await;
    let stranger = app.client();
    for _ in 0..ALLOWED_FAILURES {
        log_in_from(&app, &stranger, "203.0.113.66", ADMIN, "guess").await;
    }
    let locked = log_in_from(&app, &stranger, "203.0.113.66", ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(location(&locked), "/login?error=throttled&minutes=5");

    let admin = app.client();
    let elsewhere = log_in_from(&app, &admin, "192.0.2.10", ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(
        location(&elsewhere),
        "/",
        "the admin logs in from their own address"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_lockout_survives_a_restart() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for _ in 0..ALLOWED_FAILURES {
        log_in_from(&app, &client, "203.0.113.67", ADMIN, "guess").await;
    }
    let data = app.stop().await;

    let app = TestApp::spawn_on(data).await;
    let right = log_in_from(&app, &client, "203.0.113.67", ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(location(&right), "/login?error=throttled&minutes=5");
    let elsewhere = log_in_from(&app, &client, "192.0.2.11", ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(location(&elsewhere), "/");
    app.stop().await;
}

/// Moves a stored session `seconds` into the past, as if that much time had
/// gone by since it was last written: its expiry and the time the console
/// last renewed it (`touched_at`, unix seconds, when there is one).
async fn age_session(app: &TestApp, id: &str, seconds: i64) {
    use tower_sessions::{SessionStore, session::Id};
    let store = tower_sessions_sqlx_store::SqliteStore::new(app.state.db.clone())
        .with_table_name("sessions")
        .unwrap();
    let id: Id = id.parse().unwrap();
    let mut record = store
        .load(&id)
        .await
        .unwrap()
        .expect("the session is stored and not yet over");
    record.expiry_date -= tower_sessions::cookie::time::Duration::seconds(seconds);
    if let Some(touched) = record.data.get_mut("touched_at") {
        *touched = serde_json::json!(touched.as_i64().unwrap() - seconds);
    }
    store.save(&record).await.unwrap();
}

async fn stored_expiry(app: &TestApp, id: &str) -> tower_sessions::cookie::time::OffsetDateTime {
    use tower_sessions::SessionStore;
    let store = tower_sessions_sqlx_store::SqliteStore::new(app.state.db.clone())
        .with_table_name("sessions")
        .unwrap();
    store
        .load(&id.parse().unwrap())
        .await
        .unwrap()
        .expect("the session is stored")
        .expiry_date
}

#[tokio::test]
async fn a_session_lasts_while_it_is_used_and_ends_when_it_is_not() {
    let data = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_with(data, |settings| {
        settings.session_idle = Some("10m".into());
    })
    .await;
    let client = app.client();
    let login = app.log_in(&client, ADMIN, ADMIN_PASSWORD).await;
    let id = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.strip_prefix("qunfa_session="))
        .map(|rest| rest.split(';').next().unwrap().to_owned())
        .next()
        .expect("a session cookie");
    let open = |client: &reqwest::Client| client.get(app.url("/a/main/compose")).send();

    let renews_cookie = |response: &reqwest::Response| {
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().unwrap().starts_with("qunfa_session="))
    };

    // Nine minutes later the user works again...
    age_session(&app, &id, 9 * 60).await;
    let page = open(&client).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(renews_cookie(&page), "the browser's cookie is renewed too");
    // ...which renews the session, but not at every request.
    let renewed = stored_expiry(&app, &id).await;
    let page = open(&client).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(!renews_cookie(&page));
    assert_eq!(
        stored_expiry(&app, &id).await,
        renewed,
        "a second request within the minute writes nothing"
    );

    // Eighteen minutes after login, past the expiry the login set, the
    // session is alive because it was used.
    age_session(&app, &id, 9 * 60).await;
    assert_eq!(open(&client).await.unwrap().status(), StatusCode::OK);

    // Eleven minutes without activity end it.
    age_session(&app, &id, 11 * 60).await;
    let after = open(&client).await.unwrap();
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
    assert!(location(&after).starts_with("/login"));
    app.stop().await;
}

fn token_of(link: &str) -> String {
    url::Url::parse(link)
        .unwrap()
        .query_pairs()
        .find(|(name, _)| name == "token")
        .map(|(_, value)| value.into_owned())
        .expect("a token in the link")
}

async fn page_text(app: &TestApp, client: &reqwest::Client, path: &str, lang: &str) -> String {
    client
        .get(app.url(path))
        .header("Accept-Language", lang)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn post_setup(
    app: &TestApp,
    client: &reqwest::Client,
    token: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.url("/setup"))
        .header("Origin", &app.address)
        .form(&[
            ("token", token),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_first_run_prints_a_setup_link_that_makes_one_admin_once() {
    let data = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_without_admin(data).await;
    let link = app
        .setup_link
        .clone()
        .expect("with no user, the console prints a setup link");
    assert!(
        link.starts_with(&format!("{}/setup?token=", app.address)),
        "{link}"
    );
    let token = token_of(&link);
    assert!(
        token.len() >= 32 && token.chars().all(|c| c.is_ascii_hexdigit()),
        "128 random bits or more: {token}"
    );

    let browser = app.client();
    let login_en = page_text(&app, &browser, "/login", "en").await;
    assert!(
        login_en.contains("No account yet: the setup link is in the console&#x27;s output")
            || login_en.contains("No account yet: the setup link is in the console's output"),
        "{login_en}"
    );
    let login_zh = page_text(&app, &browser, "/login", "zh-CN").await;
    assert!(login_zh.contains("还没有账号：设置链接在控制台的输出中"));

    let form = page_text(&app, &browser, &format!("/setup?token={token}"), "en").await;
    assert!(
        form.contains("at least 8 characters"),
        "the password rule in words"
    );
    assert!(form.contains(r#"action="/setup""#), "a plain form post");

    let wrong = post_setup(&app, &browser, &"0".repeat(32), "boss", "boss-password-1").await;
    assert_eq!(wrong.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&wrong), "/setup?error=token");
    let refused = app.log_in(&app.client(), "boss", "boss-password-1").await;
    assert_eq!(
        location(&refused),
        "/login?error=failed",
        "no user was made"
    );

    let short = post_setup(&app, &browser, &token, "boss", "short").await;
    assert!(location(&short).contains("problem=password_too_short"));

    let forged = browser
        .post(app.url("/setup"))
        .header("Origin", "https://evil.example")
        .form(&[
            ("token", token.as_str()),
            ("username", "boss"),
            ("password", "boss-password-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "another site's page cannot post the setup form"
    );

    let made = post_setup(&app, &browser, &token, "boss", "boss-password-1").await;
    assert_eq!(location(&made), "/", "the new admin is signed in");
    let users = app
        .call(&browser, "list_users", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        users.contains(r#""username":"boss","role":"Admin""#),
        "{users}"
    );

    let again = post_setup(&app, &app.client(), &token, "mallory", "mallory-pass-1").await;
    assert_eq!(location(&again), "/setup?error=unavailable");
    let refused = app.log_in(&app.client(), "mallory", "mallory-pass-1").await;
    assert_eq!(
        location(&refused),
        "/login?error=failed",
        "the link works once"
    );

    let closed = page_text(&app, &app.client(), &format!("/setup?token={token}"), "en").await;
    assert!(closed.contains("Setup is not available: an account exists already."));
    let login_en = page_text(&app, &app.client(), "/login", "en").await;
    assert!(!login_en.contains("No account yet"));
    app.stop().await;
}

#[tokio::test]
async fn a_restart_before_setup_prints_a_new_link_and_the_old_one_stops_working() {
    let data = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_without_admin(data).await;
    let first = token_of(&app.setup_link.clone().expect("a setup link"));
    let data = app.stop().await;
    let app = TestApp::spawn_without_admin(data).await;
    let second = token_of(&app.setup_link.clone().expect("a new setup link"));
    assert_ne!(first, second);
    let old = post_setup(&app, &app.client(), &first, "boss", "boss-password-1").await;
    assert_eq!(location(&old), "/setup?error=token");
    app.stop().await;
}

#[tokio::test]
async fn with_a_user_there_is_no_setup() {
    let app = TestApp::spawn().await;
    assert_eq!(app.setup_link, None);
    let client = app.client();
    let page = client
        .get(app.url("/setup"))
        .header("Accept-Language", "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.status(),
        StatusCode::OK,
        "open to strangers, and says why"
    );
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("无法设置：已经有账号了。")
    );
    let forced = post_setup(&app, &client, &"0".repeat(32), "mallory", "mallory-pass-1").await;
    assert_eq!(location(&forced), "/setup?error=unavailable");
    let login = page_text(&app, &client, "/login", "en").await;
    assert!(!login.contains("No account yet"));
    app.stop().await;
}

#[tokio::test]
async fn a_user_made_another_way_closes_setup() {
    let data = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_without_admin(data).await;
    let token = token_of(&app.setup_link.clone().expect("a setup link"));
    // What `qunfa user add` does from another process meanwhile.
    let hash =
        qunfa::auth::password::hash(&secrecy::SecretString::from("ed-password-1".to_owned()))
            .unwrap();
    let mut db = app.state.db.acquire().await.unwrap();
    qunfa::auth::store::create(&mut db, "ed", &hash, qunfa::auth::Role::Admin)
        .await
        .unwrap();
    drop(db);

    let client = app.client();
    let login = page_text(&app, &client, "/login", "en").await;
    assert!(!login.contains("No account yet"));
    let late = post_setup(&app, &client, &token, "mallory", "mallory-pass-1").await;
    assert_eq!(location(&late), "/setup?error=unavailable");
    let refused = app.log_in(&app.client(), "mallory", "mallory-pass-1").await;
    assert_eq!(location(&refused), "/login?error=failed");
    app.stop().await;
}

#[tokio::test]
async fn a_user_changes_their_own_password_and_their_other_sessions_end() {
    let app = TestApp::spawn().await;
    let admin = app.client();
    app.log_in(&admin, ADMIN, ADMIN_PASSWORD).await;
    let added = app
        .call(
            &admin,
            "add_user",
            &[
                ("username", "ed"),
                ("password", "ed-password-1"),
                ("role", "editor"),
            ],
        )
        .await;
    common::grant(&app, &admin, "ed", "main", true).await;
    assert!(added.status().is_success());
    let here = app.client();
    app.log_in(&here, "ed", "ed-password-1").await;
    let elsewhere = app.client();
    app.log_in(&elsewhere, "ed", "ed-password-1").await;

    let short = app
        .call(
            &here,
            "change_own_password",
            &[("current", "ed-password-1"), ("password", "short")],
        )
        .await;
    assert_eq!(
        short.text().await.unwrap(),
        r#"{"Rejected":"PasswordTooShort"}"#
    );
    let wrong = app
        .call(
            &here,
            "change_own_password",
            &[("current", "not-mine"), ("password", "ed-password-2")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        wrong.text().await.unwrap(),
        r#"{"Rejected":"CurrentPasswordWrong"}"#
    );
    let changed = app
        .call(
            &here,
            "change_own_password",
            &[("current", "ed-password-1"), ("password", "ed-password-2")],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);

    let page = |client: &reqwest::Client| client.get(app.url("/a/main/compose")).send();
    assert_eq!(
        page(&here).await.unwrap().status(),
        StatusCode::OK,
        "this session goes on"
    );
    assert_eq!(
        page(&elsewhere).await.unwrap().status(),
        StatusCode::SEE_OTHER,
        "the other session ended"
    );
    let old = app.log_in(&app.client(), "ed", "ed-password-1").await;
    assert_eq!(location(&old), "/login?error=failed");
    let new = app.log_in(&app.client(), "ed", "ed-password-2").await;
    assert_eq!(location(&new), "/");

    let page = app
        .call(&admin, "list_audit", &[("filter[action]", "own_password")])
        .await
        .json::<qunfa::audit::AuditPage>()
        .await
        .unwrap();
    assert_eq!(page.entries.len(), 1);
    assert_eq!(page.entries[0].username, "ed");
    app.stop().await;
}

#[tokio::test]
async fn the_current_password_cannot_be_guessed_through_an_open_session() {
    let app = TestApp::spawn().await;
    let admin = app.client();
    app.log_in(&admin, ADMIN, ADMIN_PASSWORD).await;
    for _ in 0..ALLOWED_FAILURES {
        let wrong = app
            .call(
                &admin,
                "change_own_password",
                &[("current", "guess"), ("password", "new-password-1")],
            )
            .await;
        assert_eq!(
            wrong.text().await.unwrap(),
            r#"{"Rejected":"CurrentPasswordWrong"}"#
        );
    }
    let right = app
        .call(
            &admin,
            "change_own_password",
            &[("current", ADMIN_PASSWORD), ("password", "new-password-1")],
        )
        .await;
    assert_eq!(
        right.text().await.unwrap(),
        r#"{"Rejected":"TooManyAttempts"}"#
    );
    app.stop().await;
}

#[tokio::test]
async fn a_failed_login_is_audited_with_the_address_it_came_from() {
    let app = TestApp::spawn().await;
    log_in_from(&app, &app.client(), "203.0.113.90", "nobody", "guess").await;
    let admin = app.client();
    app.log_in(&admin, ADMIN, ADMIN_PASSWORD).await;
    let page = app
        .call(&admin, "list_audit", &[("filter[action]", "login_failed")])
        .await
        .json::<qunfa::audit::AuditPage>()
        .await
        .unwrap();
    assert_eq!(page.entries.len(), 1);
    assert_eq!(page.entries[0].username, "nobody");
    assert_eq!(page.entries[0].address.as_deref(), Some("203.0.113.90"));
    app.stop().await;
}
