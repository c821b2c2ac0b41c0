//! Managing accounts (`/accounts`, admins): add, edit, disable and enable,
//! every refusal in words, secrets never in an answer nor readable in the
//! database file, a change at work at once, a simulated account sent from
//! at once, and "Check".

use crate::common;

use common::{
    TestApp,
    secrets::{assert_nowhere, database_files},
    signed_in,
};
use qunfa::{
    accounts::{AccountsView, CheckView, FieldProblem, SaveOutcome},
    audit::AuditEntry,
    error::{AppError, Problem},
    wechat::crypto,
};
use reqwest::{Client, StatusCode};

const SECRET: &str = "AppSecretOfBrandA0123456789abcdef";
const TOKEN: &str = "BrandACallbackToken2024";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const FIXED: &str = "FixedAccessTokenOfBrandB-0123456789";

/// A good add form for `slug` with `appid`, safe mode.
fn brand(slug: &str, appid: &str) -> Vec<(String, String)> {
    [
        ("form[name]", "品牌 A"),
        ("form[slug]", slug),
        ("form[appid]", appid),
        ("form[kind]", "service"),
        ("form[token_source]", "stable"),
        ("form[secret]", SECRET),
        ("form[callback_token]", TOKEN),
        ("form[message_mode]", "safe"),
        ("form[aes_key]", AES_KEY),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect()
}

fn with(form: &[(String, String)], field: &str, value: &str) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = form
        .iter()
        .filter(|(name, _)| name != field)
        .cloned()
        .collect();
    form.push((field.to_owned(), value.to_owned()));
    form
}

async fn save(
    app: &TestApp,
    admin: &Client,
    name: &str,
    form: &[(String, String)],
) -> (String, SaveOutcome) {
    let answer = common::post(app, admin, name, form).await;
    assert!(answer.status().is_success(), "{name}: {}", answer.status());
    let text = answer.text().await.unwrap();
    (text.clone(), serde_json::from_str(&text).unwrap())
}

async fn list(app: &TestApp, admin: &Client) -> (String, AccountsView) {
    let text = app
        .call(admin, "list_accounts", &[])
        .await
        .text()
        .await
        .unwrap();
    (text.clone(), serde_json::from_str(&text).unwrap())
}

fn assert_no_secret(text: &str, what: &str) {
    for secret in [SECRET, TOKEN, AES_KEY, FIXED] {
        assert!(!text.contains(secret), "{what} holds a secret");
    }
}

/// The URL check WeChat makes of a callback URL, signed with `token`.
async fn verify(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let signature = crypto::signature(token, &timestamp, "n0nce");
    reqwest::Client::new()
        .get(app.url(&format!(
            "{path}?signature={signature}&timestamp={timestamp}&nonce=n0nce&echostr=hello-wechat"
        )))
        .send()
        .await
        .unwrap()
}

async fn audit(app: &TestApp, admin: &Client) -> Vec<AuditEntry> {
    let page: qunfa::audit::AuditPage = app
        .call(admin, "list_audit", &[])
        .await
        .json()
        .await
        .unwrap();
    page.entries
}

