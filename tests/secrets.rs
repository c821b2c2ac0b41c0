//! Secrets at rest: the database and its backups hold the console's secrets
//! only sealed, under a key that is in neither; a start or a restore with
//! a key that does not open them stops in words and changes nothing.

use crate::common;

use std::{
    collections::BTreeMap,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::Arc,
};

use base64::{Engine as _, engine::general_purpose::STANDARD};
use common::{
    TestApp, database_file,
    secrets::{assert_nowhere, database_files},
};
use qunfa::shell::{config::SettingsArgs, secrets::SealingKey};
use secrecy::ExposeSecret;

fn key_file(data: &tempfile::TempDir) -> PathBuf {
    data.path().join("qunfa.key")
}

/// The database's files and the key file, each by its size and SHA-256,
/// for "nothing was changed". An empty write-ahead log holds nothing (SQLite
/// reads it as none); the last connections of a start that stopped may
/// leave one behind when they close at the same moment.
fn files_of(data: &tempfile::TempDir) -> BTreeMap<String, String> {
    use sha2::{Digest, Sha256};
    let mut files = database_files(data);
    files.retain(|(name, bytes)| !(name.ends_with("-wal") && bytes.is_empty()));
    let key = key_file(data);
    if key.exists() {
        files.push((key.display().to_string(), std::fs::read(&key).unwrap()));
    }
    files
        .into_iter()
        .map(|(name, bytes)| {
            let hash: String = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            (name, format!("{} bytes, SHA-256 {hash}", bytes.len()))
        })
        .collect()
}

/// Why `server::prepare` refused to start on `data` with `configure`.
async fn refusal(
    data: &Arc<tempfile::TempDir>,
    configure: impl FnOnce(&mut SettingsArgs),
) -> String {
    match TestApp::try_spawn_with(data.clone(), configure).await {
        Ok(app) => {
            app.stop().await;
            panic!("the console started");
        }
        Err(error) => format!("{error:#}"),
    }
}

fn another_key() -> String {
    SealingKey::generate().1.expose_secret().to_owned()
}

#[tokio::test]
async fn the_database_holds_neither_the_access_token_nor_the_callback_token_in_any_encoding() {
    let app = TestApp::spawn().await;
    app.wechat()
        .tags()
        .await
        .expect("a call with the access token");
    let access_token = app.wechat().tokens().get().await.unwrap();
    let access_token = access_token.expose().to_owned();
    let callback_token = app.callback_token();
    // The second simulated account's Token and AppSecret, sealed in its row.
    let second = app
        .state
        .accounts
        .by_slug("sim-2")
        .expect("the second account");
    let second_token = second.callbacks.keys.token.expose_secret().to_owned();
    second
        .wechat
        .tags()
        .await
        .expect("a call with its own access token");
    let second_access = second
        .wechat
        .tokens()
        .get()
        .await
        .unwrap()
        .expose()
        .to_owned();

    // While it runs (the write-ahead log holds the newest pages) and once
    // it has stopped.
    let running = database_files(&app.data);
    let data = app.stop().await;
    for files in [&running, &database_files(&data)] {
        assert_nowhere(files, access_token.as_bytes(), "the access token");
        assert_nowhere(files, callback_token.as_bytes(), "the callback Token");
        assert_nowhere(files, second_token.as_bytes(), "the second account's Token");
        assert_nowhere(
            files,
            qunfa::simulator::SECOND_BUILTIN_SECRET.as_bytes(),
            "the second account's AppSecret",
        );
        assert_nowhere(
            files,
            second_access.as_bytes(),
            "the second account's access token",
        );
    }
    let key = std::fs::read_to_string(key_file(&data)).expect("the key file");
    for files in [&running, &database_files(&data)] {
        assert_nowhere(files, key.trim().as_bytes(), "the key's text");
        assert_nowhere(files, &STANDARD.decode(key.trim()).unwrap(), "the key");
    }

    // A restart with the same key reads the Token it made.
    let app = TestApp::spawn_on(data).await;
    assert_eq!(app.callback_token(), callback_token);
    app.stop().await;
}

