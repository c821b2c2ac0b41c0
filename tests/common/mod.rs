//! Starts the real server on a random port with a temporary database, as a
//! user's browser would meet it, and gives tests an HTTP client for it.
#![allow(dead_code)]

pub mod secrets;

use std::{path::PathBuf, sync::Arc};

use qunfa::sends::{PrepareOutcome, SendResult, history::SendDetail};
use qunfa::shell::{config::SettingsArgs, server, state::AppState};
use reqwest::{Client, Response, redirect::Policy};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-password-1";

pub struct TestApp {
    pub address: String,
    pub data: Arc<tempfile::TempDir>,
    /// The running server's state: its WeChat client, simulator, database.
    pub state: AppState,
    /// The first-run setup link the server printed (none once a user exists).
    pub setup_link: Option<String>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        let data = Arc::new(tempfile::tempdir().expect("a temporary folder"));
        TestApp::spawn_on(data).await
    }

    /// Starts a server on the database in `data` (a second start of the same
    /// database is a restart).
    pub async fn spawn_on(data: Arc<tempfile::TempDir>) -> TestApp {
        TestApp::spawn_with(data, |_| {}).await
    }

    /// Starts a server on the database in `data` without the admin that
    /// `spawn` creates: with an empty database, a first run.
    pub async fn spawn_without_admin(data: Arc<tempfile::TempDir>) -> TestApp {
        TestApp::spawn_with(data, |settings| {
            settings.admin_user = None;
            settings.admin_password = None;
        })
        .await
    }

    /// Starts a server with settings changed by `configure`.
    pub async fn spawn_with(
        data: Arc<tempfile::TempDir>,
        configure: impl FnOnce(&mut SettingsArgs),
    ) -> TestApp {
        TestApp::try_spawn_with(data, configure)
            .await
            .expect("the server prepares")
    }

    /// [`TestApp::spawn_with`], or why `server::prepare` refused to start.
    pub async fn try_spawn_with(
        data: Arc<tempfile::TempDir>,
        configure: impl FnOnce(&mut SettingsArgs),
    ) -> anyhow::Result<TestApp> {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = listener.local_addr().unwrap();
        let mut args = SettingsArgs {
            config: data.path().join("absent.toml"),
            site_addr: Some(address.to_string()),
            database_url: Some(format!("sqlite://{}", database_file(&data).display())),
            admin_user: Some(ADMIN.into()),
            admin_password: Some(ADMIN_PASSWORD.into()),
            ..SettingsArgs::default()
        };
        configure(&mut args);
        let settings = args.load().expect("valid test settings");
        qunfa::shell::telemetry::init();
        let leptos = server::leptos_options(&settings);
        let prepared = server::prepare(settings, leptos).await?;
        // Tests send several times a day: the built-in simulator's quota
        // is off unless a test switches it on (`enforce_quota`).
        if let Some(simulator) = &prepared.state.simulator {
            simulator.set_quota_enforced(false);
        }
        let state = prepared.state.clone();
        let setup_link = prepared.setup_link.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server::run(prepared, listener, async move {
            let _ = stopped.await;
        }));
        let app = TestApp {
            address: format!("http://{address}"),
            data,
            state,
            setup_link,
            stop: Some(stop),
            task: Some(task),
        };
        app.wait_until_ready().await;
        Ok(app)
    }

    async fn wait_until_ready(&self) {
        let client = Client::new();
        for _ in 0..200 {
            if let Ok(response) = client.get(self.url("/healthz")).send().await
                && response.status().is_success()
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the server did not answer /healthz");
    }

    /// Enforces the built-in simulator's mass-send quota, as WeChat does,
    /// for every account (off by default in tests, which send several times
    /// a day).
    pub fn enforce_quota(&self) {
        self.state
            .simulator
            .as_ref()
            .expect("the built-in simulator")
            .set_quota_enforced(true);
    }

    /// The callback Token this server checks: the configured one, or the
    /// built-in simulator's, made at the first start on this database.
    pub fn callback_token(&self) -> String {
        use secrecy::ExposeSecret;
        self.callbacks().keys.token.expose_secret().to_owned()
    }

    /// The configured account (row 1) at work: its client, sends state
    /// and callback check.
    pub fn first(&self) -> Arc<qunfa::shell::accounts::Account> {
        self.state
            .accounts
            .first()
            .expect("the configured account is at work")
    }

    pub fn wechat(&self) -> qunfa::wechat::client::WechatClient {
        self.first().wechat.clone()
    }

    pub fn sends(&self) -> qunfa::sends::life::SendsState {
        self.first().sends.clone()
    }

    pub fn callbacks(&self) -> qunfa::callbacks::CallbackState {
        self.first().callbacks.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A browser-like client: it keeps cookies, does not follow redirects
    /// (so tests can see where they point), and says where it posts from,
    /// as a browser's page does with every post.
    pub fn client(&self) -> Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::ORIGIN, self.address.parse().unwrap());
        Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .default_headers(headers)
            .build()
            .unwrap()
    }

    pub async fn log_in(&self, client: &Client, username: &str, password: &str) -> Response {
        client
            .post(self.url("/login"))
            .form(&[("username", username), ("password", password), ("next", "")])
            .send()
            .await
            .unwrap()
    }

    /// Calls a server function the way the hydrated page does. A function
    /// about one account is called about the configured one (`main`)
    /// unless `form` names another.
    pub async fn call(&self, client: &Client, name: &str, form: &[(&str, &str)]) -> Response {
        let mut form = form.to_vec();
        if ACCOUNT_FUNCTIONS.contains(&name) && !form.iter().any(|(k, _)| *k == "account") {
            form.insert(0, ("account", "main"));
        }
        client
            .post(self.url(&format!("/api/{name}")))
            .header("Accept", "application/json")
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// Stops the server the way Ctrl-C does (`server::run`: no new
    /// connections, requests in flight and the worker's current call
    /// finish within the grace, the database is closed and its lock
    /// released) and waits until it has.
    pub async fn stop(mut self) -> Arc<tempfile::TempDir> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server ran");
        }
        self.data.clone()
    }
}