#[tokio::test]
async fn an_added_account_works_at_once_and_its_secrets_never_come_back_nor_rest_readable() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let before = verify(&app, "/wechat/callback/brand-a", TOKEN).await;
    assert_eq!(before.status(), StatusCode::NOT_FOUND);

    let (text, saved) = save(
        &app,
        &admin,
        "add_account",
        &brand("brand-a", "wx1234567890abcdef"),
    )
    .await;
    assert_no_secret(&text, "the answer");
    assert_eq!(saved.problems, vec![]);
    assert_eq!(saved.saved.as_deref(), Some("brand-a"));
    assert_eq!(saved.not_started, None);

    let at_once = verify(&app, "/wechat/callback/brand-a", TOKEN).await;
    assert_eq!(
        at_once.status(),
        StatusCode::OK,
        "its callback URL works at once"
    );
    assert_eq!(at_once.text().await.unwrap(), "hello-wechat");
    let page = admin
        .get(app.url("/a/brand-a/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);

    let (text, view) = list(&app, &admin).await;
    assert_no_secret(&text, "the list");
    let added = view.accounts.iter().find(|a| a.slug == "brand-a").unwrap();
    assert!(added.secrets.secret && added.secrets.callback_token && added.secrets.aes_key);
    assert!(!added.secrets.fixed_token && !added.secrets.token_url);
    assert!(added.callback_url.ends_with("/wechat/callback/brand-a"));
    assert_eq!(added.not_started, None);
    let page = admin.get(app.url("/accounts")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("wx1234567890abcdef"));
    assert_no_secret(&html, "the page");

    // The audit line names the account, never its secrets.
    let lines = audit(&app, &admin).await;
    let line = lines
        .iter()
        .find(|l| l.action == Ok(qunfa::audit::Action::AccountAdd))
        .expect("an audit line");
    assert_no_secret(&format!("{line:?}"), "the audit line");
    assert!(format!("{line:?}").contains("brand-a"));

    let data = app.data.clone();
    app.stop().await;
    let files = database_files(&data);
    for (secret, what) in [
        (SECRET, "the AppSecret"),
        (TOKEN, "the callback Token"),
        (AES_KEY, "the EncodingAESKey"),
    ] {
        assert_nowhere(&files, secret.as_bytes(), what);
    }
}

#[tokio::test]
async fn every_bad_field_is_refused_in_words_beside_it_and_nothing_is_saved() {
    use FieldProblem::*;
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let good = brand("brand-a", "wx1234567890abcdef");
    let sim2 = qunfa::simulator::SECOND_BUILTIN_APPID;
    let cases: Vec<(Vec<(String, String)>, FieldProblem)> = vec![
        (with(&good, "form[appid]", "wx12"), AppidInvalid),
        (with(&good, "form[slug]", "Brand A"), SlugInvalid),
        (with(&good, "form[slug]", "main"), SlugTaken),
        (with(&good, "form[appid]", sim2), AppidTaken),
        (with(&good, "form[secret]", ""), SecretMissing),
        (with(&good, "form[aes_key]", ""), AesKeyMissing),
        (with(&good, "form[aes_key]", "too-short"), AesKeyInvalid),
        (
            with(&good, "form[callback_token]", "a b"),
            CallbackTokenInvalid,
        ),
        (
            with(&good, "form[forward_url]", "not a url"),
            ForwardUrlInvalid,
        ),
        (
            with(
                &with(&good, "form[forward_url]", "http://127.0.0.1:9/x"),
                "form[forward_timeout]",
                "10s",
            ),
            ForwardTimeoutInvalid,
        ),
        (
            with(&good, "form[token_source]", "fixed"),
            FixedTokenMissing,
        ),
        (with(&good, "form[token_source]", "url"), TokenUrlMissing),
        (with(&good, "form[name]", ""), NameMissing),
    ];
    for (form, expected) in cases {
        let (text, outcome) = save(&app, &admin, "add_account", &form).await;
        assert_eq!(outcome.problems, vec![expected], "{form:?}");
        assert_eq!(outcome.saved, None);
        assert_no_secret(&text, "a refusal");
        assert!(!expected.words(qunfa::i18n::Lang::Zh).is_empty());
    }
    let (_, view) = list(&app, &admin).await;
    assert_eq!(view.accounts.len(), 2, "nothing was saved");

    // Without JavaScript: back to the form, the problem and the fields that
    // are not secret in the address, no secret.
    let plain = admin
        .post(app.url("/api/add_account"))
        .header("Accept", "text/html")
        .form(&with(&good, "form[appid]", "wx12"))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::FOUND);
    let location = common::location(&plain);
    assert!(
        location.starts_with("/accounts?problems=appid_invalid"),
        "{location}"
    );
    assert!(location.contains("slug=brand-a"), "{location}");
    assert_no_secret(&location, "the address");
    let page = admin.get(app.url(&location)).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains(AppidInvalid.words(qunfa::i18n::Lang::Zh)),
        "the words beside the field"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_edit_keeps_blank_secrets_and_the_slug_and_the_configured_account_keeps_all_but_its_name()
 {
    use secrecy::ExposeSecret;
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    save(
        &app,
        &admin,
        "add_account",
        &brand("brand-a", "wx1234567890abcdef"),
    )
    .await;

    let edit: Vec<(String, String)> = vec![
        ("account".into(), "brand-a".into()),
        ("form[name]".into(), "品牌 A（新）".into()),
        ("form[slug]".into(), "other-slug".into()),
        ("form[appid]".into(), "wx1234567890abcdef".into()),
        ("form[kind]".into(), "subscription".into()),
        ("form[token_source]".into(), "classic".into()),
        ("form[message_mode]".into(), "compatible".into()),
        (
            "form[forward_url]".into(),
            "https://bot.example/wechat?key=forwardkey".into(),
        ),
    ];
    let (text, saved) = save(&app, &admin, "edit_account", &edit).await;
    assert_no_secret(&text, "the answer");
    assert_eq!(saved.saved.as_deref(), Some("brand-a"), "{saved:?}");
    let at_work = app
        .state
        .accounts
        .by_slug("brand-a")
        .expect("at work, same slug");
    assert!(app.state.accounts.by_slug("other-slug").is_none());
    assert_eq!(at_work.name, "品牌 A（新）");
    assert_eq!(at_work.callbacks.keys.token.expose_secret(), TOKEN, "kept");
    assert!(at_work.callbacks.keys.crypto.is_some(), "the key kept");
    assert!(at_work.callbacks.forward.is_some(), "forwarding at once");
    let (text, view) = list(&app, &admin).await;
    assert!(
        !text.contains("forwardkey"),
        "the forward URL's query is not shown"
    );
    let edited = view.accounts.iter().find(|a| a.slug == "brand-a").unwrap();
    assert!(edited.secrets.secret, "the AppSecret kept");

    // A blank forward URL keeps the stored one, key and all; "stop
    // forwarding" drops it.
    let mut again = edit.clone();
    again.retain(|(name, _)| name != "form[forward_url]");
    let (_, saved) = save(&app, &admin, "edit_account", &again).await;
    assert_eq!(saved.saved.as_deref(), Some("brand-a"), "{saved:?}");
    let at_work = app.state.accounts.by_slug("brand-a").unwrap();
    let forward = at_work
        .callbacks
        .forward
        .as_ref()
        .expect("still forwarding");
    assert_eq!(
        forward.url().as_str(),
        "https://bot.example/wechat?key=forwardkey"
    );
    again.push(("form[no_forward]".into(), "1".into()));
    save(&app, &admin, "edit_account", &again).await;
    let at_work = app.state.accounts.by_slug("brand-a").unwrap();
    assert!(at_work.callbacks.forward.is_none(), "forwarding stopped");

    // Row 1: its name only.
    let (_, saved) = save(
        &app,
        &admin,
        "edit_account",
        &[
            ("account".into(), "main".into()),
            ("form[name]".into(), "主号".into()),
            ("form[appid]".into(), "wx1234567890abcdee".into()),
        ],
    )
    .await;
    assert_eq!(saved.saved.as_deref(), Some("main"));
    let first = app.first();
    assert_eq!(first.name, "主号");
    assert_eq!(
        first.appid,
        qunfa::simulator::BUILTIN_APPID,
        "the AppID is the configuration's"
    );
    let refused = app
        .call(
            &admin,
            "set_account_disabled",
            &[("account", "main"), ("disabled", "true")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let error: AppError = refused.json().await.unwrap();
    assert_eq!(error, AppError::Rejected(Problem::ConfiguredAccount));
    assert!(app.state.accounts.first().is_some());

    let lines = audit(&app, &admin).await;
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.action == Ok(qunfa::audit::Action::AccountEdit))
            .count(),
        4,
        "three edits of brand-a, one of main"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_disabled_account_is_not_found_anywhere_until_it_is_enabled_again() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let second_token = {
        use secrecy::ExposeSecret;
        let second = app.state.accounts.by_slug("sim-2").unwrap();
        second.callbacks.keys.token.expose_secret().to_owned()
    };
    let disabled = app
        .call(
            &admin,
            "set_account_disabled",
            &[("account", "sim-2"), ("disabled", "true")],
        )
        .await;
    assert!(disabled.status().is_success(), "{}", disabled.status());

    for page in ["/a/sim-2/sends", "/a/sim-2/compose", "/a/sim-2/settings"] {
        let answer = admin.get(app.url(page)).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{page}");
    }
    let answer = app
        .call(&admin, "list_sends", &[("account", "sim-2")])
        .await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    let callback = verify(&app, "/wechat/callback/sim-2", &second_token).await;
    assert_eq!(callback.status(), StatusCode::NOT_FOUND);
    let (_, view) = list(&app, &admin).await;
    let listed = view.accounts.iter().find(|a| a.slug == "sim-2").unwrap();
    assert!(listed.disabled, "still listed, as disabled");

    // A disabled account that is changed stays out of work.
    let (_, saved) = save(
        &app,
        &admin,
        "edit_account",
        &[
            ("account".into(), "sim-2".into()),
            ("form[name]".into(), "模拟服务号（改）".into()),
            (
                "form[appid]".into(),
                qunfa::simulator::SECOND_BUILTIN_APPID.into(),
            ),
            ("form[kind]".into(), "service".into()),
            ("form[token_source]".into(), "stable".into()),
            ("form[message_mode]".into(), "plaintext".into()),
        ],
    )
    .await;
    assert_eq!(saved.saved.as_deref(), Some("sim-2"), "{saved:?}");
    assert!(
        app.state.accounts.by_slug("sim-2").is_none(),
        "still disabled"
    );
    let callback = verify(&app, "/wechat/callback/sim-2", &second_token).await;
    assert_eq!(callback.status(), StatusCode::NOT_FOUND);

    let enabled = app
        .call(
            &admin,
            "set_account_disabled",
            &[("account", "sim-2"), ("disabled", "false")],
        )
        .await;
    assert!(enabled.status().is_success());
    let callback = verify(&app, "/wechat/callback/sim-2", &second_token).await;
    assert_eq!(callback.status(), StatusCode::OK);
    let answer = admin.get(app.url("/a/sim-2/sends")).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);

    let actions: Vec<_> = audit(&app, &admin)
        .await
        .into_iter()
        .map(|l| l.action)
        .collect();
    assert!(actions.contains(&Ok(qunfa::audit::Action::AccountDisable)));
    assert!(actions.contains(&Ok(qunfa::audit::Action::AccountEnable)));
    app.stop().await;
}

#[tokio::test]
async fn a_simulated_account_is_added_and_sent_from_at_once() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let (text, saved) = save(
        &app,
        &admin,
        "add_simulated_account",
        &[
            ("name".into(), "模拟三号".into()),
            ("kind".into(), "service".into()),
        ],
    )
    .await;
    assert_eq!(saved.saved.as_deref(), Some("sim-3"), "{text}");
    let (_, view) = list(&app, &admin).await;
    let added = view.accounts.iter().find(|a| a.slug == "sim-3").unwrap();
    assert_eq!(added.appid, "wxqunfasim00000001");
    assert_eq!(added.origin, qunfa::accounts::Origin::Simulator);

    let mut form = common::form(
        "qf-sim-3",
        "text",
        &[("text_content", "from sim-3"), ("tag_id", "120")],
    );
    form.retain(|(name, _)| name != "account");
    form.push(("account".into(), "sim-3".into()));
    common::send(&app, &admin, &form).await;
    let simulator = app.state.simulator.as_ref().unwrap();
    assert_eq!(
        simulator
            .account("wxqunfasim00000001")
            .unwrap()
            .sends()
            .len(),
        1
    );
    assert_eq!(simulator.sends().len(), 0, "not the first account's");

    let (_, again) = save(
        &app,
        &admin,
        "add_simulated_account",
        &[
            ("name".into(), "".into()),
            ("kind".into(), "subscription".into()),
        ],
    )
    .await;
    assert_eq!(again.saved.as_deref(), Some("sim-4"));
    app.stop().await;
}