#[tokio::test]
async fn the_sealed_access_token_is_used_again_after_a_restart() {
    // A WeChat that outlives the console: the simulator on its own.
    const TOKEN: &str = "sealedtoken42";
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let wechat = format!("http://{}", listener.local_addr().unwrap());
    let (stop_wechat, wechat_stopped) = tokio::sync::oneshot::channel::<()>();
    let config = qunfa::simulator::SimulatorConfig::builtin(TOKEN.to_owned().into());
    let wechat_task = tokio::spawn(qunfa::simulator::run_standalone(config, listener, async {
        let _ = wechat_stopped.await;
    }));
    let account = |args: &mut SettingsArgs| {
        args.wechat_appid = Some(qunfa::simulator::BUILTIN_APPID.into());
        args.wechat_secret = Some(qunfa::simulator::BUILTIN_SECRET.into());
        args.wechat_token = Some(TOKEN.into());
        args.wechat_api_base = Some(wechat.clone());
    };

    let data = Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_with(data, account).await;
    app.wechat().tags().await.unwrap();
    let access_token = app.wechat().tokens().get().await.unwrap();
    assert_eq!(common::token_calls(&wechat).await, 1);
    let data = app.stop().await;
    assert_nowhere(
        &database_files(&data),
        access_token.expose().as_bytes(),
        "the access token",
    );

    let app = TestApp::spawn_with(data, account).await;
    app.wechat().tags().await.unwrap();
    assert_eq!(
        common::token_calls(&wechat).await,
        1,
        "the restarted console opened its cached token"
    );
    app.stop().await;
    let _ = stop_wechat.send(());
    wechat_task.await.unwrap().unwrap();
}

#[tokio::test]
async fn the_first_start_makes_a_key_file_only_its_owner_may_read() {
    let app = TestApp::spawn().await;
    let path = key_file(&app.data);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.trim_end().len(), 44, "one line of base64");
    SealingKey::parse(&text).expect("the key's text, as QUNFA_SECRET_KEY takes it");
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_key_stops_the_start_in_words_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.wechat().tags().await.unwrap();
    let data = app.stop().await;
    let path = key_file(&data);
    let right = std::fs::read(&path).unwrap();
    let other = another_key();

    let before = files_of(&data);
    let refused = refusal(&data, |args| args.secret_key = Some(other.clone())).await;
    assert!(
        refused.contains("QUNFA_SECRET_KEY does not open the secrets sealed in the database"),
        "{refused}"
    );
    assert!(refused.contains("Nothing was changed"), "{refused}");
    assert!(
        refused.contains(&format!(
            "or unset it to use the key file {}",
            path.display()
        )),
        "{refused}"
    );
    assert!(!refused.contains(&other), "{refused}");
    assert_eq!(files_of(&data), before, "nothing was changed");

    std::fs::write(&path, format!("{other}\n")).unwrap();
    let before = files_of(&data);
    let refused = refusal(&data, |_| {}).await;
    assert!(
        refused.contains(&format!("the key file {} does not open", path.display())),
        "{refused}"
    );
    assert!(
        refused.contains("Put the key file that belongs with"),
        "{refused}"
    );
    assert_eq!(files_of(&data), before, "nothing was changed");

    // The right key back in place: it starts.
    std::fs::write(&path, right).unwrap();
    TestApp::spawn_on(data).await.stop().await;
}