/// The server functions about one account: each takes its slug as
/// `account`.
pub const ACCOUNT_FUNCTIONS: &[&str] = &[
    "send_stats",
    "load_compose",
    "list_tags",
    "prepare_send",
    "confirm_send",
    "preview_send",
    "list_drafts",
    "list_materials",
    "convert_video",
    "open_picker",
    "pick_media",
    "history_choices",
    "list_sends",
    "account_stats",
    "load_send_detail",
    "refresh_send",
    "delete_send",
    "load_settings",
    "edit_account",
    "set_account_disabled",
    "check_account",
    "list_article_drafts",
    "open_draft",
    "save_draft",
    "push_draft",
    "delete_draft",
    "draft_heartbeat",
    "open_wechat_draft",
    "list_media",
    "media_usage",
    "delete_media",
    "preview_article",
    "approve_send",
    "decline_send",
    "approval_queue",
    "attention_count",
    "account_quota",
    "campaign_targets",
    "reschedule_send",
    "cancel_send",
    "check_openids",
    "list_openid_lists",
    "save_openid_list",
    "delete_openid_list",
];

/// Waits until the send worker has gone through a whole round that began
/// after this call: whatever it was going to do by then, it has done.
pub async fn worker_round(app: &TestApp) {
    let sends = &app.sends();
    let target = sends.rounds() + 2;
    sends.wake();
    for _ in 0..400 {
        if sends.rounds() >= target {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the send worker did not finish a round within 4 s");
}

pub fn database_file(data: &tempfile::TempDir) -> PathBuf {
    data.path().join("qunfa.db")
}

/// Token calls (classic and stable) a simulator running on its own, at
/// `simulator`, has answered, read over its control API.
pub async fn token_calls(simulator: &str) -> u64 {
    let state: serde_json::Value = reqwest::get(format!("{simulator}/control/state"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let calls = &state["counters"]["calls"];
    calls["token"].as_u64().unwrap_or(0) + calls["stable_token"].as_u64().unwrap_or(0)
}

/// The database file in `data` as an earlier release left it: every
/// migration before `version` applied (nothing after), open for the test
/// to put rows in.
pub async fn database_before(data: &tempfile::TempDir, version: &str) -> sqlx::SqlitePool {
    let earlier = data.path().join("earlier-migrations");
    std::fs::create_dir(&earlier).unwrap();
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for step in std::fs::read_dir(migrations).unwrap() {
        let step = step.unwrap().path();
        let name = step.file_name().unwrap().to_str().unwrap().to_owned();
        if name.as_str() < version {
            std::fs::copy(&step, earlier.join(name)).unwrap();
        }
    }
    let file = database_file(data);
    let database = qunfa::shell::config::DatabasePath {
        url: format!("sqlite://{}", file.display()),
        file: Some(file),
    };
    let pool = qunfa::shell::db::connect(&database, true).await.unwrap();
    sqlx::migrate::Migrator::new(earlier.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    pool
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// A compose form of the configured account (`main`) for `msgtype` to the
/// tag VIP会员 (100) with its own clientmsgid; `fields` (by their names
/// inside `form[…]`) add to it or replace what is there.
pub fn form(id: &str, msgtype: &str, fields: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out = vec![
        ("form[clientmsgid]".to_owned(), id.to_owned()),
        ("form[msgtype]".to_owned(), msgtype.to_owned()),
        ("form[audience]".to_owned(), "tag".to_owned()),
        ("form[tag_id]".to_owned(), "100".to_owned()),
    ];
    for (name, value) in fields {
        out.retain(|(n, _)| n != &format!("form[{name}]"));
        out.push((format!("form[{name}]"), (*value).to_owned()));
    }
    out.push(("account".to_owned(), "main".to_owned()));
    out
}

/// Grants account `account` to user `username`, or takes it back.
pub async fn grant(app: &TestApp, admin: &Client, username: &str, account: &str, granted: bool) {
    let users: Vec<qunfa::auth::UserSummary> = app
        .call(admin, "list_users", &[])
        .await
        .json()
        .await
        .unwrap();
    let id = users
        .iter()
        .find(|user| user.username == username)
        .expect("the user exists")
        .id
        .to_string();
    let answer = app
        .call(
            admin,
            "set_user_account",
            &[
                ("id", id.as_str()),
                ("account", account),
                ("granted", if granted { "true" } else { "false" }),
            ],
        )
        .await;
    assert!(answer.status().is_success(), "{}", answer.status());
}

/// A client logged in as the admin.
pub async fn signed_in(app: &TestApp) -> Client {
    let client = app.client();
    app.log_in(&client, ADMIN, ADMIN_PASSWORD).await;
    client
}

/// [`TestApp::call`] with owned pairs, as [`form`] makes them.
pub async fn post(
    app: &TestApp,
    client: &Client,
    name: &str,
    form: &[(String, String)],
) -> Response {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    app.call(client, name, &pairs).await
}

/// Prepare and confirm, as the compose page does: the result of one send
/// (on the account `form` names as `account`, else the configured one).
pub async fn send(app: &TestApp, client: &Client, form: &[(String, String)]) -> SendResult {
    let id = form[0].1.clone();
    let prepared = post(app, client, "prepare_send", form).await;
    assert!(prepared.status().is_success(), "{}", prepared.status());
    match prepared.json().await.unwrap() {
        PrepareOutcome::Ready(c) => assert_eq!(c.clientmsgid, id),
        other => panic!("not ready: {other:?}"),
    }
    let mut confirm = vec![("clientmsgid".to_owned(), id)];
    confirm.extend(form.iter().filter(|(name, _)| name == "account").cloned());
    let confirmed = post(app, client, "confirm_send", &confirm).await;
    assert!(confirmed.status().is_success(), "{}", confirmed.status());
    confirmed.json().await.unwrap()
}

/// The send page's data of send `id` (on the configured account).
pub async fn send_detail(app: &TestApp, client: &Client, id: i64) -> SendDetail {
    let response = app
        .call(client, "load_send_detail", &[("id", &id.to_string())])
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}