#[tokio::test]
async fn check_says_in_words_whether_the_appid_and_secret_work() {
    use qunfa::simulator::IpWhitelist;
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let found: CheckView = app
        .call(&admin, "check_account", &[("account", "main")])
        .await
        .json()
        .await
        .unwrap();
    assert!(found.works, "{}", found.words);

    let simulator = app.state.simulator.as_ref().unwrap();
    simulator.set_ip_whitelist(Some(
        IpWhitelist::allowing(["198.51.100.1".parse().unwrap()])
            .seeing_calls_from("203.0.113.7".parse().unwrap()),
    ));
    let answer = admin
        .post(app.url("/api/check_account"))
        .header("Accept", "application/json")
        .header("Accept-Language", "en")
        .form(&[("account", "main")])
        .send()
        .await
        .unwrap();
    let found: CheckView = answer.json().await.unwrap();
    assert!(!found.works);
    assert!(found.words.contains("203.0.113.7"), "{}", found.words);
    assert!(found.words.contains("40164"), "{}", found.words);
    app.stop().await;
}

#[tokio::test]
async fn an_account_that_could_not_start_says_why() {
    use qunfa::{
        accounts::{
            Kind, MessageMode, Origin, TokenSource,
            store::{self, Account, Secrets},
        },
        shell::secrets::SealingKey,
    };
    let app = TestApp::spawn().await;
    // Sealed under another key: its secrets do not open with the console's.
    let (other_key, _) = SealingKey::generate();
    let account = Account {
        slug: "brand-c".into(),
        name: "品牌 C".into(),
        appid: "wx00000000000000cc".into(),
        kind: Kind::Service,
        overseas: false,
        origin: Origin::Console,
        token_source: TokenSource::Stable,
        message_mode: MessageMode::Plaintext,
        forward_url: None,
        forward_timeout_ms: None,
        secrets: Secrets {
            secret: Some(SECRET.to_owned().into()),
            callback_token: Some(TOKEN.to_owned().into()),
            ..Secrets::default()
        },
    };
    store::insert(&app.state.db, &other_key, &account)
        .await
        .unwrap();
    let data = app.stop().await;
    let app = TestApp::spawn_on(data).await;
    let admin = signed_in(&app).await;
    let (text, view) = list(&app, &admin).await;
    assert_no_secret(&text, "the list");
    let listed = view.accounts.iter().find(|a| a.slug == "brand-c").unwrap();
    let why = listed.not_started.as_deref().expect("not at work, and why");
    assert!(why.contains("does not open"), "{why}");
    let page = admin.get(app.url("/accounts")).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("未能启用："), "the page says it");
    app.stop().await;
}