#[tokio::test]
async fn qunfa_serve_with_a_wrong_key_exits_with_2_so_systemd_does_not_restart_it() {
    let app = TestApp::spawn().await;
    let data = app.stop().await;
    let other = another_key();
    let refused = qunfa(
        data.path(),
        &["serve"],
        &[
            ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
            ("QUNFA_SECRET_KEY", other.as_str()),
        ],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    let said = text(&refused.stderr);
    assert!(
        said.contains("qunfa: QUNFA_SECRET_KEY does not open the secrets sealed in the database"),
        "{said}"
    );
    assert!(!said.contains(&other), "{said}");
    assert!(
        !said.contains("qunfa is listening"),
        "a console that does not start does not say it listens: {said}"
    );
}

#[tokio::test]
async fn a_missing_key_file_stops_the_start_and_no_new_key_is_made() {
    let app = TestApp::spawn().await;
    app.wechat().tags().await.unwrap();
    let data = app.stop().await;
    let path = key_file(&data);
    std::fs::remove_file(&path).unwrap();
    let before = files_of(&data);

    let refused = refusal(&data, |_| {}).await;
    assert!(
        refused.contains(&format!(
            "QUNFA_SECRET_KEY is not set and there is no key file {}",
            path.display()
        )),
        "{refused}"
    );
    assert!(refused.contains("no new key was made"), "{refused}");
    assert!(!path.exists(), "no new key file");
    assert_eq!(files_of(&data), before, "nothing was changed");
}

#[tokio::test]
async fn with_the_key_in_the_variable_no_key_file_is_made_and_the_key_is_needed_from_then_on() {
    let key = another_key();
    let data = Arc::new(tempfile::tempdir().unwrap());
    let with_key = |args: &mut SettingsArgs| args.secret_key = Some(key.clone());
    let app = TestApp::spawn_with(data, with_key).await;
    let callback_token = app.callback_token();
    let data = app.stop().await;
    assert!(!key_file(&data).exists());

    let app = TestApp::spawn_with(data, with_key).await;
    assert_eq!(app.callback_token(), callback_token);
    let data = app.stop().await;

    let refused = refusal(&data, |_| {}).await;
    assert!(refused.contains("their key is not here"), "{refused}");
    assert!(!key_file(&data).exists(), "no new key file");
}

/// What the release before sealing kept in plain text.
const PLAIN_ACCESS_TOKEN: &str = "PlainAccessTokenFromTheEarlierRelease_0123456789";
const PLAIN_CALLBACK_TOKEN: &str = "PlainCallbackToken0123456789abcd";

/// A database as the release before sealing left it: its migrations (those
/// before `secret_key_check`), an access token and the simulator's Token.
async fn earlier_release_database(data: &tempfile::TempDir) {
    let pool = common::database_before(data, "20261130170001").await;
    let expires_at = time::OffsetDateTime::now_utc().unix_timestamp() + 7000;
    sqlx::query("INSERT INTO access_tokens (cache_key, value, expires_at) VALUES (?, ?, ?)")
        .bind(format!("stable_token:{}", qunfa::simulator::BUILTIN_APPID))
        .bind(PLAIN_ACCESS_TOKEN)
        .bind(expires_at)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO simulator_token (id, token) VALUES (1, ?)")
        .bind(PLAIN_CALLBACK_TOKEN)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

#[tokio::test]
async fn an_upgrade_seals_the_secrets_an_earlier_release_kept_in_plain_text() {
    let data = Arc::new(tempfile::tempdir().unwrap());
    earlier_release_database(&data).await;

    let app = TestApp::spawn_on(data).await;
    // Both are still what they were.
    assert_eq!(app.callback_token(), PLAIN_CALLBACK_TOKEN);
    let cached = app.wechat().tokens().get().await.unwrap();
    assert_eq!(cached.expose(), PLAIN_ACCESS_TOKEN);
    // And sealed.
    for (table, column) in [("access_tokens", "value"), ("simulator_token", "token")] {
        let stored: String = sqlx::query_scalar(&format!("SELECT {column} FROM {table}"))
            .fetch_one(&app.state.db)
            .await
            .unwrap();
        assert!(stored.starts_with("v1:"), "{table}: {stored}");
    }
    let running = database_files(&app.data);
    let data = app.stop().await;
    for files in [running, database_files(&data)] {
        assert_nowhere(&files, PLAIN_ACCESS_TOKEN.as_bytes(), "the access token");
        assert_nowhere(
            &files,
            PLAIN_CALLBACK_TOKEN.as_bytes(),
            "the callback Token",
        );
    }
    assert!(key_file(&data).exists(), "the upgrade made the key file");
}

#[tokio::test]
async fn a_backup_made_by_the_earlier_release_is_restored_and_sealed_at_the_next_start() {
    let earlier = tempfile::tempdir().unwrap();
    earlier_release_database(&earlier).await;
    let backup = database_file(&earlier).display().to_string();

    let data = Arc::new(tempfile::tempdir().unwrap());
    let restored = qunfa(data.path(), &["restore", "--from", &backup], &[]);
    assert!(restored.status.success(), "{}", text(&restored.stderr));
    let said = text(&restored.stdout);
    assert!(said.contains("it holds no sealed secret"), "{said}");

    let app = TestApp::spawn_on(data).await;
    assert_eq!(app.callback_token(), PLAIN_CALLBACK_TOKEN);
    let data = app.stop().await;
    assert_nowhere(
        &database_files(&data),
        PLAIN_CALLBACK_TOKEN.as_bytes(),
        "the callback Token",
    );
}

/// `qunfa ARGS` on the database `qunfa.db` in `folder`, as an operator
/// types it, with `more` variables.
fn qunfa(folder: &Path, args: &[&str], more: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qunfa"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("QUNFA_CONFIG", folder.join("absent.toml"))
        .env(
            "QUNFA_DATABASE_URL",
            format!("sqlite://{}", folder.join("qunfa.db").display()),
        )
        .envs(more.iter().copied())
        .output()
        .expect("the qunfa binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn a_backup_says_a_restore_needs_the_key_and_a_restore_refuses_a_key_that_does_not_open_it() {
    let app = TestApp::spawn().await;
    app.wechat().tags().await.unwrap();
    let dir = app.data.path().to_owned();
    let path = key_file(&app.data);
    let key = std::fs::read_to_string(&path).unwrap();
    let copy = dir.join("copy.db");
    let copy_arg = copy.display().to_string();

    let made = qunfa(&dir, &["backup", "--to", &copy_arg], &[]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let said = text(&made.stdout);
    assert!(said.contains("A restore needs the secret key"), "{said}");
    assert!(said.contains(&path.display().to_string()), "{said}");
    assert!(!said.contains(key.trim()), "{said}");
    let backup = vec![(copy_arg.clone(), std::fs::read(&copy).unwrap())];
    assert_nowhere(&backup, key.trim().as_bytes(), "the key's text");
    assert_nowhere(&backup, &STANDARD.decode(key.trim()).unwrap(), "the key");
    let data = app.stop().await;

    // A key that does not open the backup's secrets: nothing is replaced.
    let before = files_of(&data);
    let other = another_key();
    let refused = qunfa(
        &dir,
        &["restore", "--from", &copy_arg],
        &[("QUNFA_SECRET_KEY", other.as_str())],
    );
    assert!(!refused.status.success());
    let said = text(&refused.stderr);
    assert!(
        said.contains(&format!(
            "QUNFA_SECRET_KEY does not open the secrets sealed in the backup {copy_arg}"
        )),
        "{said}"
    );
    assert_eq!(files_of(&data), before, "nothing was restored");

    // No key at all where it is restored to.
    let elsewhere = tempfile::tempdir().unwrap();
    let refused = qunfa(elsewhere.path(), &["restore", "--from", &copy_arg], &[]);
    assert!(!refused.status.success());
    let said = text(&refused.stderr);
    assert!(
        said.contains(&format!(
            "there is no key file {}",
            key_file(&elsewhere).display()
        )),
        "{said}"
    );
    assert!(!database_file(&elsewhere).exists(), "nothing was restored");

    // The key that belongs with it, in the variable there: restored.
    let restored = qunfa(
        elsewhere.path(),
        &["restore", "--from", &copy_arg],
        &[("QUNFA_SECRET_KEY", key.trim())],
    );
    assert!(restored.status.success(), "{}", text(&restored.stderr));
    assert!(
        text(&restored.stdout).contains("QUNFA_SECRET_KEY opens its secrets"),
        "{}",
        text(&restored.stdout)
    );

    // And with the key file beside the database: restored, and it starts.
    let restored = qunfa(&dir, &["restore", "--from", &copy_arg], &[]);
    assert!(restored.status.success(), "{}", text(&restored.stderr));
    TestApp::spawn_on(data).await.stop().await;
}
